package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReport opens a stored report in a real browser: the page
// frames the report's own document (its inline styles allowed by the
// frame's own policy, the page's strict one untouched) with its chart, and
// the start page draws its charts.
func TestBrowserReport(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	w := newReportWorld(t)
	b := tab{t: t, ctx: newBrowser(t)}
	b.signIn(w.ts.URL, w.f.Users["reviewer"].Username)
	b.step("dashboard charts", chromedp.Navigate(w.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#chart-rules svg`)))
	screenshot(t, b.ctx, "dashboard-charts")
	path := "/reports/" + id(w.national.ID)
	// On its own, the report's inline <style> applies under its own
	// policy: its page is white on a grey body.
	b.step("open alone", chromedp.Navigate(w.ts.URL+path+"/html"), chromedp.WaitReady(chromedp.CSS(".page")))
	bg, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("getComputedStyle(document.querySelector('.page')).backgroundColor"))
	if err != nil || bg != "rgb(255, 255, 255)" {
		t.Errorf("the report's inline style did not apply: %q %v", bg, err)
	}
	b.step("report page", chromedp.Navigate(w.ts.URL+path), chromedp.WaitVisible(chromedp.ID("report-frame")))
	// Wait for the frame's document, then read it through the protocol
	// (the sandboxed frame has an origin of its own: no script reaches in).
	// The sandboxed frame has an origin of its own, and Chrome runs it as a
	// target of its own: find it and read its document there.
	var frameHTML string
	deadline := time.Now().Add(15 * time.Second)
	for frameHTML == "" && time.Now().Before(deadline) {
		infos, err := chromedp.Targets(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type != "iframe" || !strings.HasSuffix(info.URL, path+"/html") {
				continue
			}
			fctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(info.TargetID))
			t.Cleanup(cancel)
			tctx, cancel2 := context.WithTimeout(fctx, 10*time.Second)
			frameHTML, err = chromedp.Run(tctx, chromedp.OuterHTML(chromedp.CSS("html")))
			cancel2()
			if err != nil {
				t.Logf("read the frame: %v", err)
			}
		}
		if frameHTML == "" {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !strings.Contains(frameHTML, "<svg") || !strings.Contains(frameHTML, w.national.Title) {
		t.Fatalf("the framed report has no chart or title: %.500s", frameHTML)
	}
	screenshot(t, b.ctx, "report")
}
