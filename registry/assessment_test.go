package registry

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"hozur/registry/storetest"
)

// pdfBytes is the start of a real PDF file.
var pdfBytes = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// allPass is a complete input whose every provision passes.
func allPass(platform int64, on time.Time) AssessmentInput {
	provs := map[string]ProvisionInput{}
	for _, p := range Provisions {
		provs[p] = ProvisionInput{Result: ResultPass}
	}
	return AssessmentInput{PlatformID: platform, AssessedOn: &on, Provisions: provs}
}

// with returns a copy of in with one provision's result and evidence.
func with(in AssessmentInput, provision, result, evidence string) AssessmentInput {
	provs := map[string]ProvisionInput{}
	for k, v := range in.Provisions {
		provs[k] = v
	}
	provs[provision] = ProvisionInput{Result: result, Evidence: evidence}
	in.Provisions = provs
	return in
}

// assessors are users of every role in a small registry.
type assessors struct {
	*world
	c                                           *clock
	admin, reviewer, liaison, official, auditor Actor
}

func newAssessors(t *testing.T) *assessors {
	t.Helper()
	c := newClock()
	w := newWorld(t, c)
	mk := func(name string, role Role, agency, official int64) Actor {
		u := must[*User](t)(w.s.CreateUser(ctxb(), System, UserInput{Username: name, Password: "a long password", Role: role, AgencyID: agency, OfficialID: official, Active: true}))
		return must[Actor](t)(w.s.ActorFor(ctxb(), u))
	}
	return &assessors{world: w, c: c, admin: mk("boss", RoleAdmin, 0, 0), reviewer: mk("reviewer", RoleReviewer, 0, 0),
		liaison: mk("liaison", RoleLiaison, w.ministry.ID, 0), official: mk("melika", RoleOfficial, 0, w.official.ID), auditor: mk("auditor", RoleAuditor, 0, 0)}
}

func (a *assessors) platform(t *testing.T, code string) *Platform {
	t.Helper()
	return must[*Platform](t)(a.s.PlatformByCode(ctxb(), code))
}

func TestOverallOf(t *testing.T) {
	cases := []struct {
		results []string
		want    string
	}{
		{[]string{"pass", "pass", "pass", "pass"}, ResultPass},
		{[]string{"pass", "partial", "pass", "pass"}, ResultPartial},
		{[]string{"partial", "partial", "partial", "partial"}, ResultPartial},
		{[]string{"pass", "partial", "fail", "pass"}, ResultFail},
		{[]string{"fail", "pass", "pass", "pass"}, ResultFail},
		{nil, ResultFail},
	}
	for _, c := range cases {
		if got := OverallOf(c.results); got != c.want {
			t.Errorf("OverallOf(%v) = %q, want %q", c.results, got, c.want)
		}
	}
}

