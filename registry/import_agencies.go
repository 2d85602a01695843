package registry

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"hozur/registry/sheet"
	"hozur/registry/textnorm"
)

// importAgency is one good row of an agency sheet.
type importAgency struct {
	row    sheet.Row
	in     AgencyInput
	parent string // the parent's code; "" keeps the stored parent (or none)
	depth  int
	cur    *Agency
}

var agencyFields = map[string]string{"parent_id": "parent_code"}

// agencies imports agencies through CreateAgency and UpdateAgency, parents
// before children: a country has some ten thousand agencies, and the tree's
// paths are worth the store's own care.
func (im *importer) agencies(ctx context.Context) error {
	var all []Agency
	if err := im.s.rdb(ctx).Find(&all).Error; err != nil {
		return fmt.Errorf("import: agencies: %w", err)
	}
	stored := make(map[string]*Agency, len(all))
	byID := make(map[int64]*Agency, len(all))
	for i := range all {
		stored[all[i].Code], byID[all[i].ID] = &all[i], &all[i]
	}
	// How deep each stored agency's subtree reaches, for moves.
	maxDepth := make(map[int64]int, len(all))
	for i := range all {
		for _, anc := range AncestryOf(all[i].Path) {
			if anc != nil {
				maxDepth[*anc] = max(maxDepth[*anc], all[i].Depth)
			}
		}
	}
	inFile := map[string]*importAgency{}
	rows := make([]*importAgency, 0, len(im.t.Rows))
	for n, r := range im.t.Rows {
		im.progress(StageCheck, n, len(im.t.Rows))
		im.extraCells(r)
		ia := &importAgency{row: r, parent: agencyCode(im.cell(r, "parent_code"))}
		kind := im.choice(r, "kind")
		ia.in = AgencyInput{Code: im.cell(r, "code"), Name: im.cell(r, "name"), NameEn: im.cell(r, "name_en"), Kind: kind}
		ia.in.normalise()
		fe := ia.in.validate()
		if kind == "" && im.has(r, "kind") {
			delete(fe, "kind") // told above
		} else if kind == "" {
			fe["kind"] = "error.required"
		}
		if len(fe) > 0 {
			im.badFields(r, fe.err(), agencyFields)
		}
		if ia.parent != "" && ia.parent == ia.in.Code {
			im.bad(r, "parent_code", "agency.parent_cycle", nil)
		}
		if first, dup := inFile[ia.in.Code]; dup && ia.in.Code != "" {
			im.bad(r, "code", "import.duplicate_row", map[string]any{"Line": first.row.Line})
			continue
		}
		if im.badRow[r.Line] {
			continue
		}
		ia.cur = stored[ia.in.Code]
		inFile[ia.in.Code] = ia
		rows = append(rows, ia)
	}
	im.progress(StageCheck, len(im.t.Rows), len(im.t.Rows))
	// Depths, through parents in the file and in the store; a loop of
	// parents has none.
	const loop = -1
	depth := map[string]int{}
	var depthOf func(code string, seen int) int
	depthOf = func(code string, seen int) int {
		if d, ok := depth[code]; ok {
			return d
		}
		if seen > len(rows)+MaxAgencyDepth+1 {
			return loop
		}
		parent := ""
		if ia := inFile[code]; ia != nil {
			parent = ia.parent
			if parent == "" && ia.cur != nil && ia.cur.ParentID != nil {
				if p := byID[*ia.cur.ParentID]; p != nil {
					parent = p.Code
				}
			}
		} else if a := stored[code]; a != nil {
			return a.Depth
		}
		d := 0
		if parent != "" {
			if inFile[parent] == nil && stored[parent] == nil {
				return 0 // told below
			}
			if d = depthOf(parent, seen+1); d == loop {
				return loop
			}
			d++
		}
		depth[code] = d
		return d
	}
	good := rows[:0]
	for _, ia := range rows {
		r := ia.row
		if ia.parent != "" && inFile[ia.parent] == nil && stored[ia.parent] == nil {
			im.bad(r, "parent_code", "import.unknown_agency", map[string]any{"Value": ia.parent})
			continue
		}
		height := 0
		if ia.cur != nil {
			height = maxDepth[ia.cur.ID] - ia.cur.Depth
		}
		switch ia.depth = depthOf(ia.in.Code, 0); {
		case ia.depth == loop, ia.cur != nil && movesUnderItself(ia, stored):
			im.bad(r, "parent_code", "agency.parent_cycle", nil)
			continue
		case ia.depth+height > MaxAgencyDepth:
			// With its stored sub-agencies, the subtree would hang too deep.
			im.bad(r, "parent_code", "agency.too_deep", nil)
			continue
		}
		if !im.a.Can(actionFor(ia.cur), Target{Resource: ResAgency, AgencyPath: im.pathHint(ia, inFile, stored, 0)}) {
			im.bad(r, "", "import.forbidden", nil)
			continue
		}
		if ia.cur != nil {
			ia.fill(byID)
			if ia.unchanged(stored) {
				im.res.Unchanged++
				continue
			}
			im.res.Updated++
		} else {
			im.res.Created++
		}
		good = append(good, ia)
	}
	if im.opt.DryRun || (im.res.Bad > 0 && !im.opt.GoodOnly) {
		return nil
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].depth < good[j].depth })
	return im.writeAgencies(ctx, good, stored)
}

