package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"hozur/registry/textnorm"
)

// AgencyInput is what a person supplies to create or change an agency.
type AgencyInput struct {
	Code     string
	Name     string
	NameEn   string
	Kind     string
	ParentID *int64
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

func (in *AgencyInput) normalise() {
	in.Code = strings.ToUpper(strings.TrimSpace(textnorm.ASCIIDigits(in.Code)))
	in.Name = textnorm.Display(in.Name)
	in.NameEn = strings.Join(strings.Fields(in.NameEn), " ")
	in.Kind = strings.TrimSpace(in.Kind)
	if in.ParentID != nil && *in.ParentID == 0 {
		in.ParentID = nil
	}
}

func (in AgencyInput) validate() fieldErrors {
	fe := fieldErrors{}
	switch {
	case in.Code == "":
		fe.add("code", "error.required")
	case !codePattern.MatchString(in.Code):
		fe.add("code", "error.code_format")
	}
	checkText(fe, "name", in.Name, true, 200)
	checkText(fe, "name_en", in.NameEn, false, 200)
	if !slices.Contains(AgencyKinds, in.Kind) {
		fe.add("kind", "error.choose")
	}
	return fe
}

func checkText(fe fieldErrors, field, v string, required bool, maxLen int) {
	switch {
	case v == "" && required:
		fe.add(field, "error.required")
	case utf8.RuneCountInString(v) > maxLen:
		fe.add(field, "error.too_long")
	}
}

// Agency returns one agency.
func (s *Store) Agency(ctx context.Context, id int64) (*Agency, error) {
	var a Agency
	err := s.rdb(ctx).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get agency %d: %w", id, err)
	}
	return &a, nil
}

// AgencyByCode returns the agency with a code.
func (s *Store) AgencyByCode(ctx context.Context, code string) (*Agency, error) {
	var a Agency
	err := s.rdb(ctx).Where("code = ?", strings.ToUpper(strings.TrimSpace(code))).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get agency %q: %w", code, err)
	}
	return &a, nil
}

// AgencyFilter narrows the agency list.
type AgencyFilter struct {
	Q        string
	Kind     string
	ParentID *int64 // direct children of this agency; 0 means top level
	Within   int64  // the subtree of this agency (itself included)
}

var agencySorts = map[string]sortSpec{"id": {column: "id"}, "name": {column: "name_key", text: true}, "code": {column: "code", text: true}}

// Agencies lists agencies. Everyone who signs in may see the tree: it is the
// public organisation of the state.
func (s *Store) Agencies(ctx context.Context, a Actor, f AgencyFilter, p Page) (Result[Agency], error) {
	var res Result[Agency]
	if !a.Can(ActionView, Target{Resource: ResAgency}) {
		return res, ErrForbidden
	}
	base := func() (*gorm.DB, error) {
		q := s.rdb(ctx).Model(&Agency{})
		if k := textnorm.Key(f.Q); k != "" {
			q = q.Where("(name_key LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' OR LOWER(name_en) LIKE ? ESCAPE '\\')", "%"+likeEscape(k)+"%", likeEscape(strings.ToUpper(strings.TrimSpace(f.Q)))+"%", "%"+likeEscape(strings.ToLower(strings.TrimSpace(f.Q)))+"%")
		}
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if f.ParentID != nil {
			if *f.ParentID == 0 {
				q = q.Where("parent_id IS NULL")
			} else {
				q = q.Where("parent_id = ?", *f.ParentID)
			}
		}
		if f.Within != 0 {
			root, err := s.filterAgency(ctx, f.Within)
			if err != nil {
				return nil, err
			}
			lo, hi := pathRange(root.Path)
			q = q.Where("path >= ? AND path < ?", lo, hi)
		}
		return q, nil
	}
	q, err := base()
	if err != nil {
		return res, err
	}
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, q); err != nil {
		return res, fmt.Errorf("count agencies: %w", err)
	}
	q, _ = base()
	q, spec, _, err := keyset(q, p, agencySorts, "name", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list agencies: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(x Agency) string { return encodeCursor(agencySortValue(x, spec), x.ID) })
	return res, nil
}

func agencySortValue(x Agency, spec sortSpec) any {
	switch spec.column {
	case "name_key":
		return x.NameKey
	case "code":
		return x.Code
	}
	return x.ID
}

