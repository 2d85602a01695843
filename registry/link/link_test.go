package link

import (
	"errors"
	"strings"
	"testing"
)

// TestRecognize covers every seeded platform with the forms real people
// paste, including the fixture list in REFERENCE-DATA.md.
func TestRecognize(t *testing.T) {
	tests := []struct {
		name, in                        string
		platform, handle, display, link string
	}{
		// The fixture list of one real outlet.
		{"fixture virasty", "virasty.com/akhbarefori", "virasty", "akhbarefori", "akhbarefori", "https://virasty.com/akhbarefori"},
		{"fixture rubika", "rubika.ir/AkhbareFori", "rubika", "akhbarefori", "AkhbareFori", "https://rubika.ir/AkhbareFori"},
		{"fixture eitaa", "eitaa.com/AkhbareFori", "eitaa", "akhbarefori", "AkhbareFori", "https://eitaa.com/AkhbareFori"},
		{"fixture bale", "ble.ir/akhbarefori", "bale", "akhbarefori", "akhbarefori", "https://ble.ir/akhbarefori"},
		{"fixture soroush", "Splus.ir/AkhbareFori", "soroush", "akhbarefori", "AkhbareFori", "https://splus.ir/AkhbareFori"},
		{"fixture igap", "iGap.net/AkhbareFori", "igap", "akhbarefori", "AkhbareFori", "https://igap.net/AkhbareFori"},
		{"fixture instagram _u", "instagram.com/_u/akhbare.fori", "instagram", "akhbare.fori", "akhbare.fori", "https://www.instagram.com/akhbare.fori"},
		{"fixture whatsapp channel", "whatsapp.com/channel/0029Vb1RfOdJkK71F9wpxh3F", "whatsapp", "channel/0029Vb1RfOdJkK71F9wpxh3F", "channel/0029Vb1RfOdJkK71F9wpxh3F", "https://whatsapp.com/channel/0029Vb1RfOdJkK71F9wpxh3F"},
		// X.
		{"x plain", "https://x.com/AkhbareFori", "x", "akhbarefori", "AkhbareFori", "https://x.com/AkhbareFori"},
		{"x reserved-looking handle", "x.com/irna_en", "x", "irna_en", "irna_en", "https://x.com/irna_en"},
		{"twitter at", "https://twitter.com/@IRNA_en", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		{"twitter hashbang", "http://twitter.com/#!/IRNA_en", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		{"twitter mobile tracking", "https://mobile.twitter.com/Pezeshkian/?s=21&t=abc", "x", "pezeshkian", "Pezeshkian", "https://x.com/Pezeshkian"},
		{"x profile tab", "x.com/IRNA_en/with_replies", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		{"twitter intent user", "https://twitter.com/intent/user?screen_name=IRNA_en", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		// Instagram.
		{"instagram plain", "https://www.instagram.com/pezeshkian/", "instagram", "pezeshkian", "pezeshkian", "https://www.instagram.com/pezeshkian"},
		{"instagram igsh", "instagram.com/Akhbare.Fori?igsh=MWQ1ZGUxMzBkMA==", "instagram", "akhbare.fori", "Akhbare.Fori", "https://www.instagram.com/Akhbare.Fori"},
		{"instagr.am", "instagr.am/irna_news", "instagram", "irna_news", "irna_news", "https://www.instagram.com/irna_news"},
		{"instagram mobile", "m.instagram.com/khamenei_ir", "instagram", "khamenei_ir", "khamenei_ir", "https://www.instagram.com/khamenei_ir"},
		// Telegram.
		{"telegram plain", "https://t.me/akhbarefori", "telegram", "akhbarefori", "akhbarefori", "https://t.me/akhbarefori"},
		{"telegram preview", "t.me/s/AkhbareFori", "telegram", "akhbarefori", "AkhbareFori", "https://t.me/AkhbareFori"},
		{"telegram subdomain", "https://akhbarefori.t.me/", "telegram", "akhbarefori", "akhbarefori", "https://t.me/akhbarefori"},
		{"telegram.me", "telegram.me/IRNA_1313", "telegram", "irna_1313", "IRNA_1313", "https://t.me/IRNA_1313"},
		{"telegram.dog", "https://telegram.dog/irna_1313", "telegram", "irna_1313", "irna_1313", "https://t.me/irna_1313"},
		{"tg resolve", "tg://resolve?domain=AkhbareFori", "telegram", "akhbarefori", "AkhbareFori", "https://t.me/AkhbareFori"},
		{"telegram bot start", "t.me/IranGovBot?start=ref_12", "telegram", "irangovbot", "IranGovBot", "https://t.me/IranGovBot"},
		// WhatsApp.
		{"wa.me", "https://wa.me/989121234567", "whatsapp", "989121234567", "+989121234567", "https://wa.me/989121234567"},
		{"wa.me persian digits", "wa.me/۹۸۹۱۲۱۲۳۴۵۶۷", "whatsapp", "989121234567", "+989121234567", "https://wa.me/989121234567"},
		{"wa.me plus", "wa.me/+989121234567", "whatsapp", "989121234567", "+989121234567", "https://wa.me/989121234567"},
		{"api send", "https://api.whatsapp.com/send?phone=989121234567&text=salam", "whatsapp", "989121234567", "+989121234567", "https://wa.me/989121234567"},
		{"api send 00 prefix", "api.whatsapp.com/send/?phone=00989121234567", "whatsapp", "989121234567", "+989121234567", "https://wa.me/989121234567"},
		// Facebook.
		{"facebook page", "https://www.facebook.com/mehrnews", "facebook", "mehrnews", "mehrnews", "https://www.facebook.com/mehrnews"},
		{"facebook dots and case", "m.facebook.com/Mehr.News/", "facebook", "mehrnews", "Mehr.News", "https://www.facebook.com/Mehr.News"},
		{"facebook profile id", "https://www.facebook.com/profile.php?id=100064123456789&mibextid=ZbWKwL", "facebook", "100064123456789", "100064123456789", "https://www.facebook.com/profile.php?id=100064123456789"},
		{"facebook pages form", "facebook.com/pages/Mehr-News-Agency/123456789012", "facebook", "123456789012", "123456789012", "https://www.facebook.com/profile.php?id=123456789012"},
		{"fb.com", "fb.com/IRNA.news", "facebook", "irnanews", "IRNA.news", "https://www.facebook.com/IRNA.news"},
		{"mbasic", "https://mbasic.facebook.com/mehrnews?refid=17", "facebook", "mehrnews", "mehrnews", "https://www.facebook.com/mehrnews"},
		{"facebook pg", "facebook.com/pg/mehrnews/posts/", "facebook", "mehrnews", "mehrnews", "https://www.facebook.com/mehrnews"},
		// YouTube.
		{"youtube handle", "https://www.youtube.com/@PressTV", "youtube", "@presstv", "@PressTV", "https://www.youtube.com/@PressTV"},
		{"youtube persian handle", "https://www.youtube.com/@%D8%AE%D8%A8%D8%B1%D9%81%D9%88%D8%B1%DB%8C", "youtube", "@خبرفوری", "@خبرفوری", "https://www.youtube.com/@%D8%AE%D8%A8%D8%B1%D9%81%D9%88%D8%B1%DB%8C"},
		{"youtube raw persian handle", "youtube.com/@خبرفوری/videos", "youtube", "@خبرفوری", "@خبرفوری", "https://www.youtube.com/@%D8%AE%D8%A8%D8%B1%D9%81%D9%88%D8%B1%DB%8C"},
		{"youtube channel id", "youtube.com/channel/UCx3JNHMEk2bIlsrtRa8qEvQ/featured", "youtube", "UCx3JNHMEk2bIlsrtRa8qEvQ", "UCx3JNHMEk2bIlsrtRa8qEvQ", "https://www.youtube.com/channel/UCx3JNHMEk2bIlsrtRa8qEvQ"},
		{"youtube c", "m.youtube.com/c/IRIBNEWS", "youtube", "c/iribnews", "c/IRIBNEWS", "https://www.youtube.com/c/IRIBNEWS"},
		{"youtube user", "youtube.com/user/presstv", "youtube", "user/presstv", "user/presstv", "https://www.youtube.com/user/presstv"},
		{"youtube legacy", "youtube.com/IRIBNEWS", "youtube", "c/iribnews", "c/IRIBNEWS", "https://www.youtube.com/c/IRIBNEWS"},
		// LinkedIn.
		{"linkedin in", "https://www.linkedin.com/in/Ali-Rezaei-1a2b3c/", "linkedin", "in/ali-rezaei-1a2b3c", "in/Ali-Rezaei-1a2b3c", "https://www.linkedin.com/in/Ali-Rezaei-1a2b3c"},
		{"linkedin country", "ir.linkedin.com/in/ali-rezaei", "linkedin", "in/ali-rezaei", "in/ali-rezaei", "https://www.linkedin.com/in/ali-rezaei"},
		{"linkedin company", "linkedin.com/company/nioc/posts/?feedView=all", "linkedin", "company/nioc", "company/nioc", "https://www.linkedin.com/company/nioc"},
		{"linkedin school", "linkedin.com/school/university-of-tehran", "linkedin", "school/university-of-tehran", "school/university-of-tehran", "https://www.linkedin.com/school/university-of-tehran"},
		{"linkedin persian slug", "linkedin.com/in/%D8%B9%D9%84%DB%8C-%D8%B1%D8%B6%D8%A7%DB%8C%DB%8C", "linkedin", "in/علی-رضایی", "in/علی-رضایی", "https://www.linkedin.com/in/%D8%B9%D9%84%DB%8C-%D8%B1%D8%B6%D8%A7%DB%8C%DB%8C"},
		// Threads.
		{"threads.net", "https://www.threads.net/@Pezeshkian", "threads", "pezeshkian", "Pezeshkian", "https://www.threads.com/@Pezeshkian"},
		{"threads.com", "threads.com/@irna.news", "threads", "irna.news", "irna.news", "https://www.threads.com/@irna.news"},
		// Domestic.
		{"eitaa tab", "https://eitaa.com/AkhbareFori/", "eitaa", "akhbarefori", "AkhbareFori", "https://eitaa.com/AkhbareFori"},
		{"bale.ai", "bale.ai/irna_news", "bale", "irna_news", "irna_news", "https://ble.ir/irna_news"},
		{"soroush profile", "profile.splus.ir/AkhbareFori", "soroush", "akhbarefori", "AkhbareFori", "https://splus.ir/AkhbareFori"},
		{"soroushplus.com", "soroushplus.com/akhbarefori", "soroush", "akhbarefori", "akhbarefori", "https://splus.ir/akhbarefori"},
		{"sapp.ir legacy", "sapp.ir/akhbarefori", "soroush", "akhbarefori", "akhbarefori", "https://splus.ir/akhbarefori"},
		{"aparat", "https://www.aparat.com/AkhbareFori", "aparat", "akhbarefori", "AkhbareFori", "https://www.aparat.com/AkhbareFori"},
		{"aparat tab", "aparat.com/irna/live", "aparat", "irna", "irna", "https://www.aparat.com/irna"},
		{"virasty at", "virasty.com/@AkhbareFori", "virasty", "akhbarefori", "AkhbareFori", "https://virasty.com/AkhbareFori"},
		{"domestic persian handle", "eitaa.com/%D8%AE%D8%A8%D8%B1", "eitaa", "خبر", "خبر", "https://eitaa.com/%D8%AE%D8%A8%D8%B1"},
		// Pasting noise.
		{"bidi marks and spaces", "\u200f https://x.com/IRNA_en \u200e", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		{"guillemets", "«t.me/akhbarefori»", "telegram", "akhbarefori", "akhbarefori", "https://t.me/akhbarefori"},
		{"upper-case scheme and host", "HTTPS://WWW.INSTAGRAM.COM/Pezeshkian", "instagram", "pezeshkian", "Pezeshkian", "https://www.instagram.com/Pezeshkian"},
		{"port and trailing dot", "https://x.com.:443/IRNA_en", "x", "irna_en", "IRNA_en", "https://x.com/IRNA_en"},
		{"android intent", "intent://instagram.com/_u/pezeshkian/#Intent;package=com.instagram.android;end", "instagram", "pezeshkian", "pezeshkian", "https://www.instagram.com/pezeshkian"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Recognize(tt.in, nil)
			if err != nil {
				t.Fatalf("Recognize(%q): %v", tt.in, err)
			}
			want := Account{Platform: tt.platform, Handle: tt.handle, Display: tt.display, URL: tt.link}
			if got != want {
				t.Errorf("Recognize(%q)\n got %+v\nwant %+v", tt.in, got, want)
			}
		})
	}
}

// TestRecognizeRefused lists links that are not accounts, or not links of a
// known platform, each with the reason the user will be shown.
func TestRecognizeRefused(t *testing.T) {
	tests := []struct{ name, in, code, kind string }{
		{"empty", "  \u200f ", CodeEmpty, ""},
		{"unknown host", "https://irna.ir/news/123", CodeUnknownPlatform, ""},
		{"lookalike host", "https://notx.com/irna_en", CodeUnknownPlatform, ""},
		{"bare handle", "@AkhbareFori", CodeUnknownPlatform, ""},
		{"mailto", "mailto:info@x.com", CodeUnknownPlatform, ""},
		// Posts.
		{"x status", "https://x.com/IRNA_en/status/1790000000000000000", CodeNotAccount, KindPost},
		{"x i web status", "x.com/i/web/status/1790000000000000000", CodeNotAccount, KindPost},
		{"telegram post", "t.me/akhbarefori/123456", CodeNotAccount, KindPost},
		{"telegram preview post", "t.me/s/akhbarefori/123456", CodeNotAccount, KindPost},
		{"telegram private post", "https://t.me/c/1234567890/55", CodeNotAccount, KindPost},
		{"tg resolve post", "tg://resolve?domain=akhbarefori&post=12", CodeNotAccount, KindPost},
		{"instagram p", "https://www.instagram.com/p/C8xYz12AbCd/", CodeNotAccount, KindPost},
		{"instagram author p", "instagram.com/pezeshkian/p/C8xYz12AbCd", CodeNotAccount, KindPost},
		{"threads post", "https://www.threads.net/@pezeshkian/post/C8xYz12AbCd", CodeNotAccount, KindPost},
		{"eitaa post", "eitaa.com/AkhbareFori/154321", CodeNotAccount, KindPost},
		{"rubika post", "rubika.ir/AkhbareFori/CDGJBHGBCBIHEBJ", CodeNotAccount, KindPost},
		{"bale post", "ble.ir/akhbarefori/8899", CodeNotAccount, KindPost},
		{"virasty post", "virasty.com/@AkhbareFori/post/abc123", CodeNotAccount, KindPost},
		{"facebook post", "facebook.com/mehrnews/posts/pfbid02abc", CodeNotAccount, KindPost},
		{"linkedin post", "linkedin.com/posts/ali-rezaei_activity-7200000000", CodeNotAccount, KindPost},
		{"linkedin feed update", "linkedin.com/feed/update/urn:li:activity:7200000000/", CodeNotAccount, KindPost},
		{"whatsapp channel post", "whatsapp.com/channel/0029Vb1RfOdJkK71F9wpxh3F/105", CodeNotAccount, KindPost},
		// Videos.
		{"youtu.be", "https://youtu.be/dQw4w9WgXcQ?si=abc", CodeNotAccount, KindVideo},
		{"youtube watch", "youtube.com/watch?v=dQw4w9WgXcQ", CodeNotAccount, KindVideo},
		{"youtube shorts", "youtube.com/shorts/dQw4w9WgXcQ", CodeNotAccount, KindVideo},
		{"aparat video", "https://www.aparat.com/v/a1b2c", CodeNotAccount, KindVideo},
		{"aparat embed", "aparat.com/video/video/embed/videohash/a1b2c/vt/frame", CodeNotAccount, KindVideo},
		{"instagram reel", "instagram.com/reel/C8xYz12AbCd", CodeNotAccount, KindVideo},
		{"facebook watch", "facebook.com/watch/?v=123456", CodeNotAccount, KindVideo},
		// Invites.
		{"telegram plus invite", "https://t.me/+AbCdEf123456", CodeNotAccount, KindInvite},
		{"telegram joinchat", "telegram.me/joinchat/AbCdEf123456", CodeNotAccount, KindInvite},
		{"tg join", "tg://join?invite=AbCdEf123456", CodeNotAccount, KindInvite},
		{"whatsapp group", "https://chat.whatsapp.com/KxYz123AbC", CodeNotAccount, KindInvite},
		{"eitaa joinchat", "eitaa.com/joinchat/123456789C1a2b3c", CodeNotAccount, KindInvite},
		{"bale join", "ble.ir/join/AbCd1234", CodeNotAccount, KindInvite},
		{"rubika joing", "rubika.ir/joing/ABCDEFGH0IJKLMNOPQRS", CodeNotAccount, KindInvite},
		{"rubika joinc", "rubika.ir/joinc/ABCDEFGH0IJKLMNOPQRS", CodeNotAccount, KindInvite},
		{"splus joingroup", "splus.ir/joingroup/AbCd1234", CodeNotAccount, KindInvite},
		// Web clients.
		{"eitaa web", "https://web.eitaa.com/#@akhbarefori", CodeNotAccount, KindClient},
		{"bale web", "web.bale.ai/chat?uid=123", CodeNotAccount, KindClient},
		{"rubika web", "web.rubika.ir", CodeNotAccount, KindClient},
		{"splus web", "web.splus.ir", CodeNotAccount, KindClient},
		{"whatsapp web", "web.whatsapp.com", CodeNotAccount, KindClient},
		{"telegram web", "https://web.telegram.org/a/#@akhbarefori", CodeNotAccount, KindClient},
		{"telegram site", "telegram.org/blog", CodeNotAccount, KindReserved},
		// Other non-account pages.
		{"x home", "https://x.com/", CodeNotAccount, KindHome},
		{"x search", "x.com/search?q=iran", CodeNotAccount, KindSearch},
		{"x hashtag", "twitter.com/hashtag/iran", CodeNotAccount, KindHashtag},
		{"x settings", "x.com/settings/profile", CodeNotAccount, KindReserved},
		{"instagram explore", "instagram.com/explore/tags/iran/", CodeNotAccount, KindSearch},
		{"instagram stories", "instagram.com/stories/pezeshkian/3400000000", CodeNotAccount, KindStory},
		{"instagram accounts", "instagram.com/accounts/login/", CodeNotAccount, KindReserved},
		{"facebook group", "facebook.com/groups/123456789", CodeNotAccount, KindGroup},
		{"facebook share", "https://www.facebook.com/share/1AbCdEfGh/", CodeNotAccount, KindShare},
		{"telegram phone", "t.me/+989121234567", CodeNotAccount, KindPhone},
		{"wa.me message", "wa.me/message/ABCDEF123", CodeNotAccount, KindShare},
		{"virasty r", "virasty.com/r/AbC12", CodeNotAccount, KindShare},
		{"youtube results", "youtube.com/results?search_query=iran", CodeNotAccount, KindSearch},
		{"linkedin jobs", "linkedin.com/jobs/view/123", CodeNotAccount, KindReserved},
		{"help subdomain", "help.instagram.com/123456", CodeNotAccount, KindReserved},
		// Bad handles.
		{"x too long", "x.com/ThisHandleIsFarTooLong", CodeBadHandle, ""},
		{"telegram too short", "t.me/abc", CodeBadHandle, ""},
		{"telegram hyphen", "t.me/akhbare-fori", CodeBadHandle, ""},
		{"instagram persian", "instagram.com/خبر", CodeBadHandle, ""},
		{"whatsapp national number", "wa.me/09121234567", CodeBadHandle, ""},
		{"youtube bad channel id", "youtube.com/channel/UCshort", CodeBadHandle, ""},
		{"facebook profile without id", "facebook.com/profile.php", CodeBadHandle, ""},
		{"linkedin in without slug", "linkedin.com/in/", CodeBadHandle, ""},
		{"tg resolve without domain", "tg://resolve", CodeBadHandle, ""},
		{"dots only", "eitaa.com/..", CodeBadHandle, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acc, err := Recognize(tt.in, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Recognize(%q) = %+v, %v; want *Error %s/%s", tt.in, acc, err, tt.code, tt.kind)
			}
			if e.Code != tt.code || e.Kind != tt.kind {
				t.Errorf("Recognize(%q) error = %s/%s, want %s/%s", tt.in, e.Code, e.Kind, tt.code, tt.kind)
			}
		})
	}
}

// TestEquivalent checks that every spelling of one account gives one key,
// which is what keeps the registry free of duplicates.
func TestEquivalent(t *testing.T) {
	groups := map[string][]string{
		"x": {"x.com/IRNA_en", "https://twitter.com/irna_en", "twitter.com/@IRNA_EN", "https://twitter.com/#!/irna_en",
			"mobile.twitter.com/irna_en/", "www.x.com/irna_en?lang=fa", "X.COM/IRNA_EN"},
		"telegram": {"t.me/akhbarefori", "https://t.me/s/AkhbareFori", "AkhbareFori.t.me", "telegram.me/akhbarefori",
			"telegram.dog/AKHBAREFORI", "tg://resolve?domain=akhbarefori", "t.me/@akhbarefori"},
		"instagram": {"instagram.com/akhbare.fori", "instagram.com/_u/akhbare.fori", "instagr.am/Akhbare.Fori",
			"https://www.instagram.com/akhbare.fori/?hl=fa", "m.instagram.com/akhbare.fori"},
		"whatsapp": {"wa.me/989121234567", "https://api.whatsapp.com/send?phone=989121234567", "wa.me/+989121234567",
			"wa.me/۹۸۹۱۲۱۲۳۴۵۶۷", "api.whatsapp.com/send?phone=%2B98%20912%20123%204567"},
		"facebook": {"facebook.com/mehr.news", "fb.com/MehrNews", "m.facebook.com/mehrnews", "mbasic.facebook.com/Mehr.News/",
			"facebook.com/pg/mehrnews/about", "web.facebook.com/mehrnews"},
		"facebook id": {"facebook.com/profile.php?id=100064123456789", "facebook.com/100064123456789",
			"facebook.com/people/Mehr-News/100064123456789/", "facebook.com/p/Mehr-News-100064123456789/"},
		"youtube":         {"youtube.com/@PressTV", "https://www.youtube.com/@presstv/videos", "m.youtube.com/@PRESSTV"},
		"youtube persian": {"youtube.com/@خبرفوری", "youtube.com/@%D8%AE%D8%A8%D8%B1%D9%81%D9%88%D8%B1%DB%8C"},
		"threads":         {"threads.net/@pezeshkian", "https://www.threads.com/@Pezeshkian", "threads.com/pezeshkian"},
		"bale":            {"ble.ir/akhbarefori", "bale.ai/AkhbareFori", "https://ble.ir/akhbarefori/"},
		"linkedin":        {"linkedin.com/in/ali-rezaei", "ir.linkedin.com/in/Ali-Rezaei/", "https://www.linkedin.com/in/ali-rezaei/recent-activity/all/"},
	}
	for name, inputs := range groups {
		t.Run(name, func(t *testing.T) {
			first, err := Recognize(inputs[0], nil)
			if err != nil {
				t.Fatalf("Recognize(%q): %v", inputs[0], err)
			}
			for _, in := range inputs[1:] {
				got, err := Recognize(in, nil)
				if err != nil {
					t.Errorf("Recognize(%q): %v", in, err)
					continue
				}
				if got.Platform != first.Platform || got.Handle != first.Handle {
					t.Errorf("Recognize(%q) = %s/%s, want %s/%s as for %q", in, got.Platform, got.Handle, first.Platform, first.Handle, inputs[0])
				}
			}
		})
	}
}

func TestFromHandle(t *testing.T) {
	tests := []struct {
		name, platform, in    string
		handle, display, link string
		code                  string
	}{
		{"x at", "x", "@IRNA_en", "irna_en", "IRNA_en", "https://x.com/IRNA_en", ""},
		{"x bare", "x", "IRNA_en", "irna_en", "IRNA_en", "https://x.com/IRNA_en", ""},
		{"x code case", "X", " @IRNA_en ", "irna_en", "IRNA_en", "https://x.com/IRNA_en", ""},
		{"x link of same platform", "x", "https://twitter.com/IRNA_en", "irna_en", "IRNA_en", "https://x.com/IRNA_en", ""},
		{"x link of another platform", "x", "https://t.me/akhbarefori", "", "", "", CodePlatformMismatch},
		{"x given an invite of another platform", "x", "t.me/joinchat/AbCdEf", "", "", "", CodePlatformMismatch},
		{"x too long", "x", "@ThisHandleIsFarTooLong", "", "", "", CodeBadHandle},
		{"x reserved", "x", "search", "", "", "", CodeNotAccount},
		{"instagram dots", "instagram", "@akhbare.fori", "akhbare.fori", "akhbare.fori", "https://www.instagram.com/akhbare.fori", ""},
		{"telegram", "telegram", "@AkhbareFori", "akhbarefori", "AkhbareFori", "https://t.me/AkhbareFori", ""},
		{"telegram post link", "telegram", "t.me/akhbarefori/12", "", "", "", CodeNotAccount},
		{"whatsapp phone", "whatsapp", "+98 912 123 4567", "989121234567", "+989121234567", "https://wa.me/989121234567", ""},
		{"whatsapp persian phone", "whatsapp", "+۹۸۹۱۲۱۲۳۴۵۶۷", "989121234567", "+989121234567", "https://wa.me/989121234567", ""},
		{"whatsapp channel id", "whatsapp", "0029Vb1RfOdJkK71F9wpxh3F", "channel/0029Vb1RfOdJkK71F9wpxh3F", "channel/0029Vb1RfOdJkK71F9wpxh3F", "https://whatsapp.com/channel/0029Vb1RfOdJkK71F9wpxh3F", ""},
		{"facebook", "facebook", "Mehr.News", "mehrnews", "Mehr.News", "https://www.facebook.com/Mehr.News", ""},
		{"youtube bare is a handle", "youtube", "PressTV", "@presstv", "@PressTV", "https://www.youtube.com/@PressTV", ""},
		{"youtube persian", "youtube", "@خبرفوری", "@خبرفوری", "@خبرفوری", "https://www.youtube.com/@%D8%AE%D8%A8%D8%B1%D9%81%D9%88%D8%B1%DB%8C", ""},
		{"youtube channel id", "youtube", "UCx3JNHMEk2bIlsrtRa8qEvQ", "UCx3JNHMEk2bIlsrtRa8qEvQ", "UCx3JNHMEk2bIlsrtRa8qEvQ", "https://www.youtube.com/channel/UCx3JNHMEk2bIlsrtRa8qEvQ", ""},
		{"linkedin bare is a person", "linkedin", "ali-rezaei", "in/ali-rezaei", "in/ali-rezaei", "https://www.linkedin.com/in/ali-rezaei", ""},
		{"linkedin company", "linkedin", "company/nioc", "company/nioc", "company/nioc", "https://www.linkedin.com/company/nioc", ""},
		{"threads", "threads", "pezeshkian", "pezeshkian", "pezeshkian", "https://www.threads.com/@pezeshkian", ""},
		{"eitaa", "eitaa", "@AkhbareFori", "akhbarefori", "AkhbareFori", "https://eitaa.com/AkhbareFori", ""},
		{"rubika", "rubika", "AkhbareFori", "akhbarefori", "AkhbareFori", "https://rubika.ir/AkhbareFori", ""},
		{"bale", "bale", "akhbarefori", "akhbarefori", "akhbarefori", "https://ble.ir/akhbarefori", ""},
		{"soroush", "soroush", "AkhbareFori", "akhbarefori", "AkhbareFori", "https://splus.ir/AkhbareFori", ""},
		{"igap", "igap", "AkhbareFori", "akhbarefori", "AkhbareFori", "https://igap.net/AkhbareFori", ""},
		{"aparat", "aparat", "AkhbareFori", "akhbarefori", "AkhbareFori", "https://www.aparat.com/AkhbareFori", ""},
		{"virasty", "virasty", "@akhbarefori", "akhbarefori", "akhbarefori", "https://virasty.com/akhbarefori", ""},
		{"empty", "x", " @ ", "", "", "", CodeBadHandle},
		{"blank", "x", "  ", "", "", "", CodeEmpty},
		{"unknown platform code", "myspace", "someone", "", "", "", CodeUnknownPlatform},
		{"space inside", "telegram", "akhbare fori", "", "", "", CodeBadHandle},
		{"question mark typed", "telegram", "akhbarefori?", "", "", "", CodeBadHandle},
		{"hash typed", "x", "#IRNA_en", "", "", "", CodeBadHandle},
		{"facebook profile.php typed", "facebook", "profile.php?id=4", "4", "4", "https://www.facebook.com/profile.php?id=4", ""},
		{"facebook numeric id", "facebook", "100064123456789", "100064123456789", "100064123456789", "https://www.facebook.com/profile.php?id=100064123456789", ""},
		{"handle that looks like a host", "instagram", "x.com", "x.com", "x.com", "https://www.instagram.com/x.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromHandle(tt.platform, tt.in, nil)
			if tt.code != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.code {
					t.Fatalf("FromHandle(%q, %q) = %+v, %v; want code %s", tt.platform, tt.in, got, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromHandle(%q, %q): %v", tt.platform, tt.in, err)
			}
			want := Account{Platform: strings.ToLower(tt.platform), Handle: tt.handle, Display: tt.display, URL: tt.link}
			if got != want {
				t.Errorf("FromHandle(%q, %q)\n got %+v\nwant %+v", tt.platform, tt.in, got, want)
			}
		})
	}
}

// TestAddedPlatform checks the generic rule that serves platforms an admin
// adds, and that built-in platforms do not swallow its hosts.
func TestAddedPlatform(t *testing.T) {
	platforms := append(DefaultPlatforms(), Platform{Code: "gap", Hosts: []string{"WWW.Gap.IM"}})
	tests := []struct{ name, in, handle, display, link, code string }{
		{"plain", "https://gap.im/AkhbareFori", "akhbarefori", "AkhbareFori", "https://gap.im/AkhbareFori", ""},
		{"at and tab", "www.gap.im/@irna/posts", "irna", "irna", "https://gap.im/irna", ""},
		{"persian", "gap.im/خبر_فوری", "خبر_فوری", "خبر_فوری", "https://gap.im/%D8%AE%D8%A8%D8%B1_%D9%81%D9%88%D8%B1%DB%8C", ""},
		{"home", "gap.im", "", "", "", CodeNotAccount},
		{"bad", "gap.im/a!b", "", "", "", CodeBadHandle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Recognize(tt.in, platforms)
			if tt.code != "" {
				if !errors.Is(err, &Error{Code: tt.code}) {
					t.Fatalf("Recognize(%q) = %+v, %v; want code %s", tt.in, got, err, tt.code)
				}
				return
			}
			want := Account{Platform: "gap", Handle: tt.handle, Display: tt.display, URL: tt.link}
			if err != nil || got != want {
				t.Fatalf("Recognize(%q) = %+v, %v; want %+v", tt.in, got, err, want)
			}
		})
	}
}

// TestPlatformListDecides checks that a platform left out of the list (an
// admin disabled it) is not recognised by its built-in rule either.
func TestPlatformListDecides(t *testing.T) {
	only := []Platform{{Code: "x", Hosts: []string{"x.com", "twitter.com"}}}
	for _, in := range []string{"t.me/akhbarefori", "tg://resolve?domain=akhbarefori"} {
		t.Run(in, func(t *testing.T) {
			if _, err := Recognize(in, only); !errors.Is(err, &Error{Code: CodeUnknownPlatform}) {
				t.Errorf("Recognize(%q) error = %v, want unknown platform", in, err)
			}
		})
	}
}

func TestDefaultPlatforms(t *testing.T) {
	ps := DefaultPlatforms()
	if len(ps) != 15 {
		t.Fatalf("DefaultPlatforms() has %d platforms, want 15", len(ps))
	}
	seen := map[string]bool{}
	for _, p := range ps {
		t.Run(p.Code, func(t *testing.T) {
			if seen[p.Code] {
				t.Errorf("code %q twice", p.Code)
			}
			seen[p.Code] = true
			for _, h := range p.Hosts {
				if h != strings.ToLower(h) || strings.HasPrefix(h, "www.") {
					t.Errorf("host %q is not lower-case without www.", h)
				}
			}
		})
	}
}

func TestError(t *testing.T) {
	err := error(&Error{Code: CodeNotAccount, Kind: KindPost})
	tests := []struct {
		name   string
		target *Error
		want   bool
	}{
		{"same code any kind", &Error{Code: CodeNotAccount}, true},
		{"same code and kind", &Error{Code: CodeNotAccount, Kind: KindPost}, true},
		{"other kind", &Error{Code: CodeNotAccount, Kind: KindInvite}, false},
		{"other code", &Error{Code: CodeBadHandle}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%v, %+v) = %v, want %v", err, tt.target, got, tt.want)
			}
		})
	}
	if got := err.Error(); got != "link: not an account but a post link" {
		t.Errorf("Error() = %q", got)
	}
}
