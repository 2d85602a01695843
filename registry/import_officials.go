package registry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"hozur/registry/sheet"
	"hozur/registry/textnorm"
	"hozur/registry/vault"
)

// importOfficial is one good row of an official sheet.
type importOfficial struct {
	row  sheet.Row
	in   OfficialInput // empty cells filled from the stored record when there is one
	path string
	// has says which optional columns the row fills.
	has map[string]bool
	cur *Official
}

// officialKey is an official's natural key: agency and employee code, or
// agency, name and position when there is no code.
func officialKey(agencyID int64, code, name, position string) string {
	if code != "" {
		return fmt.Sprintf("%d/c/%s", agencyID, code)
	}
	return fmt.Sprintf("%d/n/%s/%s", agencyID, keyOf(name), keyOf(position))
}

var officialFields = map[string]string{"agency_id": "agency_code"}

func (im *importer) officials(ctx context.Context) error {
	s := im.s
	byCode, _, err := s.agencyRefs(ctx)
	if err != nil {
		return err
	}
	rows := make([]importOfficial, 0, len(im.t.Rows))
	agencies := map[int64]bool{}
	for n, r := range im.t.Rows {
		im.progress(StageCheck, n, len(im.t.Rows))
		im.extraCells(r)
		io := importOfficial{row: r, has: map[string]bool{}}
		code := agencyCode(im.cell(r, "agency_code"))
		ag, ok := byCode[code]
		if code != "" && !ok {
			im.bad(r, "agency_code", "import.unknown_agency", map[string]any{"Value": code})
		}
		rank := 0
		if v := im.choice(r, "rank"); v != "" {
			_, _ = fmt.Sscan(v, &rank)
		} else if !im.has(r, "rank") {
			im.bad(r, "rank", "error.required", nil)
		}
		serving := true
		if v := im.choice(r, "serving"); v != "" {
			serving = v == "true"
			io.has["serving"] = true
		}
		start, _ := im.date(r, "term_start")
		io.in = OfficialInput{AgencyID: ag.ID, Name: im.cell(r, "name"), Position: im.cell(r, "position"), Rank: rank, Serving: serving,
			TermStart: start, Email: im.cell(r, "email"), Phone: im.cell(r, "phone"), EmployeeCode: im.cell(r, "employee_code")}
		for _, k := range []string{"email", "phone", "employee_code", "term_start"} {
			io.has[k] = im.has(r, k)
		}
		io.in.normalise()
		fe := io.in.validate()
		if ag.ID == 0 {
			delete(fe, "agency_id") // told above, or below as required
			if code == "" {
				fe.add("agency_id", "error.required")
			}
		}
		if rank == 0 {
			delete(fe, "rank") // told above
		}
		if len(fe) > 0 {
			im.badFields(r, fe.err(), officialFields)
		}
		if im.badRow[r.Line] {
			continue
		}
		io.path = ag.Path
		agencies[ag.ID] = true
		rows = append(rows, io)
	}
	im.progress(StageCheck, len(im.t.Rows), len(im.t.Rows))
	current, err := s.officialsOf(ctx, agencies)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	var create, update []*importOfficial
	for i := range rows {
		io := &rows[i]
		r, in := io.row, &io.in
		key := officialKey(in.AgencyID, in.EmployeeCode, in.Name, in.Position)
		if first, dup := seen[key]; dup {
			col := "employee_code"
			if in.EmployeeCode == "" {
				col = "name"
			}
			im.bad(r, col, "import.duplicate_row", map[string]any{"Line": first})
			continue
		}
		seen[key] = r.Line
		io.cur = current[key]
		if io.cur == nil && in.EmployeeCode != "" {
			// A code added to an official registered without one: the
			// same person, found by name and position.
			if o := current[officialKey(in.AgencyID, "", in.Name, in.Position)]; o != nil && (o == ambiguous || o.EmployeeCode == "") {
				io.cur = o
			}
		}
		if io.cur == ambiguous {
			im.bad(r, "name", "import.ambiguous_official_name", map[string]any{"Value": in.Name})
			continue
		}
		t := Target{Resource: ResOfficial, AgencyPath: io.path}
		if io.cur == nil {
			if !im.a.Can(ActionCreate, t) {
				im.bad(r, "", "import.forbidden", nil)
				continue
			}
			create = append(create, io)
			continue
		}
		t.OfficialID = io.cur.ID
		if !im.a.Can(ActionUpdate, t) {
			im.bad(r, "", "import.forbidden", nil)
			continue
		}
		io.fill()
		if io.unchanged(im.tz) {
			im.res.Unchanged++
			continue
		}
		update = append(update, io)
	}
	im.res.Created, im.res.Updated = len(create), len(update)
	if im.opt.DryRun || (im.res.Bad > 0 && !im.opt.GoodOnly) {
		return nil
	}
	return im.writeOfficials(ctx, create, update)
}

// fill takes what the row leaves empty from the stored record.
func (io *importOfficial) fill() {
	c, in := io.cur, &io.in
	in.TermEnd = c.TermEnd
	if !io.has["email"] {
		in.Email = c.Email
	}
	if !io.has["phone"] {
		in.Phone = c.Phone
	}
	if !io.has["employee_code"] {
		in.EmployeeCode = c.EmployeeCode
	}
	if !io.has["serving"] {
		in.Serving = c.Serving
	}
	if !io.has["term_start"] {
		in.TermStart = c.TermStart
	}
}

