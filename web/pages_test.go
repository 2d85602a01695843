package web

import (
	"context"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hozur/registry"
	"hozur/web/locale"
)

// msg is a catalog message as a page shows it (HTML-escaped).
func msg(t *testing.T, lang, key string, args ...any) string {
	t.Helper()
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !cat.Has(lang, key) {
		t.Fatalf("catalog %s has no key %q", lang, key)
	}
	return html.EscapeString(cat.For(lang, time.UTC).T(key, args...))
}

// signedIn is a browser signed in as the fixture user of a role.
func (e *testEnv) signedIn(f *fixture, role registry.Role) *browser {
	e.t.Helper()
	b := e.browser()
	b.signIn(f.Users[role].Username)
	return b
}

// setLang switches the browser's interface language.
func (b *browser) setLang(lang string) {
	b.e.t.Helper()
	if status, _, body := b.post("/lang", url.Values{"lang": {lang}, "next": {"/"}}); status != http.StatusSeeOther {
		b.e.t.Fatalf("switch language: status %d, body %.300s", status, body)
	}
	b.get("/")
}

// send posts a copy of form: the harness adds the browser's CSRF token to
// the values it is given, and a form shared between browsers must not
// carry one browser's token to the next.
func (b *browser) send(path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	cp := url.Values{}
	for k, v := range form {
		if k != "_csrf" {
			cp[k] = append([]string(nil), v...)
		}
	}
	return b.post(path, cp)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page does not contain %q\n%.2000s", w, body)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("page contains %q but should not", w)
		}
	}
}

// validForms are forms each resource accepts from an admin.
func validForms(f *fixture) map[string]url.Values {
	return map[string]url.Values{
		"/agencies":  {"code": {"MIN-ROADS"}, "name": {"وزارت راه و شهرسازی"}, "name_en": {"Ministry of Roads and Urban Development"}, "kind": {"ministry"}},
		"/officials": {"name": {"مریم رضایی"}, "agency": {f.Province.Code}, "position": {"مدیرکل روابط عمومی"}, "rank": {"3"}, "serving": {"1"}, "term_start": {"1402/01/21"}, "email": {"m.rezaei@example.ir"}},
		"/platforms": {"code": {"testgram"}, "name": {"تست‌گرام"}, "name_en": {"Testgram"}, "origin": {"domestic"}, "category": {"messenger"}, "hosts": {"testgram.ir\nwww.testgram.com"}, "active": {"1"}},
		"/users":     {"username": {"new.liaison"}, "password": {"a long enough password"}, "role": {"liaison"}, "agency": {f.Other.Code}, "active": {"1"}},
	}
}

func TestPagesCreate(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleAdmin)
	forms := validForms(f)
	tests := []struct {
		name string
		path string
		form url.Values
		want []string
	}{
		{"agency", "/agencies", forms["/agencies"], []string{"وزارت راه و شهرسازی", "MIN-ROADS", msg(t, "fa", "agency.top_level"), "/officials?agency=MIN-ROADS", "/accounts?agency=MIN-ROADS", "/accounts/new?agency=MIN-ROADS"}},
		{"sub-agency", "/agencies", url.Values{"code": {"min-health-teh"}, "name": {"دانشگاه علوم پزشكي تهران"}, "kind": {"university"}, "parent": {"MIN-HEALTH"}},
			[]string{"دانشگاه علوم پزشکی تهران", "MIN-HEALTH-TEH", `href="/agencies/` + id(f.Ministry.ID) + `"`}},
		{"official", "/officials", forms["/officials"], []string{"مریم رضایی", "مدیرکل روابط عمومی", "۲۱ فروردین ۱۴۰۲", "m.rezaei@example.ir", msg(t, "fa", "official.number_is"), msg(t, "fa", "rank.3"), "دانشگاه علوم پزشکی شیراز"}},
		{"platform", "/platforms", forms["/platforms"], []string{"تست‌گرام", "testgram", "testgram.com", "testgram.ir", msg(t, "fa", "platform.active_yes")}},
		{"user", "/users", forms["/users"], []string{"new.liaison", msg(t, "fa", "role.liaison"), "وزارت نیرو"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := b.get(tc.path + "/new")
			if status != http.StatusOK {
				t.Fatalf("GET %s/new: status %d", tc.path, status)
			}
			mustContain(t, body, `name="_csrf"`, "novalidate")
			status, loc, body := b.send(tc.path, tc.form)
			if status != http.StatusSeeOther || !regexp.MustCompile(`^`+tc.path+`/\d+$`).MatchString(loc) {
				t.Fatalf("POST %s: status %d, location %q, body %.1500s", tc.path, status, loc, body)
			}
			status, body = b.get(loc)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d", loc, status)
			}
			mustContain(t, body, tc.want...)
			mustContain(t, body, `class="flash flash-success"`)
		})
	}
	t.Run("official number and declare button", func(t *testing.T) {
		_, body := b.get("/officials/" + id(f.Official.ID))
		mustContain(t, body, "/accounts/new?official_id="+id(f.Official.ID), `id="official-number">`+textDigits(id(f.Official.ID))+"<")
	})
}

