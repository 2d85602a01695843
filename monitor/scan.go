package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"hozur/registry"
)

// Scan evaluates every rule over the whole registry at now, reconciles the
// flags in one transaction (open the new, touch the still-true, resolve the
// gone) and records the scan. Two scans over unchanged data open and
// resolve nothing.
func (m *Monitor) Scan(ctx context.Context, now time.Time, trigger string, progress func(done, total int)) (Scan, error) {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	now = now.UTC().Truncate(time.Second)
	sc := Scan{Trigger: trigger, StartedAt: now}
	if err := m.store.Write(ctx).Create(&sc).Error; err != nil {
		return sc, fmt.Errorf("scan: %w", err)
	}
	found, evaluated, err := m.evaluate(ctx, now, nil, progress)
	if err == nil {
		sc.Evaluated = evaluated
		err = m.reconcile(ctx, now, nil, found, &sc)
	}
	finished := m.store.Now()
	sc.FinishedAt = &finished
	if err != nil {
		sc.Error = err.Error()
	}
	if uerr := m.store.Write(ctx).Model(&Scan{}).Where("id = ?", sc.ID).Updates(map[string]any{"finished_at": finished, "evaluated": sc.Evaluated,
		"opened": sc.Opened, "resolved": sc.Resolved, "open_total": sc.OpenTotal, "error": sc.Error}).Error; uerr != nil && err == nil {
		err = fmt.Errorf("scan: %w", uerr)
	}
	return sc, err
}

// RescanAccounts re-evaluates the rules for some accounts, their holders
// and their justifications, right after a write, so the pages are current
// without waiting for the night's scan. It records no scan row.
func (m *Monitor) RescanAccounts(ctx context.Context, now time.Time, accountIDs []int64) error {
	if len(accountIDs) == 0 {
		return nil
	}
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	now = now.UTC().Truncate(time.Second)
	u := &universe{accounts: accountIDs}
	// The holders of these accounts: their other accounts decide presence.
	db := m.store.Read(ctx)
	if err := db.Table("accounts").Where("id IN ? AND official_id IS NOT NULL", accountIDs).Distinct().Pluck("official_id", &u.officials).Error; err != nil {
		return fmt.Errorf("rescan: %w", err)
	}
	if err := db.Table("accounts").Where("id IN ? AND official_id IS NULL", accountIDs).Distinct().Pluck("agency_id", &u.agencies).Error; err != nil {
		return fmt.Errorf("rescan: %w", err)
	}
	// An official's presence counts once their accounts moved in or out.
	var held []int64
	if err := m.store.Read(ctx).Table("flags").Where("resolved_at IS NULL AND subject_type = ? AND subject_id IN ?", SubjectAccount, accountIDs).
		Where("official_id IS NOT NULL").Distinct().Pluck("official_id", &held).Error; err != nil {
		return fmt.Errorf("rescan: %w", err)
	}
	u.officials = append(u.officials, held...)
	found, _, err := m.evaluate(ctx, now, u, nil)
	if err != nil {
		return err
	}
	return m.reconcile(ctx, now, u, found, &Scan{})
}