func TestAssessmentValidation(t *testing.T) {
	a := newAssessors(t)
	eitaa, x := a.platform(t, "eitaa"), a.platform(t, "x")
	today := a.s.Day(a.c.t)
	tomorrow := today.AddDate(0, 0, 1)
	ok := allPass(eitaa.ID, today)
	cases := []struct {
		name string
		in   AssessmentInput
		want map[string]string
	}{
		{"no day", func() AssessmentInput { in := ok; in.AssessedOn = nil; return in }(), map[string]string{"assessed_on": "error.required"}},
		{"tomorrow", func() AssessmentInput { in := ok; in.AssessedOn = &tomorrow; return in }(), map[string]string{"assessed_on": "assessment.future"}},
		{"no provisions", AssessmentInput{PlatformID: eitaa.ID, AssessedOn: &today}, map[string]string{
			"provisions.data_minimisation.result": "error.choose", "provisions.purpose_transparency.result": "error.choose",
			"provisions.deletion_on_request.result": "error.choose", "provisions.encryption.result": "error.choose"}},
		{"unknown result", with(ok, ProvisionEncryption, "maybe", ""), map[string]string{"provisions.encryption.result": "error.choose"}},
		{"fail without evidence", with(ok, ProvisionEncryption, ResultFail, "  "), map[string]string{"provisions.encryption.evidence": "assessment.evidence_required"}},
		{"partial without evidence", with(ok, ProvisionDeletionOnRequest, ResultPartial, ""), map[string]string{"provisions.deletion_on_request.evidence": "assessment.evidence_required"}},
		{"evidence too long", with(ok, ProvisionEncryption, ResultFail, strings.Repeat("ب", 4001)), map[string]string{"provisions.encryption.evidence": "error.too_long"}},
		{"unknown provision", with(ok, "cookies", ResultPass, ""), map[string]string{"provisions": "assessment.unknown_provision"}},
		{"foreign platform", func() AssessmentInput { in := ok; in.PlatformID = x.ID; return in }(), map[string]string{"platform_id": "assessment.domestic_only"}},
		{"summary too long", func() AssessmentInput { in := ok; in.Summary = strings.Repeat("a", 4001); return in }(), map[string]string{"summary": "error.too_long"}},
		{"attachment an executable named .pdf", func() AssessmentInput {
			in := ok
			in.Attachment = &AttachmentInput{FileName: "report.pdf", Data: append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)}
			return in
		}(), map[string]string{"attachment": "assessment.attachment_type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.s.CreateAssessment(ctxb(), a.reviewer, c.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want field errors %v", err, c.want)
			}
			if !reflect.DeepEqual(ve.Fields, c.want) {
				t.Errorf("fields %v, want %v", ve.Fields, c.want)
			}
		})
	}
	if _, err := a.s.CreateAssessment(ctxb(), a.reviewer, AssessmentInput{PlatformID: 9999, AssessedOn: &today}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown platform: %v", err)
	}
	var n int64
	a.s.read.Model(&Assessment{}).Count(&n)
	if n != 0 {
		t.Errorf("%d assessments written by refused inputs", n)
	}
}

func TestAttachmentChecks(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'}
	cases := []struct {
		name, file string
		data       []byte
		ctype      string // "" when refused
		kept, err  string
	}{
		{"pdf", "گزارش ارزیابی.pdf", pdfBytes, TypePDF, "گزارش ارزیابی.pdf", ""},
		{"png", "shot.PNG", png, TypePNG, "shot.PNG", ""},
		{"jpeg as .jpg", "c:\\scans\\page.jpg", jpeg, TypeJPEG, "page.jpg", ""},
		{"jpeg as .jpeg", "page.jpeg", jpeg, TypeJPEG, "page.jpeg", ""},
		{"plain text", "notes.txt", []byte("\xEF\xBB\xBFرمزنگاری: TLS 1.3\r\nحذف: ۳۰ روز\n"), TypeText, "notes.txt", ""},
		{"no ending gets its type's", "evidence", pdfBytes, TypePDF, "evidence.pdf", ""},
		{"no name", "", png, TypePNG, "attachment.png", ""},
		{"an ELF binary named .pdf", "report.pdf", append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...), "", "", "assessment.attachment_type"},
		{"a Windows program named .pdf", "report.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "", "", "assessment.attachment_type"},
		{"a script named .pdf", "report.pdf", []byte("#!/bin/sh\nrm -rf /\n"), "", "", "assessment.attachment_type"},
		{"a PNG named .pdf", "report.pdf", png, "", "", "assessment.attachment_mismatch"},
		{"text named .pdf", "report.pdf", []byte("just text"), "", "", "assessment.attachment_mismatch"},
		{"a PDF named .html", "report.html", pdfBytes, "", "", "assessment.attachment_mismatch"},
		{"empty", "report.pdf", nil, "", "", "assessment.attachment_empty"},
		{"too large", "big.txt", bytes.Repeat([]byte("a"), AttachmentMaxBytes+1), "", "", "assessment.attachment_too_large"},
		{"just the limit", "big.txt", bytes.Repeat([]byte("a"), AttachmentMaxBytes), TypeText, "big.txt", ""},
		{"name too long", strings.Repeat("ن", 201) + ".pdf", pdfBytes, TypePDF, strings.Repeat("ن", 201) + ".pdf", "assessment.attachment_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fe := fieldErrors{}
			ctype, kept := checkAttachment(fe, &AttachmentInput{FileName: c.file, Data: c.data})
			if ctype != c.ctype || kept != c.kept || fe["attachment"] != c.err {
				t.Errorf("got %q %q %v, want %q %q %q", ctype, kept, fe, c.ctype, c.kept, c.err)
			}
		})
	}
}

