package demo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"hozur/registry"
	"hozur/registry/link"
)

// Capacities, as indexes of registry.Capacities.
const (
	capInstitutional = iota
	capOffice
	capPersonal
)

// spec is an account before its handle is chosen: who holds it, where,
// and when it was registered. Specs are sorted by time so that ids follow
// the order accounts were registered in.
type spec struct {
	at       int64 // created_at, Unix seconds
	seq      int32 // generation order, to break ties
	holder   int32 // index of the official, or of the agency if institutional
	platform uint8
	capacity uint8
}

// planner decides how many accounts each holder has and where.
type planner struct {
	rng    *rand.Rand
	anchor time.Time
	plats  []*platform
	specs  []spec
}

func (p *planner) add(at time.Time, holder, plat, capacity int) {
	// Generate keeps the sizes within these types: at most MaxInt32
	// accounts and 255 platforms.
	p.specs = append(p.specs, spec{at: at.Unix(), seq: int32(len(p.specs)), holder: int32(holder), //nolint:gosec // see above
		platform: uint8(plat), capacity: uint8(capacity)}) //nolint:gosec // see above
}

// between returns a random second in [from, to).
func between(rng *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(rng.Int64N(span)) * time.Second)
}

// plan makes the specs of total accounts. Every agency wants one to three
// domestic institutional accounts and two in five also foreign ones; when
// the registry is small, agencies nearer the root keep theirs first. What is
// left goes to officials, more to higher ranks, at least one each.
func (p *planner) plan(ags []*agency, offs []*official, total int) []spec {
	rng := p.rng
	var dom, foreign []int
	for i, pl := range p.plats {
		if pl.foreign {
			foreign = append(foreign, i)
		} else {
			dom = append(dom, i)
		}
	}
	instW := func(i int) float64 { return p.plats[i].wInst }
	wanted := make([][]int, len(ags))
	sum := 0
	for i := range ags {
		n := 1
		switch r := rng.Float64(); {
		case r >= 0.75:
			n = 3
		case r >= 0.35:
			n = 2
		}
		wanted[i] = sample(rng, dom, n, instW)
		if rng.Float64() < 0.4 {
			n = 1
			switch r := rng.Float64(); {
			case r >= 0.85:
				n = 3
			case r >= 0.5:
				n = 2
			}
			wanted[i] = append(wanted[i], sample(rng, foreign, n, instW)...)
		}
		sum += len(wanted[i])
	}
	inst := min(sum, total-len(offs))
	start := p.anchor.AddDate(-3, 0, 0)
	for k, got := 0, 0; got < inst; k++ {
		for i := range ags {
			if k < len(wanted[i]) && got < inst {
				p.add(between(rng, start, p.anchor), i, wanted[i][k], capInstitutional)
				got++
			}
		}
	}

	counts := spread(rng, offs, total-inst, 2*len(p.plats))
	personW := func(i int) float64 { return p.plats[i].wPerson }
	for oi, o := range offs {
		officeP := 0.25
		switch {
		case o.head:
			officeP = 0.6
		case positionLatin[o.position] != "":
			officeP = 0.45
		}
		used := make([][2]bool, len(p.plats))
		free := func(i int) float64 {
			if used[i][0] && used[i][1] {
				return 0
			}
			return personW(i)
		}
		for range counts[oi] {
			origin, other := dom, foreign
			if rng.Float64() < 0.35 {
				origin, other = foreign, dom
			}
			pl := sample(rng, origin, 1, free)
			if len(pl) == 0 {
				pl = sample(rng, other, 1, free)
			}
			if len(pl) == 0 {
				clear(used) // more accounts than places: start over
				if pl = sample(rng, origin, 1, personW); len(pl) == 0 {
					pl = sample(rng, other, 1, personW)
				}
			}
			i := pl[0]
			c := 0 // 0 office, 1 personal
			if rng.Float64() >= officeP {
				c = 1
			}
			if used[i][c] {
				c = 1 - c
			}
			used[i][c] = true
			p.add(between(rng, o.created, p.anchor), oi, i, capOffice+c)
		}
	}
	slices.SortFunc(p.specs, func(a, b spec) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return p.specs
}

// sample draws up to n distinct items by weight; items of weight 0 are
// never drawn.
func sample(rng *rand.Rand, items []int, n int, weight func(int) float64) []int {
	var out []int
	left := slices.Clone(items)
	for len(out) < n && len(left) > 0 {
		sum := 0.0
		for _, it := range left {
			sum += weight(it)
		}
		if sum <= 0 {
			break
		}
		r := rng.Float64() * sum
		j := len(left) - 1
		for k, it := range left {
			if r -= weight(it); r < 0 {
				j = k
				break
			}
		}
		if weight(left[j]) <= 0 {
			break
		}
		out = append(out, left[j])
		left = slices.Delete(left, j, j+1)
	}
	return out
}

var rankWeight = [...]float64{0, 3, 2.2, 1.6, 1.2, 1}

// spread shares n accounts among officials: one each if there are enough,
// the rest by rank and chance, no more than limit each while others have
// room.
func spread(rng *rand.Rand, offs []*official, n, limit int) []int {
	counts := make([]int, len(offs))
	if len(offs) == 0 || n <= 0 {
		return counts
	}
	order := rng.Perm(len(offs))
	if n < len(offs) {
		for _, i := range order[:n] {
			counts[i] = 1
		}
		return counts
	}
	w := make([]float64, len(offs))
	sum := 0.0
	for i, o := range offs {
		w[i] = rankWeight[o.rank] * (0.5 + rng.Float64())
		if !o.serving {
			w[i] *= 0.6
		}
		sum += w[i]
	}
	left := n
	extra := float64(n - len(offs))
	for i := range offs {
		counts[i] = min(limit, 1+int(extra*w[i]/sum))
		left -= counts[i]
	}
	for capped := true; left > 0; {
		progress := false
		for _, i := range order {
			if left == 0 {
				break
			}
			if counts[i] < limit || !capped {
				counts[i]++
				left--
				progress = true
			}
		}
		if !progress {
			capped = false
		}
	}
	return counts
}

// rower turns specs into rows of the accounts table.
type rower struct {
	rng    *rand.Rand
	anchor time.Time
	plats  []*platform
	ags    []*agency
	offs   []*official
	stems  [][]string // institutional handle stems, by agency
	// ancestry holds, by agency, the values of the accounts table's
	// ancestor columns, if it has them.
	ancestry [][]any
	// sealer seals personal accounts with their holders' data keys, as
	// the registry stores them.
	sealer *registry.Sealer
}

// ancestries lists each agency's ancestors by depth, itself included,
// padded with NULL to levels values.
func ancestries(ags []*agency, levels int) [][]any {
	if levels == 0 {
		return nil
	}
	out := make([][]any, len(ags))
	for i, a := range ags {
		vals := make([]any, levels)
		for d, part := range strings.Split(strings.Trim(a.path, "/"), "/") {
			if d < levels {
				id, _ := strconv.ParseInt(part, 10, 64)
				vals[d] = id
			}
		}
		out[i] = vals
	}
	return out
}

// instStems chooses how each agency writes its handles: mostly its stem,
// sometimes with "_ir" or capitalised.
func instStems(rng *rand.Rand, ags []*agency) [][]string {
	out := make([][]string, len(ags))
	for i, a := range ags {
		s := a.inst
		switch r := rng.Float64(); {
		case r < 0.15:
			s += "_ir"
		case r < 0.25:
			s = titleCase(s)
		}
		out[i] = []string{s, a.inst, a.place}
	}
	return out
}

// weighted draws one of values by weights.
func weighted[T any](rng *rand.Rand, values []T, weights []float64) T {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	r := rng.Float64() * sum
	for i, w := range weights {
		if r -= w; r < 0 {
			return values[i]
		}
	}
	return values[len(values)-1]
}

var (
	statusesFor = map[string][]float64{ // active, dormant, closure requested, closed
		"domestic": {89, 7, 2, 2},
		"foreign":  {78, 8, 9, 5},
		"former":   {50, 25, 10, 15},
	}
	verifyWeights = []float64{35, 60, 5} // unverified, verified, disputed
	instSources   = []float64{5, 75, 20} // self-declared, agency, oversight
	personSources = []float64{45, 40, 15}
)

// row appends the columns of account id to args.
func (g *rower) row(id int64, sp spec, args []any) ([]any, error) {
	rng := g.rng
	p := g.plats[sp.platform]
	var acc link.Account
	var err error
	var holder *agency
	var officialID any
	var serving = true
	switch sp.capacity {
	case capInstitutional:
		a := g.ags[sp.holder]
		holder = a
		switch {
		case p.code == "whatsapp":
			acc, err = p.random(rng, whatsappChannel)
		case p.code == "youtube" && rng.Float64() < 0.2:
			acc, err = p.random(rng, youtubeChannel)
		case p.code == "youtube":
			acc, err = p.account(g.stems[sp.holder], "@")
		case p.code == "linkedin":
			acc, err = p.account(g.stems[sp.holder], "company/")
		default:
			acc, err = p.account(g.stems[sp.holder], "")
		}
	default:
		o := g.offs[sp.holder]
		holder, officialID, serving = o.ag, o.id, o.serving
		stems := o.personal
		if sp.capacity == capOffice {
			stems = o.office
		}
		switch p.code {
		case "whatsapp":
			acc, err = p.random(rng, whatsappNumber)
		case "youtube":
			acc, err = p.account(stems, "@")
		case "linkedin":
			if sp.capacity == capPersonal {
				stems = []string{o.slug}
			}
			acc, err = p.account(stems, "in/")
		default:
			acc, err = p.account(stems, "")
		}
	}
	if err != nil {
		return args, err
	}

	created := time.Unix(sp.at, 0).UTC()
	mix := statusesFor["domestic"]
	switch {
	case !serving:
		mix = statusesFor["former"]
	case p.foreign:
		mix = statusesFor["foreign"]
	}
	status := weighted(rng, registry.Statuses, mix)
	verification := weighted(rng, registry.Verifications, verifyWeights)
	sources := personSources
	if sp.capacity == capInstitutional {
		sources = instSources
	}
	source := weighted(rng, registry.Sources, sources)
	updated := created
	var openedOn, verifiedAt, closedAt any
	if rng.Float64() < 0.7 {
		d := created.AddDate(0, 0, -rng.IntN(6*365)).Truncate(day)
		openedOn = d
	}
	if verification == registry.VerificationVerified {
		t := minTime(created.Add(time.Duration(rng.IntN(60*86400))*time.Second), g.anchor)
		verifiedAt, updated = t, maxTime(updated, t)
	}
	if status == registry.StatusClosed {
		t := between(rng, created, g.anchor)
		closedAt, updated = t, maxTime(updated, t)
	} else if status != registry.StatusActive {
		updated = maxTime(updated, between(rng, created, g.anchor))
	}
	if sp.capacity == capPersonal {
		v, err := g.sealer.SealAccount(officialID.(int64), acc)
		if err != nil {
			return args, fmt.Errorf("demo: %w", err)
		}
		acc.Handle, acc.Display, acc.URL = v.Handle, v.Display, v.URL
	}
	args = append(args, id, p.id, acc.Handle, acc.Display, acc.URL, holder.id, officialID,
		registry.Capacities[sp.capacity], status, source, verification, openedOn, verifiedAt, closedAt, created, updated)
	if g.ancestry != nil {
		args = append(args, g.ancestry[holder.id-1]...)
	}
	return args, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
