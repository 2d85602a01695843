package registry

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"hozur/registry/textnorm"
)

// OfficialInput is what a person supplies to create or change an official.
type OfficialInput struct {
	AgencyID     int64
	Name         string
	Position     string
	Rank         int
	Serving      bool
	TermStart    *time.Time
	TermEnd      *time.Time
	Email        string
	Phone        string
	EmployeeCode string
}

var (
	phonePattern = regexp.MustCompile(`^\+?[0-9]{7,15}$`)
	empPattern   = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
)

func (in *OfficialInput) normalise() {
	in.Name = textnorm.Display(in.Name)
	in.Position = textnorm.Display(in.Position)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Phone = phoneNoise.Replace(textnorm.ASCIIDigits(strings.TrimSpace(in.Phone)))
	in.EmployeeCode = strings.TrimSpace(textnorm.ASCIIDigits(in.EmployeeCode))
}

func (in OfficialInput) validate() fieldErrors {
	fe := fieldErrors{}
	if in.AgencyID == 0 {
		fe.add("agency_id", "error.required")
	}
	checkText(fe, "name", in.Name, true, 200)
	checkText(fe, "position", in.Position, true, 200)
	if in.Rank < 1 || in.Rank > 5 {
		fe.add("rank", "error.rank_range")
	}
	if in.Email != "" {
		if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email || len(in.Email) > 254 {
			fe.add("email", "error.email")
		}
	}
	if in.Phone != "" && !phonePattern.MatchString(in.Phone) {
		fe.add("phone", "error.phone")
	}
	if in.EmployeeCode != "" && !empPattern.MatchString(in.EmployeeCode) {
		fe.add("employee_code", "error.code_format")
	}
	if in.TermStart != nil && in.TermEnd != nil && in.TermEnd.Before(*in.TermStart) {
		fe.add("term_end", "error.end_before_start")
	}
	return fe
}

const officialColumns = "officials.*, agencies.name AS agency_name, agencies.name_en AS agency_name_en, agencies.path AS agency_path"

// Official returns one official with their agency, if the actor may see it.
func (s *Store) Official(ctx context.Context, a Actor, id int64) (*OfficialView, error) {
	o, err := s.official(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(ActionView, Target{Resource: ResOfficial, AgencyPath: o.AgencyPath, OfficialID: o.ID}) {
		return nil, ErrForbidden
	}
	return o, nil
}

func (s *Store) official(ctx context.Context, id int64) (*OfficialView, error) {
	var o OfficialView
	err := s.rdb(ctx).Table("officials").Select(officialColumns).Joins("JOIN agencies ON agencies.id = officials.agency_id").Where("officials.id = ?", id).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get official %d: %w", id, err)
	}
	if err := s.openOfficials(ctx, []*Official{&o.Official}); err != nil {
		return nil, err
	}
	return &o, nil
}

// OfficialFilter narrows the official list.
type OfficialFilter struct {
	Q        string
	AgencyID int64 // includes sub-agencies
	Rank     int
	Serving  *bool
}

var officialSorts = map[string]sortSpec{"id": {column: "officials.id"}, "name": {column: "officials.name_key", text: true}, "rank": {column: "officials.rank"}}

// Officials lists the officials the actor may see.
func (s *Store) Officials(ctx context.Context, a Actor, f OfficialFilter, p Page) (Result[OfficialView], error) {
	var res Result[OfficialView]
	sc := a.ScopeFor(ResOfficial)
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
	emailIdx, err := s.index(ctx, idxEmail, strings.ToLower(strings.TrimSpace(f.Q)))
	if err != nil {
		return res, err
	}
	base := func() *gorm.DB {
		q := s.rdb(ctx).Table("officials").Joins("JOIN agencies ON agencies.id = officials.agency_id")
		if sc.AgencyPath != "" {
			q = q.Where(inSubtree("officials.agency_id", sc.AgencyPath))
		}
		if sc.OfficialID != 0 {
			q = q.Where("officials.id = ?", sc.OfficialID)
		}
		if within != "" {
			q = q.Where(inSubtree("officials.agency_id", within))
		}
		if strings.Contains(f.Q, "@") {
			// E-mail addresses are sealed: found by their keyed hash, whole.
			q = q.Where("officials.email_idx = ?", emailIdx)
		} else if k := textnorm.Key(f.Q); k != "" {
			q = q.Where("(officials.name_key LIKE ? ESCAPE '\\' OR LOWER(officials.position) LIKE ? ESCAPE '\\')", "%"+likeEscape(k)+"%", "%"+likeEscape(strings.ToLower(textnorm.Display(f.Q)))+"%")
		}
		if f.Rank != 0 {
			q = q.Where("officials.rank = ?", f.Rank)
		}
		if f.Serving != nil {
			q = q.Where("officials.serving = ?", *f.Serving)
		}
		return q
	}
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, base()); err != nil {
		return res, fmt.Errorf("count officials: %w", err)
	}
	q, spec, _, err := keyset(base().Select(officialColumns), p, officialSorts, "name", "officials.id")
	if err != nil {
		return res, err
	}
	if err := q.Scan(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list officials: %w", err)
	}
	if err := s.openOfficialViews(ctx, res.Items); err != nil {
		return res, err
	}
	res.Items, res.Next = trim(res.Items, p, func(x OfficialView) string {
		switch spec.column {
		case "officials.name_key":
			return encodeCursor(x.NameKey, x.ID)
		case "officials.rank":
			return encodeCursor(x.Rank, x.ID)
		}
		return encodeCursor(nil, x.ID)
	})
	return res, nil
}

