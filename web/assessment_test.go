package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hozur/registry"
)

// testPDF is a small, real PDF file.
var testPDF = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// testELF is the start of a Linux program.
var testELF = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), bytes.Repeat([]byte{0}, 100)...)

// multipartPost posts a form with an optional file field, as a browser
// does, with the remembered CSRF token.
func (b *browser) multipartPost(path string, fields url.Values, fileField, fileName string, data []byte) (int, string, string) {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, fileName)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	resp, err := b.client.Post(b.e.ts.URL+path, mw.FormDataContentType(), &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(out); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(out)
}

// assessmentValues is a complete assessment form: encryption partly met,
// the rest met, on 28 Ordibehesht 1403 (17 May 2024).
func assessmentValues() url.Values {
	v := url.Values{"assessed_on": {"۱۴۰۳/۰۲/۲۸"}, "summary": {"رمزنگاری پایگاه داده هنوز کامل نیست."}}
	for _, p := range registry.Provisions {
		v.Set(registry.ProvisionField(p, "result"), registry.ResultPass)
	}
	v.Set(registry.ProvisionField(registry.ProvisionEncryption, "result"), registry.ResultPartial)
	v.Set(registry.ProvisionField(registry.ProvisionEncryption, "evidence"), "پیام‌ها در انتقال رمز می‌شوند، در پایگاه داده نه.")
	return v
}

