package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hozur/registry"
	"hozur/registry/demo"
	"hozur/registry/sheet"
)

// exportWorld is the API world with accounts of every capacity in two
// ministries.
func newExportWorld(t *testing.T) *apiWorld {
	t.Helper()
	w := newAPIWorld(t)
	f := w.f
	for _, in := range []registry.AccountInput{
		{URL: "https://t.me/moh_news", Capacity: registry.CapacityInstitutional, AgencyID: f.Ministry.ID},
		{URL: "https://x.com/energy_ir", Capacity: registry.CapacityInstitutional, AgencyID: f.Other.ID},
		{URL: "https://instagram.com/alireza_m", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID},
		{URL: "https://eitaa.com/alireza_personal", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID},
		{URL: "https://t.me/zahra_h", Capacity: registry.CapacityOffice, OfficialID: f.OtherOfficial.ID},
	} {
		w.account(in)
	}
	return w
}

// readExport reads a downloaded file; column is the cells of one column.
func readExport(t *testing.T, body string) *sheet.Table {
	t.Helper()
	tab, err := sheet.Read(strings.NewReader(body), "export", sheet.Options{})
	if err != nil {
		t.Fatalf("read export: %v (%.200q)", err, body)
	}
	return tab
}

func exportColumn(t *testing.T, tab *sheet.Table, header string) []string {
	t.Helper()
	i := slices.Index(tab.Header, header)
	if i < 0 {
		t.Fatalf("no column %q in %q", header, tab.Header)
	}
	out := make([]string, len(tab.Rows))
	for j, r := range tab.Rows {
		out[j] = r.Cell(i)
	}
	slices.Sort(out)
	return out
}

