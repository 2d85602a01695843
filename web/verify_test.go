package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hozur/config"
	"hozur/registry"
)

// publicEnv is a server with public verification configured by mod, and one
// account of each kind the answers must tell apart, or must not.
type publicEnv struct {
	*testEnv
	f                                       *fixture
	institutional, insta, office, personal  *registry.AccountView
	closed                                  *registry.AccountView
	opened                                  time.Time
	officialName, officialPos, personalHand string
}

func newPublicEnv(t *testing.T, mod func(*config.Config)) *publicEnv {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	// Most tests send more requests than a visitor would.
	cfg.Public.RateLimit, cfg.Public.RateBurst = 1_000_000, 1_000_000
	if mod != nil {
		mod(&cfg)
	}
	st := testStore(t, cfg.DataDir, nil)
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &publicEnv{testEnv: &testEnv{t: t, srv: srv, store: st, ts: ts}}
	e.f = e.fixture()
	e.opened = time.Date(2020, 3, 1, 0, 0, 0, 0, srv.tz)
	mk := func(in registry.AccountInput) *registry.AccountView {
		a, err := st.CreateAccount(context.Background(), registry.System, in)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	e.institutional = mk(registry.AccountInput{URL: "https://t.me/Health_News", Capacity: registry.CapacityInstitutional, AgencyID: e.f.Ministry.ID,
		Verification: registry.VerificationVerified, OpenedOn: &e.opened})
	e.insta = mk(registry.AccountInput{URL: "instagram.com/health_ministry", Capacity: registry.CapacityInstitutional, AgencyID: e.f.Ministry.ID})
	e.office = mk(registry.AccountInput{URL: "https://x.com/ShirazUni_Head", Capacity: registry.CapacityOffice, OfficialID: e.f.Official.ID})
	e.personal = mk(registry.AccountInput{URL: "https://instagram.com/alireza.mohammadi", Capacity: registry.CapacityPersonal, OfficialID: e.f.Official.ID,
		Verification: registry.VerificationVerified})
	e.closed = mk(registry.AccountInput{URL: "https://eitaa.com/energy_deputy", Capacity: registry.CapacityOffice, OfficialID: e.f.OtherOfficial.ID,
		Status: registry.StatusClosed})
	e.officialName, e.officialPos, e.personalHand = e.f.Official.Name, e.f.Official.Position, "alireza.mohammadi"
	return e
}

// get sends an anonymous GET with headers and returns the answer and its body.
func (e *testEnv) get(path string, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func verifyURL(q, platform string) string {
	v := url.Values{"q": {q}}
	if platform != "" {
		v.Set("platform", platform)
	}
	return "/verify?" + v.Encode()
}

func apiVerifyURL(q, platform string) string {
	v := url.Values{"url": {q}}
	if platform != "" {
		v.Set("platform", platform)
	}
	return "/api/v1/public/verify?" + v.Encode()
}

// TestVerifyFindsRegisteredAccounts: every form of an account's address,
// on the page and in the API.
func TestVerifyFindsRegisteredAccounts(t *testing.T) {
	e := newPublicEnv(t, nil)
	doc := loadOpenAPI(t, e.testEnv)
	cases := []struct {
		name, q, platform string
		want              *registry.AccountView
	}{
		{"telegram link", "https://t.me/Health_News", "", e.institutional},
		{"no scheme", "t.me/health_news", "", e.institutional},
		{"mixed case and trailing slash", "HTTPS://T.ME/HEALTH_NEWS/", "", e.institutional},
		{"preview", "https://t.me/s/health_news", "", e.institutional},
		{"telegram.me", "telegram.me/Health_News", "", e.institutional},
		{"subdomain", "health_news.t.me", "", e.institutional},
		{"tg link", "tg://resolve?domain=health_news", "", e.institutional},
		{"pasted from text", "  «t.me/health_news»، ", "", e.institutional},
		{"handle with platform", "@health_news", "telegram", e.institutional},
		{"handle without @", "Health_News", "telegram", e.institutional},
		{"code and handle", "telegram:@health_news", "", e.institutional},
		{"instagram www trailing slash", "https://www.instagram.com/health_ministry/", "", e.insta},
		{"instagram mobile host", "https://m.instagram.com/Health_Ministry", "", e.insta},
		{"instagram tracking", "instagram.com/health_ministry?igsh=MWQ1ZGUxMzBkMA==", "", e.insta},
		{"instagram _u", "instagram.com/_u/health_ministry", "", e.insta},
		{"instagram handle", "@health_ministry", "instagram", e.insta},
		{"office on twitter mobile", "https://mobile.twitter.com/shirazuni_head/?s=21", "", e.office},
		{"office on x", "x.com/SHIRAZUNI_HEAD", "", e.office},
		{"office handle", "@shirazuni_head", "x", e.office},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.get(verifyURL(c.q, c.platform), nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="verify-result"`) ||
				!strings.Contains(body, "ثبت‌شده: حساب "+map[string]string{"institutional": "سازمانی", "office": "سمتی"}[c.want.Capacity]) ||
				!strings.Contains(body, ">"+c.want.Display+"</a>") {
				t.Errorf("page: status %d, result for %s missing:\n%.2000s", resp.StatusCode, c.want.Display, body)
			}
			u := apiVerifyURL(c.q, c.platform)
			resp, body = e.get(u, nil)
			var got publicVerifyBody
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK || !got.Registered ||
				got.Account == nil || got.Account.ID != c.want.ID || got.Account.Capacity != c.want.Capacity {
				t.Fatalf("api: %d %s (%v), want account %d", resp.StatusCode, body, err, c.want.ID)
			}
			if err := validateResponse(t, doc, "GET", "/public/verify", u, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("api answer does not match the document: %v", err)
			}
		})
	}

	// What the answer says, and what it never says.
	_, body := e.get(apiVerifyURL("t.me/health_news", ""), nil)
	want := fmt.Sprintf(`{"registered":true,"account":{"id":%d,"platform":{"code":"telegram","name":"تلگرام","name_en":"Telegram"},`+
		`"handle":"Health_News","url":"https://t.me/Health_News","capacity":"institutional","agency":{"code":"MIN-HEALTH",`+
		`"name":"وزارت بهداشت، درمان و آموزش پزشکی","name_en":"Ministry of Health and Medical Education"},"since":"2020-03-01","verified":true}}`+"\n", e.institutional.ID)
	if body != want {
		t.Errorf("api body\n%s\nwant\n%s", body, want)
	}
	for _, path := range []string{verifyURL("x.com/shirazuni_head", ""), apiVerifyURL("x.com/shirazuni_head", "")} {
		_, body := e.get(path, nil)
		if strings.Contains(body, e.officialName) || strings.Contains(body, e.officialPos) || !strings.Contains(body, e.f.Province.Name) {
			t.Errorf("%s: an office account must name its agency and not its holder:\n%.3000s", path, body)
		}
	}
}

// TestVerifyDisclosesNothingOfOtherAccounts: a personal account, a closed
// office account and an unknown handle get byte-identical answers.
func TestVerifyDisclosesNothingOfOtherAccounts(t *testing.T) {
	e := newPublicEnv(t, nil)
	questions := []struct{ name, q, platform string }{
		{"personal", "https://www.instagram.com/alireza.mohammadi/", ""},
		{"personal by handle", "@alireza.mohammadi", "instagram"},
		{"closed office", "eitaa.com/energy_deputy", ""},
		{"unknown", "https://t.me/no_such_channel", ""},
		{"unknown by handle", "@no_such_person", "instagram"},
		{"institutional handle on another platform", "x.com/health_news", ""},
	}
	// One browser, so the sign-in cookie and CSRF token are the same for all.
	b := e.browser()
	b.get("/verify")
	var firstPage, firstAPI string
	for i, qn := range questions {
		status, page := b.get(verifyURL(qn.q, qn.platform))
		if status != http.StatusOK || !strings.Contains(page, "ثبت نشده است") {
			t.Fatalf("%s: page %d\n%.2000s", qn.name, status, page)
		}
		apiStatus, api := e.api("", "GET", apiVerifyURL(qn.q, qn.platform), "")
		if apiStatus != http.StatusOK || api != `{"registered":false}`+"\n" {
			t.Errorf("%s: api %d %s", qn.name, apiStatus, api)
		}
		if strings.Contains(page, e.personalHand) || strings.Contains(page, "no_such") || strings.Contains(page, "energy_deputy") {
			t.Errorf("%s: the page repeats the question", qn.name)
		}
		if i == 0 {
			firstPage, firstAPI = page, api
			continue
		}
		if page != firstPage {
			t.Errorf("%s: page differs from %s's", qn.name, questions[0].name)
		}
		if api != firstAPI {
			t.Errorf("%s: api differs from %s's", qn.name, questions[0].name)
		}
	}
	// The list never holds them either.
	_, list := e.api("", "GET", "/api/v1/public/accounts", "")
	for _, s := range []string{e.personalHand, "energy_deputy", e.officialName} {
		if strings.Contains(list, s) {
			t.Errorf("the public list holds %q", s)
		}
	}
}

// TestVerifyTiming: a personal account takes as long to not find as an
// unknown one. Requests alternate so that a slow moment hits both.
func TestVerifyTiming(t *testing.T) {
	e := newPublicEnv(t, nil)
	personal, unknown := apiVerifyURL("instagram.com/alireza.mohammadi", ""), apiVerifyURL("instagram.com/nobody.at.all", "")
	client := &http.Client{}
	timed := func(path string) time.Duration {
		start := time.Now()
		resp, err := client.Get(e.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return d
	}
	for range 20 { // warm up connections and prepared statements
		timed(personal)
		timed(unknown)
	}
	const n = 200
	var p, u []time.Duration
	for range n {
		p = append(p, timed(personal))
		u = append(u, timed(unknown))
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	mp, mu := median(p), median(u)
	if max(mp, mu) > 2*min(mp, mu)+time.Millisecond {
		t.Errorf("median personal %v, unknown %v: the time tells them apart", mp, mu)
	}
	t.Logf("median personal %v, unknown %v", mp, mu)
}

func TestVerifyInvalidInput(t *testing.T) {
	e := newPublicEnv(t, nil)
	doc := loadOpenAPI(t, e.testEnv)
	cases := []struct {
		name, q, platform, fa, en string
	}{
		{"a post", "https://t.me/health_news/1234", "", "یک پست است، نه حساب", "This is a link to a post, not to an account"},
		{"another site", "https://example.com/health_news", "", "از هیچ‌یک از سکوهایی که در سامانه ثبت می‌شوند نیست", "not on any of the platforms the registry covers"},
		{"a bare handle", "@health_news", "", "سکوی این شناسه را انتخاب کنید", "Choose the platform of this handle"},
		{"an invite", "https://t.me/+AbCdEf123456", "", "پیوند دعوت", "invite link"},
		{"the wrong platform", "https://t.me/health_news", "x", "از سکوی دیگری", "belongs to another platform"},
		{"no such platform", "@health_news", "myspace", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, page := e.get(verifyURL(c.q, c.platform), nil)
			if status.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `class="error-summary"`) || !strings.Contains(page, c.fa) {
				t.Errorf("page: %d, want 422 with %q\n%.3000s", status.StatusCode, c.fa, page)
			}
			_, enPage := e.get(verifyURL(c.q, c.platform), map[string]string{"Cookie": langCookie + "=en"})
			if !strings.Contains(enPage, c.en) || !strings.Contains(enPage, `lang="en" dir="ltr"`) {
				t.Errorf("English page lacks %q", c.en)
			}
			u := apiVerifyURL(c.q, c.platform)
			resp, body := e.get(u, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"code":"validation_failed"`) || !strings.Contains(body, c.en) {
				t.Errorf("api: %d %s", resp.StatusCode, body)
			}
			if err := validateResponse(t, doc, "GET", "/public/verify", u, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("api answer does not match the document: %v", err)
			}
		})
	}
	// An empty question is the form, not an error; in the API it is an error.
	if resp, page := e.get("/verify?q=+", nil); resp.StatusCode != http.StatusOK || strings.Contains(page, "error-summary") || strings.Contains(page, "verify-result") {
		t.Errorf("empty question: %d", resp.StatusCode)
	}
	if resp, body := e.get("/api/v1/public/verify", nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"url":"Paste the account's address."`) {
		t.Errorf("api without url: %d %s", resp.StatusCode, body)
	}
}

func TestVerifyRateLimit(t *testing.T) {
	limited := func(c *config.Config) { c.Public.RateLimit, c.Public.RateBurst = 2, 3 }
	t.Run("api", func(t *testing.T) {
		e := newPublicEnv(t, limited)
		doc := loadOpenAPI(t, e.testEnv)
		paths := []string{apiVerifyURL("t.me/health_news", ""), "/api/v1/public/accounts", apiVerifyURL("t.me/nobody_here", "")}
		for _, p := range paths {
			if resp, body := e.get(p, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s within the burst: %d %s", p, resp.StatusCode, body)
			}
		}
		u := apiVerifyURL("t.me/health_news", "")
		resp, body := e.get(u, map[string]string{"Accept-Language": "fa"})
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" ||
			!strings.HasPrefix(body, `{"error":{"code":"rate_limited","message":"از نشانی شما استعلام‌های زیادی رسیده است`) {
			t.Errorf("over the burst: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		if err := validateResponse(t, doc, "GET", "/public/verify", u, resp.StatusCode, resp.Header, body); err != nil {
			t.Errorf("429 does not match the document: %v", err)
		}
		// The page shares the limit; signed-in pages do not.
		if resp, _ := e.get("/verify", nil); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("page after the API's burst: %d", resp.StatusCode)
		}
		if resp, _ := e.get("/login", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("login page: %d", resp.StatusCode)
		}
	})
	t.Run("page", func(t *testing.T) {
		e := newPublicEnv(t, limited)
		for range 3 {
			if resp, _ := e.get(verifyURL("t.me/health_news", ""), nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("within the burst: %d", resp.StatusCode)
			}
		}
		for _, c := range []struct{ lang, text, dir string }{{"fa", "کمی صبر کنید و دوباره امتحان کنید", `dir="rtl"`}, {"en", "Wait a little and try again.", `dir="ltr"`}} {
			resp, page := e.get(verifyURL("t.me/health_news", ""), map[string]string{"Cookie": langCookie + "=" + c.lang})
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" || !strings.Contains(page, c.text) ||
				!strings.Contains(page, c.dir) || strings.Contains(page, "verify-result") {
				t.Errorf("%s: %d Retry-After %q\n%.2000s", c.lang, resp.StatusCode, resp.Header.Get("Retry-After"), page)
			}
		}
	})
}