// textDigits writes ASCII digits as Persian ones, as the pages do.
func textDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '۰' + (r - '0')
		}
		return r
	}, s)
}

func TestPagesInvalidForm(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	forms := validForms(f)
	with := func(base url.Values, kv ...string) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = append([]string(nil), x...)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name  string
		path  string
		form  url.Values
		field string
		key   string
	}{
		{"agency without code", "/agencies", with(forms["/agencies"], "code", ""), "code", "error.required"},
		{"agency with unknown parent", "/agencies", with(forms["/agencies"], "parent", "NO-SUCH"), "parent", "error.agency_code_unknown"},
		{"agency with a taken code", "/agencies", with(forms["/agencies"], "code", "min-health"), "code", "agency.duplicate_code"},
		{"agency under itself", "/agencies/" + id(f.Ministry.ID), url.Values{"code": {"MIN-HEALTH"}, "name": {"وزارت بهداشت"}, "kind": {"ministry"}, "parent": {"MIN-HEALTH-FARS"}}, "parent", "agency.parent_cycle"},
		{"official with a bad date", "/officials", with(forms["/officials"], "term_start", "1402/13/40"), "term_start", "error.date"},
		{"official without rank", "/officials", with(forms["/officials"], "rank", ""), "rank", "error.rank_range"},
		{"official without agency", "/officials", with(forms["/officials"], "agency", ""), "agency", "error.required"},
		{"official ending before start", "/officials/" + id(f.Official.ID), with(forms["/officials"], "term_end", "1401/01/01"), "term_end", "error.end_before_start"},
		{"platform with a bad host", "/platforms", with(forms["/platforms"], "hosts", "not a host!"), "hosts", "error.host"},
		{"platform with a bad code", "/platforms", with(forms["/platforms"], "code", "Test Gram"), "code", "error.platform_code"},
		{"liaison without agency", "/users", with(forms["/users"], "agency", ""), "agency", "user.liaison_agency"},
		{"official user without record", "/users", with(forms["/users"], "role", "official"), "official_id", "user.official_record"},
		{"short password", "/users", with(forms["/users"], "password", "short"), "password", "error.password_short"},
		{"demoting the last admin", "/users/" + id(f.Users[registry.RoleAdmin].ID), url.Values{"username": {"root"}, "role": {"reviewer"}, "active": {"1"}}, "role", "user.last_admin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.signedIn(f, registry.RoleAdmin)
			for _, lang := range []string{"fa", "en"} {
				b.setLang(lang)
				status, _, body := b.send(tc.path, tc.form)
				if status != http.StatusUnprocessableEntity {
					t.Fatalf("%s: status %d, want 422; body %.1500s", lang, status, body)
				}
				mustContain(t, body, `class="error-summary"`, `href="#f-`+tc.field+`"`, `id="e-`+tc.field+`"`, msg(t, lang, tc.key), `lang="`+lang+`"`)
				mustContain(t, body, `name="_csrf"`, "novalidate")
			}
		})
	}
	// None of the refused forms may have saved anything.
	if _, err := e.store.AgencyByCode(context.Background(), "MIN-ROADS"); err == nil {
		t.Error("an invalid agency form created an agency")
	}
}

