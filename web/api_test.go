package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"hozur/registry"
)

// apiCase is one request and what it must answer, PocketBase style.
type apiCase struct {
	name         string
	role         registry.Role // whose token; "" sends none
	token        string        // a raw token instead of role's
	method, url  string
	body         string
	wantStatus   int
	wantContains []string
	wantAbsent   []string
}

// apiWorld is a test server with the fixture and a token per role.
type apiWorld struct {
	*testEnv
	f      *fixture
	tokens map[registry.Role]string
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	e := newTestEnv(t)
	w := &apiWorld{testEnv: e, f: e.fixture(), tokens: map[registry.Role]string{}}
	for role, u := range w.f.Users {
		w.tokens[role] = e.token(u)
	}
	return w
}

func (w *apiWorld) run(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tok == "" {
				tok = w.tokens[tc.role]
			}
			status, body := w.api(tok, tc.method, tc.url, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("%s %s: status %d, want %d; body %.600s", tc.method, tc.url, status, tc.wantStatus, body)
			}
			for _, s := range tc.wantContains {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: body lacks %q: %.600s", tc.method, tc.url, s, body)
				}
			}
			for _, s := range tc.wantAbsent {
				if strings.Contains(body, s) {
					t.Errorf("%s %s: body has %q: %.600s", tc.method, tc.url, s, body)
				}
			}
		})
	}
}

