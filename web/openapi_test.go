package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"hozur/registry"
)

// loadOpenAPI fetches the served document and loads it with kin-openapi.
func loadOpenAPI(t *testing.T, e *testEnv) *openapi3.T {
	t.Helper()
	status, body := e.api("", "GET", "/api/v1/openapi.json", "")
	if status != http.StatusOK {
		t.Fatalf("openapi.json: %d %s", status, body)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	e := newTestEnv(t)
	doc := loadOpenAPI(t, e)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Scheme != "bearer" {
		t.Error("no bearer security scheme")
	}
	for _, name := range []string{"Agency", "Official", "Platform", "Account", "User", "Error", "AccountList", "AccountCreate", "AccountPatch"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no component schema %s", name)
		}
	}
	if op := doc.Paths.Find("/openapi.json").Get; op.Security == nil || len(*op.Security) != 0 {
		t.Error("openapi.json must need no token")
	}
	// Every route of the router is an operation and back (the same check as
	// TestAPIRoutesMatchOpenAPI, here through kin-openapi's model).
	ops := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops[method+" /api/v1"+strings.ReplaceAll(path, "{id}", ":id")] = true
		}
	}
	for _, rt := range e.srv.Echo().Routes() {
		key := rt.Method + " " + rt.Path
		if isAPIRoute(rt.Method, rt.Path) {
			if !ops[key] {
				t.Errorf("route %s is not documented", key)
			}
			delete(ops, key)
		}
	}
	for key := range ops {
		t.Errorf("operation %s is not a route", key)
	}
}

