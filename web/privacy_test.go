package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hozur/registry"
)

// TestPrivacyPage: /privacy needs no sign-in, speaks Persian by default and
// English after the switch, and lists every declared field.
func TestPrivacyPage(t *testing.T) {
	e := newTestEnv(t)
	e.srv.cfg.Mail.Office = []string{"nezarat@example.ir"}
	b := e.browser()
	decl := registry.Declaration(e.srv.privacyTerms())
	for _, lang := range []string{"fa", "en"} {
		t.Run(lang, func(t *testing.T) {
			if lang == "en" {
				if status, loc, _ := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/privacy"}}); status != http.StatusSeeOther || loc != "/privacy" {
					t.Fatalf("switch language: %d %q", status, loc)
				}
			}
			status, body := b.get("/privacy")
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			mustContain(t, body, `<html lang="`+lang+`"`, msg(t, lang, "privacy.title"), msg(t, lang, "privacy.right_access"),
				msg(t, lang, "privacy.right_erasure"), msg(t, lang, "privacy.encrypted_yes"), msg(t, lang, "privacy.hashed"),
				"mailto:nezarat@example.ir", `id="lang-switch"`)
			for _, f := range decl {
				mustContain(t, body, `data-field="`+f.Table+"."+f.Column+`"`, html.EscapeString(f.Purpose.In(lang)))
			}
			for _, kind := range registry.PrivacyKinds {
				mustContain(t, body, msg(t, lang, "privacy.kind."+kind))
			}
			// Signed out: no "my data" link.
			mustNotContain(t, body, `id="my-data-link"`, `id="my-data-footer-link"`)
		})
	}
	// The login page's footer links to it.
	_, body := e.browser().get("/login")
	mustContain(t, body, `href="/privacy"`)
}

// TestPrivacyRetentionFollowsConfig: the page states the configured
// session lifetime, not the default.
func TestPrivacyRetentionFollowsConfig(t *testing.T) {
	e := newTestEnv(t)
	e.srv.cfg.Session.Lifetime = 8 * time.Hour
	e.srv.cfg.Session.IdleTimeout = 45 * time.Minute
	e.srv.cfg.Privacy.LeftOfficeMonths = 18
	_, body := e.browser().get("/privacy")
	mustContain(t, body, "۸ ساعت", "۴۵ دقیقه", "۱۸ ماه")
}