func (s *Store) checkOfficialTarget(ctx context.Context, a Actor, act Action, in OfficialInput, id int64, fe fieldErrors) (*Agency, error) {
	if in.AgencyID == 0 {
		return nil, fe.err()
	}
	ag, err := s.Agency(ctx, in.AgencyID)
	if errors.Is(err, ErrNotFound) {
		fe.add("agency_id", "error.not_found")
		return nil, fe.err()
	}
	if err != nil {
		return nil, err
	}
	if !a.Can(act, Target{Resource: ResOfficial, AgencyPath: ag.Path, OfficialID: id}) {
		return nil, ErrForbidden
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if in.EmployeeCode != "" {
		var other int64
		idx, err := s.index(ctx, idxEmpCode, in.EmployeeCode)
		if err != nil {
			return nil, err
		}
		if err := s.db(ctx).Model(&Official{}).Select("id").Where("agency_id = ? AND employee_code_idx = ? AND id <> ?", in.AgencyID, idx, id).Limit(1).Scan(&other).Error; err != nil {
			return nil, fmt.Errorf("check employee code: %w", err)
		}
		if other != 0 {
			return nil, &ConflictError{Key: "official.duplicate_code", Field: "employee_code", Args: map[string]any{"ID": other}}
		}
	}
	return ag, nil
}

// CreateOfficial adds an official.
func (s *Store) CreateOfficial(ctx context.Context, a Actor, in OfficialInput) (*OfficialView, error) {
	if !a.MayEver(ActionCreate, ResOfficial) {
		return nil, ErrForbidden
	}
	in.normalise()
	fe := in.validate()
	var id int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.checkOfficialTarget(ctx, a, ActionCreate, in, 0, fe); err != nil {
			return err
		}
		now := s.Now()
		k, err := newDataKey()
		if err != nil {
			return err
		}
		v, err := s.sealOfficial(ctx, k, in.Email, in.Phone, in.EmployeeCode)
		if err != nil {
			return err
		}
		o := Official{AgencyID: in.AgencyID, Name: in.Name, NameKey: textnorm.Key(in.Name), Position: in.Position, Rank: in.Rank, Serving: in.Serving,
			TermStart: in.TermStart, TermEnd: in.TermEnd, Email: v.Email, Phone: v.Phone, EmployeeCode: v.EmployeeCode, CreatedAt: now, UpdatedAt: now}
		if err := s.db(ctx).Create(&o).Error; err != nil {
			return fmt.Errorf("create official: %w", err)
		}
		if err := s.db(ctx).Model(&o).Updates(map[string]any{"email_idx": v.EmailIdx, "employee_code_idx": v.EmployeeCodeIdx}).Error; err != nil {
			return fmt.Errorf("create official: %w", err)
		}
		if err := s.saveDataKey(ctx, o.ID, k); err != nil {
			return err
		}
		id = o.ID
		change, err := sealAuditName(k, officialAudit(in))
		if err != nil {
			return err
		}
		return s.record(ctx, a, "create", "official", o.ID, change)
	})
	if err != nil {
		return nil, err
	}
	return s.official(ctx, id)
}

