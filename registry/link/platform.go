package link

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// DefaultPlatforms returns the 15 seeded platforms and their hosts, so the
// database seed and the tests share one list. Each call returns a new slice.
func DefaultPlatforms() []Platform {
	return []Platform{
		{Code: "x", Hosts: []string{"x.com", "twitter.com"}},
		{Code: "instagram", Hosts: []string{"instagram.com", "instagr.am"}},
		{Code: "telegram", Hosts: []string{"t.me", "telegram.me", "telegram.dog", "telegram.org"}},
		{Code: "whatsapp", Hosts: []string{"wa.me", "whatsapp.com", "api.whatsapp.com"}},
		{Code: "facebook", Hosts: []string{"facebook.com", "fb.com"}},
		{Code: "youtube", Hosts: []string{"youtube.com", "youtu.be"}},
		{Code: "linkedin", Hosts: []string{"linkedin.com"}},
		{Code: "threads", Hosts: []string{"threads.com", "threads.net"}},
		{Code: "eitaa", Hosts: []string{"eitaa.com"}},
		{Code: "rubika", Hosts: []string{"rubika.ir"}},
		{Code: "bale", Hosts: []string{"ble.ir", "bale.ai"}},
		{Code: "soroush", Hosts: []string{"splus.ir", "soroushplus.com", "sapp.ir"}},
		{Code: "igap", Hosts: []string{"igap.net"}},
		{Code: "aparat", Hosts: []string{"aparat.com"}},
		{Code: "virasty", Hosts: []string{"virasty.com"}},
	}
}

// rule turns a reduced link into an account of one platform.
type rule func(t target) (Account, error)

// ruleFor returns the built-in rule of a platform code, or the generic rule
// for platforms an admin added.
func ruleFor(code string) rule {
	switch code {
	case "x":
		return xRule
	case "instagram":
		return instagramRule
	case "telegram":
		return telegramRule
	case "whatsapp":
		return whatsappRule
	case "facebook":
		return facebookRule
	case "youtube":
		return youtubeRule
	case "linkedin":
		return linkedinRule
	case "threads":
		return threadsRule
	}
	if d, ok := domestic[code]; ok {
		return d.rule
	}
	return genericRule
}

// domesticRule describes an Iranian platform. None of them publishes its
// handle rules, so handles are accepted liberally (genericHandle) and only
// the forms known not to be accounts are refused.
type domesticRule struct {
	base     string            // canonical link prefix, e.g. "https://eitaa.com/"
	subs     []string          // subdomains other than www. that serve accounts
	reserved map[string]string // first path segment → kind of non-account link
	// post tells whether a segment after the handle makes the link a post.
	post func(segs []string) bool
}

var domestic = map[string]domesticRule{
	"eitaa": {
		base:     "https://eitaa.com/",
		reserved: map[string]string{"joinchat": KindInvite},
		post:     secondNumeric,
	},
	"rubika": {
		base:     "https://rubika.ir/",
		reserved: map[string]string{"joinc": KindInvite, "joing": KindInvite},
		// Rubika post ids are letters (rubika.ir/H/CDGJBHGBCBIHEBJ).
		post: func(segs []string) bool { return len(segs) > 1 },
	},
	"bale": {
		base:     "https://ble.ir/",
		reserved: map[string]string{"join": KindInvite},
		post:     secondNumeric,
	},
	"soroush": {
		base:     "https://splus.ir/",
		subs:     []string{"profile"},
		reserved: map[string]string{"joingroup": KindInvite, "joinchannel": KindInvite, "joinchat": KindInvite},
		post:     secondNumeric,
	},
	"igap": {
		base:     "https://igap.net/",
		subs:     []string{"profile"},
		reserved: map[string]string{"join": KindInvite},
		post:     secondNumeric,
	},
	"aparat": {
		base: "https://www.aparat.com/",
		reserved: map[string]string{
			"v": KindVideo, "video": KindVideo, "embed": KindVideo, "playlist": KindVideo,
			"shorts": KindVideo, "result": KindSearch, "search": KindSearch, "tag": KindHashtag,
			"login": KindReserved, "signin": KindReserved, "signup": KindReserved,
			"upload": KindReserved, "dashboard": KindReserved, "live": KindVideo,
		},
		// Aparat's second segments are channel tabs (/H/videos, /H/live).
		post: func([]string) bool { return false },
	},
	"virasty": {
		base: "https://virasty.com/",
		reserved: map[string]string{
			"r": KindShare, "search": KindSearch, "explore": KindSearch, "hashtag": KindHashtag,
			"login": KindReserved, "signup": KindReserved, "settings": KindReserved,
			"notifications": KindReserved, "messages": KindReserved,
		},
		post: func(segs []string) bool { return len(segs) > 2 && strings.EqualFold(segs[1], "post") },
	},
}