func TestExportAPI(t *testing.T) {
	w := newExportWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	today := w.store.Now().In(w.srv.tz).Format(time.DateOnly)
	all := []string{"alireza_m", "alireza_personal", "energy_ir", "moh_news", "zahra_h"}
	cases := []struct {
		name    string
		role    registry.Role
		url     string
		header  []string
		status  int
		first   string   // the header's first cell
		handles []string // the accounts exported, sorted
	}{
		{"admin, everything, English by default", registry.RoleAdmin, "/api/v1/exports/accounts", nil, 200, "platform", all},
		{"Persian headers from Accept-Language", registry.RoleAdmin, "/api/v1/exports/accounts", []string{"Accept-Language", "fa-IR"}, 200, "سکو", all},
		{"lang beats Accept-Language", registry.RoleAdmin, "/api/v1/exports/accounts?lang=en", []string{"Accept-Language", "fa"}, 200, "platform", all},
		{"filtered by capacity", registry.RoleAdmin, "/api/v1/exports/accounts?capacity=office", nil, 200, "platform", []string{"alireza_m", "zahra_h"}},
		{"filtered by agency", registry.RoleAdmin, "/api/v1/exports/accounts?agency_id=" + strconv.FormatInt(w.f.Other.ID, 10), nil, 200, "platform", []string{"energy_ir", "zahra_h"}},
		{"an auditor reads everything", registry.RoleAuditor, "/api/v1/exports/accounts", nil, 200, "platform", all},
		{"a liaison their subtree", registry.RoleLiaison, "/api/v1/exports/accounts", nil, 200, "platform", []string{"alireza_m", "alireza_personal", "moh_news"}},
		{"an official their own", registry.RoleOfficial, "/api/v1/exports/accounts", nil, 200, "platform", []string{"alireza_m", "alireza_personal"}},
		{"officials", registry.RoleLiaison, "/api/v1/exports/officials", nil, 200, "name", nil},
		{"agencies", registry.RoleOfficial, "/api/v1/exports/agencies?kind=ministry", nil, 200, "code", nil},
		{"exemptions", registry.RoleReviewer, "/api/v1/exports/exemptions", nil, 200, "id", nil},
		{"flags", registry.RoleReviewer, "/api/v1/exports/flags?status=open", nil, 200, "id", nil},
		{"unknown kind", registry.RoleAdmin, "/api/v1/exports/users", nil, 404, "", nil},
		{"bad format", registry.RoleAdmin, "/api/v1/exports/accounts?format=pdf", nil, 422, "", nil},
		{"bad filter", registry.RoleAdmin, "/api/v1/exports/accounts?capacity=boss&platform=myspace", nil, 422, "", nil},
		{"bad sort", registry.RoleAdmin, "/api/v1/exports/officials?sort=email", nil, 422, "", nil},
		{"bad flag filter", registry.RoleAuditor, "/api/v1/exports/flags?severity=grave", nil, 422, "", nil},
		{"no token", "", "/api/v1/exports/accounts", nil, 401, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.do(tc.role, http.MethodGet, tc.url, "", tc.header...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			tmpl := "/exports/{id}"
			if err := validateResponse(t, doc, http.MethodGet, tmpl, tc.url, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("answer does not match the document: %v", err)
			}
			if tc.status != 200 {
				if code, _ := errorFields(t, body); code == "" {
					t.Errorf("no error body: %s", body)
				}
				return
			}
			kind := strings.TrimPrefix(strings.SplitN(tc.url, "?", 2)[0], "/api/v1/exports/")
			if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="`+kind+`-`+today+`.csv"`; got != want {
				t.Errorf("Content-Disposition %q, want %q", got, want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.HasPrefix(body, "\uFEFF"+tc.first+",") {
				t.Fatalf("body starts %.60q, want the BOM and %q", body, tc.first)
			}
			if tc.handles != nil {
				tab := readExport(t, body)
				col := "handle"
				if tc.first != "platform" {
					col = "شناسه"
				}
				if got := exportColumn(t, tab, col); !slices.Equal(got, tc.handles) {
					t.Errorf("accounts %q, want %q", got, tc.handles)
				}
			}
		})
	}
	// The error names the bad parameters.
	resp, body := w.do(registry.RoleAdmin, http.MethodGet, "/api/v1/exports/accounts?format=pdf&status=gone", "")
	code, fields := errorFields(t, body)
	if resp.StatusCode != 422 || code != "validation_failed" || fields["format"] == "" || fields["status"] == "" {
		t.Errorf("bad format: %d %s %v", resp.StatusCode, code, fields)
	}
}

func TestExportAPIXLSX(t *testing.T) {
	w := newExportWorld(t)
	for _, lang := range []string{"fa", "en"} {
		t.Run(lang, func(t *testing.T) {
			resp, body := w.do(registry.RoleAdmin, http.MethodGet, "/api/v1/exports/officials?format=xlsx&lang="+lang, "")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != mimeXLSX ||
				!strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.xlsx"`) {
				t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
			}
			rtl, header := openXLSX(t, body)
			if rtl != (lang == "fa") {
				t.Errorf("right to left %v", rtl)
			}
			if want := map[string]string{"fa": "نام", "en": "name"}[lang]; header[0] != want {
				t.Errorf("header %q", header)
			}
		})
	}
}