func platformID(t *testing.T, e *testEnv, code string) int64 {
	t.Helper()
	p, err := e.store.PlatformByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// storeAssess records an assessment straight in the store.
func storeAssess(t *testing.T, e *testEnv, code string, failing string) *registry.Assessment {
	t.Helper()
	on := e.store.Day(e.store.Now()).AddDate(0, -1, 0)
	in := registry.AssessmentInput{PlatformID: platformID(t, e, code), AssessedOn: &on, Provisions: map[string]registry.ProvisionInput{}}
	for _, p := range registry.Provisions {
		in.Provisions[p] = registry.ProvisionInput{Result: registry.ResultPass}
	}
	if failing != "" {
		in.Provisions[failing] = registry.ProvisionInput{Result: registry.ResultFail, Evidence: "راهی برای حذف حساب نیست."}
	}
	as, err := e.store.CreateAssessment(context.Background(), registry.System, in)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestAssessmentFormAndPlatformPage(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	eitaa := id(platformID(t, e, "eitaa"))
	rev := e.signedIn(f, registry.RoleReviewer)
	if status, body := rev.get("/platforms/" + eitaa + "/assessments/new"); status != http.StatusOK || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("form: %d %.300s", status, body)
	}
	status, loc, body := rev.multipartPost("/platforms/"+eitaa+"/assessments", assessmentValues(), "attachment", "گزارش بازرسی.pdf", testPDF)
	if status != http.StatusSeeOther || loc != "/platforms/"+eitaa+"#assessment" {
		t.Fatalf("create: %d %q %.500s", status, loc, body)
	}
	list, err := e.store.Assessments(context.Background(), platformID(t, e, "eitaa"))
	if err != nil || len(list) != 1 || list[0].Attachment == nil || list[0].Attachment.ContentType != registry.TypePDF || list[0].Overall != registry.ResultPartial {
		t.Fatalf("stored %+v %v", list, err)
	}
	_, page := rev.get("/platforms/" + eitaa)
	mustContain(t, page, msg(t, "fa", "assessment.flash_created"), `id="assessment-overall">`+msg(t, "fa", "assessment.result.partial"),
		msg(t, "fa", "assessment.compliance.not_eligible"), "۲۸ اردیبهشت ۱۴۰۳", msg(t, "fa", "assessment.provision.encryption"),
		"پیام‌ها در انتقال رمز می‌شوند، در پایگاه داده نه.", "رمزنگاری پایگاه داده هنوز کامل نیست.", `<span class="ltr">reviewer</span>`,
		fmt.Sprintf(`href="/assessments/%d/attachment"`, list[0].ID), "گزارش بازرسی.pdf", `id="assessment-history"`, `id="new-assessment"`)

	// A newer passing assessment supersedes it; the history keeps both.
	v := assessmentValues()
	v.Set(registry.ProvisionField(registry.ProvisionEncryption, "result"), registry.ResultPass)
	v.Set("assessed_on", "2024-09-01")
	rev.get("/platforms/" + eitaa + "/assessments/new")
	if status, _, body := rev.multipartPost("/platforms/"+eitaa+"/assessments", v, "", "", nil); status != http.StatusSeeOther {
		t.Fatalf("second: %d %.500s", status, body)
	}
	_, page = rev.get("/platforms/" + eitaa)
	mustContain(t, page, `id="assessment-overall">`+msg(t, "fa", "assessment.result.pass"), `id="assessment-eligibility">`+msg(t, "fa", "assessment.compliance.eligible"),
		"۱۱ شهریور ۱۴۰۳", msg(t, "fa", "assessment.no_attachment"))
	if n := strings.Count(page[strings.Index(page, `id="assessment-history"`):], "<tr"); n != 3 {
		t.Errorf("history has %d rows with the header, want 3", n)
	}

	// A liaison and an official see the result, not the evidence, the
	// assessor or the file; a foreign platform says it is not assessed.
	for _, role := range []registry.Role{registry.RoleLiaison, registry.RoleOfficial} {
		b := e.signedIn(f, role)
		_, page := b.get("/platforms/" + eitaa)
		mustContain(t, page, `id="assessment-overall">`+msg(t, "fa", "assessment.result.pass"), msg(t, "fa", "assessment.result_only"), "۱۱ شهریور ۱۴۰۳")
		mustNotContain(t, page, "پیام‌ها در انتقال", "/attachment", `id="assessment-history"`, "reviewer", `id="new-assessment"`)
	}
	_, page = rev.get("/platforms/" + id(platformID(t, e, "telegram")))
	mustContain(t, page, msg(t, "fa", "assessment.foreign"))
	mustNotContain(t, page, `id="new-assessment"`)
}

func TestAssessmentFormRefusals(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	eitaa := id(platformID(t, e, "eitaa"))
	rev := e.signedIn(f, registry.RoleReviewer)
	future := url.Values{}
	for k, v := range assessmentValues() {
		future[k] = v
	}
	future.Set("assessed_on", "1499/01/01")
	future.Del(registry.ProvisionField(registry.ProvisionEncryption, "evidence"))
	future.Del(registry.ProvisionField(registry.ProvisionDataMinimisation, "result"))
	badDate := assessmentValues()
	badDate.Set("assessed_on", "دیروز")
	cases := []struct {
		name           string
		form           url.Values
		file, fileName string
		data           []byte
		want           []string
	}{
		{"future day, a result and the evidence missing", future, "", "", nil, []string{msg(t, "fa", "assessment.future"),
			msg(t, "fa", "error.choose"), msg(t, "fa", "assessment.evidence_required"), `id="e-provisions.encryption.evidence"`}},
		{"a day that is not one", badDate, "", "", nil, []string{msg(t, "fa", "error.date")}},
		{"a program renamed .pdf", assessmentValues(), "attachment", "report.pdf", testELF, []string{msg(t, "fa", "assessment.attachment_type"),
			msg(t, "fa", "assessment.attachment_again")}},
		{"a PNG renamed .pdf", assessmentValues(), "attachment", "report.pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00"), []string{msg(t, "fa", "assessment.attachment_mismatch")}},
		{"a file over 10 MB", assessmentValues(), "attachment", "big.txt", bytes.Repeat([]byte("a"), registry.AttachmentMaxBytes+1), []string{msg(t, "fa", "assessment.attachment_too_large")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rev.get("/platforms/" + eitaa + "/assessments/new")
			status, _, body := rev.multipartPost("/platforms/"+eitaa+"/assessments", c.form, c.file, c.fileName, c.data)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %.500s", status, body)
			}
			mustContain(t, body, append(c.want, `class="error-summary"`, `lang="fa"`)...)
		})
	}
	if list, _ := e.store.Assessments(context.Background(), platformID(t, e, "eitaa")); len(list) != 0 {
		t.Errorf("%d assessments written by refused forms", len(list))
	}
	// Foreign platforms are not assessed; unknown ones are not found.
	if status, _ := rev.get("/platforms/" + id(platformID(t, e, "x")) + "/assessments/new"); status != http.StatusConflict {
		t.Errorf("form for a foreign platform: %d", status)
	}
	if status, _ := rev.get("/platforms/9999/assessments/new"); status != http.StatusNotFound {
		t.Errorf("form for no platform: %d", status)
	}
	// Liaisons, officials and auditors record none.
	for _, role := range []registry.Role{registry.RoleLiaison, registry.RoleOfficial, registry.RoleAuditor} {
		b := e.signedIn(f, role)
		if status, _ := b.get("/platforms/" + eitaa + "/assessments/new"); status != http.StatusForbidden {
			t.Errorf("%s: form %d, want 403", role, status)
		}
		b.get("/platforms/" + eitaa)
		if status, _, _ := b.multipartPost("/platforms/"+eitaa+"/assessments", assessmentValues(), "", "", nil); status != http.StatusForbidden {
			t.Errorf("%s: post %d, want 403", role, status)
		}
	}
	if list, _ := e.store.Assessments(context.Background(), platformID(t, e, "eitaa")); len(list) != 0 {
		t.Errorf("%d assessments written by forbidden posts", len(list))
	}
}