func TestCreateAssessment(t *testing.T) {
	a := newAssessors(t)
	privacy := a.c.t.AddDate(-2, 0, 0)
	d := must[*Directive](t)(a.s.CreateDirective(ctxb(), System, DirectiveInput{Title: "حریم خصوصی", Reference: "۱", Kind: DirectivePrivacy, NotifiedOn: &privacy, WindowMonths: 2}))
	eitaa, bale, rubika := a.platform(t, "eitaa"), a.platform(t, "bale"), a.platform(t, "rubika")
	day := func(back int) time.Time { return a.s.Day(a.c.t).AddDate(0, 0, -back) }

	in := with(allPass(eitaa.ID, day(10)), ProvisionEncryption, ResultPartial, "داده‌ها در پایگاه رمز نمی‌شوند.")
	in.Summary = "  رعایت ناقص  "
	in.Attachment = &AttachmentInput{FileName: "report.pdf", Data: pdfBytes}
	first := must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.reviewer, in))
	if first.Overall != ResultPartial || first.Eligible || first.AssessorName != "reviewer" || first.AssessorID == nil || *first.AssessorID != a.reviewer.UserID ||
		first.DirectiveID == nil || *first.DirectiveID != d.ID || first.Summary != "رعایت ناقص" {
		t.Errorf("created %+v", first)
	}
	got := must[*Assessment](t)(a.s.Assessment(ctxb(), first.ID))
	if len(got.Provisions) != 4 || got.Provisions[0].Provision != ProvisionDataMinimisation || got.Provisions[3].Provision != ProvisionEncryption ||
		got.Provisions[3].Result != ResultPartial || got.Provisions[3].Evidence != "داده‌ها در پایگاه رمز نمی‌شوند." {
		t.Errorf("provisions %+v", got.Provisions)
	}
	if got.Attachment == nil || got.Attachment.FileName != "report.pdf" || got.Attachment.ContentType != TypePDF || got.Attachment.Size != int64(len(pdfBytes)) ||
		len(got.Attachment.SHA256) != 64 {
		t.Errorf("attachment %+v", got.Attachment)
	}
	if !got.AssessedOn.Equal(day(10)) {
		t.Errorf("assessed on %v, want %v", got.AssessedOn, day(10))
	}
	// The audit trail has it, without the file's bytes.
	evs := must[Result[AuditEvent]](t)(a.s.AuditEvents(ctxb(), a.auditor, AuditFilter{Entity: "assessment", EntityID: first.ID}, Page{}))
	if len(evs.Items) != 1 || evs.Items[0].Actor != "reviewer" || !strings.Contains(evs.Items[0].Change, `"overall":"partial"`) ||
		!strings.Contains(evs.Items[0].Change, got.Attachment.SHA256) || strings.Contains(evs.Items[0].Change, "%PDF") {
		t.Errorf("audit %+v", evs.Items)
	}

	// A newer assessment supersedes; one dated earlier but recorded later
	// does not.
	second := must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.admin, allPass(eitaa.ID, day(2))))
	older := must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.reviewer, with(allPass(eitaa.ID, day(30)), ProvisionDataMinimisation, ResultFail, "همه‌چیز گردآوری می‌شود.")))
	failing := must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.reviewer, with(allPass(bale.ID, day(1)), ProvisionDeletionOnRequest, ResultFail, "راهی برای حذف نیست.")))
	if !second.Eligible || second.Overall != ResultPass || older.Overall != ResultFail || failing.Eligible {
		t.Errorf("verdicts: %+v %+v %+v", second, older, failing)
	}
	hist := must[[]Assessment](t)(a.s.Assessments(ctxb(), eitaa.ID))
	if len(hist) != 3 || hist[0].ID != second.ID || hist[1].ID != first.ID || hist[2].ID != older.ID || hist[1].Attachment == nil || hist[0].Attachment != nil ||
		len(hist[2].Provisions) != 4 {
		t.Errorf("history %+v", hist)
	}
	latest := must[map[int64]Assessment](t)(a.s.LatestAssessments(ctxb()))
	if len(latest) != 2 || latest[eitaa.ID].ID != second.ID || latest[bale.ID].ID != failing.ID {
		t.Errorf("latest %+v", latest)
	}
	if _, ok := latest[rubika.ID]; ok {
		t.Error("an unassessed platform has a latest assessment")
	}
	standings := map[int64]string{eitaa.ID: ComplianceEligible, bale.ID: ComplianceNotEligible, rubika.ID: ComplianceNotAssessed, a.platform(t, "telegram").ID: ""}
	for id, want := range standings {
		pl := must[*Platform](t)(a.s.Platform(ctxb(), id))
		var l *Assessment
		if as, ok := latest[id]; ok {
			l = &as
		}
		if got := ComplianceOf(*pl, l); got != want {
			t.Errorf("%s: %q, want %q", pl.Code, got, want)
		}
	}

	// The compliant messengers: eitaa, not bale (failing) nor the
	// unassessed ones; and not eitaa once it is inactive.
	msg := must[[]Platform](t)(a.s.CompliantDomestic(ctxb(), "messenger"))
	if len(msg) != 1 || msg[0].Code != "eitaa" {
		t.Errorf("compliant messengers %+v", msg)
	}
	if sn := must[[]Platform](t)(a.s.CompliantDomestic(ctxb(), "social_network")); len(sn) != 0 {
		t.Errorf("compliant social networks %+v", sn)
	}
	must[*Platform](t)(a.s.UpdatePlatform(ctxb(), System, eitaa.ID, PlatformInput{Code: eitaa.Code, Name: eitaa.Name, NameEn: eitaa.NameEn, Origin: eitaa.Origin,
		Category: eitaa.Category, Hosts: eitaa.Hosts, Active: false}))
	if msg := must[[]Platform](t)(a.s.CompliantDomestic(ctxb(), "messenger")); len(msg) != 0 {
		t.Errorf("an inactive platform is suggested: %+v", msg)
	}
}