// openXLSX opens a workbook: whether its first sheet is right to left, and
// the sheet's first row.
func openXLSX(t *testing.T, body string) (bool, []string) {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer func() { _ = f.Close() }()
	name := f.GetSheetList()[0]
	view, err := f.GetSheetView(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(name)
	if err != nil || len(rows) == 0 {
		t.Fatalf("rows: %v", err)
	}
	return view.RightToLeft != nil && *view.RightToLeft, rows[0]
}

// download fetches a page's download as the browser, with its headers.
func (b *browser) download(path string) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.client.Get(b.e.ts.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestExportPages(t *testing.T) {
	w := newExportWorld(t)
	f := w.f
	persian := w.browser() // the default language is Persian
	persian.signIn("root")
	english := w.browser()
	if err := w.store.SetLocale(context.Background(), f.Users[registry.RoleReviewer].ID, "en"); err != nil {
		t.Fatal(err)
	}
	english.signIn("reviewer")

	// Every list offers both files, with its filters.
	for _, page := range []string{"/agencies?kind=ministry", "/officials?rank=2", "/accounts?capacity=office&sort=handle", "/exemptions?valid=1", "/flags?severity=high"} {
		status, body := persian.get(page)
		if status != 200 {
			t.Fatalf("%s: %d", page, status)
		}
		path, query, _ := strings.Cut(page, "?")
		for _, format := range []string{"csv", "xlsx"} {
			q, _ := url.ParseQuery(query)
			q.Set("format", format)
			if want := `href="` + path + "/export?" + strings.ReplaceAll(q.Encode(), "&", "&amp;") + `"`; !strings.Contains(body, want) {
				t.Errorf("%s: no link %s", page, want)
			}
		}
		if !strings.Contains(body, "دریافت این فهرست") {
			t.Errorf("%s: no Persian download label", page)
		}
	}

	t.Run("Excel for a Persian reader: right to left, Persian headers, filtered", func(t *testing.T) {
		resp, body := persian.download("/accounts/export?format=xlsx&capacity=office")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != mimeXLSX {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rtl, header := openXLSX(t, body)
		if !rtl || header[0] != "سکو" {
			t.Errorf("rtl %v, header %q", rtl, header)
		}
		if got := exportColumn(t, readExport(t, body), "عنوان حساب"); !slices.Equal(got, []string{"office", "office"}) {
			t.Errorf("capacities %q", got)
		}
	})
	t.Run("CSV for an English reader", func(t *testing.T) {
		resp, body := english.download("/officials/export?format=csv")
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "\uFEFFname,agency_code,") || !strings.Contains(body, "\r\n") {
			t.Fatalf("%d %.80q", resp.StatusCode, body)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="officials-`) {
			t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
		}
		_, body = english.download("/agencies/export?format=xlsx")
		if rtl, header := openXLSX(t, body); rtl || header[0] != "code" {
			t.Errorf("English workbook: rtl %v, header %q", rtl, header)
		}
	})
	t.Run("the level shown on the agencies page, all the way down", func(t *testing.T) {
		_, body := english.download("/agencies/export?format=csv&parent=" + strconv.FormatInt(f.Ministry.ID, 10))
		if got := exportColumn(t, readExport(t, body), "code"); !slices.Equal(got, []string{"MIN-HEALTH", "MIN-HEALTH-FARS"}) {
			t.Errorf("codes %q", got)
		}
	})
	t.Run("a liaison's download is their subtree", func(t *testing.T) {
		b := w.browser()
		b.signIn("liaison")
		_, body := b.download("/accounts/export?format=csv")
		if got := exportColumn(t, readExport(t, body), "شناسه"); !slices.Equal(got, []string{"alireza_m", "alireza_personal", "moh_news"}) {
			t.Errorf("accounts %q", got)
		}
	})
	t.Run("a bad filter goes back to the list, which says why", func(t *testing.T) {
		resp, _ := persian.download("/accounts/export?format=csv&agency=NOPE")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/accounts?agency=NOPE" {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("a bad format", func(t *testing.T) {
		if resp, body := persian.download("/accounts/export?format=pdf"); resp.StatusCode != http.StatusUnprocessableEntity || bytes.HasPrefix([]byte(body), []byte("\uFEFF")) {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
	t.Run("signed out", func(t *testing.T) {
		if resp, _ := w.browser().download("/accounts/export?format=csv"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
}

// The export's parameters cover each list's filters.
func TestExportAPIDocumentsTheListsFilters(t *testing.T) {
	var export apiResource
	params := map[string]bool{}
	lists := map[string][]apiParam{}
	for _, r := range apiResources() {
		if r.Path == "exports" {
			export = r
		}
		lists[r.Path] = r.Filters
	}
	for _, p := range export.Actions[0].Params {
		params[p.Name] = true
	}
	for _, kind := range []string{"agencies", "officials", "accounts", "exemptions", "flags"} {
		for _, p := range lists[kind] {
			if !params[p.Name] && p.Name != "per_page" && p.Name != "cursor" {
				t.Errorf("%s' filter %s is not an export parameter", kind, p.Name)
			}
		}
	}
}

// A list longer than the part held back streams: the answer starts before
// the file is complete, and every row arrives.
func TestExportStreamsLongLists(t *testing.T) {
	e := newTestEnv(t)
	if _, err := demo.Generate(context.Background(), e.store, demo.Options{Accounts: 2000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.user("root", registry.RoleAdmin, 0, 0))
	for _, format := range []string{"csv", "xlsx"} {
		req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/exports/accounts?format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", format, resp.StatusCode, err)
		}
		if len(body) < exportHold || resp.ContentLength != -1 {
			t.Errorf("%s: %d bytes, Content-Length %d: not streamed", format, len(body), resp.ContentLength)
		}
		if tab := readExport(t, string(body)); len(tab.Rows) != 2000 {
			t.Errorf("%s: %d rows", format, len(tab.Rows))
		}
	}
}
