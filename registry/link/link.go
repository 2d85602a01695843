// Package link recognises a social-media account from a pasted link or from
// a handle typed for a chosen platform, and refuses, with the reason, links
// that point at something other than an account (a post, an invite, a video,
// a web client).
//
// Recognition first reduces a link to platform, subdomain, path segments and
// the few query parameters that carry an account, then hands those to the
// platform's rule. Each rule extracts the handle before it compares it with
// an exact list of reserved paths, because partial patterns reject real
// accounts such as x.com/irna_en or instagram.com/pezeshkian.
package link

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// Platform is what recognition needs to know of a platform (from the database).
type Platform struct {
	Code  string   // "x", "instagram", "telegram", … or any code an admin adds
	Hosts []string // lower-case hosts without www., e.g. {"x.com","twitter.com"}
}

// Account is a recognised account.
type Account struct {
	// Platform is the platform code.
	Platform string
	// Handle is the normalised key, unique per platform: lower-case where the
	// platform ignores case; for Facebook also without dots. Where a platform
	// has several kinds of address the key carries the kind, as Display does
	// (YouTube "@name", "c/name", "user/name" or a "UC…" id; LinkedIn
	// "in/slug", "company/slug"; WhatsApp a phone number's digits or
	// "channel/ID", the id keeping its case).
	Handle string
	// Display is the handle as shown to people, in the case it was typed.
	Display string
	// URL is the canonical https link to the account.
	URL string
}

// Error codes; the web layer maps them to translated messages.
const (
	CodeEmpty            = "link.empty"
	CodeUnknownPlatform  = "link.unknown_platform"
	CodeNotAccount       = "link.not_account"
	CodeBadHandle        = "link.bad_handle"
	CodePlatformMismatch = "link.platform_mismatch"
)

// Kinds of link that are not an account, carried by CodeNotAccount errors.
const (
	KindHome     = "home"     // the platform's front page, no account in it
	KindPost     = "post"     // one message, tweet or post
	KindVideo    = "video"    // a video, reel, short, live or playlist
	KindStory    = "story"    // a story, which expires
	KindInvite   = "invite"   // an invite link to a group, channel or folder
	KindGroup    = "group"    // a group's page rather than an account's
	KindClient   = "client"   // a web client of the platform
	KindShare    = "share"    // a share or short link that hides its target
	KindPhone    = "phone"    // a link to a phone number where handles are expected
	KindSearch   = "search"   // search, explore or results pages
	KindHashtag  = "hashtag"  // a hashtag page
	KindReserved = "reserved" // any other page of the platform (settings, help, login…)
)

// Error explains why an input is not an account. Code is one of the Code
// constants; Kind says, for CodeNotAccount, what the link is instead.
type Error struct {
	Code string
	Kind string
}

// Error returns an English description; users see the translation of Code.
func (e *Error) Error() string {
	switch e.Code {
	case CodeEmpty:
		return "link: empty input"
	case CodeUnknownPlatform:
		return "link: not a link of any known platform"
	case CodeNotAccount:
		if e.Kind != "" {
			return "link: not an account but a " + e.Kind + " link"
		}
		return "link: not an account"
	case CodeBadHandle:
		return "link: the handle breaks the platform's rules"
	case CodePlatformMismatch:
		return "link: the link belongs to another platform"
	}
	return "link: " + e.Code
}

// Is lets callers write errors.Is(err, &link.Error{Code: link.CodeNotAccount});
// an empty Kind in the target matches any kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Kind == "" || t.Kind == e.Kind)
}

func notAccount(kind string) error { return &Error{Code: CodeNotAccount, Kind: kind} }

// newError returns a fresh *Error, so no caller can change another's.
func newError(code string) error { return &Error{Code: code} }

// target is a link reduced to what platform rules look at.
type target struct {
	p     Platform
	host  string     // the platform host that matched, e.g. "t.me"
	sub   string     // what is left of it in the link's host, e.g. "web"
	segs  []string   // non-empty, percent-decoded path segments
	query url.Values // parsed query; most rules ignore it
	frag  string     // raw fragment, for twitter.com/#!/H
}

// Recognize returns the account that input, a pasted link, points at. The
// scheme is optional; tg://resolve?domain=H is understood. A nil platforms
// means DefaultPlatforms().
func Recognize(input string, platforms []Platform) (Account, error) {
	acc, _, err := recognize(input, platforms)
	return acc, err
}

// recognize also returns the code of the platform the link belongs to, even
// when it is refused, so FromHandle can tell a mismatch from a bad link.
func recognize(input string, platforms []Platform) (Account, string, error) {
	if platforms == nil {
		platforms = DefaultPlatforms()
	}
	s := clean(input)
	if s == "" {
		return Account{}, "", newError(CodeEmpty)
	}
	scheme, rest := splitScheme(s)
	if scheme == "tg" {
		p, ok := platformByCode(platforms, "telegram")
		if !ok {
			return Account{}, "", newError(CodeUnknownPlatform)
		}
		acc, err := telegramApp(p, rest)
		return acc, p.Code, err
	}
	if scheme != "" && scheme != "http" && scheme != "https" && !strings.HasPrefix(rest, "//") {
		return Account{}, "", newError(CodeUnknownPlatform) // mailto:, javascript: and the like
	}
	rest = strings.TrimLeft(rest, "/")
	authority, path, query, frag := splitURL(rest)
	host := cleanHost(authority)
	p, matched, ok := matchHost(platforms, host)
	if !ok {
		return Account{}, "", newError(CodeUnknownPlatform)
	}
	t := target{p: p, host: matched, sub: strings.TrimSuffix(strings.TrimSuffix(host, matched), "."), frag: frag}
	t.query = parseQuery(query)
	for _, seg := range strings.Split(path, "/") {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		if seg = strings.TrimSpace(seg); seg != "" {
			t.segs = append(t.segs, seg)
		}
	}
	acc, err := ruleFor(p.Code)(t)
	if err != nil {
		return Account{}, p.Code, err
	}
	acc.Platform = p.Code
	return acc, p.Code, nil
}

