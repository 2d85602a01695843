package link

import (
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	// Facebook: letters, digits and dots, at least 5 by the current rule;
	// older pages kept shorter names, so the minimum here is 2.
	facebookName = regexp.MustCompile(`^[A-Za-z0-9.]{2,50}$`)
	letter       = regexp.MustCompile(`[A-Za-z]`)
	trailingID   = regexp.MustCompile(`-([0-9]{5,})$`) // facebook.com/p/Some-Page-100064…
	// YouTube handles may be in any script and arrive percent-encoded.
	youtubeHandle    = regexp.MustCompile(`^[\p{L}\p{M}\p{N}_.\-·]+$`)
	youtubeName      = regexp.MustCompile(`^[\p{L}\p{M}\p{N}_.\-]{1,100}$`)
	youtubeChannelID = regexp.MustCompile(`^UC[A-Za-z0-9_-]{22}$`)
	// LinkedIn makes slugs from names in their own script; ZWNJ occurs in
	// Persian ones.
	linkedinSlug = regexp.MustCompile(`^[\p{L}\p{M}\p{N}_\-\x{200C}]{2,100}$`)
)

var facebookReserved = map[string]string{
	"groups": KindGroup, "events": KindReserved, "watch": KindVideo, "reel": KindVideo,
	"reels": KindVideo, "videos": KindVideo, "video.php": KindVideo, "photo.php": KindPost,
	"photo": KindPost, "photos": KindPost, "permalink.php": KindPost, "posts": KindPost,
	"story.php": KindStory, "stories": KindStory, "share": KindShare, "sharer.php": KindShare,
	"sharer": KindShare, "dialog": KindShare, "plugins": KindReserved, "hashtag": KindHashtag,
	"search": KindSearch, "login": KindReserved, "login.php": KindReserved, "help": KindReserved,
	"privacy": KindReserved, "policies": KindReserved, "settings": KindReserved,
	"marketplace": KindReserved, "gaming": KindReserved, "messages": KindReserved,
	"notifications": KindReserved, "home.php": KindReserved, "friends": KindReserved,
	"bookmarks": KindReserved, "business": KindReserved, "ads": KindReserved,
	"legal": KindReserved, "terms": KindReserved, "fundraisers": KindReserved,
	"media": KindPost, "notes": KindPost, "l.php": KindShare,
	// Path words with a meaning of their own, should they follow /pg/.
	"pg": KindReserved, "p": KindReserved, "people": KindReserved, "pages": KindReserved,
}

var facebookTab = map[string]string{
	"posts": KindPost, "videos": KindVideo, "photos": KindPost, "reels": KindVideo,
	"permalink": KindPost, "story": KindStory,
}

func facebookRule(t target) (Account, error) {
	switch {
	case t.sub == "" || t.sub == "web" || t.sub == "touch" || t.sub == "free":
	case len(t.sub) == 5 && t.sub[2] == '-': // fa-ir.facebook.com
	default: // business., developers., l.
		return Account{}, notAccount(KindReserved)
	}
	segs := t.segs
	first := lowerAt(segs, 0)
	switch first {
	case "":
		return Account{}, notAccount(KindHome)
	case "profile.php":
		return facebookID(t.query.Get("id"))
	case "people", "pages", "p":
		// /people/Name/ID, /pages/Name/ID, /pages/category/Kind/Name-ID,
		// /p/Name-ID: the numeric id is the account.
		for i := len(segs) - 1; i > 0; i-- {
			if isDigits(segs[i]) {
				return facebookID(segs[i])
			}
			if m := trailingID.FindStringSubmatch(segs[i]); m != nil {
				return facebookID(m[1])
			}
		}
		return Account{}, newError(CodeBadHandle)
	case "pg": // the old page form, /pg/NAME/posts
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return Account{}, newError(CodeBadHandle)
	}
	name := segs[0]
	if kind, ok := facebookReserved[strings.ToLower(name)]; ok {
		return Account{}, notAccount(kind)
	}
	if kind, ok := facebookTab[lowerAt(segs, 1)]; ok && len(segs) > 2 {
		return Account{}, notAccount(kind)
	}
	if isDigits(name) {
		return facebookID(name)
	}
	// A name needs a letter: an all-digit one is an id and must not meet one.
	if !facebookName.MatchString(name) || !letter.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	key := strings.ReplaceAll(strings.ToLower(name), ".", "")
	return Account{Handle: key, Display: name, URL: "https://www.facebook.com/" + name}, nil
}

func facebookID(id string) (Account, error) {
	if !isDigits(id) || len(id) > 20 {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: id, Display: id, URL: "https://www.facebook.com/profile.php?id=" + id}, nil
}

