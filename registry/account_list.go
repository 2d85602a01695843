package registry

// Reading accounts: one, and the lists with their filters and search.

import (
	"context"
	"errors"
	"fmt"
	"hozur/registry/textnorm"
	"strings"

	"gorm.io/gorm"
)

const accountColumns = `accounts.*, platforms.code AS platform_code, platforms.name AS platform_name, platforms.name_en AS platform_name_en,
platforms.origin AS origin, agencies.name AS agency_name, agencies.name_en AS agency_name_en, agencies.path AS agency_path,
COALESCE(officials.name, '') AS official_name, COALESCE(officials.serving, TRUE) AS official_serving`

// accountListColumns are accountColumns named one by one, in the order
// scanAccountViews reads them.
const accountListColumns = `accounts.id, accounts.platform_id, accounts.handle, accounts.display, accounts.url, accounts.agency_id,
accounts.official_id, accounts.agency_at0, accounts.agency_at1, accounts.agency_at2, accounts.agency_at3, accounts.agency_at4,
accounts.capacity, accounts.status, accounts.source, accounts.verification, accounts.opened_on, accounts.closure_deadline,
accounts.verified_at, accounts.closed_at, accounts.created_at, accounts.updated_at,
platforms.code, platforms.name, platforms.name_en, platforms.origin, agencies.name, agencies.name_en, agencies.path,
COALESCE(officials.name, ''), COALESCE(officials.serving, TRUE)`