func TestPagesPermissions(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	forms := validForms(f)
	tests := []struct {
		name   string
		role   registry.Role
		method string
		path   string
		form   url.Values
		want   int
	}{
		{"liaison opens an official of a sub-agency", registry.RoleLiaison, "GET", "/officials/" + id(f.Official.ID), nil, http.StatusOK},
		{"liaison opens another agency's official", registry.RoleLiaison, "GET", "/officials/" + id(f.OtherOfficial.ID), nil, http.StatusForbidden},
		{"liaison edits another agency's official", registry.RoleLiaison, "GET", "/officials/" + id(f.OtherOfficial.ID) + "/edit", nil, http.StatusForbidden},
		{"liaison saves another agency's official", registry.RoleLiaison, "POST", "/officials/" + id(f.OtherOfficial.ID), url.Values{"name": {"x"}, "agency": {f.Other.Code}, "position": {"x"}, "rank": {"2"}}, http.StatusForbidden},
		{"liaison moves an official out of the agency", registry.RoleLiaison, "POST", "/officials/" + id(f.Official.ID), url.Values{"name": {"x"}, "agency": {f.Other.Code}, "position": {"x"}, "rank": {"2"}}, http.StatusForbidden},
		{"liaison adds an official to a sub-agency", registry.RoleLiaison, "POST", "/officials", forms["/officials"], http.StatusSeeOther},
		{"liaison adds an agency", registry.RoleLiaison, "GET", "/agencies/new", nil, http.StatusForbidden},
		{"official opens own record", registry.RoleOfficial, "GET", "/officials/" + id(f.Official.ID), nil, http.StatusOK},
		{"official opens another record", registry.RoleOfficial, "GET", "/officials/" + id(f.OtherOfficial.ID), nil, http.StatusForbidden},
		{"official edits own record", registry.RoleOfficial, "GET", "/officials/" + id(f.Official.ID) + "/edit", nil, http.StatusForbidden},
		{"official opens the add-official form", registry.RoleOfficial, "GET", "/officials/new", nil, http.StatusForbidden},
		{"auditor adds an agency", registry.RoleAuditor, "POST", "/agencies", forms["/agencies"], http.StatusForbidden},
		{"auditor adds an official", registry.RoleAuditor, "POST", "/officials", forms["/officials"], http.StatusForbidden},
		{"auditor adds a platform", registry.RoleAuditor, "POST", "/platforms", forms["/platforms"], http.StatusForbidden},
		{"auditor adds a user", registry.RoleAuditor, "POST", "/users", forms["/users"], http.StatusForbidden},
		{"auditor deletes an agency", registry.RoleAuditor, "POST", "/agencies/" + id(f.Other.ID) + "/delete", nil, http.StatusForbidden},
		{"auditor lists users", registry.RoleAuditor, "GET", "/users", nil, http.StatusOK},
		{"auditor opens a user", registry.RoleAuditor, "GET", "/users/" + id(f.Users[registry.RoleLiaison].ID), nil, http.StatusOK},
		{"auditor opens the add-user form", registry.RoleAuditor, "GET", "/users/new", nil, http.StatusForbidden},
		{"reviewer lists users", registry.RoleReviewer, "GET", "/users", nil, http.StatusForbidden},
		{"reviewer opens the add-user form", registry.RoleReviewer, "GET", "/users/new", nil, http.StatusForbidden},
		{"reviewer adds a user", registry.RoleReviewer, "POST", "/users", forms["/users"], http.StatusForbidden},
		{"reviewer opens another user", registry.RoleReviewer, "GET", "/users/" + id(f.Users[registry.RoleLiaison].ID), nil, http.StatusForbidden},
		{"reviewer edits a user", registry.RoleReviewer, "GET", "/users/" + id(f.Users[registry.RoleLiaison].ID) + "/edit", nil, http.StatusForbidden},
		{"reviewer deletes a user", registry.RoleReviewer, "POST", "/users/" + id(f.Users[registry.RoleLiaison].ID) + "/delete", nil, http.StatusForbidden},
		{"reviewer opens the add-platform form", registry.RoleReviewer, "GET", "/platforms/new", nil, http.StatusForbidden},
		{"reviewer adds an agency", registry.RoleReviewer, "POST", "/agencies", forms["/agencies"], http.StatusSeeOther},
		{"liaison revokes another user's token", registry.RoleLiaison, "POST", "/profile/tokens/1/delete", nil, http.StatusForbidden},
		{"unknown official", registry.RoleAdmin, "GET", "/officials/999999", nil, http.StatusNotFound},
		{"malformed agency id", registry.RoleAdmin, "GET", "/agencies/abc", nil, http.StatusNotFound},
		{"unknown parent level", registry.RoleAdmin, "GET", "/agencies?parent=999999", nil, http.StatusNotFound},
	}
	// Token 1 belongs to the admin.
	if _, _, err := e.store.CreateToken(context.Background(), registry.System, f.Users[registry.RoleAdmin].ID, "admin's"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.signedIn(f, tc.role)
			var status int
			var body string
			if tc.method == "GET" {
				status, body = b.get(tc.path)
			} else {
				status, _, body = b.send(tc.path, tc.form)
			}
			if status != tc.want {
				t.Fatalf("%s %s as %s: status %d, want %d; body %.800s", tc.method, tc.path, tc.role, status, tc.want, body)
			}
			if status == http.StatusForbidden {
				mustContain(t, body, msg(t, "fa", "error.forbidden"))
			}
		})
	}
}