var youtubeReserved = map[string]string{
	"watch": KindVideo, "shorts": KindVideo, "live": KindVideo, "embed": KindVideo,
	"v": KindVideo, "e": KindVideo, "clip": KindVideo, "playlist": KindVideo,
	"results": KindSearch, "hashtag": KindHashtag, "post": KindPost, "feed": KindReserved,
	"redirect": KindShare, "attribution_link": KindShare, "account": KindReserved,
	"premium": KindReserved, "about": KindReserved, "t": KindReserved, "kids": KindReserved,
	"signin": KindReserved, "logout": KindReserved, "upload": KindReserved,
	"howyoutubeworks": KindReserved, "supported_browsers": KindReserved, "gaming": KindReserved,
	"channel": "", "c": "", "user": "",
}

func youtubeRule(t target) (Account, error) {
	if t.host == "youtu.be" {
		if len(t.segs) == 0 {
			return Account{}, notAccount(KindHome)
		}
		return Account{}, notAccount(KindVideo)
	}
	switch t.sub {
	case "", "music":
	case "studio":
		return Account{}, notAccount(KindClient)
	default:
		return Account{}, notAccount(KindReserved)
	}
	if len(t.segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	const base = "https://www.youtube.com/"
	first := t.segs[0]
	if name, ok := strings.CutPrefix(first, "@"); ok {
		if n := utf8.RuneCountInString(name); n < 3 || n > 30 || !youtubeHandle.MatchString(name) {
			return Account{}, newError(CodeBadHandle)
		}
		return Account{Handle: "@" + strings.ToLower(name), Display: "@" + name, URL: base + "@" + url.PathEscape(name)}, nil
	}
	kind, reserved := youtubeReserved[strings.ToLower(first)]
	if reserved && kind != "" {
		return Account{}, notAccount(kind)
	}
	prefix, name := "c", first // youtube.com/NAME is the legacy custom URL, as /c/NAME
	if reserved {
		prefix = strings.ToLower(first)
		if len(t.segs) < 2 {
			return Account{}, newError(CodeBadHandle)
		}
		name = t.segs[1]
	}
	if prefix == "channel" {
		// Channel ids are case-sensitive: the key keeps their case.
		if !youtubeChannelID.MatchString(name) {
			return Account{}, newError(CodeBadHandle)
		}
		return Account{Handle: name, Display: name, URL: base + "channel/" + name}, nil
	}
	if !youtubeName.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{
		Handle:  prefix + "/" + strings.ToLower(name),
		Display: prefix + "/" + name,
		URL:     base + prefix + "/" + url.PathEscape(name),
	}, nil
}

var linkedinReserved = map[string]string{
	"posts": KindPost, "pulse": KindPost, "embed": KindPost, "groups": KindGroup,
	"events": KindReserved, "jobs": KindReserved, "learning": KindReserved,
	"login": KindReserved, "signup": KindReserved, "search": KindSearch,
	"help": KindReserved, "legal": KindReserved, "messaging": KindReserved,
	"mynetwork": KindReserved, "notifications": KindReserved, "pub": KindReserved,
	"feed": KindReserved, "in": "", "company": "", "school": "", "showcase": "",
}

func linkedinRule(t target) (Account, error) {
	// Country subdomains (ir.linkedin.com) serve the same profiles.
	if t.sub != "" && len(t.sub) != 2 {
		return Account{}, notAccount(KindReserved)
	}
	if len(t.segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	prefix := strings.ToLower(t.segs[0])
	kind, known := linkedinReserved[prefix]
	switch {
	case prefix == "feed" && lowerAt(t.segs, 1) == "update":
		return Account{}, notAccount(KindPost)
	case !known:
		return Account{}, notAccount(KindReserved)
	case kind != "":
		return Account{}, notAccount(kind)
	case len(t.segs) < 2:
		return Account{}, newError(CodeBadHandle)
	}
	slug := t.segs[1]
	if !linkedinSlug.MatchString(slug) || (prefix == "in" && utf8.RuneCountInString(slug) < 3) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{
		Handle:  prefix + "/" + strings.ToLower(slug),
		Display: prefix + "/" + slug,
		URL:     "https://www.linkedin.com/" + prefix + "/" + url.PathEscape(slug),
	}, nil
}

var threadsReserved = map[string]string{
	"t": KindPost, "search": KindSearch, "login": KindReserved, "settings": KindReserved,
	"intent": KindShare, "activity": KindReserved, "saved": KindReserved,
	"liked": KindReserved, "legal": KindReserved,
}

func threadsRule(t target) (Account, error) {
	if t.sub != "" {
		return Account{}, notAccount(KindReserved)
	}
	if len(t.segs) == 0 {
		return Account{}, notAccount(KindHome)
	}
	name, at := strings.CutPrefix(t.segs[0], "@")
	if !at {
		// Only /@H is documented; a bare /H is accepted unless reserved.
		if kind, ok := threadsReserved[strings.ToLower(name)]; ok {
			return Account{}, notAccount(kind)
		}
	}
	if len(t.segs) > 2 && lowerAt(t.segs, 1) == "post" {
		return Account{}, notAccount(KindPost)
	}
	if !threadsHandle.MatchString(name) {
		return Account{}, newError(CodeBadHandle)
	}
	return Account{Handle: strings.ToLower(name), Display: name, URL: "https://www.threads.com/@" + name}, nil
}