// reconcile brings the unresolved flags of the universe in line with the
// findings, in one transaction.
func (m *Monitor) reconcile(ctx context.Context, now time.Time, u *universe, found map[findingKey]finding, sc *Scan) error {
	return m.store.Tx(ctx, func(ctx context.Context) error {
		db := m.store.Write(ctx)
		// The open flags, as much of them as reconciling needs: a national
		// scan holds half a million. Their rule, severity and subject type
		// take a handful of values, kept once each.
		type openFlag struct {
			ID, SubjectID, AgencyID     int64
			Rule, Severity, SubjectType string
			Args                        string
		}
		var open []openFlag
		names := map[string]string{}
		intern := func(b []byte) string {
			if v, ok := names[string(b)]; ok { // no copy made to look up
				return v
			}
			v := string(b)
			names[v] = v
			return v
		}
		q := db.Model(&Flag{}).Select("id, rule, severity, subject_type, subject_id, args, agency_id").Where("resolved_at IS NULL")
		if !u.full() {
			q = q.Where(`(subject_type = ? AND subject_id IN ?) OR (subject_type = ? AND subject_id IN ?) OR (subject_type = ? AND subject_id IN ?)
 OR (subject_type = ? AND account_id IN ?)`, SubjectAccount, u.accounts, SubjectOfficial, orEmpty(u.officials),
				SubjectAgency, orEmpty(u.agencies), SubjectJustification, u.accounts)
		}
		err := func() error {
			rs, err := q.Rows()
			if err != nil {
				return err
			}
			defer func() { _ = rs.Close() }()
			var rule, severity, subjectType, args sql.RawBytes // copied by intern before the next row
			for rs.Next() {
				var f openFlag
				if err := rs.Scan(&f.ID, &rule, &severity, &subjectType, &f.SubjectID, &args, &f.AgencyID); err != nil {
					return err
				}
				f.Rule, f.Severity, f.SubjectType, f.Args = intern(rule), intern(severity), intern(subjectType), intern(args)
				open = append(open, f)
			}
			return rs.Err()
		}()
		if err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		w := newFlagWriter(ctx, db, m.store.Rebind)
		defer w.close()
		var resolve, seen []int64
		for _, f := range open {
			k := finding{Rule: f.Rule, SubjectType: f.SubjectType, SubjectID: f.SubjectID}.key()
			nf, still := found[k]
			if !still {
				resolve = append(resolve, f.ID)
				continue
			}
			delete(found, k)
			seen = append(seen, f.ID)
			if nf.Severity != f.Severity || nf.Args != f.Args || nf.AgencyID != f.AgencyID {
				if err := w.exec("UPDATE flags SET severity = ?, args = ?, agency_id = ?, official_id = ? WHERE id = ?",
					nf.Severity, nf.Args, nf.AgencyID, nf.OfficialID, f.ID); err != nil {
					return fmt.Errorf("reconcile: %w", err)
				}
			}
		}
		if err := w.byIDs("UPDATE flags SET status = ?, resolved_at = ?", resolve, FlagResolved, now); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		if u.full() {
			if err := w.exec("UPDATE flags SET last_seen_at = ? WHERE resolved_at IS NULL", now); err != nil {
				return fmt.Errorf("reconcile: %w", err)
			}
		} else if err := w.byIDs("UPDATE flags SET last_seen_at = ?", seen, now); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		// The new flags, 500 to a statement, as they come from the map: a
		// registry's first scan opens hundreds of thousands.
		fresh := make([]finding, 0, min(len(found), 500))
		for _, f := range found {
			if fresh = append(fresh, f); len(fresh) == cap(fresh) {
				if err := w.insert(fresh, FlagOpen, now); err != nil {
					return fmt.Errorf("reconcile: %w", err)
				}
				fresh = fresh[:0]
			}
		}
		if err := w.insert(fresh, FlagOpen, now); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		sc.Opened, sc.Resolved = int64(len(found)), int64(len(resolve))
		if u.full() {
			sc.OpenTotal = int64(len(open)-len(resolve)) + sc.Opened
			return nil
		}
		return db.Model(&Flag{}).Where("resolved_at IS NULL").Count(&sc.OpenTotal).Error
	})
}

func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// OnChange is the registry's change hook: the holders of the touched
// accounts are re-evaluated at once; a change that may touch any account
// (a group exemption) starts a full scan in the background.
func (m *Monitor) OnChange(ctx context.Context, accountIDs []int64, all bool) {
	now := m.store.Now()
	if all {
		m.background.Go(func() {
			if _, err := m.Scan(context.WithoutCancel(ctx), now, "write", nil); err != nil {
				m.log.Error("scan after a change", "error", err)
			}
		})
		return
	}
	if err := m.rescanShared(ctx, accountIDs); err != nil {
		m.log.Error("rescan after a write", "error", err)
	}
}

var _ registry.ChangeHook = (*Monitor)(nil).OnChange