// AgencyChildCounts returns how many direct children each of the given
// agencies has, for the tree view.
func (s *Store) AgencyChildCounts(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ParentID int64
		N        int64
	}
	if err := s.rdb(ctx).Model(&Agency{}).Select("parent_id, COUNT(*) AS n").Where("parent_id IN ?", ids).Group("parent_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count child agencies: %w", err)
	}
	for _, r := range rows {
		out[r.ParentID] = r.N
	}
	return out, nil
}

// AgencyAncestors returns the chain from the root down to the agency itself.
func (s *Store) AgencyAncestors(ctx context.Context, ag *Agency) ([]Agency, error) {
	var ids []int64
	for _, p := range strings.Split(strings.Trim(ag.Path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	var out []Agency
	if err := s.rdb(ctx).Where("id IN ?", ids).Order("depth").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("agency ancestors: %w", err)
	}
	return out, nil
}

// CreateAgency adds an agency.
func (s *Store) CreateAgency(ctx context.Context, a Actor, in AgencyInput) (*Agency, error) {
	if !a.MayEver(ActionCreate, ResAgency) {
		return nil, ErrForbidden
	}
	in.normalise()
	fe := in.validate()
	var ag *Agency
	err := s.Tx(ctx, func(ctx context.Context) error {
		parentPath := ""
		depth := 0
		if in.ParentID != nil {
			parent, err := s.Agency(ctx, *in.ParentID)
			if errors.Is(err, ErrNotFound) {
				fe.add("parent_id", "error.not_found")
			} else if err != nil {
				return err
			} else {
				parentPath, depth = parent.Path, parent.Depth+1
				if depth > MaxAgencyDepth {
					fe.add("parent_id", "agency.too_deep")
				}
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		if !a.Can(ActionCreate, Target{Resource: ResAgency, AgencyPath: parentPath}) {
			return ErrForbidden
		}
		if err := s.agencyCodeFree(ctx, in.Code, 0); err != nil {
			return err
		}
		now := s.Now()
		ag = &Agency{Code: in.Code, Name: in.Name, NameEn: in.NameEn, NameKey: textnorm.Key(in.Name), Kind: in.Kind, ParentID: in.ParentID, Depth: depth, CreatedAt: now, UpdatedAt: now}
		if err := s.db(ctx).Create(ag).Error; err != nil {
			return fmt.Errorf("create agency: %w", err)
		}
		ag.Path = parentPath + strconv.FormatInt(ag.ID, 10) + "/"
		if parentPath == "" {
			ag.Path = "/" + ag.Path
		}
		if err := s.db(ctx).Model(ag).Update("path", ag.Path).Error; err != nil {
			return fmt.Errorf("create agency: %w", err)
		}
		return s.record(ctx, a, "create", "agency", ag.ID, in)
	})
	return ag, err
}

func (s *Store) agencyCodeFree(ctx context.Context, code string, self int64) error {
	var id int64
	err := s.db(ctx).Model(&Agency{}).Select("id").Where("code = ? AND id <> ?", code, self).Limit(1).Scan(&id).Error
	if err != nil {
		return fmt.Errorf("check agency code: %w", err)
	}
	if id != 0 {
		return &ConflictError{Key: "agency.duplicate_code", Field: "code", Args: map[string]any{"ID": id}}
	}
	return nil
}

// UpdateAgency changes an agency. Moving it under another parent moves its
// whole subtree.
func (s *Store) UpdateAgency(ctx context.Context, a Actor, id int64, in AgencyInput) (*Agency, error) {
	if !a.MayEver(ActionUpdate, ResAgency) {
		return nil, ErrForbidden
	}
	in.normalise()
	fe := in.validate()
	var ag *Agency
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.Agency(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionUpdate, Target{Resource: ResAgency, AgencyPath: cur.Path}) {
			return ErrForbidden
		}
		newPath, depth := "/"+strconv.FormatInt(id, 10)+"/", 0
		if in.ParentID != nil {
			parent, err := s.Agency(ctx, *in.ParentID)
			switch {
			case errors.Is(err, ErrNotFound):
				fe.add("parent_id", "error.not_found")
			case err != nil:
				return err
			case strings.HasPrefix(parent.Path, cur.Path):
				fe.add("parent_id", "agency.parent_cycle")
			default:
				newPath, depth = parent.Path+strconv.FormatInt(id, 10)+"/", parent.Depth+1
				h, err := s.agencyHeight(ctx, cur)
				if err != nil {
					return err
				}
				if depth+h > MaxAgencyDepth {
					fe.add("parent_id", "agency.too_deep")
				}
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		if err := s.agencyCodeFree(ctx, in.Code, id); err != nil {
			return err
		}
		before := map[string]any{"code": cur.Code, "name": cur.Name, "name_en": cur.NameEn, "kind": cur.Kind, "parent_id": ptrVal(cur.ParentID)}
		after := map[string]any{"code": in.Code, "name": in.Name, "name_en": in.NameEn, "kind": in.Kind, "parent_id": ptrVal(in.ParentID)}
		upd := map[string]any{"code": in.Code, "name": in.Name, "name_en": in.NameEn, "name_key": textnorm.Key(in.Name), "kind": in.Kind, "parent_id": in.ParentID, "updated_at": s.Now()}
		if err := s.db(ctx).Model(&Agency{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update agency: %w", err)
		}
		if newPath != cur.Path {
			// Re-root the subtree: every descendant's path and depth shift.
			err := s.db(ctx).Exec("UPDATE agencies SET path = ? || substr(path, ?), depth = depth + ? WHERE path LIKE ?",
				newPath, len(cur.Path)+1, depth-cur.Depth, cur.Path+"%").Error
			if err != nil {
				return fmt.Errorf("move agency: %w", err)
			}
			if err := s.reparentAccounts(ctx, newPath); err != nil {
				return err
			}
		}
		if err := s.record(ctx, a, "update", "agency", id, diff(before, after)); err != nil {
			return err
		}
		ag, err = s.Agency(ctx, id)
		return err
	})
	return ag, err
}

// DeleteAgency removes an agency that nothing depends on.
func (s *Store) DeleteAgency(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.Agency(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionDelete, Target{Resource: ResAgency, AgencyPath: cur.Path}) {
			return ErrForbidden
		}
		for _, dep := range []struct{ table, col, key string }{
			{"agencies", "parent_id", "agency.in_use_children"},
			{"officials", "agency_id", "agency.in_use_officials"},
			{"accounts", "agency_id", "agency.in_use_accounts"},
			{"users", "agency_id", "agency.in_use_users"},
		} {
			var n int64
			if err := s.db(ctx).Table(dep.table).Where(dep.col+" = ?", id).Limit(1).Count(&n).Error; err != nil {
				return fmt.Errorf("delete agency: %w", err)
			}
			if n > 0 {
				return &ConflictError{Key: dep.key}
			}
		}
		if err := s.db(ctx).Delete(&Agency{}, id).Error; err != nil {
			return fmt.Errorf("delete agency: %w", err)
		}
		return s.record(ctx, a, "delete", "agency", id, map[string]any{"code": cur.Code, "name": cur.Name})
	})
}

func ptrVal[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// likeEscape escapes LIKE wildcards in user input.
func likeEscape(s string) string {
	return likeEscaper.Replace(s)
}

// pathRange is the key range of a subtree: every path that starts with p.
// A range, unlike LIKE, uses the index on agencies.path.
func pathRange(p string) (lo, hi string) {
	// Paths end in "/"; the next byte after "/" is "0".
	return p, p[:len(p)-1] + "0"
}

// inSubtree is a condition "col is an agency in the subtree at path".
func inSubtree(col, path string) (string, string, string) {
	lo, hi := pathRange(path)
	return col + " IN (SELECT id FROM agencies WHERE path >= ? AND path < ?)", lo, hi
}

// filterAgency is the agency a list is filtered by; an unknown one is a bad
// filter, not a missing page.
func (s *Store) filterAgency(ctx context.Context, id int64) (*Agency, error) {
	ag, err := s.Agency(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, &ValidationError{Fields: map[string]string{"agency_id": "error.not_found"}}
	}
	return ag, err
}

// Int64Ptr returns a pointer to v, for optional filters.
func Int64Ptr(v int64) *int64 { return &v }

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