// scanAccountViews reads a page of accounts selected with
// accountListColumns. By hand, not through gorm's reflection, which took a
// fifth of a list request's time.
func scanAccountViews(q *gorm.DB) ([]AccountView, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []AccountView
	for rows.Next() {
		var v AccountView
		a := &v.Account
		if err := rows.Scan(&a.ID, &a.PlatformID, &a.Handle, &a.Display, &a.URL, &a.AgencyID, &a.OfficialID,
			&a.AgencyAt0, &a.AgencyAt1, &a.AgencyAt2, &a.AgencyAt3, &a.AgencyAt4, &a.Capacity, &a.Status, &a.Source, &a.Verification,
			&a.OpenedOn, &a.ClosureDeadline, &a.VerifiedAt, &a.ClosedAt, &a.CreatedAt, &a.UpdatedAt,
			&v.PlatformCode, &v.PlatformName, &v.PlatformNameEn, &v.Origin, &v.AgencyName, &v.AgencyNameEn, &v.AgencyPath,
			&v.OfficialName, &v.OfficialServing); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// accountJoins: CROSS JOIN tells SQLite to keep accounts as the outer loop,
// so "newest first" walks the accounts index; left to itself it scanned the
// 15 platforms first and sorted a million rows (6.8 s against 0.4 ms).
const accountJoins = `CROSS JOIN platforms ON platforms.id = accounts.platform_id CROSS JOIN agencies ON agencies.id = accounts.agency_id
LEFT JOIN officials ON officials.id = accounts.official_id`

func (s *Store) account(ctx context.Context, id int64) (*AccountView, error) {
	var v AccountView
	err := s.rdb(ctx).Table("accounts").Select(accountColumns).Joins(s.joins(accountJoins)).Where("accounts.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get account %d: %w", id, err)
	}
	list := []AccountView{v}
	if err := s.openAccountViews(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// Account returns one account, if the actor may see it.
func (s *Store) Account(ctx context.Context, a Actor, id int64) (*AccountView, error) {
	v, err := s.account(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(ActionView, accountTarget(v)) {
		return nil, ErrForbidden
	}
	return v, nil
}

// AccountFilter narrows the account list.
type AccountFilter struct {
	Q            string
	AgencyID     int64 // includes sub-agencies
	OfficialID   int64
	Platform     string // code
	Origin       string
	Capacity     string
	Status       string
	Verification string
}

var accountSorts = map[string]sortSpec{"id": {column: "accounts.id"}, "handle": {column: "accounts.handle", text: true}}

// Accounts lists the accounts the actor may see.
func (s *Store) Accounts(ctx context.Context, a Actor, f AccountFilter, p Page) (Result[AccountView], error) {
	var res Result[AccountView]
	sc := a.ScopeFor(ResAccount)
	if sc.None {
		return res, ErrForbidden
	}
	var within string
	if f.AgencyID != 0 {
		ag, err := s.filterAgency(ctx, f.AgencyID)
		if err != nil {
			return res, err
		}
		within = ag.Path
	}
	var platformID int64
	if f.Platform != "" {
		pl, err := s.PlatformByCode(ctx, f.Platform)
		if errors.Is(err, ErrNotFound) {
			return res, &ValidationError{Fields: map[string]string{"platform": "error.not_found"}}
		}
		if err != nil {
			return res, err
		}
		platformID = pl.ID
	}
	// A personal account's handle is stored as a keyed hash (see
	// account_crypt.go): the search finds it by its exact handle only,
	// where others match by the start of theirs.
	tokens, err := s.searchTokens(ctx, strings.TrimPrefix(strings.TrimSpace(f.Q), "@"), f.Platform)
	if err != nil {
		return res, err
	}
	search, err := s.searchPlan(ctx, textnorm.Key(strings.TrimPrefix(strings.TrimSpace(f.Q), "@")))
	if err != nil {
		return res, err
	}
	base := func() *gorm.DB {
		q := s.rdb(ctx).Table("accounts")
		q = sc.onAccounts(q, within)
		if f.OfficialID != 0 {
			q = q.Where("accounts.official_id = ?", f.OfficialID)
		}
		if platformID != 0 {
			q = q.Where("accounts.platform_id = ?", platformID)
		}
		if f.Origin != "" {
			// Checked row by row, not as a list of platforms: a list would
			// lead the planner to read every account of those platforms and
			// sort them, where the list's order finds a page in a few rows.
			q = q.Where("EXISTS (SELECT 1 FROM platforms WHERE platforms.id = accounts.platform_id AND platforms.origin = ?)", f.Origin)
		}
		if f.Capacity != "" {
			q = q.Where("accounts.capacity = ?", f.Capacity)
		}
		if f.Status != "" {
			q = q.Where("accounts.status = ?", f.Status)
		}
		if f.Verification != "" {
			q = q.Where("accounts.verification = ?", f.Verification)
		}
		if k := search.key; k != "" {
			like := "%" + likeEscape(k) + "%"
			if search.dense {
				// So many officials match that a page of matches lies in
				// the first rows of the list's own order: each row is
				// checked as it is read.
				q = q.Where(`((accounts.handle >= ? AND accounts.handle < ? AND accounts.capacity <> 'personal') OR accounts.handle IN ?
 OR EXISTS (SELECT 1 FROM officials o WHERE o.id = accounts.official_id AND o.name_key LIKE ? ESCAPE '\')
 OR (COALESCE(accounts.official_id, 0) = 0 AND EXISTS (SELECT 1 FROM agencies g WHERE g.id = accounts.agency_id AND g.name_key LIKE ? ESCAPE '\')))`,
					k, k+"\U0010FFFF", append(tokens, ""), like, like)
				return q
			}
			// The matches' ids, each kind on its own index: as one OR,
			// SQLite's choice between those indexes and a scan of every
			// account hung on its guess of the handle index's size, which
			// the long tokens of personal handles throw (54 ms against 5
			// at 300,000 accounts). The agencies' own accounts are found
			// by agency: "official_id IS NULL" would walk the official
			// index over every institutional account (COALESCE keeps the
			// planner off it).
			q = q.Where(`accounts.id IN (SELECT id FROM accounts WHERE handle >= ? AND handle < ? AND capacity <> 'personal'
 UNION ALL SELECT id FROM accounts WHERE handle IN ?
 UNION ALL SELECT id FROM accounts WHERE official_id IN ?
 UNION ALL SELECT id FROM accounts WHERE COALESCE(official_id, 0) = 0 AND agency_id IN (SELECT id FROM agencies WHERE name_key LIKE ? ESCAPE '\'))`,
				k, k+"\U0010FFFF", append(tokens, ""), orEmptyIDs(search.officials), like)
		}
		return q
	}
	if f.Q != "" {
		// Counting the matches of a free-text search means reading every
		// candidate row; the page shows the first matches without a total.
		p.WithTotal = false
	}
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, base()); err != nil {
		return res, fmt.Errorf("count accounts: %w", err)
	}
	q, spec, _, err := keyset(base().Select(accountListColumns).Joins(s.joins(accountJoins)), p, accountSorts, "-id", "accounts.id")
	if err != nil {
		return res, err
	}
	if res.Items, err = scanAccountViews(q); err != nil {
		return res, fmt.Errorf("list accounts: %w", err)
	}
	// The cursor holds the stored handle (a personal account's token,
	// which sorts them among the "p"s), so it is taken before opening.
	res.Items, res.Next = trim(res.Items, p, func(x AccountView) string {
		if spec.column == "accounts.handle" {
			return encodeCursor(x.Handle, x.ID)
		}
		return encodeCursor(nil, x.ID)
	})
	if err := s.openAccountViews(ctx, res.Items); err != nil {
		return res, err
	}
	return res, nil
}

// searchDenseAt is how many officials' names must match a search for the
// list to check each account as it reads them in order, rather than
// gathering the matches first (searchPlan).
var searchDenseAt = 200

// accountSearch is how a free-text search of accounts runs.
type accountSearch struct {
	key       string  // the normalised text; empty: no search
	officials []int64 // the officials whose names match, when not dense
	dense     bool    // more than searchDenseAt officials match
}

// searchPlan looks up the officials whose names hold key, up to one more
// than searchDenseAt. A few: the list gathers their accounts (and the
// handles' and agencies' matches) by index. Many, as with a common family
// name, which at national size holds thousands of officials and tens of
// thousands of accounts: gathering them all to show the newest fifty costs
// tens of milliseconds, while the list's own order meets a match every few
// rows.
func (s *Store) searchPlan(ctx context.Context, key string) (accountSearch, error) {
	sp := accountSearch{key: key}
	if key == "" {
		return sp, nil
	}
	err := s.rdb(ctx).Raw(`SELECT id FROM officials WHERE name_key LIKE ? ESCAPE '\' LIMIT ?`, "%"+likeEscape(key)+"%", searchDenseAt+1).
		Scan(&sp.officials).Error
	if err != nil {
		return sp, fmt.Errorf("search accounts: %w", err)
	}
	sp.dense = len(sp.officials) > searchDenseAt
	return sp, nil
}

// orEmptyIDs is ids, or a list no row matches: "IN ()" is not SQL.
func orEmptyIDs(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{0}
	}
	return ids
}
