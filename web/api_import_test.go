package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"hozur/registry"
)

// apiUpload posts a file to /api/v1/imports, as the raw body or, with
// multipart, as the field "file".
func (e *testEnv) apiUpload(token, query, lang string, multi bool, data string) (*http.Response, string) {
	e.t.Helper()
	body, ctype := io.Reader(strings.NewReader(data)), "text/csv"
	if multi {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "accounts.csv")
		_, _ = fw.Write([]byte(data))
		_ = mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	}
	req, err := http.NewRequest("POST", e.ts.URL+"/api/v1/imports?"+query, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ctype)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAPIImport(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	doc := loadOpenAPI(t, e)
	admin, auditor := e.token(f.Users[registry.RoleAdmin]), e.token(f.Users[registry.RoleAuditor])
	file := "url,capacity,agency_code\r\n" +
		"https://t.me/health_news,institutional,MIN-HEALTH\r\n" +
		"https://t.me/other,boss,MIN-HEALTH\r\n"
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	cases := []struct {
		name, token, query, lang string
		multi                    bool
		data                     string
		status                   int
		want                     []string
	}{
		{"dry run", admin, "kind=accounts&dry_run=true", "", false, file, 200,
			[]string{`"dry_run":true`, `"applied":false`, `"rows":2`, `"created":1`, `"bad":1`,
				`{"line":3,"column":"capacity","key":"import.not_allowed","message":"“boss” is not allowed here. Allowed: institutional, office, personal."}`}},
		{"dry run in Persian", admin, "kind=accounts&dry_run=true", "fa", false, file, 200, []string{`"message":"«boss» در این ستون پذیرفته نیست`}},
		{"apply refused", admin, "kind=accounts", "", false, file, 422,
			[]string{`"applied":false`, `"key":"import.not_allowed"`, `"error":{"code":"import_rejected","message":"Nothing was written`}},
		{"good rows only, as a form", admin, "kind=accounts&good_only=true&file_name=a.csv", "", true, file, 200,
			[]string{`"applied":true`, `"created":1`, `"bad":1`}},
		{"again: unchanged", admin, "kind=accounts&good_only=true", "", false, file, 200, []string{`"unchanged":1`, `"created":0`}},
		{"a picture", admin, "kind=accounts&dry_run=true", "", false, png, 400,
			[]string{`{"error":{"code":"unreadable_file","message":"This is not a spreadsheet`}},
		{"an empty body", admin, "kind=accounts", "", false, "", 400, []string{`"code":"unreadable_file"`, "no rows"}},
		{"no kind", admin, "dry_run=maybe", "", false, file, 422, []string{`"code":"validation_failed"`, `"kind":"Enter a value`, `"dry_run":`}},
		{"auditor", auditor, "kind=accounts&dry_run=true", "", false, file, 403, []string{`"code":"forbidden"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.apiUpload(tc.token, tc.query, tc.lang, tc.multi, tc.data)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			mustContain(t, body, tc.want...)
			if err := validateResponse(t, doc, "POST", "/imports", "/api/v1/imports?"+tc.query, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("response does not match the document: %v\n%s", err, body)
			}
		})
	}
	if n := e.accountCount(); n != 1 {
		t.Errorf("%d accounts", n)
	}
	// The document describes the upload.
	op := doc.Paths.Find("/imports").Post
	if op == nil || op.RequestBody == nil || op.RequestBody.Value.Content.Get("multipart/form-data") == nil || op.RequestBody.Value.Content.Get("text/csv") == nil {
		t.Error("the upload's body is not documented")
	}
	var res importBody
	_, body := e.apiUpload(admin, "kind=agencies&dry_run=true", "", false, "code,name,kind\r\nNEW,تازه,ministry\r\n")
	if err := json.Unmarshal([]byte(body), &res); err != nil || res.Created != 1 || res.Kind != registry.ExchangeAgencies {
		t.Errorf("agencies: %+v %v", res, err)
	}
}