func TestAssessmentPermissions(t *testing.T) {
	a := newAssessors(t)
	eitaa := a.platform(t, "eitaa")
	in := allPass(eitaa.ID, a.s.Day(a.c.t))
	in.Attachment = &AttachmentInput{FileName: "r.pdf", Data: pdfBytes}
	for name, act := range map[string]Actor{"liaison": a.liaison, "official": a.official, "auditor": a.auditor} {
		if _, err := a.s.CreateAssessment(ctxb(), act, in); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s created an assessment: %v", name, err)
		}
	}
	as := must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.reviewer, in))
	for name, c := range map[string]struct {
		act Actor
		err error
	}{"admin": {a.admin, nil}, "reviewer": {a.reviewer, nil}, "auditor": {a.auditor, nil},
		"liaison": {a.liaison, ErrForbidden}, "official": {a.official, ErrForbidden}} {
		att, err := a.s.Attachment(ctxb(), c.act, as.ID)
		if !errors.Is(err, c.err) || (err == nil && !bytes.Equal(att.Data, pdfBytes)) {
			t.Errorf("%s: attachment err %v, want %v", name, err, c.err)
		}
	}
	if _, err := a.s.Attachment(ctxb(), a.auditor, as.ID+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing attachment: %v", err)
	}
}

// TestAssessmentMigration: verdicts recorded before the provisions were
// kept get their eligibility, and the migration rolls back and forth.
func TestAssessmentMigration(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("the PostgreSQL schema begins at version 11, after this migration")
	}
	a := newAssessors(t)
	eitaa := a.platform(t, "eitaa")
	must[*Assessment](t)(a.s.CreateAssessment(ctxb(), a.reviewer, allPass(eitaa.ID, a.s.Day(a.c.t))))
	p, err := a.s.migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ApplyVersion(ctxb(), 8, false); err != nil {
		t.Fatal(err)
	}
	if err := a.s.write.Exec("INSERT INTO platform_assessments (platform_id, assessed_on, overall, created_at) VALUES (?, ?, 'fail', ?)", eitaa.ID, a.c.t, a.c.t).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := p.ApplyVersion(ctxb(), 8, true); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Overall  string
		Eligible bool
	}
	if err := a.s.write.Raw("SELECT overall, eligible FROM platform_assessments ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Overall != ResultPass || !rows[0].Eligible || rows[1].Overall != ResultFail || rows[1].Eligible {
		t.Errorf("after down and up: %+v", rows)
	}
}