func TestAssessmentAttachmentDownload(t *testing.T) {
	w := newAPIWorld(t)
	e, f := w.testEnv, w.f
	rev := e.signedIn(f, registry.RoleReviewer)
	eitaa := id(platformID(t, e, "eitaa"))
	rev.get("/platforms/" + eitaa + "/assessments/new")
	if status, _, body := rev.multipartPost("/platforms/"+eitaa+"/assessments", assessmentValues(), "attachment", "گزارش.pdf", testPDF); status != http.StatusSeeOther {
		t.Fatalf("create: %d %.300s", status, body)
	}
	list, _ := e.store.Assessments(context.Background(), platformID(t, e, "eitaa"))
	path := fmt.Sprintf("/assessments/%d/attachment", list[0].ID)
	for _, role := range []registry.Role{registry.RoleAdmin, registry.RoleReviewer, registry.RoleAuditor} {
		resp, data := e.signedIn(f, role).download(path)
		if resp.StatusCode != http.StatusOK || data != string(testPDF) {
			t.Fatalf("%s: %d, %d bytes", role, resp.StatusCode, len(data))
		}
		h := resp.Header
		if h.Get("Content-Type") != registry.TypePDF || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Disposition") != `attachment; filename="assessment-`+id(list[0].ID)+`.pdf"; filename*=UTF-8''`+url.PathEscape("گزارش.pdf") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: headers %v", role, h)
		}
	}
	for _, role := range []registry.Role{registry.RoleLiaison, registry.RoleOfficial} {
		if resp, data := e.signedIn(f, role).download(path); resp.StatusCode != http.StatusForbidden || strings.Contains(data, "%PDF") {
			t.Errorf("%s: %d", role, resp.StatusCode)
		}
	}
	if resp, _ := rev.download("/assessments/9999/attachment"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no file: %d", resp.StatusCode)
	}
	if resp, _ := e.browser().download(path); resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", resp.StatusCode)
	}
	// The API answers the same, by token.
	if resp, data := w.do(registry.RoleAuditor, "GET", "/api/v1"+path, ""); resp.StatusCode != http.StatusOK || data != string(testPDF) ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("API auditor: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := w.do(registry.RoleOfficial, "GET", "/api/v1"+path, ""); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
		t.Errorf("API official: %d %s", resp.StatusCode, body)
	}
}

