package link

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRecognize checks that recognition never panics and that what it
// returns is stable: the canonical URL, and the Display form typed back as a
// handle, both lead to the same account. The registry stores the URL and
// shows Display in edit forms, so either drifting would create duplicates.
func FuzzRecognize(f *testing.F) {
	for _, s := range []string{
		"", "x.com/IRNA_en", "twitter.com/#!/IRNA_en", "t.me/s/akhbarefori", "akhbarefori.t.me",
		"tg://resolve?domain=akhbarefori&post=1", "instagram.com/_u/akhbare.fori",
		"whatsapp.com/channel/0029Vb1RfOdJkK71F9wpxh3F", "api.whatsapp.com/send?phone=%2B989121234567",
		"wa.me/۹۸۹۱۲۱۲۳۴۵۶۷", "facebook.com/profile.php?id=4", "facebook.com/p/Name-100064123456789",
		"youtube.com/@%D8%AE%D8%A8%D8%B1", "youtube.com/channel/UCx3JNHMEk2bIlsrtRa8qEvQ",
		"youtube.com/c/IRIBNEWS", "ir.linkedin.com/in/%D8%B9%D9%84%DB%8C", "threads.net/@a.b",
		"web.eitaa.com", "rubika.ir/joing/X", "Splus.ir/AkhbareFori", "gap.im/خبر", "«t.me/+abc»",
		"https://x.com.:443/a", "intent://instagram.com/_u/a/#Intent;end", "eitaa.com/%", "m.me/x",
	} {
		f.Add(s)
	}
	platforms := append(DefaultPlatforms(), Platform{Code: "gap", Hosts: []string{"gap.im"}})
	f.Fuzz(func(t *testing.T, in string) {
		acc, err := Recognize(in, platforms)
		if err != nil {
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("Recognize(%q) error %T is not *Error", in, err)
			}
			return
		}
		if acc.Platform == "" || acc.Handle == "" || acc.Display == "" || !strings.HasPrefix(acc.URL, "https://") {
			t.Fatalf("Recognize(%q) = %+v: a field is empty", in, acc)
		}
		if !utf8.ValidString(acc.Handle) || !utf8.ValidString(acc.Display) || !utf8.ValidString(acc.URL) {
			t.Fatalf("Recognize(%q) = %+v: invalid UTF-8", in, acc)
		}
		again, err := Recognize(acc.URL, platforms)
		if err != nil || again.Platform != acc.Platform || again.Handle != acc.Handle {
			t.Fatalf("Recognize(%q) = %+v, but Recognize(its URL) = %+v, %v", in, acc, again, err)
		}
		typed, err := FromHandle(acc.Platform, acc.Display, platforms)
		if err != nil || typed.Handle != acc.Handle {
			t.Fatalf("Recognize(%q) = %+v, but FromHandle(its Display) = %+v, %v", in, acc, typed, err)
		}
	})
}
