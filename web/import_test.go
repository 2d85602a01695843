package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"hozur/registry"
	"hozur/registry/sheet"
)

// upload posts a file to /import as the browser's form does.
func (b *browser) upload(kind, enc, name string, data []byte) (int, string, string) {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"_csrf": b.csrf, "kind": kind, "encoding": enc} {
		_ = mw.WriteField(k, v)
	}
	if name != "" || data != nil {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	resp, err := b.client.Post(b.e.ts.URL+"/import", mw.FormDataContentType(), &body)
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

// checked uploads a file that must be read, and returns its page's path.
func (b *browser) checked(kind string, data string) string {
	b.e.t.Helper()
	b.get("/import")
	status, loc, body := b.upload(kind, "auto", kind+".csv", []byte(data))
	if status != http.StatusSeeOther || !regexp.MustCompile(`^/import/\d+$`).MatchString(loc) {
		b.e.t.Fatalf("upload: %d %q %.500s", status, loc, body)
	}
	return loc
}

// applied applies a checked upload and waits for the run to end; it
// returns the stored state and the page.
func (b *browser) applied(page string, goodOnly bool) (string, string) {
	b.e.t.Helper()
	b.get(page)
	form := url.Values{}
	if goodOnly {
		form.Set("good_only", "true")
	}
	if status, loc, body := b.post(page+"/apply", form); status != http.StatusSeeOther || loc != page {
		b.e.t.Fatalf("apply: %d %q %.300s", status, loc, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		status, body := b.get(page + "/progress")
		var p importProgressBody
		if err := json.Unmarshal([]byte(body), &p); status != http.StatusOK || err != nil {
			b.e.t.Fatalf("progress: %d %s", status, body)
		}
		if p.State != "running" {
			_, html := b.get(page)
			return p.State, html
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.e.t.Fatal("the import never finished")
	return "", ""
}

func (e *testEnv) accountCount() int64 {
	e.t.Helper()
	res, err := e.store.Accounts(context.Background(), registry.System, registry.AccountFilter{}, registry.Page{PerPage: 100, WithTotal: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Total
}

// A file in Persian with bad rows: every problem is listed by row, column
// and reason, in Persian; the whole file is refused while rows are bad; the
// good rows can be applied alone; a second import changes nothing.
func TestImportPreviewAndApply(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	b := e.browser()
	b.signIn("root")
	if _, home := b.get("/"); !strings.Contains(home, `href="/import"`) {
		t.Error("no import link in the navigation")
	}
	file := "نشانی,عنوان حساب,کد سازمان,وضعیت\r\n" +
		"https://t.me/health_news,سازمانی,MIN-HEALTH,فعال\r\n" +
		"https://t.me/fars_health,سازمانی,MIN-HEALTH-FARS,فعال\r\n" +
		"https://t.me/other,نامعلوم,MIN-HEALTH,فعال\r\n" +
		"https://t.me/fourth,سازمانی,NOPE,فعال\r\n" +
		"https://t.me/HEALTH_NEWS,سازمانی,MIN-HEALTH,فعال\r\n"
	page := b.checked("accounts", file)
	status, body := b.get(page)
	if status != http.StatusOK {
		t.Fatalf("preview: %d", status)
	}
	mustContain(t, body, "۵ سطر: ۲ تازه، ۰ تغییریافته، ۰ بی‌تغییر، ۳ دارای خطا",
		"<td class=\"nowrap\">۴</td>", "<bdi>عنوان حساب</bdi>", "«نامعلوم» در این ستون پذیرفته نیست",
		"<td class=\"nowrap\">۵</td>", "<bdi>کد سازمان</bdi>", "دستگاهی با کد «NOPE» نیست",
		"<td class=\"nowrap\">۶</td>", "همین سابقه در سطر ۲ همین پرونده هم آمده است",
		`id="import-apply" disabled`, `id="import-apply-good"`, "اعمال فقط ۲ سطر درست", `href="/import?kind=accounts"`)
	// Nobody else sees it.
	other := e.browser()
	other.signIn("reviewer")
	for _, p := range []string{page, page + "/progress"} {
		if status, _ := other.get(p); status != http.StatusNotFound {
			t.Errorf("another user's %s: %d", p, status)
		}
	}
	if status, _, _ := other.post(page+"/apply", nil); status != http.StatusNotFound {
		t.Errorf("another user's apply: %d", status)
	}
	// While a run goes, the page follows it (refreshing itself without
	// script); a run the server failed leaves the file to apply again.
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/import/"), 10, 64)
	runs := e.srv.imports
	if !runs.start(id, f.Users[registry.RoleAdmin].ID) {
		t.Fatal("start")
	}
	runs.progress(id, registry.StageWrite, 2, 5)
	_, body = b.get(page)
	mustContain(t, body, `<noscript><meta http-equiv="refresh" content="1"></noscript>`, `<progress id="import-bar" max="5" value="2"`, "در حال نوشتن: ۲ از ۵ سطر")
	if _, js := b.get(page + "/progress"); !strings.Contains(js, `"state":"running","stage":"write","done":2,"total":5`) {
		t.Errorf("progress %s", js)
	}
	runs.end(id, true)
	_, body = b.get(page)
	mustContain(t, body, `id="import-failed"`, `id="import-apply-good"`)
	mustNotContain(t, body, "<noscript>")
	// The whole file is refused: nothing is written.
	state, body := b.applied(page, false)
	if state != registry.ImportRejected || e.accountCount() != 0 {
		t.Fatalf("apply with bad rows: %s, %d accounts", state, e.accountCount())
	}
	mustContain(t, body, "چیزی نوشته نشد", `id="import-apply-good"`, "دستگاهی با کد «NOPE» نیست")
	// Only the good rows.
	state, body = b.applied(page, true)
	if state != registry.ImportApplied || e.accountCount() != 2 {
		t.Fatalf("good only: %s, %d accounts", state, e.accountCount())
	}
	mustContain(t, body, `id="import-outcome"`, "نوشته شد: ۲ تازه، ۰ تغییریافته، ۰ بی‌تغییر.", "۳ سطر دارای خطا کنار گذاشته شد", `href="/accounts"`)
	mustNotContain(t, body, `id="import-apply"`)
	if _, again := b.get(page); !strings.Contains(again, "نوشته شد") {
		t.Error("the outcome is not kept")
	}
	// The file is dropped once applied: a second apply is refused.
	if status, loc, _ := b.post(page+"/apply", url.Values{"good_only": {"true"}}); status != http.StatusSeeOther || loc != page {
		t.Errorf("second apply: %d %s", status, loc)
	}
	// The same file again: nothing new.
	_, body = b.get(b.checked("accounts", file))
	mustContain(t, body, "۵ سطر: ۰ تازه، ۰ تغییریافته، ۲ بی‌تغییر، ۳ دارای خطا")
	_, list := b.get("/import")
	mustContain(t, list, "اعمال‌شده", "بررسی‌شده، اعمال‌نشده", "accounts.csv")
}

func TestImportUnreadableFile(t *testing.T) {
	e := newTestEnv(t)
	e.fixture()
	b := e.browser()
	b.signIn("root")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	cases := []struct {
		name, kind, enc, file string
		data                  []byte
		want                  string
	}{
		{"a picture named .xlsx", "accounts", "auto", "list.xlsx", png, "این پرونده صفحه‌گسترده نیست"},
		{"a picture named .csv", "accounts", "auto", "list.csv", png, "این پرونده صفحه‌گسترده نیست"},
		{"a broken workbook", "accounts", "auto", "list.xlsx", []byte("PK\x03\x04broken"), "این پروندهٔ اکسل خوانده نمی‌شود"},
		{"an empty file", "accounts", "auto", "list.csv", []byte("\r\n\r\n"), "پرونده سطری ندارد"},
		{"no file", "accounts", "auto", "", nil, "پرونده‌ای برای بارگذاری برگزینید"},
		{"unknown kind", "users", "auto", "list.csv", []byte("a,b\r\n1,2\r\n"), "یکی از گزینه‌ها را انتخاب کنید"},
		{"unknown encoding", "accounts", "latin-1", "list.csv", []byte("a,b\r\n1,2\r\n"), "یکی از گزینه‌ها را انتخاب کنید"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.get("/import")
			status, _, body := b.upload(tc.kind, tc.enc, tc.file, tc.data)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %.300s", status, body)
			}
			mustContain(t, body, tc.want, `class="error-summary"`, `id="f-file"`)
		})
	}
	if list, err := e.store.ImportUploads(context.Background(), registry.Actor{UserID: 1}, 10); err != nil || len(list) != 0 {
		t.Errorf("unreadable files were kept: %v %v", list, err)
	}
}

func TestImportPermissions(t *testing.T) {
	e := newTestEnv(t)
	e.fixture()
	auditor := e.browser()
	auditor.signIn("auditor")
	for _, p := range []string{"/import", "/import/template?kind=accounts&format=csv"} {
		if status, _ := auditor.get(p); status != http.StatusForbidden {
			t.Errorf("auditor %s: %d", p, status)
		}
	}
	if _, home := auditor.get("/"); strings.Contains(home, `href="/import"`) {
		t.Error("the auditor is offered the import page")
	}
	if status, _, _ := auditor.upload("accounts", "auto", "a.csv", []byte("url,capacity\r\nhttps://t.me/a,institutional\r\n")); status != http.StatusForbidden {
		t.Errorf("auditor upload: %d", status)
	}
	// A liaison imports officials and accounts of their own subtree.
	li := e.browser()
	li.signIn("liaison")
	_, form := li.get("/import")
	mustContain(t, form, `<option value="accounts"`, `<option value="officials"`)
	mustNotContain(t, form, `<option value="agencies"`)
	if status, _, body := li.upload("agencies", "auto", "a.csv", []byte("code,name,kind\r\nX,Y,ministry\r\n")); status != http.StatusUnprocessableEntity {
		t.Errorf("liaison agencies: %d %.200s", status, body)
	}
	page := li.checked("accounts", "url,capacity,agency_code\r\nhttps://t.me/fars_uni,institutional,MIN-HEALTH-FARS\r\nhttps://t.me/energy,institutional,MIN-ENERGY\r\n")
	_, body := li.get(page)
	mustContain(t, body, "<td class=\"nowrap\">۳</td>", "شما اجازهٔ افزودن یا تغییر این سابقه را ندارید")
	mustNotContain(t, body, "<td class=\"nowrap\">۲</td>")
	if state, _ := li.applied(page, true); state != registry.ImportApplied || e.accountCount() != 1 {
		t.Fatalf("liaison good only: %s, %d accounts", state, e.accountCount())
	}
}

// Each template has its headers in the language asked for and an example
// row that imports cleanly once the agency it names exists.
func TestImportTemplates(t *testing.T) {
	e := newTestEnv(t)
	e.fixture()
	if _, err := e.store.CreateAgency(context.Background(), registry.System, registry.AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: registry.KindMinistry}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("root")
	_, page := b.get("/import")
	mustContain(t, page, "/import/template?kind=officials&amp;format=xlsx&amp;lang=fa", "<code class=\"ltr\">capacity</code>", "institutional (سازمانی)", "عنوان حساب")
	for _, kind := range registry.ImportKinds {
		cols, _ := registry.ExchangeColumns(kind)
		for _, format := range []string{"csv", "xlsx"} {
			for _, lang := range []string{"fa", "en"} {
				t.Run(kind+"/"+format+"/"+lang, func(t *testing.T) {
					resp, err := b.client.Get(e.ts.URL + "/import/template?kind=" + kind + "&format=" + format + "&lang=" + lang)
					if err != nil {
						t.Fatal(err)
					}
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "hozur-"+kind+"-"+lang+"."+format) {
						t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
					}
					tab, err := sheet.Read(bytes.NewReader(data), "t."+format, sheet.Options{})
					if err != nil {
						t.Fatal(err)
					}
					for i, c := range cols {
						want := c.Key
						if lang == "fa" {
							want = c.Fa
						}
						if i >= len(tab.Header) || tab.Header[i] != want {
							t.Fatalf("header %q, want %q at %d", tab.Header, want, i)
						}
					}
					if len(tab.Rows) != 1 {
						t.Fatalf("%d example rows", len(tab.Rows))
					}
					// Left in a filled template, the example row is skipped.
					res, err := e.store.Import(context.Background(), registry.System, tab, registry.ImportOptions{Kind: kind, DryRun: true})
					if err != nil || res.Rows != 0 || res.HeaderBad {
						t.Fatalf("example row left in: %+v %v", res, err)
					}
					// As a record (here, without one optional column) it is valid.
					drop := slices.IndexFunc(cols, func(c registry.Column) bool { return !c.Required && c.Example != "" })
					tab.Header = slices.Delete(slices.Clone(tab.Header), drop, drop+1)
					tab.Rows[0].Cells = slices.Delete(slices.Clone(tab.Rows[0].Cells), drop, drop+1)
					res, err = e.store.Import(context.Background(), registry.System, tab, registry.ImportOptions{Kind: kind, DryRun: true})
					if err != nil || res.Bad != 0 || res.HeaderBad || res.Created+res.Updated != 1 {
						t.Fatalf("example row: %+v %v", res, err)
					}
					if format == "xlsx" {
						x, err := excelize.OpenReader(bytes.NewReader(data))
						if err != nil {
							t.Fatal(err)
						}
						defer x.Close()
						sheets := x.GetSheetList()
						dv, _ := x.GetDataValidations(sheets[0])
						help, _ := x.GetRows(sheets[len(sheets)-1])
						if len(sheets) != 2 || len(dv) == 0 || len(help) < len(cols)+1 {
							t.Fatalf("sheets %v, %d drop-downs, %d help rows", sheets, len(dv), len(help))
						}
						if lang == "fa" && !strings.Contains(strings.Join(help[0], "|"), "مقدارهای مجاز") {
							t.Errorf("help header %q", help[0])
						}
					}
				})
			}
		}
	}
}