func TestPagesHideActions(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	pl, err := e.store.PlatformByCode(context.Background(), "eitaa")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		role     registry.Role
		path     string
		want     []string
		unwanted []string
	}{
		{"admin sees platform actions", registry.RoleAdmin, "/platforms/" + id(pl.ID), []string{"/platforms/" + id(pl.ID) + "/edit", `action="/platforms/` + id(pl.ID) + `/delete" data-confirm=`}, nil},
		{"reviewer sees no platform actions", registry.RoleReviewer, "/platforms/" + id(pl.ID), []string{"eitaa.com"}, []string{"/edit", "/delete", "/platforms/new"}},
		{"liaison sees no platform list actions", registry.RoleLiaison, "/platforms", []string{msg(t, "fa", "origin.foreign"), "eitaa.com"}, []string{"/platforms/new"}},
		{"liaison sees no agency actions", registry.RoleLiaison, "/agencies/" + id(f.Ministry.ID), []string{"MIN-HEALTH"}, []string{"/edit", "/delete", "/agencies/new"}},
		{"liaison may declare for own agency", registry.RoleLiaison, "/agencies/" + id(f.Province.ID), []string{"/accounts/new?agency=MIN-HEALTH-FARS"}, nil},
		{"liaison may not declare for another", registry.RoleLiaison, "/agencies/" + id(f.Other.ID), nil, []string{"/accounts/new?agency="}},
		{"official may declare own account", registry.RoleOfficial, "/officials/" + id(f.Official.ID), []string{"/accounts/new?official_id=" + id(f.Official.ID)}, []string{"/edit", "/delete"}},
		{"auditor sees no user actions", registry.RoleAuditor, "/users/" + id(f.Users[registry.RoleLiaison].ID), []string{"liaison"}, []string{"/edit", "/delete"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.signedIn(f, tc.role)
			status, body := b.get(tc.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d", tc.path, status)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.unwanted...)
		})
	}
}

func TestOfficialUserSeesOnlyOwnRecord(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleOfficial)
	status, body := b.get("/officials")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	mustContain(t, body, f.Official.Name)
	mustNotContain(t, body, f.OtherOfficial.Name)
}