// validateResponse checks one real answer against the document.
func validateResponse(t *testing.T, doc *openapi3.T, method, tmpl, url string, status int, header http.Header, body string) error {
	t.Helper()
	item := doc.Paths.Find(tmpl)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("no operation %s %s", method, tmpl)
	}
	req := httptest.NewRequest(method, url, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
			Route: &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: item.GetOperation(method)}},
		Status:  status,
		Header:  header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes([]byte(body))
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func TestOpenAPIResponsesMatch(t *testing.T) {
	w := newAPIWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	f := w.f
	w.account(registry.AccountInput{URL: "https://eitaa.com/akhbarefori", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	irna := w.create(registry.RoleAdmin, "accounts", fmt.Sprintf(`{"url":"https://x.com/IRNA_en?s=20","capacity":"institutional","agency_id":%d,"opened_on":"2020-01-02","verification":"verified"}`, f.Ministry.ID))
	// The exemption workflow: a draft justification, a group exemption, a
	// directive.
	foreign := w.account(registry.AccountInput{URL: "https://x.com/alireza_m", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	jid := w.create(registry.RoleOfficial, "justifications", fmt.Sprintf(`{"account_id":%d,"grounds":"international_outreach","statement":"لازم است.","requested_until":"2099-01-01"}`, foreign.ID))
	just := fmt.Sprintf("/api/v1/justifications/%d", jid)
	until := time.Now().In(w.srv.tz).AddDate(0, 6, 0).Format(time.DateOnly)
	group := w.create(registry.RoleReviewer, "group-exemptions", fmt.Sprintf(`{"title":"پایش رسانه","legal_ref":"۵۵","legal_date":"2024-01-10","valid_from":"2024-01-10","scope":{"agencies":[{"id":%d,"include_sub":true}],"capacities":["office"]}}`, f.Ministry.ID))
	directive := w.create(registry.RoleAdmin, "directives", `{"title":"حریم خصوصی","reference":"۱۴۰۲-الف","kind":"privacy","notified_on":"2024-01-17","window_months":2}`)
	cases := []struct {
		name         string
		role         registry.Role
		method, tmpl string
		url, body    string
		status       int
	}{
		{"list of accounts", registry.RoleAdmin, "GET", "/accounts", "/api/v1/accounts?per_page=1", "", 200},
		{"one account", registry.RoleAdmin, "GET", "/accounts/{id}", fmt.Sprintf("/api/v1/accounts/%d", irna), "", 200},
		{"created account", registry.RoleOfficial, "POST", "/accounts", "/api/v1/accounts", `{"url":"https://t.me/alireza_m","capacity":"personal"}`, 201},
		{"duplicate account", registry.RoleAdmin, "POST", "/accounts", "/api/v1/accounts", fmt.Sprintf(`{"url":"https://x.com/irna_en","capacity":"institutional","agency_id":%d}`, f.Ministry.ID), 409},
		{"invalid account", registry.RoleAdmin, "POST", "/accounts", "/api/v1/accounts", `{"capacity":"boss"}`, 422},
		{"bad JSON", registry.RoleAdmin, "POST", "/accounts", "/api/v1/accounts", `{"capacity":`, 400},
		{"missing account", registry.RoleAdmin, "GET", "/accounts/{id}", "/api/v1/accounts/999", "", 404},
		{"forbidden account", registry.RoleOfficial, "GET", "/accounts/{id}", fmt.Sprintf("/api/v1/accounts/%d", irna), "", 403},
		{"anonymous", "", "GET", "/accounts", "/api/v1/accounts", "", 401},
		{"agencies", registry.RoleAdmin, "GET", "/agencies", "/api/v1/agencies", "", 200},
		{"one agency", registry.RoleAdmin, "GET", "/agencies/{id}", fmt.Sprintf("/api/v1/agencies/%d", f.Province.ID), "", 200},
		{"officials", registry.RoleAdmin, "GET", "/officials", "/api/v1/officials", "", 200},
		{"updated official", registry.RoleAdmin, "PATCH", "/officials/{id}", fmt.Sprintf("/api/v1/officials/%d", f.Official.ID), `{"term_start":"2022-02-02","email":"a@b.ir"}`, 200},
		{"platforms", registry.RoleAdmin, "GET", "/platforms", "/api/v1/platforms", "", 200},
		{"users", registry.RoleAdmin, "GET", "/users", "/api/v1/users", "", 200},
		{"me", registry.RoleLiaison, "GET", "/me", "/api/v1/me", "", 200},
		{"bad filter", registry.RoleAdmin, "GET", "/officials", "/api/v1/officials?rank=abc", "", 422},
		{"justification", registry.RoleOfficial, "GET", "/justifications/{id}", just, "", 200},
		{"justifications", registry.RoleReviewer, "GET", "/justifications", "/api/v1/justifications?state=draft&per_page=5", "", 200},
		{"illegal transition", registry.RoleReviewer, "POST", "/justifications/{id}/transitions", just + "/transitions", fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), 409},
		{"transition", registry.RoleOfficial, "POST", "/justifications/{id}/transitions", just + "/transitions", `{"to":"submitted"}`, 200},
		{"unpermitted transition", registry.RoleOfficial, "POST", "/justifications/{id}/transitions", just + "/transitions", `{"to":"rejected","note":"x"}`, 403},
		{"invalid transition", registry.RoleReviewer, "POST", "/justifications/{id}/transitions", just + "/transitions", `{"to":"approved"}`, 422},
		{"approval", registry.RoleReviewer, "POST", "/justifications/{id}/transitions", just + "/transitions", fmt.Sprintf(`{"to":"approved","valid_until":%q,"conditions":"x"}`, until), 200},
		{"coverage", registry.RoleOfficial, "GET", "/accounts/{id}/coverage", fmt.Sprintf("/api/v1/accounts/%d/coverage", foreign.ID), "", 200},
		{"coverage then", registry.RoleOfficial, "GET", "/accounts/{id}/coverage", fmt.Sprintf("/api/v1/accounts/%d/coverage?at=2024-02-01T00:00:00Z", foreign.ID), "", 200},
		{"covered account", registry.RoleOfficial, "GET", "/accounts/{id}", fmt.Sprintf("/api/v1/accounts/%d", foreign.ID), "", 200},
		{"exemptions", registry.RoleAuditor, "GET", "/exemptions", "/api/v1/exemptions", "", 200},
		{"exemption", registry.RoleAuditor, "GET", "/exemptions/{id}", "/api/v1/exemptions/1", "", 200},
		{"revoked exemption", registry.RoleReviewer, "POST", "/exemptions/{id}/revoke", "/api/v1/exemptions/1/revoke", `{"reason":"x"}`, 200},
		{"notifications", registry.RoleOfficial, "GET", "/notifications", "/api/v1/notifications", "", 200},
		{"read notifications", registry.RoleOfficial, "POST", "/notifications/read", "/api/v1/notifications/read", `{}`, 200},
		{"group exemptions", registry.RoleLiaison, "GET", "/group-exemptions", "/api/v1/group-exemptions", "", 200},
		{"group exemption", registry.RoleReviewer, "PATCH", "/group-exemptions/{id}", fmt.Sprintf("/api/v1/group-exemptions/%d", group), `{"valid_until":"2030-01-01"}`, 200},
		{"covered accounts", registry.RoleReviewer, "GET", "/group-exemptions/{id}/accounts", fmt.Sprintf("/api/v1/group-exemptions/%d/accounts?per_page=1", group), "", 200},
		{"directives", registry.RoleOfficial, "GET", "/directives", "/api/v1/directives", "", 200},
		{"amended directive", registry.RoleAdmin, "POST", "/directives/{id}/amendments", fmt.Sprintf("/api/v1/directives/%d/amendments", directive), `{"reference":"ب","dated_on":"2024-02-19","window_months":4}`, 200},
		{"left office", registry.RoleAdmin, "POST", "/officials/{id}/leave", fmt.Sprintf("/api/v1/officials/%d/leave", f.OtherOfficial.ID), `{"left_on":"2025-01-01"}`, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.do(tc.role, tc.method, tc.url, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if err := validateResponse(t, doc, tc.method, tc.tmpl, tc.url, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("response does not match the document: %v\n%s", err, body)
			}
		})
	}
	// The check has teeth: a body with a field the document does not know,
	// without one it requires, or with a day in another form, fails.
	_, body := w.do(registry.RoleAdmin, "GET", fmt.Sprintf("/api/v1/accounts/%d", irna), "")
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, bad := range []string{strings.Replace(body, `"handle_key"`, `"handle_kee"`, 1), strings.Replace(body, `{"id"`, `{"secret":1,"id"`, 1),
		strings.Replace(body, `"opened_on":"2020-01-02"`, `"opened_on":"02/01/2020"`, 1)} {
		if err := validateResponse(t, doc, "GET", "/accounts/{id}", "/api/v1/accounts/1", 200, hdr, bad); err == nil {
			t.Errorf("a wrong body passed: %s", bad)
		}
	}
}