// FromHandle returns the account of handle ("@Handle" or "Handle") on the
// platform with code platformCode. A full link is accepted too, if it is the
// chosen platform's; a link of another platform is a CodePlatformMismatch.
// A nil platforms means DefaultPlatforms().
func FromHandle(platformCode string, handle string, platforms []Platform) (Account, error) {
	if platforms == nil {
		platforms = DefaultPlatforms()
	}
	p, ok := platformByCode(platforms, strings.ToLower(strings.TrimSpace(platformCode)))
	if !ok {
		return Account{}, newError(CodeUnknownPlatform)
	}
	h := clean(handle)
	if h == "" {
		return Account{}, newError(CodeEmpty)
	}
	if looksLikeLink(h) {
		acc, code, err := recognize(h, platforms)
		if code != "" && code != p.Code {
			return Account{}, newError(CodePlatformMismatch)
		}
		return acc, err
	}
	if len(p.Hosts) == 0 {
		return Account{}, newError(CodeUnknownPlatform)
	}
	path := handlePath(p.Code, h)
	if !strings.HasPrefix(path, "profile.php?") {
		// In a typed handle '?' and '#' are mistakes, not a query to drop.
		path = pathEscaper.Replace(path)
	}
	if path == "" {
		return Account{}, newError(CodeBadHandle)
	}
	acc, code, err := recognize("https://"+normHost(p.Hosts[0])+"/"+path, []Platform{p})
	if err == nil && code != p.Code {
		return Account{}, newError(CodePlatformMismatch)
	}
	return acc, err
}

// looksLikeLink tells a pasted link from a typed handle. Handles may hold a
// slash ("in/slug", "channel/UC…"), a dot ("akhbare.fori", even "x.com") and
// an '@', so a link is one with a scheme, or a dotted host followed by a path.
func looksLikeLink(s string) bool {
	if scheme, rest := splitScheme(s); scheme == "tg" || strings.HasPrefix(rest, "//") {
		return true
	}
	first, _, hasPath := strings.Cut(s, "/")
	return hasPath && strings.Contains(first, ".") && !strings.ContainsRune(first, '@')
}

// clean trims what surrounds a link pasted from running text: spaces,
// invisible bidi marks (which Persian pages put around Latin text), quotes,
// brackets and a trailing comma.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r != '\u200c' && unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	for {
		t := strings.TrimSpace(s)
		t = strings.TrimLeft(t, "<\"'([«")
		t = strings.TrimRight(t, ">\"')]»,;،")
		if t == s {
			return s
		}
		s = t
	}
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// splitScheme returns the lower-cased scheme, if s has one, and the rest.
// "x.com:443/h" has none: a dotted word before the colon is a host.
func splitScheme(s string) (scheme, rest string) {
	m := schemeRE.FindStringSubmatch(s)
	if m == nil || strings.Contains(m[1], ".") {
		return "", s
	}
	rest = s[len(m[0]):]
	if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return "", s // "localhost:8080/h": a port, not a scheme
	}
	return strings.ToLower(m[1]), rest
}

// splitURL cuts a scheme-less link into authority, path, query and fragment.
func splitURL(s string) (authority, path, query, frag string) {
	s, frag, _ = strings.Cut(s, "#")
	s, query, _ = strings.Cut(s, "?")
	authority, path, _ = strings.Cut(s, "/")
	return authority, path, query, frag
}

// cleanHost lower-cases a link's host and drops user info, port, a trailing
// dot and the www., m., mobile. and mbasic. prefixes, which every platform
// serves the same accounts under.
func cleanHost(authority string) string {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		authority = authority[:i]
	}
	host := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(authority)), ".")
	for stripped := true; stripped; {
		stripped = false
		for _, prefix := range []string{"www.", "m.", "mobile.", "mbasic."} {
			// m.me stays m.me: only a prefix before a whole domain goes.
			if rest, ok := strings.CutPrefix(host, prefix); ok && strings.Contains(rest, ".") {
				host, stripped = rest, true
			}
		}
	}
	return host
}

// normHost brings a host from the database to the form links are compared in.
func normHost(h string) string { return cleanHost(h) }

// matchHost finds the platform whose host is host or a parent domain of it.
// The longest match wins, so an admin can give a subdomain its own platform.
func matchHost(platforms []Platform, host string) (Platform, string, bool) {
	var best Platform
	var bestHost string
	if host == "" {
		return best, "", false
	}
	for _, p := range platforms {
		for _, h := range p.Hosts {
			h = normHost(h)
			if h == "" || len(h) <= len(bestHost) {
				continue
			}
			if host == h || strings.HasSuffix(host, "."+h) {
				best, bestHost = p, h
			}
		}
	}
	return best, bestHost, bestHost != ""
}

// parseQuery keeps what parses of a query: tracking parameters are often
// malformed, and they never carry the account.
func parseQuery(q string) url.Values {
	v, _ := url.ParseQuery(q)
	return v
}

func platformByCode(platforms []Platform, code string) (Platform, bool) {
	for _, p := range platforms {
		if p.Code == code {
			return p, true
		}
	}
	return Platform{}, false
}

// pathEscaper keeps ? and # in a path from being read as its query or fragment.
var pathEscaper = strings.NewReplacer("?", "%3F", "#", "%23")
