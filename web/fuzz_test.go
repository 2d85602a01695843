package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"hozur/config"
	"hozur/registry"
)

// fuzzTarget is a server with a small registry, an administrator's token
// and a browser signed in as the administrator, shared by one fuzz run.
type fuzzTarget struct {
	url    string
	token  string
	client *http.Client
	csrf   string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	cfg := config.Default()
	cfg.DataDir = f.TempDir()
	st := testStore(f, cfg.DataDir, nil)
	ctx := context.Background()
	ag, err := st.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: registry.KindMinistry})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: ag.ID, Name: "مریم احمدی", Position: "معاون", Rank: 2, Serving: true}); err != nil {
		f.Fatal(err)
	}
	u, err := st.CreateUser(ctx, registry.System, registry.UserInput{Username: "admin", Password: testPassword, Role: registry.RoleAdmin, Active: true})
	if err != nil {
		f.Fatal(err)
	}
	raw, _, err := st.CreateToken(ctx, registry.System, u.ID, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	f.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	ft := &fuzzTarget{url: ts.URL, token: raw, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	ft.page(f, "/login")
	if code := ft.form(f, "/login", url.Values{"username": {"admin"}, "password": {testPassword}}); code != http.StatusSeeOther {
		f.Fatalf("sign in: %d", code)
	}
	ft.page(f, "/accounts/new")
	return ft
}

func (ft *fuzzTarget) page(tb testing.TB, path string) {
	resp, err := ft.client.Get(ft.url + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(body); m != nil {
		ft.csrf = string(m[1])
	}
}

func (ft *fuzzTarget) form(tb testing.TB, path string, v url.Values) int {
	v.Set("_csrf", ft.csrf)
	resp, err := ft.client.Post(ft.url+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// apiTargets are the API's writes that take a JSON body.
var apiTargets = []struct{ method, path string }{
	{"POST", "/api/v1/agencies"}, {"POST", "/api/v1/officials"}, {"POST", "/api/v1/accounts"}, {"POST", "/api/v1/justifications"},
	{"POST", "/api/v1/group-exemptions"}, {"POST", "/api/v1/directives"}, {"POST", "/api/v1/erasure-requests"},
	{"PATCH", "/api/v1/agencies/1"}, {"PATCH", "/api/v1/officials/1"}, {"POST", "/api/v1/users"},
	{"POST", "/api/v1/imports?kind=accounts&dry_run=true"},
}

// FuzzAPIBodies sends arbitrary bodies to the API's writes: never a 5xx,
// and every refusal is the API's error shape with a code and a message.
func FuzzAPIBodies(f *testing.F) {
	ft := newFuzzTarget(f)
	seeds := []string{`{"code":"X1","name":"الف","kind":"ministry"}`, `{"agency_id":1,"name":"ب","position":"ج","rank":9}`,
		`{"url":"https://t.me/moh_news","capacity":"institutional","agency_id":1}`, `{"account_id":"x"}`, `{"title":null}`,
		`[1,2,3]`, `{"a":`, `"\u0000"`, `{"rank":1e400}`, `{"official_id":-1,"scope":"all"}`, "", "platform,handle\ntelegram,x\n"}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		target := apiTargets[int(which)%len(apiTargets)]
		req, err := http.NewRequest(target.method, ft.url+target.path, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ft.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", target.method, target.path, body, resp.StatusCode, data)
		}
		if resp.StatusCode >= 400 {
			var eb errorBody
			if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("%s %s with %q: %d without the error shape: %s", target.method, target.path, body, resp.StatusCode, data)
			}
		}
	})
}

// formTargets are the pages' forms.
var formTargets = []string{"/agencies", "/officials", "/accounts", "/justifications", "/group-exemptions", "/directives", "/erasure-requests", "/users"}

// FuzzFormDecoding posts arbitrary form fields to the pages' forms: never a
// 5xx (a bad value is a form shown again with its field errors, or a 4xx).
func FuzzFormDecoding(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Add(uint8(0), "code", "X1", "kind", "ministry")
	f.Add(uint8(1), "agency_id", "1", "rank", "۹")
	f.Add(uint8(2), "url", "https://t.me/x", "opened_on", "1402/13/40")
	f.Add(uint8(3), "account_id", "99999999999999999999", "requested_until", "2023-02-30")
	f.Add(uint8(4), "platforms", "\x00", "ranks", "-1")
	f.Add(uint8(6), "official_id", "1", "scope", "all")
	f.Fuzz(func(t *testing.T, which uint8, k1, v1, k2, v2 string) {
		path := formTargets[int(which)%len(formTargets)]
		if k1 == "_csrf" || k2 == "_csrf" {
			return
		}
		v := url.Values{}
		v.Add(k1, v1)
		v.Add(k2, v2)
		if code := ft.form(t, path, v); code >= 500 {
			t.Fatalf("POST %s %v: %d", path, v, code)
		}
	})
}