func TestAgencyDelete(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleAdmin)
	tests := []struct {
		name   string
		agency *registry.Agency
		loc    string
		reason string
	}{
		{"with sub-agencies", f.Ministry, "/agencies/" + id(f.Ministry.ID), "agency.in_use_children"},
		{"with officials", f.Other, "/agencies/" + id(f.Other.ID), "agency.in_use_officials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.get("/agencies/" + id(tc.agency.ID))
			status, loc, _ := b.post("/agencies/"+id(tc.agency.ID)+"/delete", nil)
			if status != http.StatusSeeOther || loc != tc.loc {
				t.Fatalf("status %d, location %q", status, loc)
			}
			_, body := b.get(loc)
			mustContain(t, body, `class="flash flash-error"`, msg(t, "fa", tc.reason))
			if _, err := e.store.Agency(context.Background(), tc.agency.ID); err != nil {
				t.Fatalf("agency gone: %v", err)
			}
		})
	}
	t.Run("a leaf", func(t *testing.T) {
		leaf, err := e.store.CreateAgency(context.Background(), registry.System, registry.AgencyInput{Code: "LEAF", Name: "اداره", Kind: registry.KindCounty, ParentID: &f.Province.ID})
		if err != nil {
			t.Fatal(err)
		}
		b.get("/agencies/" + id(leaf.ID))
		status, loc, _ := b.post("/agencies/"+id(leaf.ID)+"/delete", nil)
		if status != http.StatusSeeOther || loc != "/agencies?parent="+id(f.Province.ID) {
			t.Fatalf("status %d, location %q", status, loc)
		}
		if status, _ := b.get("/agencies/" + id(leaf.ID)); status != http.StatusNotFound {
			t.Fatalf("deleted agency: status %d", status)
		}
	})
}

func TestAgencyTree(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleLiaison)
	tests := []struct {
		name     string
		path     string
		want     []string
		unwanted []string
	}{
		{"top level", "/agencies", []string{`<ul class="tree"`, f.Ministry.Name, f.Other.Name, `href="/agencies?parent=` + id(f.Ministry.ID) + `"`, msg(t, "fa", "agencies.expand", "n", 1)},
			[]string{f.Province.Name, "<table"}},
		{"one level down", "/agencies?parent=" + id(f.Ministry.ID), []string{`class="breadcrumbs"`, f.Ministry.Name, f.Province.Name, msg(t, "fa", "agencies.collapse")},
			[]string{f.Other.Name}},
		{"search is flat", "/agencies?q=" + url.QueryEscape("شيراز"), []string{"<table", f.Province.Name, f.Ministry.Name /* its parent */}, []string{f.Other.Name, `<ul class="tree"`}},
		{"kind filter", "/agencies?kind=university", []string{"<table", f.Province.Name}, []string{f.Other.Name}},
		{"search inside a level", "/agencies?parent=" + id(f.Other.ID) + "&q=" + url.QueryEscape("شیراز"), []string{msg(t, "fa", "list.empty")}, nil},
		{"detail lists children", "/agencies/" + id(f.Ministry.ID), []string{f.Province.Name, "/officials?agency=MIN-HEALTH", "/accounts?agency=MIN-HEALTH"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := b.get(tc.path)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d", tc.path, status)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.unwanted...)
		})
	}
	t.Run("english names", func(t *testing.T) {
		b.setLang("en")
		_, body := b.get("/agencies")
		mustContain(t, body, "Ministry of Health and Medical Education", `dir="ltr"`)
	})
}

