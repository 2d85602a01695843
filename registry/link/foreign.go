package link

import (
	"regexp"
	"strings"
)

// The handle rules of platforms that publish them (REFERENCE-DATA.md).
var (
	xHandle         = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	instagramHandle = regexp.MustCompile(`^[A-Za-z0-9_.]{1,30}$`)
	// Telegram documents 5-32, but names sold on Fragment may have 4.
	telegramHandle = regexp.MustCompile(`^[A-Za-z0-9_]{4,32}$`)
	threadsHandle  = regexp.MustCompile(`^[A-Za-z0-9_.]{1,30}$`)
	// Channel ids seen so far are 24 characters starting 0029; the rule is
	// unconfirmed, so accept any plausible length.
	whatsappChannel = regexp.MustCompile(`^[A-Za-z0-9]{16,64}$`)
)

var xReserved = map[string]string{
	"home": KindReserved, "share": KindShare, "intent": KindShare, "compose": KindReserved,
	"privacy": KindReserved, "tos": KindReserved, "explore": KindSearch, "search": KindSearch,
	"hashtag": KindHashtag, "settings": KindReserved, "messages": KindReserved,
	"notifications": KindReserved, "login": KindReserved, "logout": KindReserved,
	"signup": KindReserved, "account": KindReserved, "i": KindReserved,
}

func xRule(t target) (Account, error) {
	if t.sub != "" { // help.x.com, developer.x.com
		return Account{}, notAccount(KindReserved)
	}
	segs := t.segs
	if len(segs) == 0 && strings.HasPrefix(t.frag, "!/") { // twitter.com/#!/H
		segs = splitPath(t.frag[2:])
	}
	if len(segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	name := strings.TrimPrefix(segs[0], "@")
	switch first := strings.ToLower(name); {
	case first == "i" && (contains(segs, "status") || contains(segs, "statuses")):
		return Account{}, notAccount(KindPost) // x.com/i/web/status/N
	case first == "intent" && t.query.Get("screen_name") != "":
		name = t.query.Get("screen_name") // twitter.com/intent/user?screen_name=H
	case xReserved[first] != "":
		return Account{}, notAccount(xReserved[first])
	case len(segs) > 2 && (lowerAt(segs, 1) == "status" || lowerAt(segs, 1) == "statuses"):
		return Account{}, notAccount(KindPost)
	}
	if !xHandle.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: strings.ToLower(name), Display: name, URL: "https://x.com/" + name}, nil
}

var instagramReserved = map[string]string{
	"about": KindReserved, "accounts": KindReserved, "direct": KindReserved,
	"explore": KindSearch, "legal": KindReserved, "p": KindPost, "privacy": KindReserved,
	"reels": KindVideo, "reel": KindVideo, "tv": KindVideo, "stories": KindStory,
	"s": KindStory, "developer": KindReserved, "challenge": KindReserved, "web": KindReserved,
	"oauth": KindReserved, "directory": KindReserved, "_u": KindReserved,
}

func instagramRule(t target) (Account, error) {
	if t.sub != "" { // help.instagram.com, about.instagram.com
		return Account{}, notAccount(KindReserved)
	}
	segs := t.segs
	if lowerAt(segs, 0) == "_u" { // the app-opening form
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	name := strings.TrimPrefix(segs[0], "@")
	if kind, ok := instagramReserved[strings.ToLower(name)]; ok {
		return Account{}, notAccount(kind)
	}
	if len(segs) > 2 { // newer post links carry the author: /H/p/X, /H/reel/X
		switch lowerAt(segs, 1) {
		case "p":
			return Account{}, notAccount(KindPost)
		case "reel", "tv":
			return Account{}, notAccount(KindVideo)
		}
	}
	if !instagramHandle.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: strings.ToLower(name), Display: name, URL: "https://www.instagram.com/" + name}, nil
}

var telegramReserved = map[string]string{
	"joinchat": KindInvite, "addlist": KindInvite, "c": KindPost, "share": KindShare,
	"addstickers": KindReserved, "addemoji": KindReserved, "addtheme": KindReserved,
	"setlanguage": KindReserved, "proxy": KindReserved, "socks": KindReserved,
	"login": KindReserved, "iv": KindReserved, "bg": KindReserved, "confirmphone": KindReserved,
	"contact": KindShare, "boost": KindReserved, "invoice": KindReserved, "giftcode": KindReserved,
	"nft": KindReserved, "m": KindShare,
}

