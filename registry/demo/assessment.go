package demo

import (
	"context"
	"fmt"
	"time"

	"hozur/registry"
)

// demoAssessment is one privacy assessment of a domestic platform the demo
// records: results and evidence in registry.Provisions' order.
type demoAssessment struct {
	platform string
	y, m, d  int
	results  [4]string
	evidence [4]string
	summary  string
	file     string // a plain-text report attached, if named
}

const (
	pass    = registry.ResultPass
	partial = registry.ResultPartial
	fail    = registry.ResultFail
)

// demoAssessments give the pages something to show: messengers, a video
// and a microblog platform eligible (Eitaa after a second assessment), a
// social network that fails and a messenger only partly compliant.
var demoAssessments = []demoAssessment{
	{platform: "eitaa", y: 2024, m: 5, d: 8, results: [4]string{pass, pass, partial, pass},
		evidence: [4]string{"", "", "درخواست حذف حساب پذیرفته می‌شود، اما پیام‌های کاربر در گروه‌ها پس از حذف حساب باقی می‌ماند.", ""},
		summary:  "سکو باید فرایند حذف را به پیام‌های کاربر در گروه‌ها هم گسترش دهد."},
	{platform: "eitaa", y: 2024, m: 10, d: 2, results: [4]string{pass, pass, pass, pass},
		summary: "پس از اصلاح فرایند حذف، همهٔ الزام‌های دستورالعمل رعایت شده است."},
	{platform: "bale", y: 2024, m: 6, d: 12, results: [4]string{pass, pass, pass, pass},
		summary: "همهٔ الزام‌ها رعایت شده است."},
	{platform: "aparat", y: 2024, m: 7, d: 20, results: [4]string{pass, pass, pass, pass}},
	{platform: "virasty", y: 2024, m: 9, d: 1, results: [4]string{pass, pass, pass, pass}},
	{platform: "rubika", y: 2024, m: 6, d: 3, results: [4]string{pass, fail, partial, pass},
		evidence: [4]string{"", "در سیاست حریم خصوصی سکو هدف گردآوری شمارهٔ تماس و فهرست مخاطبان بیان نشده است.",
			"حذف حساب ممکن است، اما حذف بخشی از داده‌ها (مانند تاریخچهٔ جست‌وجو) به درخواست کاربر انجام نمی‌شود.", ""},
		summary: "سکو تا رفع موارد، واجد شرایط تمدید مجوز نیست.", file: "گزارش بازرسی روبیکا.txt"},
	{platform: "soroush", y: 2024, m: 8, d: 14, results: [4]string{partial, pass, pass, partial},
		evidence: [4]string{"برای ثبت‌نام، تاریخ تولد و جنسیت الزامی است که برای ارائهٔ خدمت لازم نیست.", "", "",
			"پیام‌ها در انتقال رمزنگاری می‌شوند، اما نسخه‌های پشتیبان پایگاه داده رمزنگاری نمی‌شوند."}},
}

// seedAssessments records the demo's assessments through the store, so that
// they are derived, audited and checked like any other.
func seedAssessments(ctx context.Context, s *registry.Store) error {
	tz := s.Rules().Location
	today := s.Day(s.Now())
	for _, d := range demoAssessments {
		pl, err := s.PlatformByCode(ctx, d.platform)
		if err != nil {
			return fmt.Errorf("demo: assessment of %s: %w", d.platform, err)
		}
		on := time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, tz)
		if on.After(today) {
			on = today
		}
		in := registry.AssessmentInput{PlatformID: pl.ID, AssessedOn: &on, Summary: d.summary, Provisions: map[string]registry.ProvisionInput{}}
		for i, p := range registry.Provisions {
			in.Provisions[p] = registry.ProvisionInput{Result: d.results[i], Evidence: d.evidence[i]}
		}
		if d.file != "" {
			in.Attachment = &registry.AttachmentInput{FileName: d.file, Data: []byte(d.summary + "\n\n" + d.evidence[1] + "\n" + d.evidence[2] + "\n")}
		}
		if _, err := s.CreateAssessment(ctx, registry.System, in); err != nil {
			return fmt.Errorf("demo: assessment of %s: %w", d.platform, err)
		}
	}
	return nil
}
