package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestAccountPages(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.browser()
	b.signIn("reviewer")
	official := f.Official.ID

	cases := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantBody   []string
	}{
		{"pasted url", url.Values{"url": {"https://t.me/s/Shiraz_Univ?utm_source=x"}, "capacity": {"office"}, "official_id": {itoa(official)}}, http.StatusSeeOther, nil},
		{"duplicate", url.Values{"url": {"t.me/shiraz_univ"}, "capacity": {"office"}, "official_id": {itoa(official)}}, http.StatusUnprocessableEntity, []string{"پیش‌تر ثبت شده", `href="#f-url"`}},
		{"post link", url.Values{"url": {"https://t.me/shiraz_univ/1234"}, "capacity": {"office"}, "official_id": {itoa(official)}}, http.StatusUnprocessableEntity, []string{"پیوندِ یک پست"}},
		{"unknown agency code", url.Values{"url": {"eitaa.com/sums"}, "capacity": {"institutional"}, "agency": {"NOPE"}}, http.StatusUnprocessableEntity, []string{"هیچ دستگاهی این کد را ندارد"}},
		{"bad date", url.Values{"url": {"eitaa.com/sums"}, "capacity": {"institutional"}, "agency": {"MIN-HEALTH"}, "opened_on": {"1402/13/40"}}, http.StatusUnprocessableEntity, []string{"۱۴۰۳/۰۱/۲۱"}},
		{"institutional by code", url.Values{"url": {"eitaa.com/sums"}, "capacity": {"institutional"}, "agency": {"min-health"}, "opened_on": {"۱۴۰۲/۰۱/۲۱"}}, http.StatusSeeOther, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b.get("/accounts/new")
			status, loc, body := b.post("/accounts", c.form)
			if status != c.wantStatus {
				t.Fatalf("status %d, want %d; body %.500s", status, c.wantStatus, body)
			}
			for _, w := range c.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if status == http.StatusSeeOther {
				if _, page := b.get(loc); !strings.Contains(page, "summary-list") {
					t.Errorf("no account page at %s", loc)
				}
			}
		})
	}
	// The list: filters, a bad filter, the institutional account's date.
	if st, body := b.get("/accounts?agency=NOPE"); st != http.StatusUnprocessableEntity || !strings.Contains(body, "هیچ دستگاهی") {
		t.Errorf("unknown agency filter: %d", st)
	}
	if _, body := b.get("/accounts?agency=MIN-HEALTH&platform=eitaa"); !strings.Contains(body, "sums") || strings.Contains(body, "Shiraz_Univ") {
		t.Errorf("agency and platform filter: %.300s", body)
	}
	if _, body := b.get("/accounts?q=shiraz"); !strings.Contains(body, "Shiraz_Univ") {
		t.Error("handle search")
	}
	// Without a CSRF token a form is refused.
	status, _, _ := b.post("/accounts", url.Values{"_csrf": {"forged"}, "url": {"eitaa.com/other"}, "capacity": {"office"}})
	if status != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d", status)
	}
	// An auditor sees the account but no edit button, and cannot post.
	a := e.browser()
	a.signIn("auditor")
	_, body := a.get("/accounts")
	if strings.Contains(body, `href="/accounts/new"`) {
		t.Error("auditor is offered 'declare an account'")
	}
	if st, _, _ := a.post("/accounts", url.Values{"url": {"eitaa.com/auditor"}, "capacity": {"office"}, "official_id": {itoa(official)}}); st != http.StatusForbidden {
		t.Errorf("auditor create: %d", st)
	}
	// Anonymous visitors are sent to sign in.
	anon := e.browser()
	if st, _ := anon.get("/accounts"); st != http.StatusSeeOther {
		t.Errorf("anonymous /accounts: %d", st)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/accounts?q=x":        "/accounts?q=x",
		"":                     "/",
		"https://evil.example": "/",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"/\t/evil.example":     "/",
		"/\n/evil.example":     "/",
		"/a\\b":                "/",
		"accounts":             "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