func telegramRule(t target) (Account, error) {
	if t.host == "telegram.org" { // the site, not accounts; listed for web.telegram.org
		if t.sub == "web" {
			return Account{}, notAccount(KindClient)
		}
		return Account{}, notAccount(KindReserved)
	}
	segs := t.segs
	if t.sub != "" { // H.t.me
		segs = append([]string{t.sub}, segs...)
	} else if lowerAt(segs, 0) == "s" { // the public web preview, t.me/s/H
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	name := strings.TrimPrefix(segs[0], "@")
	if rest, ok := strings.CutPrefix(name, "+"); ok {
		if isDigits(rest) {
			return Account{}, notAccount(KindPhone)
		}
		return Account{}, notAccount(KindInvite)
	}
	if kind, ok := telegramReserved[strings.ToLower(name)]; ok {
		return Account{}, notAccount(kind)
	}
	if secondNumeric(segs) { // t.me/H/123, and t.me/H/topic/123
		return Account{}, notAccount(KindPost)
	}
	if !telegramHandle.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: strings.ToLower(name), Display: name, URL: "https://t.me/" + name}, nil
}

// telegramApp reads the app's own links: tg://resolve?domain=H[&post=N],
// tg://join?invite=X and tg://privatepost?….
func telegramApp(p Platform, rest string) (Account, error) {
	action, query, _ := strings.Cut(strings.TrimLeft(rest, "/"), "?")
	query, _, _ = strings.Cut(query, "#")
	t := target{p: p, host: "t.me"}
	t.query = parseQuery(query)
	switch strings.ToLower(strings.TrimRight(action, "/")) {
	case "resolve":
		domain := t.query.Get("domain")
		if domain == "" {
			if t.query.Get("phone") != "" {
				return Account{}, notAccount(KindPhone)
			}
			return Account{}, newError(CodeBadHandle)
		}
		t.segs = []string{domain}
		if post := t.query.Get("post"); post != "" {
			return Account{}, notAccount(KindPost)
		}
	case "join":
		return Account{}, notAccount(KindInvite)
	case "privatepost":
		return Account{}, notAccount(KindPost)
	default:
		return Account{}, notAccount(KindReserved)
	}
	acc, err := telegramRule(t)
	acc.Platform = p.Code
	if err != nil {
		return Account{}, err
	}
	return acc, nil
}

func whatsappRule(t target) (Account, error) {
	switch t.sub {
	case "", "api":
	case "chat":
		return Account{}, notAccount(KindInvite)
	case "web":
		if lowerAt(t.segs, 0) != "send" {
			return Account{}, notAccount(KindClient)
		}
	default: // faq., blog., business.
		return Account{}, notAccount(KindReserved)
	}
	first := lowerAt(t.segs, 0)
	switch {
	case first == "send" || (first == "" && t.query.Get("phone") != ""):
		return whatsappPhone(t.query.Get("phone"))
	case first == "":
		return Account{}, notAccount(KindHome)
	case first == "channel":
		if len(t.segs) < 2 || !whatsappChannel.MatchString(t.segs[1]) {
			return Account{}, newError(CodeBadHandle)
		}
		if len(t.segs) > 2 {
			return Account{}, notAccount(KindPost)
		}
		id := "channel/" + t.segs[1]
		return Account{Handle: id, Display: id, URL: "https://whatsapp.com/" + id}, nil
	case first == "message" || first == "qr":
		return Account{}, notAccount(KindShare)
	case phoneDigits(t.segs[0]) != "":
		return whatsappPhone(t.segs[0])
	}
	return Account{}, notAccount(KindReserved) // whatsapp.com/legal, /download…
}

// whatsappPhone accepts an international number without its '+', as wa.me
// does; a national number (0912…) is refused rather than guessed.
func whatsappPhone(s string) (Account, error) {
	n := phoneDigits(s)
	if len(n) < 7 || len(n) > 15 || n[0] == '0' {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: n, Display: "+" + n, URL: "https://wa.me/" + n}, nil
}

// phoneDigits returns the ASCII digits of s if s looks like a phone number
// (digits in any of the three scripts, '+', spaces, '-', brackets), without
// the international prefix 00; otherwise "".
func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case strings.ContainsRune("+ -()", r):
		default:
			return ""
		}
	}
	n := b.String()
	if len(n) > 2 && strings.HasPrefix(n, "00") {
		n = n[2:]
	}
	return n
}

func splitPath(p string) []string {
	p, _, _ = strings.Cut(p, "?")
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}
