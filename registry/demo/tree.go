package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"hozur/registry"
	"hozur/registry/textnorm"
)

// agency is one node of the generated tree.
type agency struct {
	parent int // index in the candidate list, -1 for a root
	code   string
	fa, en string
	kind   string
	head   string     // position of the agency's head
	staff  []staffPos // positions of its other officials
	weight float64    // share of staff it draws
	domain string     // e-mail domain
	inst   string     // Latin stem of its institutional handles (edu_fars)
	place  string     // Latin stem for its officials' office handles (medu_fars)
	tier   int        // 0: always present; higher tiers fill larger registries
	order  float64    // random order within the tier, never before the parent's

	// Set once the agency is chosen.
	id       int64
	parentID int64
	path     string
	depth    int
}

// treeBuilder collects every candidate agency; choose keeps as many as the
// registry's size asks for.
type treeBuilder struct {
	rng  *rand.Rand
	all  []*agency
	seen map[string]bool // parent index + name key, to skip duplicate siblings
}

// skipped is what add returns for an agency it leaves out; its children are
// left out too.
const skipped = -2

// add appends a candidate under parent (-1 for a root) and returns its
// index, or skipped if its parent was skipped or a sibling has its name.
func (b *treeBuilder) add(parent int, a *agency) int {
	if parent == skipped {
		return skipped
	}
	k := strconv.Itoa(parent) + "/" + textnorm.Key(a.fa)
	if b.seen[k] {
		return skipped
	}
	b.seen[k] = true
	a.parent = parent
	a.order = b.rng.Float64()
	if parent >= 0 {
		p := b.all[parent]
		a.tier = max(a.tier, p.tier)
		if a.tier == p.tier {
			a.order = max(a.order, p.order)
		}
		if a.domain == "" {
			a.domain = p.domain
		}
	}
	if a.staff == nil {
		a.staff = staffOf[a.head]
	}
	b.all = append(b.all, a)
	return len(b.all) - 1
}

// fill replaces the place holders of a unit template.
func fill(tmpl string, p province, c place) string {
	return strings.NewReplacer("{p}", p.fa, "{P}", p.en, "{c}", c.fa, "{C}", c.en, "{k}", p.capital.fa, "{K}", p.capital.en).Replace(tmpl)
}

// buildTree returns every candidate agency, parents before children.
func buildTree(rng *rand.Rand) []*agency {
	b := &treeBuilder{rng: rng, seen: map[string]bool{}}
	var provUnits []provUnit // bodies with units in every province
	for _, m := range ministries {
		mi := b.add(-1, &agency{code: m.code, fa: m.fa, en: m.en, kind: m.kind, head: m.head, weight: 6,
			domain: m.domain, inst: m.slug, place: m.slug})
		for di, d := range headquarters {
			tier := 1
			if d.slug == "pr" || d.slug == "resources" {
				tier = 0
			}
			dcode := fmt.Sprintf("%s-D%d", m.code, di+1)
			dep := b.add(mi, &agency{code: dcode, fa: d.fa + " " + m.fa, en: d.en + ", " + m.en, kind: registry.KindMinistry,
				head: d.head, weight: 3, inst: m.slug + "_" + d.slug, place: m.slug + "_" + d.slug, tier: tier})
			for gi, g := range d.children {
				gcode := fmt.Sprintf("%s-%d", dcode, gi+1)
				dg := b.add(dep, &agency{code: gcode, fa: g.fa + " " + m.fa, en: g.en + ", " + m.en, kind: registry.KindMinistry,
					head: g.head, weight: 2, inst: m.slug + "_" + g.slug, place: m.slug + "_" + g.slug, tier: 2})
				for si, s := range g.children {
					b.add(dg, &agency{code: fmt.Sprintf("%s-%d", gcode, si+1), fa: s.fa + " " + m.fa, en: s.en + ", " + m.en,
						kind: registry.KindMinistry, head: s.head, weight: 1, inst: m.slug + "_" + s.slug, place: m.slug + "_" + s.slug, tier: 3})
				}
			}
		}
		if m.prov != nil {
			provUnits = append(provUnits, provUnit{parent: mi, b: m})
		}
		for _, c := range m.children {
			ci := b.addBody(mi, c)
			if c.prov != nil {
				provUnits = append(provUnits, provUnit{parent: ci, b: c})
			}
		}
	}
	for _, c := range nationalBodies {
		ci := b.addBody(-1, c)
		if c.prov != nil {
			provUnits = append(provUnits, provUnit{parent: ci, b: c})
		}
	}
	for pi, p := range provinces {
		pcode := fmt.Sprintf("GOV-%02d", pi+1)
		gov := b.add(-1, &agency{code: pcode, fa: "استانداری " + p.fa, en: p.en + " Governorate-General", kind: registry.KindProvince,
			head: posGovernor, weight: 5, domain: "ostan-" + p.slug + ".ir", inst: "ostandari_" + p.slug, place: p.slug})
		for di, d := range governorateDeputies {
			b.add(gov, &agency{code: fmt.Sprintf("%s-D%d", pcode, di+1), fa: d.fa + " استانداری " + p.fa, en: d.en + ", " + p.en + " Governorate-General",
				kind: registry.KindProvince, head: d.head, weight: 2, inst: "ostandari_" + p.slug + "_" + d.slug, place: p.slug + "_" + d.slug, tier: 1})
		}
		for ci, c := range p.counties {
			tier := 1
			if ci == 0 {
				tier = 0
			}
			ccode := fmt.Sprintf("%s-C%02d", pcode, ci+1)
			fg := b.add(gov, &agency{code: ccode, fa: "فرمانداری " + c.fa, en: c.en + " County Governorate", kind: registry.KindCounty,
				head: posCountyGov, weight: 2, inst: "farmandari_" + c.slug, place: c.slug, tier: tier})
			b.add(fg, &agency{code: ccode + "-B1", fa: "بخشداری مرکزی " + c.fa, en: "Central District Office of " + c.en, kind: registry.KindCounty,
				head: posDistrictGov, weight: 1, inst: "bakhshdari_" + c.slug, place: c.slug + "_markazi", tier: 2})
		}
		// Two provincial units of each province belong to the skeleton, so
		// that even a small registry has every kind of agency.
		for ui, u := range provUnits {
			tier := 1
			if ui%len(provUnits) == (2*pi)%len(provUnits) || ui%len(provUnits) == (2*pi+1)%len(provUnits) {
				tier = 0
			}
			b.addProvincial(u, pi, p, tier)
		}
	}
	return b.all
}