func (io *importOfficial) unchanged(tz *time.Location) bool {
	c, in := io.cur, io.in
	// Stored text is compared in its display form: a name written with the
	// Arabic ي before the registry normalised names is the same name.
	if textnorm.Display(c.Name) != in.Name || textnorm.Display(c.Position) != in.Position || c.Rank != in.Rank || c.Serving != in.Serving ||
		c.Email != in.Email || c.Phone != in.Phone || c.EmployeeCode != in.EmployeeCode {
		return false
	}
	return sameDay(c.TermStart, in.TermStart, tz)
}

// ambiguous stands for two or more officials with one natural key.
var ambiguous = &Official{}

// officialsOf loads the officials of the given agencies by natural key.
func (s *Store) officialsOf(ctx context.Context, agencies map[int64]bool) (map[string]*Official, error) {
	ids := make([]int64, 0, len(agencies))
	for id := range agencies {
		ids = append(ids, id)
	}
	out := map[string]*Official{}
	for start := 0; start < len(ids); start += 500 {
		var list []Official
		if err := s.rdb(ctx).Where("agency_id IN ?", ids[start:min(start+500, len(ids))]).Find(&list).Error; err != nil {
			return nil, fmt.Errorf("import: officials: %w", err)
		}
		if err := s.openOfficialRows(ctx, list); err != nil {
			return nil, err
		}
		for i := range list {
			o := &list[i]
			if o.EmployeeCode != "" {
				out[officialKey(o.AgencyID, o.EmployeeCode, "", "")] = o
			}
			// An official with a code is also found by name and position,
			// for files that leave the code out; two of one name and
			// position cannot be told apart that way.
			k := officialKey(o.AgencyID, "", o.Name, o.Position)
			if out[k] == nil {
				out[k] = o
			} else {
				out[k] = ambiguous
			}
		}
	}
	return out, nil
}

var officialInsertColumns = []string{"agency_id", "name", "name_key", "position", "rank", "serving", "term_start", "email", "phone", "employee_code",
	"email_idx", "employee_code_idx", "created_at", "updated_at"}

var dataKeyInsertColumns = []string{"purpose", "official_id", "wrapped", "master_id", "created_at"}

func (im *importer) writeOfficials(ctx context.Context, create, update []*importOfficial) error {
	s := im.s
	total := len(create) + len(update)
	now := s.Now()
	ins := s.inserter(ctx, "officials", officialInsertColumns, "RETURNING id, agency_id, employee_code_idx, name, position")
	defer ins.close()
	keyIns := s.inserter(ctx, "data_keys", dataKeyInsertColumns, "")
	defer keyIns.close()

	const perInsert = 500
	keyArgs := make([]any, 0, perInsert*len(dataKeyInsertColumns))
	events := make([]pendingEvent, 0, len(create))
	args := make([]any, 0, perInsert*len(officialInsertColumns))
	for start := 0; start < len(create); start += perInsert {
		part := create[start:min(start+perInsert, len(create))]
		args = args[:0]
		at := make(map[string]*importOfficial, len(part))
		keys := make(map[*importOfficial]*vault.Key, len(part))
		for _, io := range part {
			in := io.in
			k, err := newDataKey()
			if err != nil {
				return err
			}
			v, err := s.sealOfficial(ctx, k, in.Email, in.Phone, in.EmployeeCode)
			if err != nil {
				return err
			}
			keys[io] = k
			args = append(args, in.AgencyID, in.Name, textnorm.Key(in.Name), in.Position, in.Rank, in.Serving, utcPtr(in.TermStart), v.Email, v.Phone, v.EmployeeCode,
				v.EmailIdx, v.EmployeeCodeIdx, now, now)
			at[officialKey(in.AgencyID, v.EmployeeCodeIdx, in.Name, in.Position)] = io
		}
		keyArgs = keyArgs[:0]
		err := ins.query(ctx, len(part), args, func(rows *sql.Rows) error {
			var id, agency int64
			var code, name, position string
			if err := rows.Scan(&id, &agency, &code, &name, &position); err != nil {
				return err
			}
			io := at[officialKey(agency, code, name, position)]
			if io == nil {
				return fmt.Errorf("official %d: not one of the rows written", id)
			}
			wrapped, master, err := s.keys.wrap(*keys[io], keyOfficial, id)
			if err != nil {
				return err
			}
			keyArgs = append(keyArgs, keyOfficial, id, wrapped, master, now)
			change, err := sealAuditName(keys[io], officialAudit(io.in))
			if err != nil {
				return err
			}
			events = append(events, pendingEvent{action: "create", entity: "official", id: id, change: change})
			return nil
		})
		if err == nil {
			err = keyIns.exec(ctx, len(part), keyArgs)
		}
		if err != nil {
			return fmt.Errorf("import officials: %w", err)
		}
		im.progress(StageWrite, start+len(part), total)
	}
	if err := s.recordMany(ctx, im.a, events); err != nil {
		return err
	}
	for i, io := range update {
		if _, err := s.UpdateOfficial(ctx, im.a, io.cur.ID, io.in); err != nil {
			if !im.badFields(io.row, err, officialFields) {
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
	return nil
}
