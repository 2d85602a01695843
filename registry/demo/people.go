package demo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"hozur/registry/textnorm"
)

// official is one generated official, with what their handles are made of.
type official struct {
	id        int64
	ag        *agency
	name      string
	nameKey   string
	position  string
	rank      int
	serving   bool
	head      bool
	termStart time.Time
	termEnd   time.Time // zero while serving
	email     string
	phone     string
	empCode   string
	created   time.Time

	personal []string // Latin stems of personal handles, preferred first
	office   []string // Latin stems of office handles
	slug     string   // LinkedIn profile slug
}

const day = 24 * time.Hour

// people generates officials.
type people struct {
	rng    *rand.Rand
	anchor time.Time
	emails map[string]int // addresses given out, to keep them unique
	family []float64      // cumulative weights of familyNames
}

func newPeople(rng *rand.Rand, anchor time.Time) *people {
	p := &people{rng: rng, anchor: anchor, emails: map[string]int{}}
	sum := 0.0
	for i := range familyNames {
		w := 1.0
		if i < 10 { // the ten most common names
			w = 3.5 - 0.2*float64(i)
		}
		sum += w
		p.family = append(p.family, sum)
	}
	return p
}

// pick draws an index from cumulative weights.
func pick(rng *rand.Rand, cum []float64) int {
	i, _ := slices.BinarySearch(cum, rng.Float64()*cum[len(cum)-1])
	return min(i, len(cum)-1)
}

// makeOfficials creates total officials: first the heads of as many
// agencies as three quarters of total allow (roots first), then staff
// spread by the agencies' weights. About one in ten has left office.
func (p *people) makeOfficials(ags []*agency, total int) []*official {
	if total <= 0 || len(ags) == 0 {
		return nil
	}
	heads := min(len(ags), max(1, total*3/4))
	counts := make([]int, len(ags))
	cum := make([]float64, len(ags))
	sum := 0.0
	for i, a := range ags {
		sum += a.weight
		cum[i] = sum
	}
	staff := total - heads
	for range staff {
		counts[pick(p.rng, cum)]++
	}
	// A tenth of all officials are former ones, all of them among staff.
	leftP := 0.0
	if staff > 0 {
		leftP = min(0.5, 0.1*float64(total)/float64(staff))
	}
	out := make([]*official, 0, total)
	for i, a := range ags {
		held := map[string]int{}
		if i < heads {
			out = append(out, p.person(a, a.head, true, true))
		}
		for range counts[i] {
			serving := p.rng.Float64() >= leftP
			pos := p.staffPosition(a, held, serving)
			if !serving && held["former head"] < 2 && p.rng.Float64() < 0.3 {
				pos = a.head // a predecessor
				held["former head"]++
			}
			out = append(out, p.person(a, pos, false, serving))
		}
	}
	// Employee codes are unique within an agency: number them in order.
	seq := map[*agency]int{}
	for i, o := range out {
		o.id = int64(i + 1)
		if p.rng.Float64() < 0.5 {
			n := seq[o.ag] + 1 + p.rng.IntN(9)
			seq[o.ag] = n
			o.empCode = "E-" + strconv.Itoa(10000+n)
		}
	}
	return out
}

// staffPosition draws a staff position of a. A serving official takes a
// seat, and when a position's seats are taken they become an officer.
func (p *people) staffPosition(a *agency, held map[string]int, serving bool) string {
	sum := 0.0
	for _, s := range a.staff {
		sum += s.weight
	}
	r := p.rng.Float64() * sum
	for _, s := range a.staff {
		if r -= s.weight; r >= 0 {
			continue
		}
		if !serving {
			return s.title
		}
		if s.seats > 0 && held[s.title] >= s.seats {
			return posOfficer
		}
		held[s.title]++
		return s.title
	}
	return posOfficer
}