func TestPublicAccountsAPI(t *testing.T) {
	e := newPublicEnv(t, nil)
	doc := loadOpenAPI(t, e.testEnv)
	for _, p := range []string{"/public/verify", "/public/accounts"} {
		if op := doc.Paths.Find(p).Get; op.Security == nil || len(*op.Security) != 0 || op.Responses.Value("429") == nil || op.Responses.Value("401") != nil {
			t.Errorf("%s must be documented with security: [] and 429, without 401", p)
		}
	}
	var ids []int64
	var next *int64
	for page := 0; ; page++ {
		u := "/api/v1/public/accounts?limit=2"
		if next != nil {
			u += fmt.Sprintf("&after=%d", *next)
		}
		resp, body := e.get(u, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
			t.Fatalf("%s: %d ETag %q %s", u, resp.StatusCode, resp.Header.Get("ETag"), body)
		}
		if err := validateResponse(t, doc, "GET", "/public/accounts", u, resp.StatusCode, resp.Header, body); err != nil {
			t.Errorf("%s does not match the document: %v", u, err)
		}
		var b publicListBody
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		for _, it := range b.Items {
			ids = append(ids, it.ID)
		}
		if next = b.Next; next == nil {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if want := []int64{e.institutional.ID, e.insta.ID, e.office.ID}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}

	// ETag and If-None-Match.
	resp, body := e.get("/api/v1/public/accounts", nil)
	etag := resp.Header.Get("ETag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		resp, body304 := e.get("/api/v1/public/accounts", map[string]string{"If-None-Match": inm})
		if resp.StatusCode != http.StatusNotModified || body304 != "" || resp.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d ETag %q body %q", inm, resp.StatusCode, resp.Header.Get("ETag"), body304)
		}
		if err := validateResponse(t, doc, "GET", "/public/accounts", "/api/v1/public/accounts", resp.StatusCode, resp.Header, body304); err != nil {
			t.Errorf("304 does not match the document: %v", err)
		}
	}
	if resp, _ := e.get("/api/v1/public/accounts", map[string]string{"If-None-Match": `"stale"`}); resp.StatusCode != http.StatusOK {
		t.Errorf("stale ETag: %d", resp.StatusCode)
	}
	// A new account changes the list and its ETag.
	if _, err := e.store.CreateAccount(context.Background(), registry.System, registry.AccountInput{URL: "eitaa.com/energy_news",
		Capacity: registry.CapacityInstitutional, AgencyID: e.f.Other.ID}); err != nil {
		t.Fatal(err)
	}
	resp2, body2 := e.get("/api/v1/public/accounts", map[string]string{"If-None-Match": etag})
	if resp2.StatusCode != http.StatusOK || resp2.Header.Get("ETag") == etag || body2 == body || !strings.Contains(body2, "energy_news") {
		t.Errorf("after a change: %d ETag %q", resp2.StatusCode, resp2.Header.Get("ETag"))
	}
	for _, bad := range []string{"?after=-1", "?after=x", "?limit=0", "?limit=501"} {
		resp, body := e.get("/api/v1/public/accounts"+bad, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"code":"validation_failed"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

func TestVerifyDisabled(t *testing.T) {
	e := newPublicEnv(t, func(c *config.Config) { c.Public.Verify = false; c.Public.RateBurst = 1 })
	for _, p := range []string{"/verify", verifyURL("t.me/health_news", ""), apiVerifyURL("t.me/health_news", ""), "/api/v1/public/accounts",
		"/api/v1/public/accounts"} { // more than the burst: 404, never 429
		resp, body := e.get(p, nil)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Health_News") {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		if strings.HasPrefix(p, "/api/") && !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("%s: %s", p, body)
		}
	}
	if _, page := e.get("/login", nil); strings.Contains(page, `href="/verify"`) {
		t.Error("the sign-in page links to a verification that is off")
	}
}

func TestVerifyPageLanguages(t *testing.T) {
	e := newPublicEnv(t, nil)
	b := e.browser()
	status, page := b.get("/login")
	if status != http.StatusOK || !strings.Contains(page, `href="/verify"`) {
		t.Fatalf("the sign-in page does not link to /verify: %d", status)
	}
	q := verifyURL("https://t.me/health_news", "")
	status, page = b.get(q)
	for _, want := range []string{`<html lang="fa" dir="rtl">`, "<h1>استعلام حساب رسمی</h1>", "ثبت‌شده: حساب سازمانی",
		"این حساب رسمی وزارت بهداشت، درمان و آموزش پزشکی است.", `id="verify-since">۱۱ اسفند ۱۳۹۸<`, "تأییدشده از سوی دفتر نظارت",
		`value="https://t.me/health_news"`, `id="lang-switch"`} {
		if !strings.Contains(page, want) {
			t.Errorf("Persian page lacks %q", want)
		}
	}
	if status != http.StatusOK || strings.Contains(page, "Ministry of Health") {
		t.Errorf("Persian page: %d, or English names in it", status)
	}
	// The switch keeps the question and answers it in English.
	status, loc, _ := b.post("/lang", url.Values{"lang": {"en"}, "next": {q}})
	if status != http.StatusSeeOther || loc != q {
		t.Fatalf("switch: %d to %q", status, loc)
	}
	status, page = b.get(loc)
	for _, want := range []string{`<html lang="en" dir="ltr">`, "<h1>Check an official account</h1>", "Registered: an institutional account",
		"This is the official account of Ministry of Health and Medical Education.", `id="verify-since">1 Mar 2020<`, "Verified by the oversight office"} {
		if !strings.Contains(page, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	if status != http.StatusOK {
		t.Errorf("English page: %d", status)
	}
	// An office account, not yet verified, in English.
	_, page = b.get(verifyURL("@shirazuni_head", "x"))
	for _, want := range []string{"Registered: an office account", "Shiraz University of Medical Sciences", "not yet verified", `<option value="x" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("office page lacks %q", want)
		}
	}
	// Signed in, the page is the same answer inside the signed-in layout.
	b2 := e.browser()
	b2.signIn("liaison")
	if status, page := b2.get(q); status != http.StatusOK || !strings.Contains(page, "ثبت‌شده: حساب سازمانی") || !strings.Contains(page, `action="/logout"`) {
		t.Errorf("signed in: %d", status)
	}
}

func TestRateLimitKeysIPv6ByPrefix(t *testing.T) {
	cases := map[string]string{
		"203.0.113.9":             "203.0.113.9",
		"2001:db8:1:2:aaaa::1":    "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::ffff": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"::ffff:203.0.113.9":      "::ffff:203.0.113.9",
	}
	for in, want := range cases {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