// do sends a request and returns the whole response, for headers.
func (w *apiWorld) do(role registry.Role, method, path, body string, header ...string) (*http.Response, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.ts.URL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if tok := w.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// create POSTs a body as role, expects 201 with a Location of the new
// record, and returns its id.
func (w *apiWorld) create(role registry.Role, collection, body string) int64 {
	w.t.Helper()
	resp, out := w.do(role, http.MethodPost, "/api/v1/"+collection, body)
	if resp.StatusCode != http.StatusCreated {
		w.t.Fatalf("create %s: status %d, body %s", collection, resp.StatusCode, out)
	}
	var rec struct{ ID int64 }
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.ID == 0 {
		w.t.Fatalf("create %s: body %s", collection, out)
	}
	if want := fmt.Sprintf("/api/v1/%s/%d", collection, rec.ID); resp.Header.Get("Location") != want {
		w.t.Fatalf("create %s: Location %q, want %q", collection, resp.Header.Get("Location"), want)
	}
	return rec.ID
}

// account registers an account directly in the store.
func (w *apiWorld) account(in registry.AccountInput) *registry.AccountView {
	w.t.Helper()
	v, err := w.store.CreateAccount(context.Background(), registry.System, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// errorFields decodes an error body's fields.
func errorFields(t *testing.T, body string) (string, map[string]string) {
	t.Helper()
	var eb struct {
		Error struct {
			Code    string
			Message string
			Fields  map[string]string
		}
	}
	if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("not an error body: %s", body)
	}
	return eb.Error.Code, eb.Error.Fields
}

func TestAPIAgencies(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	id := w.create(registry.RoleAdmin, "agencies", fmt.Sprintf(`{"code":"min-health-teh","name":"دانشگاه علوم پزشکی تهران","name_en":"Tehran University of Medical Sciences","kind":"university","parent_id":%d}`, f.Ministry.ID))
	one := fmt.Sprintf("/api/v1/agencies/%d", id)
	w.run(t, []apiCase{
		{name: "get", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"code":"MIN-HEALTH-TEH"`, fmt.Sprintf(`"parent_id":%d`, f.Ministry.ID), fmt.Sprintf(`"path":"/%d/%d/"`, f.Ministry.ID, id), `"created_at":"`}},
		{name: "patch keeps what is left out", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"name_en":"TUMS"}`, wantStatus: 200,
			wantContains: []string{`"name_en":"TUMS"`, `"code":"MIN-HEALTH-TEH"`, `"kind":"university"`, fmt.Sprintf(`"parent_id":%d`, f.Ministry.ID)}},
		{name: "patch null parent moves to top", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"parent_id":null}`, wantStatus: 200,
			wantContains: []string{`"parent_id":null`, fmt.Sprintf(`"path":"/%d/"`, id)}},
		{name: "duplicate code", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"code":"MIN-ENERGY"}`, wantStatus: 409,
			wantContains: []string{`"code":"conflict"`, `"fields":{"code":`}},
		{name: "bad kind", role: registry.RoleAdmin, method: "POST", url: "/api/v1/agencies", body: `{"code":"X1","name":"x","kind":"boss"}`, wantStatus: 422,
			wantContains: []string{`"code":"validation_failed"`, `"kind":`}},
		{name: "missing fields", role: registry.RoleAdmin, method: "POST", url: "/api/v1/agencies", body: `{}`, wantStatus: 422,
			wantContains: []string{`"code":`, `"name":`, `"kind":`}},
		{name: "unknown parent", role: registry.RoleAdmin, method: "POST", url: "/api/v1/agencies", body: `{"code":"X2","name":"x","kind":"county","parent_id":999}`, wantStatus: 422,
			wantContains: []string{`"parent_id":`}},
		{name: "list top level", role: registry.RoleAuditor, method: "GET", url: "/api/v1/agencies?parent_id=0", wantStatus: 200,
			wantContains: []string{`"MIN-HEALTH"`, `"MIN-ENERGY"`, `"next_cursor":""`}, wantAbsent: []string{`"MIN-HEALTH-FARS"`}},
		{name: "list within", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/agencies?within=%d", f.Ministry.ID), wantStatus: 200,
			wantContains: []string{`"MIN-HEALTH"`, `"MIN-HEALTH-FARS"`}, wantAbsent: []string{`"MIN-ENERGY"`}},
		{name: "list children", role: registry.RoleLiaison, method: "GET", url: fmt.Sprintf("/api/v1/agencies?parent_id=%d", f.Ministry.ID), wantStatus: 200,
			wantContains: []string{`"MIN-HEALTH-FARS"`}, wantAbsent: []string{`"MIN-ENERGY"`, `"code":"MIN-HEALTH"`}},
		{name: "list kind and q", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies?kind=university&q=shiraz", wantStatus: 200,
			wantContains: []string{`"MIN-HEALTH-FARS"`}, wantAbsent: []string{`"MIN-ENERGY"`}},
		{name: "list bad kind", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies?kind=boss", wantStatus: 422, wantContains: []string{`"kind":`}},
		{name: "list unknown within", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies?within=9999", wantStatus: 422, wantContains: []string{`"within":`}},
		{name: "list bad parent", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies?parent_id=abc", wantStatus: 422, wantContains: []string{`"parent_id":`}},
		{name: "list bad sort", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies?sort=size", wantStatus: 422, wantContains: []string{`"sort":`}},
		{name: "delete with children", role: registry.RoleAdmin, method: "DELETE", url: fmt.Sprintf("/api/v1/agencies/%d", f.Ministry.ID), wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "delete", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 204},
		{name: "gone", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
		{name: "malformed id", role: registry.RoleAdmin, method: "GET", url: "/api/v1/agencies/abc", wantStatus: 404},
	})
}

func TestAPIOfficials(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	id := w.create(registry.RoleAdmin, "officials", fmt.Sprintf(`{"agency_id":%d,"name":"مریم كريمی","position":"مدیر روابط عمومی","rank":4,"term_start":"2024-01-01","email":"M.Karimi@example.ir"}`, f.Province.ID))
	one := fmt.Sprintf("/api/v1/officials/%d", id)
	w.run(t, []apiCase{
		{name: "get", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"name":"مریم کریمی"`, `"serving":true`, `"term_start":"2024-01-01"`, `"term_end":null`, `"email":"m.karimi@example.ir"`,
				fmt.Sprintf(`"agency":{"id":%d,"name":"دانشگاه علوم پزشکی شیراز","name_en":"Shiraz University of Medical Sciences"}`, f.Province.ID)}},
		{name: "patch keeps what is left out", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"rank":3,"term_end":"2025-06-30"}`, wantStatus: 200,
			wantContains: []string{`"rank":3`, `"name":"مریم کریمی"`, `"term_start":"2024-01-01"`, `"term_end":"2025-06-30"`, `"email":"m.karimi@example.ir"`}},
		{name: "patch clears with null", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"term_end":null,"email":null,"serving":false}`, wantStatus: 200,
			wantContains: []string{`"term_end":null`, `"email":""`, `"serving":false`, `"term_start":"2024-01-01"`}},
		{name: "malformed date", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"term_start":"2024-13-45"}`, wantStatus: 422,
			wantContains: []string{`"code":"validation_failed"`, `"term_start":"Enter a date as YYYY-MM-DD`}},
		{name: "end before start", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"term_end":"2023-01-01"}`, wantStatus: 422,
			wantContains: []string{`"term_end":`}},
		{name: "rank out of range", role: registry.RoleAdmin, method: "POST", url: "/api/v1/officials", body: fmt.Sprintf(`{"agency_id":%d,"name":"x","position":"y","rank":9}`, f.Other.ID), wantStatus: 422,
			wantContains: []string{`"rank":`}},
		{name: "unknown agency", role: registry.RoleAdmin, method: "POST", url: "/api/v1/officials", body: `{"agency_id":999,"name":"x","position":"y","rank":2}`, wantStatus: 422,
			wantContains: []string{`"agency_id":`}},
		{name: "list includes sub-agencies", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/officials?agency_id=%d", f.Ministry.ID), wantStatus: 200,
			wantContains: []string{`"علیرضا محمدی"`, `"مریم کریمی"`}, wantAbsent: []string{`"زهرا حسینی"`}},
		{name: "list rank and serving", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?rank=2&serving=true", wantStatus: 200,
			wantContains: []string{`"علیرضا محمدی"`, `"زهرا حسینی"`}, wantAbsent: []string{`"مریم کریمی"`}},
		{name: "list q with Arabic letters", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?q=%D9%83%D8%B1%D9%8A%D9%85%DB%8C", wantStatus: 200,
			wantContains: []string{`"مریم کریمی"`}},
		{name: "list bad rank", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?rank=abc", wantStatus: 422, wantContains: []string{`"rank":`}},
		{name: "list rank out of range", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?rank=9", wantStatus: 422, wantContains: []string{`"rank":`}},
		{name: "list unknown agency", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?agency_id=99999", wantStatus: 422,
			wantContains: []string{`"fields":{"agency_id":`}},
		{name: "list bad serving", role: registry.RoleAdmin, method: "GET", url: "/api/v1/officials?serving=maybe", wantStatus: 422, wantContains: []string{`"serving":`}},
		{name: "delete official with a user", role: registry.RoleAdmin, method: "DELETE", url: fmt.Sprintf("/api/v1/officials/%d", f.Official.ID), wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "delete", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 204},
		{name: "gone", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 404},
	})
}

func TestAPIPlatforms(t *testing.T) {
	w := newAPIWorld(t)
	id := w.create(registry.RoleAdmin, "platforms", `{"code":"gap","name":"گپ","name_en":"Gap","origin":"domestic","category":"messenger","hosts":["www.gap.im","GAP.ir"]}`)
	one := fmt.Sprintf("/api/v1/platforms/%d", id)
	w.run(t, []apiCase{
		{name: "list", role: registry.RoleOfficial, method: "GET", url: "/api/v1/platforms", wantStatus: 200,
			wantContains: []string{`"code":"x"`, `"code":"eitaa"`, `"hosts":["x.com","twitter.com"]`, `"code":"gap"`, `"next_cursor":""`}},
		{name: "get", role: registry.RoleAuditor, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"hosts":["gap.im","gap.ir"]`, `"active":true`, `"origin":"domestic"`}},
		{name: "patch keeps what is left out", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"active":false}`, wantStatus: 200,
			wantContains: []string{`"active":false`, `"hosts":["gap.im","gap.ir"]`, `"name_en":"Gap"`}},
		{name: "duplicate code", role: registry.RoleAdmin, method: "POST", url: "/api/v1/platforms", body: `{"code":"eitaa","name":"x","name_en":"x","origin":"foreign","category":"blog","hosts":["xx.com"]}`, wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "bad host", role: registry.RoleAdmin, method: "POST", url: "/api/v1/platforms", body: `{"code":"yy","name":"y","name_en":"y","origin":"foreign","category":"blog","hosts":["not a host"]}`, wantStatus: 422,
			wantContains: []string{`"hosts":`}},
		{name: "hosts must be an array", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"hosts":"gap.im"}`, wantStatus: 400,
			wantContains: []string{`"code":"bad_request"`, `"hosts":`}},
		{name: "delete", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 204},
		{name: "gone", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 404},
	})
}