func TestPlatformComplianceFilter(t *testing.T) {
	w := newAPIWorld(t)
	e, f := w.testEnv, w.f
	storeAssess(t, e, "eitaa", "")
	storeAssess(t, e, "bale", registry.ProvisionDeletionOnRequest)
	b := e.signedIn(f, registry.RoleOfficial)
	b.setLang("en")
	cases := []struct {
		compliance string
		status     int
		with       []string
		without    []string
	}{
		{"eligible", 200, []string{">Eitaa<"}, []string{">Bale<", ">Rubika<", ">Telegram<"}},
		{"not_eligible", 200, []string{">Bale<"}, []string{">Eitaa<", ">Rubika<"}},
		{"not_assessed", 200, []string{">Rubika<", ">Aparat<"}, []string{">Eitaa<", ">Bale<", ">Telegram<"}},
		{"", 200, []string{">Eitaa<", ">Bale<", ">Telegram<", msg(t, "en", "assessment.compliance.eligible")}, nil},
		{"soon", 422, []string{msg(t, "en", "error.choose")}, nil},
	}
	for _, c := range cases {
		t.Run("page "+c.compliance, func(t *testing.T) {
			status, body := b.get("/platforms?compliance=" + c.compliance)
			if status != c.status {
				t.Fatalf("status %d, want %d", status, c.status)
			}
			mustContain(t, body, c.with...)
			mustNotContain(t, body, c.without...)
		})
	}
	codes := func(body string) []string {
		var l struct{ Items []struct{ Code string } }
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		var out []string
		for _, p := range l.Items {
			out = append(out, p.Code)
		}
		return out
	}
	w.run(t, []apiCase{
		{name: "bad compliance", role: registry.RoleLiaison, method: "GET", url: "/api/v1/platforms?compliance=maybe", wantStatus: 422, wantContains: []string{`"compliance"`}},
	})
	for want, q := range map[string]string{"eitaa": "eligible", "bale": "not_eligible"} {
		if _, body := w.do(registry.RoleLiaison, "GET", "/api/v1/platforms?compliance="+q, ""); strings.Join(codes(body), ",") != want {
			t.Errorf("compliance=%s: %v", q, codes(body))
		}
	}
	if _, body := w.do(registry.RoleLiaison, "GET", "/api/v1/platforms?compliance=not_assessed", ""); len(codes(body)) != 5 {
		t.Errorf("not assessed: %v", codes(body))
	}
}

