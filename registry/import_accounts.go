package registry

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"hozur/registry/link"
	"hozur/registry/sheet"
	"hozur/registry/textnorm"
	"hozur/registry/vault"
)

// agencyRef is what an import needs of an agency.
type agencyRef struct {
	ID   int64
	Code string
	Path string
}

// agencyRefs loads every agency's code and path: ten thousand agencies
// are a few hundred kilobytes, cheaper than a query per row.
func (s *Store) agencyRefs(ctx context.Context) (byCode map[string]agencyRef, byID map[int64]agencyRef, err error) {
	rows, err := s.rdb(ctx).Raw("SELECT id, code, path FROM agencies").Rows()
	if err != nil {
		return nil, nil, fmt.Errorf("import: agencies: %w", err)
	}
	defer func() { _ = rows.Close() }()
	byCode, byID = map[string]agencyRef{}, map[int64]agencyRef{}
	for rows.Next() {
		var r agencyRef
		if err := rows.Scan(&r.ID, &r.Code, &r.Path); err != nil {
			return nil, nil, fmt.Errorf("import: agencies: %w", err)
		}
		byCode[r.Code], byID[r.ID] = r, r
	}
	return byCode, byID, rows.Err()
}

// agencyCode reads an agency code cell as AgencyInput stores codes.
func agencyCode(v string) string { return strings.ToUpper(strings.TrimSpace(textnorm.ASCIIDigits(v))) }

// importAccount is one good row of an account sheet.
type importAccount struct {
	row       sheet.Row
	acc       Account // the account as the row wants it
	path      string  // the holder agency's path
	hasStatus bool
	hasOpened bool
	cur       *Account // the stored account with the same key, if any, opened
	token     string   // the key as a personal account stores it
	// holder is the official's natural key when the row names them by
	// name and position rather than employee code.
	holder string
}

type officialRef struct {
	ID       int64
	AgencyID int64
}