func TestAPIAccounts(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	irna := w.create(registry.RoleAdmin, "accounts", fmt.Sprintf(`{"url":"https://x.com/IRNA_en?s=20","capacity":"institutional","agency_id":%d}`, f.Ministry.ID))
	office := w.create(registry.RoleReviewer, "accounts", fmt.Sprintf(`{"platform":"eitaa","handle":"@AkhbareFori","capacity":"office","official_id":%d,"opened_on":"2023-04-10"}`, f.Official.ID))
	w.account(registry.AccountInput{URL: "https://t.me/energy_news", Capacity: registry.CapacityInstitutional, AgencyID: f.Other.ID})
	one := fmt.Sprintf("/api/v1/accounts/%d", irna)
	two := fmt.Sprintf("/api/v1/accounts/%d", office)
	w.run(t, []apiCase{
		{name: "pasted link is recognised", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"platform":{"code":"x","name":"ایکس (توییتر)","name_en":"X (Twitter)","origin":"foreign"}`, `"handle":"IRNA_en"`, `"handle_key":"irna_en"`,
				`"url":"https://x.com/IRNA_en"`, `"official_id":null`, fmt.Sprintf(`"holder":{"type":"agency","id":%d,"name":"وزارت بهداشت، درمان و آموزش پزشکی"}`, f.Ministry.ID),
				`"status":"active"`, `"verification":"unverified"`, `"source":"oversight"`, `"opened_on":null`, `"verified_at":null`, `"closed_at":null`}},
		{name: "platform and handle", role: registry.RoleAdmin, method: "GET", url: two, wantStatus: 200,
			wantContains: []string{`"code":"eitaa"`, `"handle":"AkhbareFori"`, `"handle_key":"akhbarefori"`, `"opened_on":"2023-04-10"`,
				fmt.Sprintf(`"official_id":%d`, f.Official.ID), fmt.Sprintf(`"agency_id":%d`, f.Province.ID), fmt.Sprintf(`"holder":{"type":"official","id":%d,"name":"علیرضا محمدی"}`, f.Official.ID)}},
		{name: "same account again", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: fmt.Sprintf(`{"url":"https://x.com/IRNA_en?s=20","capacity":"institutional","agency_id":%d}`, f.Ministry.ID), wantStatus: 409,
			wantContains: []string{`"code":"conflict"`, `"fields":{"url":`}},
		{name: "same account by another host and case", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: fmt.Sprintf(`{"url":"twitter.com/irna_EN","capacity":"institutional","agency_id":%d}`, f.Other.ID), wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "bad capacity", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: `{"capacity":"boss"}`, wantStatus: 422,
			wantContains: []string{`"code":"validation_failed"`, `"capacity":"Choose one of the options."`}},
		{name: "a post is not an account", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: fmt.Sprintf(`{"url":"https://x.com/IRNA_en/status/1","capacity":"institutional","agency_id":%d}`, f.Ministry.ID), wantStatus: 422,
			wantContains: []string{`"url":"This is a link to a post`}},
		{name: "institutional needs an agency", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: `{"url":"https://x.com/someone","capacity":"institutional"}`, wantStatus: 422,
			wantContains: []string{`"agency_id":`}},
		{name: "office needs an official", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: `{"url":"https://x.com/someone","capacity":"office"}`, wantStatus: 422,
			wantContains: []string{`"official_id":`}},
		{name: "malformed opened_on", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: fmt.Sprintf(`{"url":"https://x.com/someone","capacity":"institutional","agency_id":%d,"opened_on":"10/04/2023"}`, f.Ministry.ID), wantStatus: 422,
			wantContains: []string{`"opened_on":`}},
		{name: "patch status keeps the rest", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"status":"closed","verification":"verified"}`, wantStatus: 200,
			wantContains: []string{`"status":"closed"`, `"verification":"verified"`, `"handle_key":"irna_en"`, `"capacity":"institutional"`}, wantAbsent: []string{`"closed_at":null`, `"verified_at":null`}},
		{name: "patch to institutional drops the official", role: registry.RoleAdmin, method: "PATCH", url: two, body: fmt.Sprintf(`{"capacity":"institutional","agency_id":%d}`, f.Province.ID), wantStatus: 200,
			wantContains: []string{`"official_id":null`, `"holder":{"type":"agency"`, `"handle_key":"akhbarefori"`, `"opened_on":"2023-04-10"`}},
		{name: "patch handle", role: registry.RoleAdmin, method: "PATCH", url: two, body: `{"handle":"AkhbareFori2"}`, wantStatus: 200,
			wantContains: []string{`"code":"eitaa"`, `"handle":"AkhbareFori2"`}},
		{name: "patch onto a registered account", role: registry.RoleAdmin, method: "PATCH", url: two, body: `{"url":"https://x.com/irna_en"}`, wantStatus: 409},
		{name: "list filters", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?platform=x&origin=foreign&capacity=institutional&status=closed&verification=verified", wantStatus: 200,
			wantContains: []string{`"irna_en"`}, wantAbsent: []string{`"energy_news"`, `"akhbarefori2"`}},
		{name: "list agency includes sub-agencies", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/accounts?agency_id=%d", f.Ministry.ID), wantStatus: 200,
			wantContains: []string{`"irna_en"`, `"akhbarefori2"`}, wantAbsent: []string{`"energy_news"`}},
		{name: "list q", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?q=@energy", wantStatus: 200,
			wantContains: []string{`"energy_news"`}, wantAbsent: []string{`"irna_en"`}},
		{name: "list unknown agency", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?agency_id=424242", wantStatus: 422, wantContains: []string{`"fields":{"agency_id":`}},
		{name: "list unknown platform", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?platform=myspace", wantStatus: 422, wantContains: []string{`"platform":`}},
		{name: "list bad values", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?capacity=boss&status=x&official_id=abc&per_page=0", wantStatus: 422,
			wantContains: []string{`"capacity":`, `"status":`, `"official_id":`, `"per_page":`}},
		{name: "list per_page too big", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?per_page=201", wantStatus: 422, wantContains: []string{`"per_page":`}},
		{name: "list bad cursor", role: registry.RoleAdmin, method: "GET", url: "/api/v1/accounts?cursor=garbage", wantStatus: 422, wantContains: []string{`"cursor":`}},
		{name: "official cannot delete", role: registry.RoleOfficial, method: "DELETE", url: two, wantStatus: 403},
		{name: "delete", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 204},
		{name: "gone", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 404},
		{name: "delete again", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 404},
	})
}

func TestAPIUsers(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	id := w.create(registry.RoleAdmin, "users", fmt.Sprintf(`{"username":"Liaison2","password":"a long enough secret","role":"liaison","agency_id":%d,"locale":"en"}`, f.Other.ID))
	one := fmt.Sprintf("/api/v1/users/%d", id)
	secretAbsent := []string{"password", "hash", "argon2"}
	w.run(t, []apiCase{
		{name: "get", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"username":"liaison2"`, `"role":"liaison"`, fmt.Sprintf(`"agency_id":%d`, f.Other.ID), `"official_id":null`, `"active":true`, `"last_login_at":null`, `"locale":"en"`},
			wantAbsent:   secretAbsent},
		{name: "patch keeps what is left out", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"active":false}`, wantStatus: 200,
			wantContains: []string{`"active":false`, `"role":"liaison"`, fmt.Sprintf(`"agency_id":%d`, f.Other.ID)}, wantAbsent: secretAbsent},
		{name: "patch role drops the agency", role: registry.RoleAdmin, method: "PATCH", url: one, body: `{"role":"reviewer","password":"another long secret"}`, wantStatus: 200,
			wantContains: []string{`"role":"reviewer"`, `"agency_id":null`}, wantAbsent: secretAbsent},
		{name: "short password", role: registry.RoleAdmin, method: "POST", url: "/api/v1/users", body: `{"username":"shorty","password":"short","role":"auditor"}`, wantStatus: 422,
			wantContains: []string{`"password":`}},
		{name: "official needs a record", role: registry.RoleAdmin, method: "POST", url: "/api/v1/users", body: `{"username":"offi","password":"a long enough secret","role":"official"}`, wantStatus: 422,
			wantContains: []string{`"official_id":`}},
		{name: "duplicate username", role: registry.RoleAdmin, method: "POST", url: "/api/v1/users", body: `{"username":"root","password":"a long enough secret","role":"auditor"}`, wantStatus: 409,
			wantContains: []string{`"code":"conflict"`, `"username":`}},
		{name: "last admin stays", role: registry.RoleAdmin, method: "PATCH", url: fmt.Sprintf("/api/v1/users/%d", f.Users[registry.RoleAdmin].ID), body: `{"role":"auditor"}`, wantStatus: 409},
		{name: "list by role", role: registry.RoleAdmin, method: "GET", url: "/api/v1/users?role=liaison", wantStatus: 200,
			wantContains: []string{`"username":"liaison"`}, wantAbsent: []string{`"username":"root"`, "password"}},
		{name: "list by q", role: registry.RoleAuditor, method: "GET", url: "/api/v1/users?q=REVIEW", wantStatus: 200,
			wantContains: []string{`"username":"reviewer"`}, wantAbsent: []string{`"username":"root"`}},
		{name: "list bad role", role: registry.RoleAdmin, method: "GET", url: "/api/v1/users?role=boss", wantStatus: 422, wantContains: []string{`"role":`}},
		{name: "delete", role: registry.RoleAdmin, method: "DELETE", url: one, wantStatus: 204},
		{name: "gone", role: registry.RoleAdmin, method: "GET", url: one, wantStatus: 404},
	})
	var cases []apiCase
	for _, role := range registry.Roles {
		u := f.Users[role]
		cases = append(cases, apiCase{name: "me as " + string(role), role: role, method: "GET", url: "/api/v1/me", wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"id":%d`, u.ID), fmt.Sprintf(`"username":%q`, u.Username), fmt.Sprintf(`"role":%q`, role)}, wantAbsent: secretAbsent})
	}
	w.run(t, cases)
}