func (d domesticRule) rule(t target) (Account, error) {
	switch {
	case t.sub == "web":
		return Account{}, notAccount(KindClient)
	case t.sub != "" && !contains(d.subs, t.sub):
		return Account{}, notAccount(KindReserved)
	case len(t.segs) == 0:
		return Account{}, notAccount(KindHome)
	}
	name := strings.TrimPrefix(t.segs[0], "@")
	if kind, ok := d.reserved[strings.ToLower(name)]; ok {
		return Account{}, notAccount(kind)
	}
	if d.post(t.segs) {
		return Account{}, notAccount(KindPost)
	}
	if !validGeneric(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: strings.ToLower(name), Display: name, URL: d.base + url.PathEscape(name)}, nil
}

// genericHandle is the rule for platforms without one of their own: letters
// of any script, digits, '_', '.' and '-'.
var genericHandle = regexp.MustCompile(`^[\p{L}\p{N}_.\-]{1,64}$`)

// validGeneric also wants a letter or digit: "." or ".." would make a
// canonical link that means something else.
func validGeneric(name string) bool {
	return genericHandle.MatchString(name) && strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}) >= 0
}

// genericRule serves platforms an admin added: the first path segment is the
// handle, compared without case.
func genericRule(t target) (Account, error) {
	if len(t.segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	name := strings.TrimPrefix(t.segs[0], "@")
	if !validGeneric(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{
		Handle:  strings.ToLower(name),
		Display: name,
		URL:     "https://" + normHost(t.p.Hosts[0]) + "/" + url.PathEscape(name),
	}, nil
}

// handlePath turns a handle typed for a platform into the path of its link,
// choosing the kind of address a person most likely means when the handle
// alone does not say.
func handlePath(code, h string) string {
	switch code {
	case "youtube":
		// Since 2022 a bare YouTube name is an @handle, not a legacy name.
		if strings.HasPrefix(h, "@") || strings.Contains(h, "/") {
			return h
		}
		if youtubeChannelID.MatchString(h) {
			return "channel/" + h
		}
		return "@" + h
	case "threads":
		if strings.HasPrefix(h, "@") || strings.Contains(h, "/") {
			return h
		}
		return "@" + h
	}
	h = strings.TrimPrefix(h, "@")
	switch code {
	case "whatsapp":
		if phone := phoneDigits(h); phone != "" {
			return phone
		}
		if !strings.Contains(h, "/") {
			return "channel/" + h
		}
	case "linkedin":
		// Officials are people; a company page must be typed company/slug.
		if !strings.Contains(h, "/") {
			return "in/" + h
		}
	}
	return h
}

func secondNumeric(segs []string) bool { return len(segs) > 1 && isDigits(segs[1]) }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lowerAt returns the i-th segment lower-cased, or "" past the end.
func lowerAt(segs []string, i int) string {
	if i < len(segs) {
		return strings.ToLower(segs[i])
	}
	return ""
}
