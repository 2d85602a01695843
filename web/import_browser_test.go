package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"
)

// TestBrowserImport walks an import in a real browser: an office's messy
// file (Windows-1256, semicolons, Arabic letters) is checked and its two
// bad rows shown by row number; the corrected file (UTF-8 with a byte
// order mark) is applied; the outcome page counts what was written and the
// accounts list shows it.
func TestBrowserImport(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newTestEnv(t)
	e.fixture()
	admin := e.user("admin", "admin", 0, 0)
	dir := t.TempDir()
	// Windows-1256 has the Arabic ي, not the Persian ی: offices' old files
	// carry it, and the import reads both alike.
	messy := strings.ReplaceAll("نشانی;عنوان حساب;کد سازمان;وضعیت\r\n"+
		"https://t.me/health_news;سازمانی;MIN-HEALTH;فعال\r\n"+
		"https://t.me/fars_health;سازمانی;min-health-fars;فعال\r\n"+
		"https://t.me/health_events;نامعلوم;MIN-HEALTH;فعال\r\n"+
		"https://t.me/energy_news;سازمانی;NOPE;فعال\r\n", "ی", "ي")
	enc, err := charmap.Windows1256.NewEncoder().String(messy)
	if err != nil {
		t.Fatal(err)
	}
	messyPath, fixedPath := filepath.Join(dir, "حساب‌ها.csv"), filepath.Join(dir, "accounts-fixed.csv")
	fixed := "\ufeffنشانی,عنوان حساب,کد سازمان,وضعیت\r\n" +
		"https://t.me/health_news,سازمانی,MIN-HEALTH,فعال\r\n" +
		"https://t.me/fars_health,سازمانی,MIN-HEALTH-FARS,فعال\r\n" +
		"https://t.me/health_events,سازمانی,MIN-HEALTH,فعال\r\n" +
		"https://t.me/energy_news,سازمانی,MIN-ENERGY,فعال\r\n"
	for p, text := range map[string]string{messyPath: enc, fixedPath: fixed} {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	b := tab{t, newBrowser(t)}
	b.signIn(e.ts.URL, "admin")
	b.step("import page",
		chromedp.Click(chromedp.CSS(`nav.site-nav a[href="/import"]`)),
		chromedp.WaitVisible(chromedp.ID("f-file")),
		chromedp.SetValue(chromedp.ID("f-kind"), "accounts"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{messyPath}),
	)
	screenshot(t, b.ctx, "import-form")
	b.step("check the messy file",
		chromedp.Click(chromedp.ID("import-check")),
		chromedp.WaitVisible(chromedp.ID("import-issues")),
	)
	if !regexp.MustCompile(`/import/\d+$`).MatchString(b.location()) {
		t.Fatalf("after the upload at %s", b.location())
	}
	issues := b.text("#import-issues tbody")
	for _, want := range []string{"۴", "عنوان حساب", "«نامعلوم» در این ستون پذیرفته نیست", "۵", "کد سازمان", "دستگاهی با کد «NOPE» نیست"} {
		if !strings.Contains(issues, strings.ReplaceAll(want, "ی", "ي")) && !strings.Contains(issues, want) {
			t.Errorf("issues %q lack %q", issues, want)
		}
	}
	if s := b.text("#import-summary"); !strings.Contains(s, "۲ دارای خطا") {
		t.Errorf("summary %q", s)
	}
	if dis, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById('import-apply').disabled`)); !dis {
		t.Error("apply is offered while rows are bad")
	}
	screenshot(t, b.ctx, "import-preview")

	b.step("upload the corrected file",
		chromedp.Click(chromedp.ID("import-again")),
		chromedp.WaitVisible(chromedp.ID("f-file")),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{fixedPath}),
		chromedp.Click(chromedp.ID("import-check")),
		chromedp.WaitVisible(chromedp.ID("import-verdict")),
	)
	if s := b.text("#import-verdict"); !strings.Contains(s, "هر ۴ سطر درست است") {
		t.Errorf("verdict %q", s)
	}
	// While an apply runs, the page follows its progress and shows the
	// outcome once it is over (here a run held by hand, then let go).
	page := b.location()
	id, _ := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	if !e.srv.imports.start(id, admin.ID) {
		t.Fatal("a run is already going")
	}
	b.step("progress page", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("import-bar")))
	e.srv.imports.progress(id, "write", 1500, 4000)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.getElementById('import-bar').value === 1500`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the bar did not move: %v", err)
	}
	if s := b.text("#import-progress-text"); s != "در حال نوشتن: ۱٬۵۰۰ از ۴٬۰۰۰ سطر" {
		t.Errorf("progress text %q", s)
	}
	screenshot(t, b.ctx, "import-progress")
	e.srv.imports.end(id, false)
	b.step("progress over", chromedp.WaitVisible(chromedp.ID("import-verdict")))
	b.step("apply",
		chromedp.Click(chromedp.ID("import-apply")),
		chromedp.WaitVisible(chromedp.ID("import-outcome")),
	)
	if s := b.text("#import-outcome"); !strings.Contains(s, "۴ تازه") {
		t.Errorf("outcome %q", s)
	}
	screenshot(t, b.ctx, "import-outcome")

	b.step("accounts", chromedp.Click(chromedp.CSS(`#import-outcome a[href="/accounts"]`)), chromedp.WaitVisible(chromedp.CSS(`table.table tbody`)))
	rows := b.text("table.table tbody")
	for _, h := range []string{"health_news", "fars_health", "health_events", "energy_news"} {
		if !strings.Contains(rows, h) {
			t.Errorf("the accounts list lacks %s: %q", h, rows)
		}
	}
}