func (im *importer) accounts(ctx context.Context) error {
	s := im.s
	plist, err := s.Platforms(ctx)
	if err != nil {
		return err
	}
	lp := linkPlatforms(plist)
	platformOf := map[string]*Platform{}
	for i := range plist {
		p := &plist[i]
		platformOf[p.Code] = p
		platformOf[textnorm.Key(p.Name)] = p
		platformOf[textnorm.Key(p.NameEn)] = p
		im.platformCode[p.ID] = p.Code
	}
	byCode, byID, err := s.agencyRefs(ctx)
	if err != nil {
		return err
	}
	// First pass: everything a row says on its own.
	rows := make([]importAccount, 0, len(im.t.Rows))
	var codes []string
	named := map[int64]bool{} // agencies whose officials rows name
	for n, r := range im.t.Rows {
		im.progress(StageCheck, n, len(im.t.Rows))
		im.extraCells(r)
		ia := importAccount{row: r}
		pcode := ""
		if v := im.cell(r, "platform"); v != "" {
			p := platformOf[strings.ToLower(strings.TrimSpace(v))]
			if p == nil {
				p = platformOf[textnorm.Key(v)]
			}
			if p == nil {
				im.bad(r, "platform", "import.unknown_platform", map[string]any{"Value": v})
				continue
			}
			pcode = p.Code
		}
		var acct link.Account
		switch url, handle := im.cell(r, "url"), im.cell(r, "handle"); {
		case url != "" && pcode != "":
			acct, err = link.FromHandle(pcode, url, lp)
			if err != nil {
				im.bad(r, "url", linkErrorKey(err), nil)
			}
		case url != "":
			acct, err = link.Recognize(url, lp)
			if err != nil {
				im.bad(r, "url", linkErrorKey(err), nil)
			}
		case handle != "" && pcode == "":
			im.bad(r, "platform", "error.required", nil)
		case handle != "":
			acct, err = link.FromHandle(pcode, handle, lp)
			if err != nil {
				im.bad(r, "handle", linkErrorKey(err), nil)
			}
		default:
			im.bad(r, "url", "account.url_or_handle", nil)
		}
		capacity := im.choice(r, "capacity")
		if capacity == "" && !im.has(r, "capacity") {
			im.bad(r, "capacity", "error.required", nil)
		}
		status := im.choice(r, "status")
		opened, _ := im.date(r, "opened_on")
		agency, emp := agencyCode(im.cell(r, "agency_code")), strings.TrimSpace(textnorm.ASCIIDigits(im.cell(r, "official_employee_code")))
		var ag agencyRef
		if agency != "" {
			var ok bool
			if ag, ok = byCode[agency]; !ok {
				im.bad(r, "agency_code", "import.unknown_agency", map[string]any{"Value": agency})
			}
		}
		name, position := im.cell(r, "official_name"), im.cell(r, "official_position")
		switch {
		case capacity == CapacityInstitutional && (emp != "" || name != ""):
			im.bad(r, "official_employee_code", "account.institutional_no_official", nil)
		case capacity == CapacityInstitutional && agency == "":
			im.bad(r, "agency_code", "account.agency_required", nil)
		case capacity == "" || capacity == CapacityInstitutional || emp != "":
		case name == "":
			im.bad(r, "official_employee_code", "account.official_required", nil)
		case agency == "":
			// A name is only unique within an agency.
			im.bad(r, "agency_code", "account.agency_required", nil)
		case position == "":
			im.bad(r, "official_position", "error.required", nil)
		}
		if im.badRow[r.Line] {
			continue
		}
		p := platformOf[acct.Platform]
		if p == nil {
			im.bad(r, "platform", "error.not_found", nil)
			continue
		}
		ia.acc = Account{PlatformID: p.ID, Handle: acct.Handle, Display: acct.Display, URL: acct.URL, AgencyID: ag.ID, Capacity: capacity,
			Status: status, OpenedOn: opened}
		ia.path, ia.hasStatus, ia.hasOpened = ag.Path, status != "", opened != nil
		switch {
		case capacity == CapacityInstitutional:
		case emp != "":
			ia.acc.OfficialID = new(int64) // resolved below
			codes = append(codes, emp)
		default:
			ia.acc.OfficialID = new(int64)
			ia.holder = officialKey(ag.ID, "", name, position)
			named[ag.ID] = true
		}
		rows = append(rows, ia)
	}
	im.progress(StageCheck, len(im.t.Rows), len(im.t.Rows))
	// Second pass: the holders named by employee code.
	officials, err := s.officialsByCode(ctx, codes)
	if err != nil {
		return err
	}
	byName, err := s.officialsOf(ctx, named)
	if err != nil {
		return err
	}
	seen := make(map[string]int, len(rows))
	good := rows[:0]
	for _, ia := range rows {
		r := ia.row
		if ia.holder != "" {
			o := byName[ia.holder]
			if o == ambiguous {
				im.bad(r, "official_name", "import.ambiguous_official_name", map[string]any{"Value": im.cell(r, "official_name")})
				continue
			}
			if o == nil || !im.mayHold(o.AgencyID, o.ID, byID) {
				im.bad(r, "official_name", "import.unknown_official_name", map[string]any{"Value": im.cell(r, "official_name")})
				continue
			}
			id := o.ID
			ia.acc.OfficialID = &id
		} else if ia.acc.OfficialID != nil {
			emp := strings.TrimSpace(textnorm.ASCIIDigits(im.cell(r, "official_employee_code")))
			var match []officialRef
			for _, o := range officials[emp] {
				// Officials the importer may not hold accounts for are not
				// matched at all: "no such official" and "not yours" read
				// the same, so an import tells nothing of others.
				if (ia.acc.AgencyID == 0 || o.AgencyID == ia.acc.AgencyID) && im.mayHold(o.AgencyID, o.ID, byID) {
					match = append(match, o)
				}
			}
			switch len(match) {
			case 0:
				im.bad(r, "official_employee_code", "import.unknown_official", map[string]any{"Value": emp})
				continue
			case 1:
			default:
				im.bad(r, "official_employee_code", "import.ambiguous_official", map[string]any{"Value": emp})
				continue
			}
			id := match[0].ID
			ia.acc.OfficialID, ia.acc.AgencyID = &id, match[0].AgencyID
			ia.path = byID[match[0].AgencyID].Path
		}
		key := fmt.Sprintf("%d/%s", ia.acc.PlatformID, ia.acc.Handle)
		col := im.handleColumn(r)
		if first, dup := seen[key]; dup {
			im.bad(r, col, "import.duplicate_row", map[string]any{"Line": first})
			continue
		}
		seen[key] = r.Line
		good = append(good, ia)
	}
	if err := s.currentAccounts(ctx, good, im.platformCode); err != nil {
		return err
	}
	// Third pass: permissions, and what each row changes.
	var create, update []*importAccount
	for i := range good {
		ia := &good[i]
		t := Target{Resource: ResAccount, AgencyPath: ia.path, OfficialID: derefOr(ia.acc.OfficialID)}
		if ia.cur == nil {
			if !im.a.Can(ActionCreate, t) {
				im.bad(ia.row, "", "import.forbidden", nil)
				continue
			}
			create = append(create, ia)
			continue
		}
		curPath := ""
		if ag, ok := byID[ia.cur.AgencyID]; ok {
			curPath = ag.Path
		}
		if !im.a.Can(ActionUpdate, Target{Resource: ResAccount, AgencyPath: curPath, OfficialID: derefOr(ia.cur.OfficialID)}) {
			// Someone else's account (perhaps a personal one): say it is
			// taken, not whose.
			im.bad(ia.row, im.handleColumn(ia.row), "account.duplicate_hidden", nil)
			continue
		}
		if !im.a.Can(ActionUpdate, t) {
			im.bad(ia.row, "", "import.forbidden", nil)
			continue
		}
		if ia.unchanged(im.tz) {
			im.res.Unchanged++
			continue
		}
		update = append(update, ia)
	}
	create, keys, err := im.holderKeys(ctx, create)
	if err != nil {
		return err
	}
	im.res.Created, im.res.Updated = len(create), len(update)
	if im.opt.DryRun || (im.res.Bad > 0 && !im.opt.GoodOnly) {
		return nil
	}
	return im.writeAccounts(ctx, create, update, keys)
}

