package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"hozur/registry/link"
)

// platform is a platform of the registry as the generator uses it.
type platform struct {
	id      int64
	code    string
	foreign bool
	lp      link.Platform
	wInst   float64 // weight among institutional accounts of its origin
	wPerson float64 // weight among officials' accounts of its origin

	rule handleRule
	seen map[uint64]struct{} // hashes of the handle keys given out
	next map[uint64]int      // next counter suffix to try, by first candidate's key
}

// handleRule is what a platform accepts in a handle (REFERENCE-DATA.md);
// the demo stays inside the documented rules even where link accepts more.
type handleRule struct {
	min, max int
	sep      byte // the separator it allows in place of '.', '_' and '-'
	dots     bool // '.' allowed besides sep (Instagram, YouTube)
	lower    bool // written in lower case (LinkedIn slugs)
}

// Weights of the demo platforms: which ones agencies and officials use.
var platformMix = map[string]struct {
	inst, person float64
	rule         handleRule
}{
	"eitaa":     {30, 28, handleRule{5, 32, '_', false, false}},
	"bale":      {24, 22, handleRule{5, 32, '_', false, false}},
	"rubika":    {24, 22, handleRule{5, 30, '_', false, false}},
	"soroush":   {10, 12, handleRule{5, 32, '_', false, false}},
	"igap":      {3, 5, handleRule{5, 32, '_', false, false}},
	"aparat":    {6, 6, handleRule{5, 32, '_', false, false}},
	"virasty":   {3, 5, handleRule{5, 32, '_', false, false}},
	"telegram":  {25, 26, handleRule{5, 32, '_', false, false}},
	"instagram": {25, 26, handleRule{1, 30, '_', true, false}},
	"x":         {25, 18, handleRule{1, 15, '_', false, false}},
	"whatsapp":  {8, 12, handleRule{}},
	"youtube":   {8, 5, handleRule{3, 30, '_', true, false}},
	"linkedin":  {5, 6, handleRule{3, 100, '-', false, true}},
	"facebook":  {2, 4, handleRule{5, 50, '.', false, false}},
	"threads":   {2, 3, handleRule{1, 30, '_', true, false}},
}

// fnv64 hashes a handle key for the per-platform sets. A collision of two
// different keys only costs a counter suffix; equal keys always collide.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// fit turns the first stem that fits into a handle of rule r, with the
// counter suffix k (none if k is 0). Separators the platform does not allow
// become its own; a stem too long loses its separators, then its tail.
func fit(r handleRule, stems []string, k int) string {
	var sfx string
	if k > 0 {
		sfx = strconv.Itoa(k)
		if r.sep != '.' {
			sfx = string(r.sep) + sfx
		}
	}
	room := r.max - len(sfx)
	var s string
	for i, stem := range stems {
		s = clean(r, stem, false)
		if len(s) <= room {
			break
		}
		if c := clean(r, stem, true); len(c) <= room || i == len(stems)-1 {
			s = c
			if len(s) > room {
				s = trimSep(s[:room])
			}
			break
		}
	}
	s += sfx
	for len(s) < r.min {
		if len(s)+3 <= r.max && r.sep != '-' {
			s += string(r.sep) + "ir"
		} else {
			s += "0"
		}
	}
	return s
}

// clean maps separators to the platform's, drops doubled ones and those at
// the ends, and with compact drops them all.
func clean(r handleRule, stem string, compact bool) string {
	b := make([]byte, 0, len(stem))
	for i := 0; i < len(stem); i++ {
		c := stem[i]
		switch {
		case c >= 'A' && c <= 'Z' && r.lower:
			b = append(b, c-'A'+'a')
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b = append(b, c)
			continue
		case c != '.' && c != '_' && c != '-':
			continue
		case compact:
			continue
		case c == '.' && r.dots:
		default:
			c = r.sep
		}
		if len(b) > 0 && !isSep(b[len(b)-1]) {
			b = append(b, c)
		}
	}
	return trimSep(string(b))
}

func isSep(c byte) bool { return c == '.' || c == '_' || c == '-' }

func trimSep(s string) string {
	for len(s) > 0 && isSep(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// account finds a free handle on p: the display for stems, with a counter
// suffix if the key is taken. The handle, display and URL are exactly what
// link.FromHandle makes of the display, as the app would store them.
func (p *platform) account(stems []string, prefix string) (link.Account, error) {
	first := prefix + fit(p.rule, stems, 0)
	var lastErr error
	for k, tries := 0, 0; tries < 10_000; k, tries = k+1, tries+1 {
		if k == 1 {
			// Resume where the last holder of this stem stopped.
			k = max(2, p.next[fnv64(first)])
		}
		d := prefix + fit(p.rule, stems, k)
		acc, err := link.FromHandle(p.code, d, []link.Platform{p.lp})
		if err != nil {
			// A reserved word or a rule link knows and the demo does not:
			// try the next suffix.
			lastErr = fmt.Errorf("demo: %s handle %q: %w", p.code, d, err)
			continue
		}
		if p.claim(acc.Handle) {
			if k > 0 {
				p.next[fnv64(first)] = k + 1
			}
			return acc, nil
		}
	}
	if lastErr != nil {
		return link.Account{}, lastErr
	}
	return link.Account{}, fmt.Errorf("demo: no free %s handle for %q", p.code, first)
}

// claim records a handle key and reports whether it was free.
func (p *platform) claim(key string) bool {
	h := fnv64(key)
	if _, ok := p.seen[h]; ok {
		return false
	}
	p.seen[h] = struct{}{}
	return true
}

// random finds a free handle made by gen, for WhatsApp numbers and channels
// and YouTube channel ids.
func (p *platform) random(rng *rand.Rand, gen func(*rand.Rand) string) (link.Account, error) {
	for range 1000 {
		d := gen(rng)
		acc, err := link.FromHandle(p.code, d, []link.Platform{p.lp})
		if err != nil {
			return acc, fmt.Errorf("demo: %s handle %q: %w", p.code, d, err)
		}
		if p.claim(acc.Handle) {
			return acc, nil
		}
	}
	return link.Account{}, fmt.Errorf("demo: no free %s handle", p.code)
}

// Iranian mobile prefixes after the country code.
var mobilePrefixes = []string{"910", "911", "912", "913", "914", "915", "916", "917", "918", "919", "901", "902", "903", "905", "930", "933", "935", "936", "937", "938", "939", "990", "991", "992", "993", "994", "921", "922"}

func whatsappNumber(rng *rand.Rand) string {
	return "+98" + mobilePrefixes[rng.IntN(len(mobilePrefixes))] + digits(rng, 7)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// whatsappChannel makes a channel id like those seen: 24 characters
// starting 0029.
func whatsappChannel(rng *rand.Rand) string {
	b := []byte("channel/0029Va")
	for range 18 {
		b = append(b, alnum[rng.IntN(len(alnum))])
	}
	return string(b)
}

func youtubeChannel(rng *rand.Rand) string {
	b := []byte("UC")
	for range 22 {
		b = append(b, (alnum + "-_")[rng.IntN(len(alnum)+2)])
	}
	return string(b)
}