// person makes one official of agency a holding position pos.
func (p *people) person(a *agency, pos string, head, serving bool) *official {
	rng := p.rng
	femaleShare := 0.3
	if head {
		femaleShare = 0.1
	}
	var given name
	if rng.Float64() < femaleShare {
		given = femaleNames[rng.IntN(len(femaleNames))]
	} else {
		given = maleNames[rng.IntN(len(maleNames))]
	}
	family := familyNames[pick(rng, p.family)]
	full := p.spell(given) + " " + p.spell(family)
	if rng.Float64() < 0.03 { // typed on an Arabic keyboard
		full = strings.NewReplacer("ی", "ي", "ک", "ك").Replace(full)
	}
	o := &official{ag: a, name: full, nameKey: textnorm.Key(full), position: pos, rank: ranks[pos], serving: serving, head: head}

	// In office for up to eight years; a former official left after at
	// least three months.
	o.termStart = p.anchor.Add(-time.Duration(30+rng.IntN(8*365-30)) * day)
	if !serving {
		span := int(p.anchor.Sub(o.termStart)/day) - 90
		o.termEnd = o.termStart.Add(time.Duration(90+rng.IntN(max(1, span))) * day)
	}
	created := p.anchor.Add(-time.Duration(30*86400+rng.Int64N(3*365*86400-30*86400)) * time.Second)
	if floor := o.termStart.Add(day); created.Before(floor) {
		created = floor.Add(time.Duration(rng.IntN(86400)) * time.Second)
	}
	o.created = created

	g, f := given.en, family.en
	gi := g[:1]
	if rng.Float64() < 0.3 {
		user := g + "." + f
		switch r := rng.Float64(); {
		case r < 0.3:
			user = gi + "." + f
		case r < 0.5:
			user = gi + f
		}
		o.email = p.email(user, a.domain)
	}
	if rng.Float64() < 0.05 {
		if rng.Float64() < 0.6 {
			o.phone = "+989" + digits(rng, 9)
		} else {
			o.phone = "021" + digits(rng, 8)
		}
	}

	var deco string
	switch r := rng.Float64(); {
	case r < 0.2:
		deco = "_" + strconv.Itoa(1395+rng.IntN(10)) // a Solar Hijri year
	case r < 0.3:
		deco = strconv.Itoa(40 + rng.IntN(40)) // a birth year
	}
	var base string
	switch r := rng.Float64(); {
	case r < 0.25:
		base = g + "." + f
	case r < 0.40:
		base = gi + "." + f
	case r < 0.55:
		base = g + f
	case r < 0.75:
		base = g + "_" + f
	case r < 0.85:
		base = f + "_" + g
	case r < 0.90 && o.rank <= 3:
		base = "dr." + f
	default:
		base = f + "." + gi
	}
	if rng.Float64() < 0.05 {
		base = titleCase(base)
	}
	o.personal = []string{base + deco, base, gi + "_" + f, gi + f}
	o.slug = g + "-" + f + "-" + hexDigits(rng, 6)
	if lat := positionLatin[pos]; lat != "" {
		o.office = []string{lat + "_" + a.place, a.place + "_" + lat, gi + f}
	} else {
		o.office = []string{a.place + "_" + f, f + "_" + a.place, gi + f}
	}
	return o
}

// spell writes a name the way people variously do: a compound name mostly
// as usual, sometimes split by a space or a ZWNJ, or joined.
func (p *people) spell(n name) string {
	first, second, compound := strings.Cut(n.fa, "|")
	if !compound {
		return n.fa
	}
	joint := n.joint
	switch r := p.rng.Float64(); {
	case r < 0.06:
		joint = " "
	case r < 0.12:
		if joint == "" {
			joint = "\u200c"
		} else {
			joint = ""
		}
	}
	return first + joint + second
}

// email returns a unique address user@domain.
func (p *people) email(user, domain string) string {
	addr := user + "@" + domain
	n := p.emails[addr]
	p.emails[addr] = n + 1
	if n > 0 {
		addr = user + strconv.Itoa(n+1) + "@" + domain
		p.emails[addr]++
	}
	return addr
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789"[rng.IntN(10)]
	}
	return string(b)
}

func hexDigits(rng *rand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	return string(b)
}

// titleCase capitalises each part of a handle: ali.mohammadi → Ali.Mohammadi.
func titleCase(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.' || c == '_' || c == '-'
	}
	return string(b)
}
