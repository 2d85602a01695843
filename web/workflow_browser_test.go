package web

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hozur/registry"
)

// tab is one signed-in person's browser window.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b tab) step(name string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		b.t.Fatalf("%s: %v\npage: %.3000s", name, err, html)
	}
}

func (b tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

func (b tab) signIn(base, username string) {
	b.t.Helper()
	b.step("sign in as "+username,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-username")),
		chromedp.SendKeys(chromedp.ID("f-username"), username),
		chromedp.SendKeys(chromedp.ID("f-password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/notifications"]`)),
	)
}

// TestBrowserExemptionFlow walks the exemption workflow in a real browser:
// an official files a justification for a foreign account, a reviewer (in
// a browser context of their own) asks a question, the official answers,
// the reviewer approves with an end date typed in Solar Hijri, and the
// account page shows the cover until that day in Solar Hijri.
func TestBrowserExemptionFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	w := newWF(t)
	base := w.ts.URL
	official := tab{t, newBrowser(t)}
	rctx, cancel := chromedp.NewContext(official.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(rctx); err != nil {
		t.Fatal(err)
	}
	reviewer := tab{t, rctx}

	// The official's start page says, in one sentence, what to do next.
	official.signIn(base, w.f.Users[registry.RoleOfficial].Username)
	official.step("start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("next-step")))
	if s := official.text("#next-step"); !strings.Contains(s, "معافیت ندارد") || !strings.Contains(s, w.acct.Display) {
		t.Errorf("next step %q", s)
	}
	screenshot(t, official.ctx, "wf-portal-fa")

	_, requested := w.day(8)
	official.step("file",
		chromedp.Click(chromedp.CSS(`#next-step a.button`)),
		chromedp.WaitVisible(chromedp.ID("f-statement")),
		chromedp.Click(chromedp.ID("f-grounds-international_outreach")),
		chromedp.SendKeys(chromedp.ID("f-statement"), "این حساب برای گفت‌وگو با دانشجویان و پژوهشگران خارج از کشور است."),
		chromedp.SendKeys(chromedp.ID("f-requested_until"), requested),
	)
	screenshot(t, official.ctx, "wf-file-fa")
	official.step("save the draft",
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("submit-justification")),
	)
	page := official.location()
	if !regexp.MustCompile(`/justifications/\d+$`).MatchString(page) {
		t.Fatalf("after filing at %s", page)
	}
	official.step("submit",
		chromedp.Click(chromedp.ID("submit-justification")),
		chromedp.WaitNotPresent(chromedp.ID("submit-justification")),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	if s := official.text("#state"); s != "فرستاده‌شده" {
		t.Errorf("state after submitting %q", s)
	}

	// The reviewer finds it in the queue and asks a question.
	reviewer.signIn(base, w.f.Users[registry.RoleReviewer].Username)
	reviewer.step("queue", chromedp.Navigate(base+"/review"), chromedp.WaitVisible(chromedp.ID("review-queue")))
	if s := reviewer.text("#review-queue tbody"); !strings.Contains(s, w.acct.Display) || !strings.Contains(s, "کمتر از یک روز") {
		t.Errorf("queue %q", s)
	}
	screenshot(t, reviewer.ctx, "wf-review-queue-fa")
	path := page[strings.Index(page, "/justifications/"):]
	reviewer.step("ask",
		chromedp.Click(chromedp.CSS(`#review-queue a[href="`+path+`"]`)),
		chromedp.WaitVisible(chromedp.ID("ask-form")),
		chromedp.SendKeys(chromedp.ID("f-ask-note"), "چند نفر از مخاطبان این حساب خارج از کشورند؟"),
		chromedp.Click(chromedp.CSS(`#ask-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("ask-form")),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	if s := reviewer.text("#state"); s != "درخواست اطلاعات" {
		t.Errorf("state after the question %q", s)
	}

	// The official answers.
	official.step("answer",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("next-step")),
	)
	if s := official.text("#next-step"); !strings.Contains(s, "پاسخ دهید") {
		t.Errorf("next step after the question %q", s)
	}
	official.step("open the question",
		chromedp.Click(chromedp.CSS(`#next-step a.button`)),
		chromedp.WaitVisible(chromedp.ID("f-answer-note")),
	)
	screenshot(t, official.ctx, "wf-answer-fa")
	official.step("send the answer",
		chromedp.SendKeys(chromedp.ID("f-answer-note"), "حدود ده هزار نفر؛ بیشترشان دانشجویان ایرانی خارج از کشورند."),
		chromedp.Click(chromedp.CSS(`#answer-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("answer-form")),
	)

	// The reviewer approves with an end date typed in Solar Hijri, in
	// Persian digits.
	until, typed := w.day(6)
	reviewer.step("open again", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("approve-form")))
	if s := reviewer.text("ol.conversation"); !strings.Contains(s, "ده هزار نفر") {
		t.Errorf("conversation %q", s)
	}
	screenshot(t, reviewer.ctx, "wf-justification-fa")
	reviewer.step("approve",
		chromedp.Clear(chromedp.ID("f-approve-valid_until")),
		chromedp.SendKeys(chromedp.ID("f-approve-valid_until"), textDigits(typed)),
		chromedp.SendKeys(chromedp.ID("f-approve-conditions"), "فقط انتشار اخبار رسمی دانشگاه"),
		chromedp.Click(chromedp.CSS(`#approve-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("approve-form")),
	)
	if s := reviewer.text("#state"); s != "پذیرفته‌شده" {
		t.Errorf("state after approval %q", s)
	}

	// The account page shows the cover until that day, in Solar Hijri.
	official.step("account", chromedp.Navigate(base+"/accounts/"+id(w.acct.ID)), chromedp.WaitVisible(chromedp.ID("cover")))
	want := "تحت پوشش معافیت فردی تا " + w.fa.Date(until)
	if s := official.text("#cover"); !strings.Contains(s, want) {
		t.Errorf("cover %q, want %q", s, want)
	}
	screenshot(t, official.ctx, "wf-account-fa")
	official.step("start page again", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("my-accounts")))
	if s := official.text("#next-step"); !strings.Contains(s, "کاری لازم نیست") {
		t.Errorf("next step at the end %q", s)
	}
	screenshot(t, official.ctx, "wf-portal-done-fa")
}