// TestAPIRoles is the role x resource matrix: who reads and writes what.
func TestAPIRoles(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	own := w.account(registry.AccountInput{URL: "https://x.com/own_official", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	other := w.account(registry.AccountInput{URL: "https://t.me/other_office", Capacity: registry.CapacityOffice, OfficialID: f.OtherOfficial.ID})
	inst := w.account(registry.AccountInput{URL: "https://eitaa.com/min_health", Capacity: registry.CapacityInstitutional, AgencyID: f.Ministry.ID})
	otherInst := w.account(registry.AccountInput{URL: "https://instagram.com/min_energy", Capacity: registry.CapacityInstitutional, AgencyID: f.Other.ID})
	acc := func(v *registry.AccountView) string { return fmt.Sprintf("/api/v1/accounts/%d", v.ID) }
	off := func(o *registry.OfficialView) string { return fmt.Sprintf("/api/v1/officials/%d", o.ID) }
	usr := func(r registry.Role) string { return fmt.Sprintf("/api/v1/users/%d", f.Users[r].ID) }
	eitaa, err := w.store.PlatformByCode(context.Background(), "eitaa")
	if err != nil {
		t.Fatal(err)
	}
	plat := fmt.Sprintf("/api/v1/platforms/%d", eitaa.ID)
	agency := fmt.Sprintf("/api/v1/agencies/%d", f.Other.ID)

	var cases []apiCase
	// Liaison: their agency's subtree only.
	cases = append(cases, []apiCase{
		{name: "liaison lists own subtree officials", role: registry.RoleLiaison, method: "GET", url: "/api/v1/officials", wantStatus: 200,
			wantContains: []string{"علیرضا محمدی"}, wantAbsent: []string{"زهرا حسینی"}},
		{name: "liaison gets own official", role: registry.RoleLiaison, method: "GET", url: off(f.Official), wantStatus: 200},
		{name: "liaison gets other agency's official", role: registry.RoleLiaison, method: "GET", url: off(f.OtherOfficial), wantStatus: 403,
			wantContains: []string{`"code":"forbidden"`}},
		{name: "liaison patches other agency's official", role: registry.RoleLiaison, method: "PATCH", url: off(f.OtherOfficial), body: `{"rank":3}`, wantStatus: 403},
		{name: "liaison patches own official", role: registry.RoleLiaison, method: "PATCH", url: off(f.Official), body: `{"position":"رئیس"}`, wantStatus: 200},
		{name: "liaison creates official in subtree", role: registry.RoleLiaison, method: "POST", url: "/api/v1/officials",
			body: fmt.Sprintf(`{"agency_id":%d,"name":"رضا","position":"معاون","rank":3}`, f.Province.ID), wantStatus: 201},
		{name: "liaison creates official elsewhere", role: registry.RoleLiaison, method: "POST", url: "/api/v1/officials",
			body: fmt.Sprintf(`{"agency_id":%d,"name":"رضا","position":"معاون","rank":3}`, f.Other.ID), wantStatus: 403},
		{name: "liaison lists own subtree accounts", role: registry.RoleLiaison, method: "GET", url: "/api/v1/accounts", wantStatus: 200,
			wantContains: []string{"own_official", "min_health"}, wantAbsent: []string{"other_office", "min_energy"}},
		{name: "liaison gets own subtree account", role: registry.RoleLiaison, method: "GET", url: acc(own), wantStatus: 200},
		{name: "liaison gets other agency's account", role: registry.RoleLiaison, method: "GET", url: acc(otherInst), wantStatus: 403},
		{name: "liaison gets other agency's official account", role: registry.RoleLiaison, method: "GET", url: acc(other), wantStatus: 403},
		{name: "liaison declares institutional account in subtree", role: registry.RoleLiaison, method: "POST", url: "/api/v1/accounts",
			body: fmt.Sprintf(`{"url":"https://x.com/shiraz_ums","capacity":"institutional","agency_id":%d}`, f.Province.ID), wantStatus: 201,
			wantContains: []string{`"source":"agency"`}},
		{name: "liaison declares account elsewhere", role: registry.RoleLiaison, method: "POST", url: "/api/v1/accounts",
			body: fmt.Sprintf(`{"url":"https://x.com/energy2","capacity":"institutional","agency_id":%d}`, f.Other.ID), wantStatus: 403},
		{name: "liaison deletes other agency's account", role: registry.RoleLiaison, method: "DELETE", url: acc(otherInst), wantStatus: 403},
		{name: "liaison reads agencies", role: registry.RoleLiaison, method: "GET", url: agency, wantStatus: 200},
		{name: "liaison cannot edit agencies", role: registry.RoleLiaison, method: "PATCH", url: fmt.Sprintf("/api/v1/agencies/%d", f.Province.ID), body: `{"name_en":"x"}`, wantStatus: 403},
		{name: "liaison cannot list users", role: registry.RoleLiaison, method: "GET", url: "/api/v1/users", wantStatus: 403},
		{name: "liaison reads self", role: registry.RoleLiaison, method: "GET", url: usr(registry.RoleLiaison), wantStatus: 200},
	}...)
	// Official: their own accounts only.
	cases = append(cases, []apiCase{
		{name: "official lists own accounts", role: registry.RoleOfficial, method: "GET", url: "/api/v1/accounts", wantStatus: 200,
			wantContains: []string{"own_official"}, wantAbsent: []string{"other_office", "min_health", "min_energy"}},
		{name: "official gets own account", role: registry.RoleOfficial, method: "GET", url: acc(own), wantStatus: 200},
		{name: "official gets agency account", role: registry.RoleOfficial, method: "GET", url: acc(inst), wantStatus: 403},
		{name: "official gets other's account", role: registry.RoleOfficial, method: "GET", url: acc(other), wantStatus: 403},
		{name: "official declares own account", role: registry.RoleOfficial, method: "POST", url: "/api/v1/accounts",
			body: `{"url":"https://instagram.com/alireza.m","capacity":"personal","verification":"verified","source":"oversight"}`, wantStatus: 201,
			wantContains: []string{fmt.Sprintf(`"official_id":%d`, f.Official.ID), `"source":"self_declared"`, `"verification":"unverified"`}},
		{name: "official declares for another official", role: registry.RoleOfficial, method: "POST", url: "/api/v1/accounts",
			body: fmt.Sprintf(`{"url":"https://instagram.com/zahra.h","capacity":"personal","official_id":%d}`, f.OtherOfficial.ID), wantStatus: 403},
		{name: "official declares institutional", role: registry.RoleOfficial, method: "POST", url: "/api/v1/accounts",
			body: fmt.Sprintf(`{"url":"https://instagram.com/shiraz.ums","capacity":"institutional","agency_id":%d}`, f.Province.ID), wantStatus: 403},
		{name: "official updates own account", role: registry.RoleOfficial, method: "PATCH", url: acc(own), body: `{"status":"dormant"}`, wantStatus: 200,
			wantContains: []string{`"status":"dormant"`}},
		{name: "official hands own account to another", role: registry.RoleOfficial, method: "PATCH", url: acc(own), body: fmt.Sprintf(`{"official_id":%d}`, f.OtherOfficial.ID), wantStatus: 403},
		{name: "official deletes own account", role: registry.RoleOfficial, method: "DELETE", url: acc(own), wantStatus: 403},
		{name: "official lists officials", role: registry.RoleOfficial, method: "GET", url: "/api/v1/officials", wantStatus: 200,
			wantContains: []string{"علیرضا محمدی"}, wantAbsent: []string{"زهرا حسینی"}},
		{name: "official gets self", role: registry.RoleOfficial, method: "GET", url: off(f.Official), wantStatus: 200},
		{name: "official gets another official", role: registry.RoleOfficial, method: "GET", url: off(f.OtherOfficial), wantStatus: 403},
		{name: "official edits own record", role: registry.RoleOfficial, method: "PATCH", url: off(f.Official), body: `{"rank":1}`, wantStatus: 403},
		{name: "official reads platforms", role: registry.RoleOfficial, method: "GET", url: plat, wantStatus: 200},
		{name: "official reads another user", role: registry.RoleOfficial, method: "GET", url: usr(registry.RoleAdmin), wantStatus: 403},
	}...)
	// Reviewer: every record, but not users or platforms.
	cases = append(cases, []apiCase{
		{name: "reviewer lists accounts", role: registry.RoleReviewer, method: "GET", url: "/api/v1/accounts", wantStatus: 200,
			wantContains: []string{"own_official", "other_office", "min_health", "min_energy"}},
		{name: "reviewer edits an account", role: registry.RoleReviewer, method: "PATCH", url: acc(other), body: `{"verification":"verified"}`, wantStatus: 200,
			wantContains: []string{`"verification":"verified"`}},
		{name: "reviewer creates an agency", role: registry.RoleReviewer, method: "POST", url: "/api/v1/agencies", body: `{"code":"REV-1","name":"سازمان","kind":"organisation"}`, wantStatus: 201},
		{name: "reviewer lists users", role: registry.RoleReviewer, method: "GET", url: "/api/v1/users", wantStatus: 403},
		{name: "reviewer reads another user", role: registry.RoleReviewer, method: "GET", url: usr(registry.RoleAdmin), wantStatus: 403},
		{name: "reviewer reads self", role: registry.RoleReviewer, method: "GET", url: usr(registry.RoleReviewer), wantStatus: 200},
		{name: "reviewer creates user", role: registry.RoleReviewer, method: "POST", url: "/api/v1/users", body: `{"username":"newbie","password":"a long enough secret","role":"auditor"}`, wantStatus: 403},
		{name: "reviewer patches self", role: registry.RoleReviewer, method: "PATCH", url: usr(registry.RoleReviewer), body: `{"role":"admin"}`, wantStatus: 403},
		{name: "reviewer deletes user", role: registry.RoleReviewer, method: "DELETE", url: usr(registry.RoleAuditor), wantStatus: 403},
		{name: "reviewer reads platforms", role: registry.RoleReviewer, method: "GET", url: "/api/v1/platforms", wantStatus: 200},
		{name: "reviewer creates platform", role: registry.RoleReviewer, method: "POST", url: "/api/v1/platforms",
			body: `{"code":"gap","name":"گپ","name_en":"Gap","origin":"domestic","category":"messenger","hosts":["gap.im"]}`, wantStatus: 403},
		{name: "reviewer patches platform", role: registry.RoleReviewer, method: "PATCH", url: plat, body: `{"active":false}`, wantStatus: 403},
		{name: "reviewer deletes platform", role: registry.RoleReviewer, method: "DELETE", url: plat, wantStatus: 403},
	}...)
	// Auditor: reads everything, writes nothing.
	for _, u := range []string{"/api/v1/agencies", agency, "/api/v1/officials", off(f.OtherOfficial), "/api/v1/platforms", plat,
		"/api/v1/accounts", acc(other), "/api/v1/users", usr(registry.RoleAdmin), "/api/v1/me"} {
		cases = append(cases, apiCase{name: "auditor reads " + u, role: registry.RoleAuditor, method: "GET", url: u, wantStatus: 200})
	}
	writes := []struct{ method, url, body string }{
		{"POST", "/api/v1/agencies", `{"code":"AUD-1","name":"سازمان","kind":"organisation"}`},
		{"PATCH", agency, `{"name_en":"Energy"}`},
		{"DELETE", agency, ""},
		{"POST", "/api/v1/officials", fmt.Sprintf(`{"agency_id":%d,"name":"رضا","position":"معاون","rank":3}`, f.Other.ID)},
		{"PATCH", off(f.OtherOfficial), `{"rank":3}`},
		{"DELETE", off(f.OtherOfficial), ""},
		{"POST", "/api/v1/platforms", `{"code":"gap","name":"گپ","name_en":"Gap","origin":"domestic","category":"messenger","hosts":["gap.im"]}`},
		{"PATCH", plat, `{"active":false}`},
		{"DELETE", plat, ""},
		{"POST", "/api/v1/accounts", fmt.Sprintf(`{"url":"https://x.com/auditor_try","capacity":"institutional","agency_id":%d}`, f.Other.ID)},
		{"PATCH", acc(other), `{"status":"dormant"}`},
		{"DELETE", acc(other), ""},
		{"POST", "/api/v1/users", `{"username":"newbie","password":"a long enough secret","role":"auditor"}`},
		{"PATCH", usr(registry.RoleAuditor), `{"locale":"fa"}`},
		{"DELETE", usr(registry.RoleAuditor), ""},
	}
	for _, wr := range writes {
		cases = append(cases, apiCase{name: "auditor " + wr.method + " " + wr.url, role: registry.RoleAuditor, method: wr.method, url: wr.url, body: wr.body,
			wantStatus: 403, wantContains: []string{`"code":"forbidden"`}})
	}
	// Anonymous and bad tokens: 401 with the error body everywhere.
	for _, rt := range w.srv.Echo().Routes() {
		if !isAPIRoute(rt.Method, rt.Path) || rt.Path == "/api/v1/openapi.json" || strings.HasPrefix(rt.Path, "/api/v1/public/") {
			continue
		}
		u := strings.ReplaceAll(rt.Path, ":id", "1")
		cases = append(cases,
			apiCase{name: "anonymous " + rt.Method + " " + rt.Path, method: rt.Method, url: u, body: "{}", wantStatus: 401,
				wantContains: []string{`{"error":{"code":"unauthenticated","message":"A valid API token`}},
			apiCase{name: "bad token " + rt.Method + " " + rt.Path, token: "hzr_not-a-real-token", method: rt.Method, url: u, body: "{}", wantStatus: 401,
				wantContains: []string{`"code":"unauthenticated"`}})
	}
	w.run(t, cases)
}

func TestAPIBadBodies(t *testing.T) {
	w := newAPIWorld(t)
	post := func(name, body string, want int, contains ...string) apiCase {
		return apiCase{name: name, role: registry.RoleAdmin, method: "POST", url: "/api/v1/agencies", body: body, wantStatus: want, wantContains: contains}
	}
	w.run(t, []apiCase{
		post("malformed", `{"code":`, 400, `"code":"bad_request"`, `"message":"The body is not valid JSON for this request."`),
		post("empty", ``, 400, `"code":"bad_request"`),
		post("not an object", `[1,2]`, 400, `"code":"bad_request"`),
		post("unknown field", `{"code":"A1","name":"x","kind":"ministry","colour":"red"}`, 400, `"code":"bad_request"`, `"fields":{"colour":"This request does not take this field."}`),
		post("wrong type", `{"code":"A1","name":5,"kind":"ministry"}`, 400, `"code":"bad_request"`, `"fields":{"name":`),
		post("wrong type in a nullable field", `{"code":"A1","name":"x","kind":"ministry","parent_id":"one"}`, 400, `"code":"bad_request"`, `"parent_id":`),
		post("trailing data", `{"code":"A1","name":"x","kind":"ministry"} {}`, 400, `"code":"bad_request"`),
		post("no password hash field", `{"code":"A1","name":"x","kind":"ministry","password_hash":"x"}`, 400, `"code":"bad_request"`),
		{name: "patch malformed", role: registry.RoleAdmin, method: "PATCH", url: fmt.Sprintf("/api/v1/officials/%d", w.f.Official.ID), body: `{"rank":"high"}`, wantStatus: 400,
			wantContains: []string{`"fields":{"rank":`}},
		{name: "user unknown field", role: registry.RoleAdmin, method: "POST", url: "/api/v1/users", body: `{"username":"abc","password":"a long enough secret","role":"auditor","password_hash":"x"}`, wantStatus: 400},
		{name: "accounts capacity boss", role: registry.RoleAdmin, method: "POST", url: "/api/v1/accounts", body: `{"capacity":"boss"}`, wantStatus: 422},
		{name: "unknown API path", role: registry.RoleAdmin, method: "GET", url: "/api/v1/nothing", wantStatus: 404, wantContains: []string{`"code":"not_found"`}},
	})
	// Messages follow Accept-Language.
	resp, body := w.do(registry.RoleAdmin, http.MethodPost, "/api/v1/agencies", `{"code":`, "Accept-Language", "fa-IR,fa;q=0.9")
	if resp.StatusCode != 400 || !strings.Contains(body, "بدنهٔ درخواست JSON معتبری") {
		t.Errorf("Persian error: %d %s", resp.StatusCode, body)
	}
	resp, body = w.do(registry.RoleAdmin, http.MethodPost, "/api/v1/accounts", `{"capacity":"boss"}`)
	if code, fields := errorFields(t, body); resp.StatusCode != 422 || code != "validation_failed" || fields["capacity"] == "" {
		t.Errorf("capacity boss: %d %s", resp.StatusCode, body)
	}
}

func TestAPIAccountPaging(t *testing.T) {
	w := newAPIWorld(t)
	for i := range 7 {
		w.create(registry.RoleAdmin, "accounts", fmt.Sprintf(`{"url":"https://x.com/paging_%d","capacity":"institutional","agency_id":%d}`, i, w.f.Other.ID))
	}
	for _, sortKey := range []string{"", "handle", "-handle", "id"} {
		t.Run("sort "+sortKey, func(t *testing.T) {
			seen := map[int64]bool{}
			var sizes []int
			cursor := ""
			for page := 0; ; page++ {
				if page > 5 {
					t.Fatal("paging does not end")
				}
				status, body := w.api(w.tokens[registry.RoleAdmin], "GET", "/api/v1/accounts?per_page=3&sort="+sortKey+"&cursor="+cursor, "")
				if status != 200 {
					t.Fatalf("page %d: %d %s", page, status, body)
				}
				var res struct {
					Items []struct {
						ID     int64
						Handle string `json:"handle_key"`
					}
					NextCursor *string `json:"next_cursor"`
				}
				if err := json.Unmarshal([]byte(body), &res); err != nil || res.NextCursor == nil {
					t.Fatalf("page %d: %v %s", page, err, body)
				}
				sizes = append(sizes, len(res.Items))
				for _, it := range res.Items {
					if seen[it.ID] {
						t.Fatalf("account %d on two pages", it.ID)
					}
					seen[it.ID] = true
				}
				if *res.NextCursor == "" {
					break
				}
				cursor = *res.NextCursor
			}
			if !slices.Equal(sizes, []int{3, 3, 1}) || len(seen) != 7 {
				t.Errorf("pages %v, %d accounts", sizes, len(seen))
			}
		})
	}
}

// isAPIRoute reports whether an echo route is one of the API's own, not a
// catch-all.
func isAPIRoute(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	return strings.HasPrefix(path, "/api/v1/") && !strings.HasSuffix(path, "/*")
}

// TestAPIRoutesMatchOpenAPI: every API route is in the document with its
// method, and every operation of the document is a route.
func TestAPIRoutesMatchOpenAPI(t *testing.T) {
	e := newTestEnv(t)
	status, body := e.api("", "GET", "/api/v1/openapi.json", "")
	if status != 200 {
		t.Fatalf("openapi.json: %d %s", status, body)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct{ URL string }
		Paths   map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || len(doc.Servers) != 1 {
		t.Fatalf("openapi %q, servers %v", doc.OpenAPI, doc.Servers)
	}
	var documented, routed []string
	for p, item := range doc.Paths {
		for m := range item {
			if m == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" "+doc.Servers[0].URL+strings.ReplaceAll(p, "{id}", ":id"))
		}
	}
	for _, rt := range e.srv.Echo().Routes() {
		if isAPIRoute(rt.Method, rt.Path) {
			routed = append(routed, rt.Method+" "+rt.Path)
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	routed = slices.Compact(routed)
	if !slices.Equal(documented, routed) {
		t.Errorf("document and router differ:\ndocumented %v\nrouted     %v", documented, routed)
	}
	// The contract routes other tools rely on must be there.
	for _, want := range []string{"GET /api/v1/accounts", "POST /api/v1/accounts", "GET /api/v1/accounts/:id", "POST /api/v1/justifications",
		"POST /api/v1/justifications/:id/transitions", "GET /api/v1/agencies", "GET /api/v1/officials", "GET /api/v1/users"} {
		if !slices.Contains(routed, want) {
			t.Errorf("route %s is missing", want)
		}
	}
}