func TestOfficialListFilters(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	left, err := e.store.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: f.Ministry.ID, Name: "حسین کریمی", Position: "مشاور وزیر", Rank: 3, Serving: false})
	if err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(f, registry.RoleReviewer)
	tests := []struct {
		name     string
		query    string
		want     []string
		unwanted []string
		status   int
	}{
		{"all", "", []string{f.Official.Name, f.OtherOfficial.Name, left.Name}, nil, 200},
		{"arabic letters find persian names", "q=" + url.QueryEscape("علي"), []string{f.Official.Name}, []string{f.OtherOfficial.Name, left.Name}, 200},
		{"agency includes sub-agencies", "agency=min-health", []string{f.Official.Name, left.Name, f.Ministry.Name}, []string{f.OtherOfficial.Name}, 200},
		{"rank", "rank=3", []string{left.Name}, []string{f.Official.Name}, 200},
		{"left office", "serving=no", []string{left.Name}, []string{f.Official.Name}, 200},
		{"serving", "serving=yes", []string{f.Official.Name, f.OtherOfficial.Name}, []string{left.Name}, 200},
		{"sorted by rank", "sort=-rank", []string{`sort sort-desc`}, nil, 200},
		{"unknown agency", "agency=NOPE", []string{msg(t, "fa", "error.agency_code_unknown")}, nil, http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := b.get("/officials?" + tc.query)
			if status != tc.status {
				t.Fatalf("status %d, want %d; body %.1000s", status, tc.status, body)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.unwanted...)
		})
	}
	t.Run("paging", func(t *testing.T) {
		status, body := b.get("/officials?per_page=1")
		if status != 200 || !strings.Contains(body, `rel="next"`) {
			t.Fatalf("status %d, no next link", status)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
		status, body = b.get("/officials" + html.UnescapeString(next[1]))
		if status != 200 || !strings.Contains(body, msg(t, "fa", "list.first")) {
			t.Fatalf("second page: status %d", status)
		}
	})
}

func TestEditForms(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	start := time.Date(2023, 4, 10, 0, 0, 0, 0, e.srv.tz)
	if _, err := e.store.UpdateOfficial(ctx, registry.System, f.Official.ID, registry.OfficialInput{AgencyID: f.Province.ID, Name: f.Official.Name, Position: f.Official.Position, Rank: 2, Serving: true, TermStart: &start}); err != nil {
		t.Fatal(err)
	}
	pl, err := e.store.PlatformByCode(ctx, "eitaa")
	if err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(f, registry.RoleAdmin)
	liaison := f.Users[registry.RoleLiaison]
	tests := []struct {
		name   string
		path   string
		filled []string
		form   url.Values
		after  []string
	}{
		{"agency", "/agencies/" + id(f.Province.ID), []string{`value="MIN-HEALTH-FARS"`, `value="MIN-HEALTH"`, `value="university" selected`},
			url.Values{"code": {"MIN-ENERGY-FARS"}, "name": {"دانشگاه علوم پزشکی شیراز"}, "kind": {"university"}, "parent": {"MIN-ENERGY"}}, []string{"MIN-ENERGY-FARS", f.Other.Name}},
		{"official", "/officials/" + id(f.Official.ID), []string{`value="1402/01/21"`, `value="2" selected`, `checked`},
			url.Values{"name": {f.Official.Name}, "agency": {"MIN-HEALTH"}, "position": {"رئیس دانشگاه"}, "rank": {"2"}, "term_start": {"1402/01/21"}, "term_end": {"2025-03-20"}}, []string{msg(t, "fa", "official.serving_no"), "۳۰ اسفند ۱۴۰۳", f.Ministry.Name}},
		{"platform", "/platforms/" + id(pl.ID), []string{`value="eitaa"`, "eitaa.com"},
			url.Values{"code": {"eitaa"}, "name": {"ایتا"}, "name_en": {"Eitaa"}, "origin": {"domestic"}, "category": {"messenger"}, "hosts": {"eitaa.com eitaa.ir"}}, []string{"eitaa.ir", msg(t, "fa", "platform.active_no")}},
		{"user keeps password", "/users/" + id(liaison.ID), []string{`value="liaison"`, `value="MIN-HEALTH"`, msg(t, "fa", "user.password_keep")},
			url.Values{"username": {"liaison"}, "role": {"liaison"}, "agency": {"MIN-ENERGY"}, "locale": {"en"}, "active": {"1"}}, []string{f.Other.Name, msg(t, "fa", "user.locale.en")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := b.get(tc.path + "/edit")
			if status != http.StatusOK {
				t.Fatalf("edit: status %d", status)
			}
			mustContain(t, body, tc.filled...)
			status, loc, body := b.send(tc.path, tc.form)
			if status != http.StatusSeeOther || loc != tc.path {
				t.Fatalf("save: status %d, location %q, body %.1500s", status, loc, body)
			}
			_, body = b.get(loc)
			mustContain(t, body, tc.after...)
		})
	}
	// The liaison's password was kept: they can still sign in.
	e.browser().signIn("liaison")
}