// officialAudit is what the audit trail keeps of an official: contact
// details are personal data, so only whether they are set is recorded.
func officialAudit(in OfficialInput) map[string]any {
	return map[string]any{"agency_id": in.AgencyID, "name": in.Name, "position": in.Position, "rank": in.Rank, "serving": in.Serving,
		"term_start": datePtr(in.TermStart), "term_end": datePtr(in.TermEnd),
		"email": in.Email != "", "phone": in.Phone != "", "employee_code": in.EmployeeCode != ""}
}

func datePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// UpdateOfficial changes an official. Their accounts follow them to a new
// agency.
func (s *Store) UpdateOfficial(ctx context.Context, a Actor, id int64, in OfficialInput) (*OfficialView, error) {
	if !a.MayEver(ActionUpdate, ResOfficial) {
		return nil, ErrForbidden
	}
	in.normalise()
	fe := in.validate()
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.official(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionUpdate, Target{Resource: ResOfficial, AgencyPath: cur.AgencyPath, OfficialID: id}) {
			return ErrForbidden
		}
		ag, err := s.checkOfficialTarget(ctx, a, ActionUpdate, in, id, fe)
		if err != nil {
			return err
		}
		upd := map[string]any{"agency_id": in.AgencyID, "name": in.Name, "name_key": textnorm.Key(in.Name), "position": in.Position, "rank": in.Rank,
			"serving": in.Serving, "term_start": in.TermStart, "term_end": in.TermEnd, "updated_at": s.Now()}
		k, err := s.officialKeyForWrite(ctx, id)
		if errors.Is(err, ErrErased) && in.Email == "" && in.Phone == "" && in.EmployeeCode == "" {
			k = nil // erased, and nothing personal asked for: the rest may change
		} else if err != nil {
			return err
		}
		if k != nil {
			v, err := s.sealOfficial(ctx, k, in.Email, in.Phone, in.EmployeeCode)
			if err != nil {
				return err
			}
			for c, x := range v.columns() {
				upd[c] = x
			}
		}
		if err := s.db(ctx).Model(&Official{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update official: %w", err)
		}
		if in.AgencyID != cur.AgencyID {
			upd := AncestryOf(ag.Path).columns()
			upd["agency_id"] = in.AgencyID
			if err := s.db(ctx).Model(&Account{}).Where("official_id = ?", id).Updates(upd).Error; err != nil {
				return fmt.Errorf("move official's accounts: %w", err)
			}
		}
		var held []int64
		if err := s.db(ctx).Model(&Account{}).Where("official_id = ?", id).Pluck("id", &held).Error; err != nil {
			return fmt.Errorf("update official: %w", err)
		}
		s.touch(ctx, held...)
		before := officialAudit(OfficialInput{AgencyID: cur.AgencyID, Name: cur.Name, Position: cur.Position, Rank: cur.Rank, Serving: cur.Serving,
			TermStart: cur.TermStart, TermEnd: cur.TermEnd, Email: cur.Email, Phone: cur.Phone, EmployeeCode: cur.EmployeeCode})
		changed := map[string]any{}
		for f, v := range diff(before, officialAudit(in)) {
			changed[f] = v
		}
		if changed, err = sealAuditName(k, changed); err != nil {
			return err
		}
		return s.record(ctx, a, "update", "official", id, changed)
	})
	if err != nil {
		return nil, err
	}
	return s.official(ctx, id)
}

// DeleteOfficial removes an official who holds no accounts and has no user.
func (s *Store) DeleteOfficial(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.official(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionDelete, Target{Resource: ResOfficial, AgencyPath: cur.AgencyPath, OfficialID: id}) {
			return ErrForbidden
		}
		for _, dep := range []struct{ table, key string }{{"accounts", "official.in_use_accounts"}, {"users", "official.in_use_users"}} {
			var n int64
			if err := s.db(ctx).Table(dep.table).Where("official_id = ?", id).Limit(1).Count(&n).Error; err != nil {
				return fmt.Errorf("delete official: %w", err)
			}
			if n > 0 {
				return &ConflictError{Key: dep.key}
			}
		}
		// Copies in backups stay sealed under a key that no longer exists.
		if err := s.db(ctx).Where("purpose = ? AND official_id = ?", keyOfficial, id).Delete(&DataKey{}).Error; err != nil {
			return fmt.Errorf("delete official: %w", err)
		}
		s.keys.forget(id)
		if err := s.db(ctx).Delete(&Official{}, id).Error; err != nil {
			return fmt.Errorf("delete official: %w", err)
		}
		return s.record(ctx, a, "delete", "official", id, map[string]any{"name": cur.Name})
	})
}

// phoneNoise is what people put between a phone number's digits.
var phoneNoise = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "")
