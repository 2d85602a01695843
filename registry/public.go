package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"hozur/registry/link"
)

// Public verification: anyone, signed in or not, may ask whether an account
// is a registered institutional or office account, and of which agency.
// Personal accounts are personal data of their holders and are never
// disclosed: a personal account, a closed account and an account the
// registry does not know get the same answer, from the same query, so that
// neither the answer nor the time it takes tells them apart.

// PublicAccount is what anyone may learn of a registered institutional or
// office account. It names the agency, never the official who holds an
// office account.
type PublicAccount struct {
	// ID is the account's number, the cursor of PublicAccounts.
	ID             int64
	PlatformCode   string
	PlatformName   string
	PlatformNameEn string
	// Handle is the handle as people write it.
	Handle string
	// URL is the canonical link to the account.
	URL string
	// Capacity is institutional or office.
	Capacity     string
	AgencyCode   string
	AgencyName   string
	AgencyNameEn string
	// Since is the day the account was opened, or else the day it was registered.
	Since time.Time
	// Verified says the oversight office has verified the account.
	Verified bool
}

// publicRow is one row of the public queries.
type publicRow struct {
	ID             int64
	PlatformCode   string
	PlatformName   string
	PlatformNameEn string
	Display        string
	URL            string
	Capacity       string
	Verification   string
	OpenedOn       *time.Time
	CreatedAt      time.Time
	AgencyCode     string
	AgencyName     string
	AgencyNameEn   string
}

func (r publicRow) public() PublicAccount {
	since := r.CreatedAt
	if r.OpenedOn != nil && !r.OpenedOn.IsZero() {
		since = *r.OpenedOn
	}
	return PublicAccount{ID: r.ID, PlatformCode: r.PlatformCode, PlatformName: r.PlatformName, PlatformNameEn: r.PlatformNameEn,
		Handle: r.Display, URL: r.URL, Capacity: r.Capacity, AgencyCode: r.AgencyCode, AgencyName: r.AgencyName,
		AgencyNameEn: r.AgencyNameEn, Since: since, Verified: r.Verification == VerificationVerified}
}

// publicSelect reads only the columns a PublicAccount shows: no official,
// no status, no source. CROSS JOIN keeps accounts the outer loop (see
// accountJoins).
const publicSelect = `SELECT accounts.id, platforms.code AS platform_code, platforms.name AS platform_name, platforms.name_en AS platform_name_en,
accounts.display, accounts.url, accounts.capacity, accounts.verification, accounts.opened_on, accounts.created_at,
agencies.code AS agency_code, agencies.name AS agency_name, agencies.name_en AS agency_name_en
FROM accounts CROSS JOIN platforms ON platforms.id = accounts.platform_id CROSS JOIN agencies ON agencies.id = accounts.agency_id`

// publicWhere is what makes an account public. Every public query has it
// (the page query once per capacity), so no code path reads a personal or
// closed account; a personal one's handle is not even stored, only its
// keyed hash (see account_crypt.go), and its display and URL are sealed.
const publicWhere = `accounts.capacity IN ('institutional', 'office') AND accounts.status <> 'closed'`

// publicVerifySQL finds one account by platform and handle: one probe of
// the index of public accounts (migration 00010), which a personal or a
// closed account is no more in than an unknown one, so the answer takes
// the same time for all three.
var publicVerifySQL = strings.Replace(publicSelect, "FROM accounts ", "FROM accounts INDEXED BY accounts_public ", 1) +
	` WHERE accounts.platform_id = ? AND accounts.handle = ? AND ` + publicWhere

// publicVerifyPG is publicVerifySQL on PostgreSQL, which takes no index
// hints: its planner chooses the partial index, whose predicate the query
// repeats (TestPublicQueryPlans checks).
var publicVerifyPG = pgJoins(publicSelect) + ` WHERE accounts.platform_id = ? AND accounts.handle = ? AND ` + publicWhere