// movesUnderItself reports whether the row puts a stored agency under one
// of its own stored sub-agencies.
func movesUnderItself(ia *importAgency, stored map[string]*Agency) bool {
	p := stored[ia.parent]
	return p != nil && p.ID != ia.cur.ID && strings.HasPrefix(p.Path, ia.cur.Path)
}

func actionFor(cur *Agency) Action {
	if cur == nil {
		return ActionCreate
	}
	return ActionUpdate
}

// pathHint is the path an agency of the file has or will have, for the
// permission check: an agency the file creates under another gets a
// stand-in id.
func (im *importer) pathHint(ia *importAgency, inFile map[string]*importAgency, stored map[string]*Agency, seen int) string {
	if ia.cur != nil {
		return ia.cur.Path
	}
	if ia.parent == "" || seen > MaxAgencyDepth+1 {
		return ""
	}
	if p := inFile[ia.parent]; p != nil {
		return im.pathHint(p, inFile, stored, seen+1) + "0/"
	}
	if p := stored[ia.parent]; p != nil {
		return p.Path + "0/"
	}
	return ""
}

// fill takes what the row leaves empty from the stored agency.
func (ia *importAgency) fill(byID map[int64]*Agency) {
	if ia.in.NameEn == "" {
		ia.in.NameEn = ia.cur.NameEn
	}
	if ia.parent == "" && ia.cur.ParentID != nil {
		if p := byID[*ia.cur.ParentID]; p != nil {
			ia.parent = p.Code
		}
	}
}

func (ia *importAgency) unchanged(stored map[string]*Agency) bool {
	c := ia.cur
	if textnorm.Display(c.Name) != ia.in.Name || c.NameEn != ia.in.NameEn || c.Kind != ia.in.Kind {
		return false
	}
	if ia.parent == "" {
		return c.ParentID == nil
	}
	p := stored[ia.parent]
	return p != nil && c.ParentID != nil && *c.ParentID == p.ID
}

func (im *importer) writeAgencies(ctx context.Context, rows []*importAgency, stored map[string]*Agency) error {
	ids := map[string]int64{}
	for code, a := range stored {
		ids[code] = a.ID
	}
	for i, ia := range rows {
		in := ia.in
		if ia.parent != "" {
			id := ids[ia.parent]
			in.ParentID = &id
		}
		var err error
		var ag *Agency
		if ia.cur == nil {
			ag, err = im.s.CreateAgency(ctx, im.a, in)
		} else {
			ag, err = im.s.UpdateAgency(ctx, im.a, ia.cur.ID, in)
		}
		if err != nil {
			if !im.badFields(ia.row, err, agencyFields) {
				return err
			}
			// Refused before anything was written: under good-only the
			// row is left out, else the file is.
			if !im.opt.GoodOnly {
				return ErrImportRejected
			}
			im.uncount(ia.cur == nil)
			continue
		}
		ids[ag.Code] = ag.ID
		im.progress(StageWrite, i+1, len(rows))
	}
	return nil
}