// download fetches a path with the browser's cookies, returning the answer
// and its body.
func download(t *testing.T, b *browser, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := b.client.Get(b.e.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestMyDataAndExports(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	mine := []*registry.AccountView{}
	for _, in := range []registry.AccountInput{
		{URL: "https://t.me/alireza_private", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID},
		{URL: "https://x.com/sums_president", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID},
	} {
		acc, err := e.store.CreateAccount(ctx, registry.System, in)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, acc)
	}
	theirs, err := e.store.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "https://x.com/z_hosseini", Capacity: registry.CapacityOffice, OfficialID: f.OtherOfficial.ID})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(e.srv.tz).Format(time.DateOnly)

	// The official: their page, their download, nobody else's.
	off := e.browser()
	off.signIn("official")
	status, body := off.get("/my-data")
	if status != http.StatusOK {
		t.Fatalf("my data: %d", status)
	}
	mustContain(t, body, `href="/my-data/export"`, `data-kind="accounts"`, `id="my-data-footer-link"`,
		`data-field="officials.email"`, `data-field="accounts.handle"`)
	mustNotContain(t, body, `data-field="imports.data"`)
	// The erasure form is linked once the route exists.
	if e.srv.hasRoute(http.MethodGet, erasurePath) {
		mustContain(t, body, `id="my-data-erasure"`)
	} else {
		mustNotContain(t, body, `id="my-data-erasure"`)
	}
	if !strings.Contains(body, `data-kind="accounts"><dt>`+msg(t, "fa", "mydata.count.accounts")+`</dt><dd class="num">۲</dd>`) {
		t.Errorf("the page does not count two accounts")
	}
	resp, raw := download(t, off, "/my-data/export")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, raw)
	}
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="hozur-my-data-`+today+`.json"`; !strings.HasPrefix(got, want) {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc dataExportBody
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var got []int64
	for _, a := range doc.Accounts {
		id, _ := a["id"].(float64)
		got = append(got, int64(id))
	}
	for _, a := range mine {
		if !slices.Contains(got, a.ID) {
			t.Errorf("account %d missing from %v", a.ID, got)
		}
	}
	if slices.Contains(got, theirs.ID) || doc.OfficialID != f.Official.ID || len(doc.Declaration) == 0 {
		t.Errorf("export of official %d: accounts %v, %d declared fields", doc.OfficialID, got, len(doc.Declaration))
	}
	if status, _ := off.get(fmt.Sprintf("/officials/%d/data-export", f.OtherOfficial.ID)); status != http.StatusForbidden {
		t.Errorf("an official fetched another's data: %d", status)
	}
	if resp, _ := download(t, off, fmt.Sprintf("/officials/%d/data-export", f.Official.ID)); resp.StatusCode != http.StatusOK {
		t.Errorf("an official's own export by id: %d", resp.StatusCode)
	}

	// The office and auditors download any official's data from their page;
	// liaisons do not, not even for their own agency.
	cases := []struct {
		role   registry.Role
		status int
		link   bool
	}{
		{registry.RoleReviewer, http.StatusOK, true},
		{registry.RoleAdmin, http.StatusOK, true},
		{registry.RoleAuditor, http.StatusOK, true},
		{registry.RoleLiaison, http.StatusForbidden, false},
	}
	for _, c := range cases {
		t.Run(string(c.role), func(t *testing.T) {
			b := e.browser()
			b.signIn(f.Users[c.role].Username)
			_, page := b.get(fmt.Sprintf("/officials/%d", f.Official.ID))
			if has := strings.Contains(page, `id="data-export"`); has != c.link {
				t.Errorf("download link shown: %v", has)
			}
			resp, raw := download(t, b, fmt.Sprintf("/officials/%d/data-export", f.Official.ID))
			if resp.StatusCode != c.status {
				t.Fatalf("export: %d", resp.StatusCode)
			}
			if c.status == http.StatusOK {
				want := fmt.Sprintf(`attachment; filename="hozur-official-%d-data-%s.json"`, f.Official.ID, today)
				if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), want) || !json.Valid(raw) {
					t.Errorf("Content-Disposition %q, valid JSON %v", resp.Header.Get("Content-Disposition"), json.Valid(raw))
				}
			}
			// "My data" is an official's own page.
			if status, _ := b.get("/my-data"); status != http.StatusForbidden {
				t.Errorf("my data for a %s: %d", c.role, status)
			}
		})
	}
	// Every export is in the audit trail.
	evs, err := e.store.AuditEvents(ctx, registry.System, registry.AuditFilter{Action: "access_export"}, registry.Page{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Items) != 5 {
		t.Errorf("%d access_export events, want 5", len(evs.Items))
	}
	// Signed out, the pages ask to sign in.
	if status, _ := e.browser().get("/my-data"); status != http.StatusSeeOther {
		t.Errorf("my data signed out: %d", status)
	}
}

// TestAPIDataExport: the API answers as the page does, and every answer
// is what the OpenAPI document says.
func TestAPIDataExport(t *testing.T) {
	w := newAPIWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	f := w.f
	acc := w.account(registry.AccountInput{URL: "https://t.me/alireza_private", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	path := fmt.Sprintf("/api/v1/officials/%d/data-export", f.Official.ID)
	cases := []struct {
		role   registry.Role
		url    string
		status int
	}{
		{registry.RoleOfficial, path, http.StatusOK},
		{registry.RoleReviewer, path, http.StatusOK},
		{registry.RoleAuditor, path, http.StatusOK},
		{registry.RoleAdmin, path, http.StatusOK},
		{registry.RoleLiaison, path, http.StatusForbidden},
		{registry.RoleOfficial, fmt.Sprintf("/api/v1/officials/%d/data-export", f.OtherOfficial.ID), http.StatusForbidden},
		{registry.RoleReviewer, "/api/v1/officials/999999/data-export", http.StatusNotFound},
		{"", path, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s", c.role, c.url), func(t *testing.T) {
			resp, body := w.do(c.role, "GET", c.url, "")
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, c.status, body)
			}
			if err := validateResponse(t, doc, "GET", "/officials/{id}/data-export", c.url, resp.StatusCode, resp.Header, body); err != nil {
				t.Error(err)
			}
			if c.status != http.StatusOK {
				return
			}
			var out struct {
				Accounts []struct {
					ID     int64  `json:"id"`
					Handle string `json:"handle"`
				} `json:"accounts"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Accounts) != 1 || out.Accounts[0].ID != acc.ID || out.Accounts[0].Handle != acc.Handle {
				t.Errorf("accounts %+v, want %d %q", out.Accounts, acc.ID, acc.Handle)
			}
		})
	}
}