// publicPageSQL is a page of public accounts after an id. Each capacity's
// index walked in id order gives at most n ids; the accounts with those ids,
// read by primary key in id order, are the page. One range over capacity
// IN (…) would sort every remaining account of both capacities (0.16 s at
// a million accounts), and the primary key alone would read every personal
// account on the way. The outer query repeats no capacity test, which
// would tempt SQLite to walk the capacity index and sort.
const publicPageSQL = publicSelect + ` WHERE accounts.id IN (
SELECT id FROM (SELECT id FROM accounts WHERE capacity = 'institutional' AND status <> 'closed' AND id > @after ORDER BY id LIMIT @n) AS institutional
UNION ALL SELECT id FROM (SELECT id FROM accounts WHERE capacity = 'office' AND status <> 'closed' AND id > @after ORDER BY id LIMIT @n) AS office)
ORDER BY accounts.id LIMIT @n`

// platformPrefix is "code:" before a handle, e.g. "telegram:@irna_1313".
var platformPrefix = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]{0,31}):(.*)$`)

// PublicVerify tells whether text names a registered, not closed,
// institutional or office account. Text is a pasted link, or a platform
// code and a handle as "code:handle". Anything else, a personal or a closed
// account included, is ErrNotFound; text that names no account at all is a
// *ValidationError on field "url".
func (s *Store) PublicVerify(ctx context.Context, text string) (*PublicAccount, error) {
	plist, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	acc, err := recognizePublic(text, linkPlatforms(plist))
	if err != nil {
		return nil, err
	}
	var platformID int64
	for _, p := range plist {
		if p.Code == acc.Platform {
			platformID = p.ID
		}
	}
	var rows []publicRow
	q := publicVerifySQL
	if s.Postgres() {
		q = publicVerifyPG
	}
	err = s.rdb(ctx).Raw(q, platformID, acc.Handle).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("public verify: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	pa := rows[0].public()
	return &pa, nil
}

// recognizePublic reads text as a link, or as "code:handle" when code is a
// platform's.
func recognizePublic(text string, lp []link.Platform) (link.Account, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return link.Account{}, &ValidationError{Fields: map[string]string{"url": link.CodeEmpty}}
	}
	if m := platformPrefix.FindStringSubmatch(text); m != nil && !strings.HasPrefix(m[2], "//") {
		code := strings.ToLower(m[1])
		for _, p := range lp {
			if p.Code == code {
				acc, err := link.FromHandle(code, m[2], lp)
				if err != nil {
					return link.Account{}, &ValidationError{Fields: map[string]string{"url": linkErrorKey(err)}}
				}
				return acc, nil
			}
		}
	}
	acc, err := link.Recognize(text, lp)
	if err != nil {
		key := linkErrorKey(err)
		// "@name" or "name" alone: the platform is missing, not wrong.
		if errors.Is(err, &link.Error{Code: link.CodeUnknownPlatform}) && !strings.ContainsAny(text, "/.") {
			key = "verify.platform_required"
		}
		return link.Account{}, &ValidationError{Fields: map[string]string{"url": key}}
	}
	return acc, nil
}

// PublicAccounts lists the registered, not closed, institutional and office
// accounts with an id above after, in id order, at most limit (1 to 500;
// other values mean 100). Next is the cursor of the following page, 0 after
// the last.
func (s *Store) PublicAccounts(ctx context.Context, after int64, limit int) ([]PublicAccount, int64, error) {
	if limit < 1 || limit > 500 {
		limit = 100
	}
	var rows []publicRow
	// One more than a page tells whether there is a next one.
	err := s.rdb(ctx).Raw(s.joins(publicPageSQL), map[string]any{"after": max(after, 0), "n": limit + 1}).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("public accounts: %w", err)
	}
	var next int64
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	out := make([]PublicAccount, len(rows))
	for i, r := range rows {
		out[i] = r.public()
	}
	return out, next, nil
}