// mayHold reports whether the importer may see an official as a holder of
// accounts: the office everyone, a liaison those of their subtree, an
// official themselves.
func (im *importer) mayHold(agencyID, officialID int64, byID map[int64]agencyRef) bool {
	return im.a.Can(ActionView, Target{Resource: ResOfficial, AgencyPath: byID[agencyID].Path, OfficialID: officialID})
}

// handleColumn is the column that names row r's account.
func (im *importer) handleColumn(r sheet.Row) string {
	if im.has(r, "handle") {
		return "handle"
	}
	return "url"
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// unchanged reports whether the row asks for what is stored.
func (ia *importAccount) unchanged(tz *time.Location) bool {
	c, w := ia.cur, ia.acc
	if c.Display != w.Display || c.Capacity != w.Capacity || c.AgencyID != w.AgencyID || derefOr(c.OfficialID) != derefOr(w.OfficialID) {
		return false
	}
	if ia.hasStatus && c.Status != w.Status {
		return false
	}
	return !ia.hasOpened || sameDay(c.OpenedOn, w.OpenedOn, tz)
}

// sameDay reports whether two dates are the same day in tz: a day typed in
// a sheet is midnight in tz, while a stored one may be any moment of it.
func sameDay(a, b *time.Time, tz *time.Location) bool {
	if a == nil || b == nil {
		return a == b
	}
	ay, am, ad := a.In(tz).Date()
	by, bm, bd := b.In(tz).Date()
	return ay == by && am == bm && ad == bd
}

// officialsByCode finds the officials with the given employee codes.
func (s *Store) officialsByCode(ctx context.Context, codes []string) (map[string][]officialRef, error) {
	out := map[string][]officialRef{}
	uniq := map[string]bool{}
	var list []string
	for _, c := range codes {
		if !uniq[c] {
			uniq[c] = true
			list = append(list, c)
		}
	}
	// Employee codes are sealed: rows are found by their keyed hash.
	hashes := make([]string, len(list))
	codeOf := make(map[string]string, len(list))
	for i, c := range list {
		h, err := s.index(ctx, idxEmpCode, c)
		if err != nil {
			return nil, err
		}
		hashes[i], codeOf[h] = h, c
	}
	for start := 0; start < len(hashes); start += 500 {
		part := hashes[start:min(start+500, len(hashes))]
		var found []struct {
			ID              int64
			AgencyID        int64
			EmployeeCodeIdx string
		}
		if err := s.rdb(ctx).Raw("SELECT id, agency_id, employee_code_idx FROM officials WHERE employee_code_idx IN ?", part).Scan(&found).Error; err != nil {
			return nil, fmt.Errorf("import: officials: %w", err)
		}
		for _, o := range found {
			code := codeOf[o.EmployeeCodeIdx]
			out[code] = append(out[code], officialRef{ID: o.ID, AgencyID: o.AgencyID})
		}
	}
	return out, nil
}

// currentAccounts finds the stored account of each row's key in either
// of its forms (see handleForms), a batch of handles per platform at a
// time on the (platform_id, handle) index, and opens the personal ones.
// A batch goes as one JSON array: twice the handles as bound parameters
// cost more to prepare than to look up (0.2 s of 100,000 rows).
func (s *Store) currentAccounts(ctx context.Context, rows []importAccount, codes map[int64]string) error {
	index, err := s.indexKey(ctx)
	if err != nil {
		return err
	}
	ix := index.Indexer()
	byPlatform := map[int64][]int{}
	for i := range rows {
		byPlatform[rows[i].acc.PlatformID] = append(byPlatform[rows[i].acc.PlatformID], i)
	}
	var texts []AccountText
	for pid, idx := range byPlatform {
		at := make(map[string]int, 2*len(idx))
		for _, i := range idx {
			rows[i].token = handleToken(ix, codes[pid], rows[i].acc.Handle)
			at[rows[i].acc.Handle], at[rows[i].token] = i, i
		}
		for start := 0; start < len(idx); start += 2000 {
			part := idx[start:min(start+2000, len(idx))]
			handles := make([]string, 0, 2*len(part))
			for _, i := range part {
				handles = append(handles, rows[i].acc.Handle, rows[i].token)
			}
			in, list, err := s.inStrings("handle", handles)
			if err != nil {
				return err
			}
			var found []Account
			if err := s.rdb(ctx).Where("platform_id = ? AND "+in, pid, list).Find(&found).Error; err != nil {
				return fmt.Errorf("import: accounts: %w", err)
			}
			for k := range found {
				c := &found[k]
				i := at[c.Handle]
				rows[i].cur = c
				if c.Capacity == CapacityPersonal {
					c.Handle = rows[i].acc.Handle
					texts = append(texts, AccountText{Capacity: c.Capacity, OfficialID: c.OfficialID, Display: &c.Display, URL: &c.URL})
				}
			}
		}
	}
	return s.OpenAccounts(ctx, texts)
}

// accountInsertColumns are the columns a bulk insert writes.
var accountInsertColumns = []string{"platform_id", "handle", "display", "url", "agency_id", "official_id", "agency_at0", "agency_at1", "agency_at2",
	"agency_at3", "agency_at4", "capacity", "status", "source", "verification", "opened_on", "closed_at", "created_at", "updated_at"}

// writeAccounts inserts the new accounts in multi-row statements and
// changes the others one by one through UpdateAccount, which keeps its
// rules (a re-import mostly creates, or changes nothing).
func (im *importer) writeAccounts(ctx context.Context, create, update []*importAccount, keys map[int64]*vault.Key) error {
	s := im.s
	var err error
	total := len(create) + len(update)
	now := s.Now()
	source := defaultSource(im.a)
	ins := s.inserter(ctx, "accounts", accountInsertColumns, "RETURNING id, platform_id, handle")
	defer ins.close()
	// New accounts go in by holder, the agency's path first: every index
	// that leads with the agency (or its ancestors, or the official) then
	// grows at one place per holder, each of its pages written once,
	// instead of at thousands of places spread over a national registry's
	// indexes, each page read and written again and again.
	create = slices.Clone(create)
	slices.SortStableFunc(create, func(a, b *importAccount) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return cmp.Compare(idOr0(a.acc.OfficialID), idOr0(b.acc.OfficialID))
	})
	const perInsert = 500
	events := make([]pendingEvent, 0, len(create))
	ids := make([]int64, 0, len(create))
	args := make([]any, 0, perInsert*len(accountInsertColumns))
	for start := 0; start < len(create); start += perInsert {
		part := create[start:min(start+perInsert, len(create))]
		args = args[:0]
		at := make(map[string]*importAccount, len(part))
		for _, ia := range part {
			acc := &ia.acc
			if acc.Status == "" {
				acc.Status = StatusActive
			}
			acc.Source, acc.Verification, acc.CreatedAt, acc.UpdatedAt = source, VerificationUnverified, now, now
			if acc.Status == StatusClosed {
				acc.ClosedAt = &now
			}
			AncestryOf(ia.path).apply(acc)
			v := storedText{Handle: acc.Handle, Display: acc.Display, URL: acc.URL}
			if acc.Capacity == CapacityPersonal {
				if v, err = im.sealPersonal(ctx, ia, keys); err != nil {
					return err
				}
			}
			args = append(args, acc.PlatformID, v.Handle, v.Display, v.URL, acc.AgencyID, acc.OfficialID, acc.AgencyAt0, acc.AgencyAt1, acc.AgencyAt2,
				acc.AgencyAt3, acc.AgencyAt4, acc.Capacity, acc.Status, acc.Source, acc.Verification, utcPtr(acc.OpenedOn), acc.ClosedAt, now, now)
			at[fmt.Sprintf("%d/%s", acc.PlatformID, v.Handle)] = ia
		}
		err := ins.query(ctx, len(part), args, func(rows *sql.Rows) error {
			var id, pid int64
			var handle string
			if err := rows.Scan(&id, &pid, &handle); err != nil {
				return err
			}
			// RETURNING promises no order: match rows on their key.
			if ia := at[fmt.Sprintf("%d/%s", pid, handle)]; ia != nil {
				ia.acc.ID = id
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("import accounts: %w", err)
		}
		for _, ia := range part {
			ids = append(ids, ia.acc.ID)
			events = append(events, pendingEvent{action: "create", entity: "account", id: ia.acc.ID, change: accountAudit(ia.acc)})
		}
		im.progress(StageWrite, start+len(part), total)
	}
	if err := s.recordMany(ctx, im.a, events); err != nil {
		return err
	}
	for i, ia := range update {
		c := ia.cur
		in := AccountInput{PlatformCode: im.platformCode[c.PlatformID], Handle: ia.acc.Display, Capacity: ia.acc.Capacity, AgencyID: ia.acc.AgencyID, OfficialID: derefOr(ia.acc.OfficialID),
			Status: c.Status, Source: c.Source, Verification: c.Verification, OpenedOn: c.OpenedOn}
		if ia.hasStatus {
			in.Status = ia.acc.Status
		}
		if ia.hasOpened {
			in.OpenedOn = ia.acc.OpenedOn
		}
		if _, err := s.UpdateAccount(ctx, im.a, c.ID, in); err != nil {
			if !im.badFields(ia.row, err, map[string]string{"url": "handle", "agency_id": "agency_code", "official_id": "official_employee_code"}) {
				return err
			}
			if !im.opt.GoodOnly {
				return ErrImportRejected
			}
			im.uncount(false)
			continue
		}
		im.progress(StageWrite, len(create)+i+1, total)
	}
	if len(ids) > 1000 {
		s.touchAll(ctx)
	} else {
		s.touch(ctx, ids...)
	}
	return nil
}

// utcPtr is t in UTC, for raw statements that the UTC callback (utc.go)
// does not see.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// holderKeys leaves out the new personal accounts of holders whose data
// was erased, who can hold none, and returns the data keys of the others'
// holders; a holder with no key yet is absent, and gets one on writing.
func (im *importer) holderKeys(ctx context.Context, create []*importAccount) ([]*importAccount, map[int64]*vault.Key, error) {
	var ids []int64
	for _, ia := range create {
		if ia.acc.Capacity == CapacityPersonal {
			ids = append(ids, *ia.acc.OfficialID)
		}
	}
	if len(ids) == 0 {
		return create, nil, nil
	}
	keys, err := im.s.officialKeys(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	kept := create[:0]
	for _, ia := range create {
		if k, ok := keys[derefOr(ia.acc.OfficialID)]; ok && k == nil && ia.acc.Capacity == CapacityPersonal {
			col := "official_employee_code"
			if ia.holder != "" {
				col = "official_name"
			}
			im.bad(ia.row, col, "account.holder_erased", nil)
			continue
		}
		kept = append(kept, ia)
	}
	return kept, keys, nil
}

// sealPersonal seals a new personal account with its holder's key.
func (im *importer) sealPersonal(ctx context.Context, ia *importAccount, keys map[int64]*vault.Key) (storedText, error) {
	id := *ia.acc.OfficialID
	k := keys[id]
	if k == nil {
		var err error
		if k, err = im.s.officialKeyForWrite(ctx, id); err != nil {
			return storedText{}, err
		}
		keys[id] = k
	}
	return sealTextAs(k, ia.token, link.Account{Display: ia.acc.Display, URL: ia.acc.URL})
}

// idOr0 is *p, or 0 for nil.
func idOr0(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