func TestProfileTokens(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleLiaison)
	status, body := b.get("/profile")
	if status != http.StatusOK {
		t.Fatalf("profile: status %d", status)
	}
	mustContain(t, body, "liaison", msg(t, "fa", "role.liaison"), f.Ministry.Name, msg(t, "fa", "profile.no_tokens"))

	status, _, body = b.post("/profile/tokens", url.Values{"name": {"خروجی ماهانه"}})
	if status != http.StatusOK {
		t.Fatalf("create token: status %d", status)
	}
	raw := regexp.MustCompile(`data-copy="(hzr_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if raw == nil {
		t.Fatalf("no token with a copy link on the page: %.3000s", body)
	}
	mustContain(t, body, msg(t, "fa", "profile.new_token_warning"), "خروجی ماهانه", raw[1][:10]+"…")
	if u, err := e.store.TokenUser(context.Background(), raw[1]); err != nil || u.ID != f.Users[registry.RoleLiaison].ID {
		t.Fatalf("the shown token does not sign in the liaison: %v", err)
	}

	status, body = b.get("/profile")
	if status != http.StatusOK {
		t.Fatalf("profile: status %d", status)
	}
	mustContain(t, body, "خروجی ماهانه", raw[1][:10])
	mustNotContain(t, body, raw[1], "data-copy=\"hzr_")

	status, _, body = b.post("/profile/tokens", url.Values{"name": {strings.Repeat("x", 101)}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("long name: status %d", status)
	}
	mustContain(t, body, msg(t, "fa", "error.too_long"))

	tokens, err := e.store.Tokens(context.Background(), registry.System, f.Users[registry.RoleLiaison].ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %v, %d", err, len(tokens))
	}
	mustContain(t, body, `action="/profile/tokens/`+id(tokens[0].ID)+`/delete" data-confirm=`)
	status, loc, _ := b.post("/profile/tokens/"+id(tokens[0].ID)+"/delete", nil)
	if status != http.StatusSeeOther || loc != "/profile" {
		t.Fatalf("revoke: status %d, location %q", status, loc)
	}
	_, body = b.get(loc)
	mustContain(t, body, msg(t, "fa", "profile.token_revoked"), msg(t, "fa", "profile.no_tokens"))
	if _, err := e.store.TokenUser(context.Background(), raw[1]); err == nil {
		t.Fatal("a revoked token still works")
	}
}

func TestUserList(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleAuditor)
	tests := []struct {
		query    string
		want     []string
		unwanted []string
	}{
		{"", []string{">root<", ">liaison<", f.Ministry.Name, f.Official.Name}, nil},
		{"role=liaison", []string{">liaison<"}, []string{">root<"}},
		{"q=REV", []string{">reviewer<"}, []string{">root<", ">liaison<"}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			status, body := b.get("/users?" + tc.query)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.unwanted...)
			mustNotContain(t, body, "/users/new")
		})
	}
}

// TestPageMessagesExist checks that every message a page template names is
// in both catalogs, in both languages, and that the page catalogs agree.
func TestPageMessagesExist(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	fa, en := cat.Keys("fa"), cat.Keys("en")
	if strings.Join(fa, ",") != strings.Join(en, ",") {
		t.Errorf("the fa and en catalogs have different keys")
	}
	key := regexp.MustCompile(`\.L\.T "([a-z0-9_.]+)"`)
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			for _, lang := range locale.Languages {
				if !cat.Has(lang, m[1]) {
					t.Errorf("%s: %s has no message %q", p, lang, m[1])
				}
			}
		}
	}
	for _, k := range []string{"rank.1", "rank.2", "rank.3", "rank.4", "rank.5", "user.locale.fa", "user.locale.en"} {
		for _, lang := range locale.Languages {
			if !cat.Has(lang, k) {
				t.Errorf("%s has no message %q", lang, k)
			}
		}
	}
}