type provUnit struct {
	parent int
	b      body
}

// addBody adds an organisation, company or university.
func (b *treeBuilder) addBody(parent int, c body) int {
	w := 3.0
	if parent < 0 {
		w = 4
	}
	return b.add(parent, &agency{code: c.code, fa: c.fa, en: c.en, kind: c.kind, head: c.head, weight: w,
		domain: c.domain, inst: c.slug, place: c.slug})
}

// addProvincial adds a body's unit in a province, the unit's deputyships
// and its units in the province's counties.
func (b *treeBuilder) addProvincial(u provUnit, pi int, p province, tier int) {
	code := fmt.Sprintf("%s-P%02d", u.b.code, pi+1)
	head := u.b.prov.head
	staff := provincialStaff
	if head == posUniHead || head == posCEO {
		staff = staffOf[head]
	}
	stem := u.b.slug + "_" + p.slug
	pu := b.add(u.parent, &agency{code: code, fa: fill(u.b.prov.fa, p, place{}), en: fill(u.b.prov.en, p, place{}), kind: u.b.prov.kind,
		head: head, staff: staff, weight: 2.5, inst: stem, place: stem, tier: tier})
	if pu == skipped {
		return
	}
	puName := b.all[pu].fa
	if u.b.prov.kind == registry.KindProvincial {
		for di, d := range provincialDeputies {
			b.add(pu, &agency{code: fmt.Sprintf("%s-D%d", code, di+1), fa: d.fa + " " + puName, en: d.en + ", " + b.all[pu].en,
				kind: registry.KindProvincial, head: d.head, weight: 1.5, inst: stem + "_" + d.slug, place: stem + "_" + d.slug, tier: 3})
		}
	}
	if u.b.county == nil {
		return
	}
	for ci, c := range p.counties {
		b.add(pu, &agency{code: fmt.Sprintf("%s-C%02d", code, ci+1), fa: fill(u.b.county.fa, p, c), en: fill(u.b.county.en, p, c),
			kind: u.b.county.kind, head: u.b.county.head, weight: 1, inst: u.b.slug + "_" + c.slug, place: u.b.slug + "_" + c.slug, tier: 3})
	}
}

// chooseAgencies keeps the skeleton (tier 0) and then, tier by tier in a
// random order that never puts a child before its parent, as many more as
// make target in all. Ids are given breadth first: roots get the smallest.
func chooseAgencies(all []*agency, target int) []*agency {
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := all[a], all[b]
		if c := cmp.Compare(x.tier, y.tier); c != 0 {
			return c
		}
		if c := cmp.Compare(x.order, y.order); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	in := make([]bool, len(all))
	depth := make([]int, len(all))
	n := 0
	for _, i := range idx {
		a := all[i]
		if a.tier > 0 && n >= target {
			break
		}
		if a.parent >= 0 {
			if !in[a.parent] {
				continue
			}
			depth[i] = depth[a.parent] + 1
		}
		in[i] = true
		n++
	}
	chosen := make([]int, 0, n)
	for i := range all {
		if in[i] {
			chosen = append(chosen, i)
		}
	}
	slices.SortStableFunc(chosen, func(a, b int) int { return cmp.Compare(depth[a], depth[b]) })
	out := make([]*agency, 0, n)
	for _, i := range chosen {
		a := all[i]
		a.id = int64(len(out) + 1)
		a.depth = depth[i]
		if a.parent >= 0 {
			a.parentID = all[a.parent].id
			a.path = all[a.parent].path + strconv.FormatInt(a.id, 10) + "/"
		} else {
			a.path = "/" + strconv.FormatInt(a.id, 10) + "/"
		}
		out = append(out, a)
	}
	return out
}