func TestAlternativesAfterRefusal(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	storeAssess(t, e, "eitaa", "")
	storeAssess(t, e, "bale", registry.ProvisionEncryption)
	storeAssess(t, e, "rubika", "") // a social network, not a messenger
	tg, err := e.store.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "t.me/a_mohammadi", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	if err != nil {
		t.Fatal(err)
	}
	official := e.signedIn(f, registry.RoleOfficial)
	if _, page := official.get("/accounts/" + id(tg.ID)); strings.Contains(page, `id="alternatives"`) {
		t.Error("alternatives shown before any refusal")
	}
	j, err := e.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: tg.ID, Grounds: "other", Statement: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []registry.TransitionInput{{To: registry.StateSubmitted}, {To: registry.StateRejected, Note: "ضرورتی ندارد."}} {
		if _, err := e.store.Transition(ctx, registry.System, j.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/accounts/" + id(tg.ID), "/justifications/" + id(j.ID)} {
		_, page := official.get(path)
		i := strings.Index(page, `id="alternatives"`)
		if i < 0 {
			t.Fatalf("%s: no alternatives", path)
		}
		section := page[i:]
		section = section[:strings.Index(section, "</section>")]
		mustContain(t, section, msg(t, "fa", "assessment.alternatives", "category", msg(t, "fa", "category.messenger")),
			fmt.Sprintf(`href="/platforms/%d"`, platformID(t, e, "eitaa")))
		mustNotContain(t, section, fmt.Sprintf(`href="/platforms/%d"`, platformID(t, e, "bale")), fmt.Sprintf(`href="/platforms/%d"`, platformID(t, e, "rubika")))
	}
}

func TestAssessmentAPI(t *testing.T) {
	w := newAPIWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	eitaa := platformID(t, w.testEnv, "eitaa")
	body := func(attachment string) string {
		return `{"assessed_on":"2024-05-17","summary":"خلاصه","provisions":{"data_minimisation":{"result":"pass"},` +
			`"purpose_transparency":{"result":"pass"},"deletion_on_request":{"result":"fail","evidence":"راهی برای حذف نیست."},` +
			`"encryption":{"result":"pass"}}` + attachment + `}`
	}
	att := fmt.Sprintf(`,"attachment":{"file_name":"r.pdf","data":%q}`, base64.StdEncoding.EncodeToString(testPDF))
	resp, out := w.do(registry.RoleReviewer, "POST", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa), body(att))
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/api/v1/assessments/1" || !strings.Contains(out, `"url":"/api/v1/assessments/1/attachment"`) {
		t.Fatalf("create: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), out)
	}
	cases := []struct {
		name         string
		role         registry.Role
		method, tmpl string
		url, body    string
		status       int
		want         string
	}{
		{"list", registry.RoleAuditor, "GET", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa), "", 200, `"overall":"fail"`},
		{"one", registry.RoleAdmin, "GET", "/assessments/{id}", "/api/v1/assessments/1", "", 200, `"content_type":"application/pdf"`},
		{"created", registry.RoleAdmin, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa), body(""), 201, `"eligible":false`},
		{"liaison may not read", registry.RoleLiaison, "GET", "/assessments/{id}", "/api/v1/assessments/1", "", 403, ""},
		{"official may not list", registry.RoleOfficial, "GET", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa), "", 403, ""},
		{"auditor may not record", registry.RoleAuditor, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa), body(""), 403, ""},
		{"invalid", registry.RoleReviewer, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa),
			`{"assessed_on":"2024-05-17","provisions":{"encryption":{"result":"fail"}},"attachment":{"file_name":"x.pdf","data":"***"}}`, 422, `"provisions.encryption.evidence"`},
		{"not base64", registry.RoleReviewer, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa),
			`{"assessed_on":"2024-05-17","attachment":{"file_name":"x.pdf","data":"***"}}`, 422, `"attachment.data"`},
		{"unknown provision", registry.RoleReviewer, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", eitaa),
			`{"assessed_on":"2024-05-17","provisions":{"cookies":{"result":"pass"}}}`, 400, `"cookies"`},
		{"foreign platform", registry.RoleReviewer, "POST", "/platforms/{id}/assessments", fmt.Sprintf("/api/v1/platforms/%d/assessments", platformID(t, w.testEnv, "x")), body(""), 422, `"platform_id"`},
		{"no platform", registry.RoleAuditor, "GET", "/platforms/{id}/assessments", "/api/v1/platforms/9999/assessments", "", 404, ""},
		{"no assessment", registry.RoleAuditor, "GET", "/assessments/{id}", "/api/v1/assessments/9999", "", 404, ""},
		{"filtered platforms", registry.RoleOfficial, "GET", "/platforms", "/api/v1/platforms?compliance=not_eligible", "", 200, `"code":"eitaa"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := w.do(tc.role, tc.method, tc.url, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(out, tc.want) {
				t.Fatalf("status %d, want %d with %s: %s", resp.StatusCode, tc.status, tc.want, out)
			}
			if err := validateResponse(t, doc, tc.method, tc.tmpl, tc.url, resp.StatusCode, resp.Header, out); err != nil {
				t.Errorf("response does not match the document: %v\n%s", err, out)
			}
		})
	}
}
