package registry

import (
	"context"
	"fmt"
	"time"
)

// RegistryCounts are the figures on the dashboard.
type RegistryCounts struct {
	Agencies, Officials, Accounts, Foreign, Domestic, Unverified int64
}

// countsTTL is how long dashboard figures are reused: counting a subtree's
// foreign accounts at national size takes a tenth of a second, and figures a
// few seconds old are as good on a dashboard.
const countsTTL = 20 * time.Second

type countsEntry struct {
	at     time.Time
	counts RegistryCounts
}

// Counts returns the dashboard figures within the actor's scope. Each figure
// is its own query that one index answers.
func (s *Store) Counts(ctx context.Context, a Actor) (RegistryCounts, error) {
	osc, asc := a.ScopeFor(ResOfficial), a.ScopeFor(ResAccount)
	key := fmt.Sprintf("%v|%v", osc, asc)
	if v, ok := s.counts.Load(key); ok {
		if e := v.(countsEntry); time.Since(e.at) < countsTTL {
			return e.counts, nil
		}
	}
	var c RegistryCounts
	if err := s.rdb(ctx).Model(&Agency{}).Count(&c.Agencies).Error; err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	oq := s.rdb(ctx).Table("officials")
	switch {
	case osc.None:
		oq = oq.Where("1 = 0")
	case osc.AgencyPath != "":
		oq = oq.Where(inSubtree("agency_id", osc.AgencyPath))
	case osc.OfficialID != 0:
		oq = oq.Where("id = ?", osc.OfficialID)
	}
	if err := oq.Count(&c.Officials).Error; err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	accounts := func(where string, args ...any) (int64, error) {
		q := s.rdb(ctx).Table("accounts")
		if asc.None {
			q = q.Where("1 = 0")
		}
		q = asc.onAccounts(q, "")
		if where != "" {
			q = q.Where(where, args...)
		}
		var n int64
		err := q.Count(&n).Error
		return n, err
	}
	var err error
	if c.Accounts, err = accounts(""); err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	if c.Foreign, err = accounts("accounts.platform_id IN (SELECT id FROM platforms WHERE origin = ?)", OriginForeign); err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	if c.Unverified, err = accounts("accounts.verification = ?", VerificationUnverified); err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	c.Domestic = c.Accounts - c.Foreign
	s.counts.Store(key, countsEntry{at: time.Now(), counts: c})
	return c, nil
}
