package registry

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// idsOf are the "id" columns of rows.
func idsOf(rows []Row) []int64 {
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		if id, ok := r["id"].(int64); ok {
			out = append(out, id)
		}
	}
	return out
}

// insertFlag writes a monitor flag as the monitor would, and returns its id.
func insertFlag(t *testing.T, s *Store, subjectType string, subjectID int64, accountID, officialID *int64, agencyID int64) int64 {
	t.Helper()
	now := s.Now()
	err := s.Write(ctxb()).Exec(`INSERT INTO flags (rule, severity, subject_type, subject_id, account_id, official_id, agency_id, status, opened_at, last_seen_at)
VALUES ('FOREIGN_NO_EXEMPTION', 'high', ?, ?, ?, ?, ?, 'open', ?, ?)`, subjectType, subjectID, accountID, officialID, agencyID, now, now).Error
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.Read(ctxb()).Raw("SELECT max(id) FROM flags").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAccessExportHoldsEverything seeds one official with a record of every
// kind and another official with their own, and checks that the export
// holds every one of the first and none of the second.
func TestAccessExportHoldsEverything(t *testing.T) {
	f := newFlow(t)
	s, off := f.s, f.world.official
	until := time.Date(2027, 6, 21, 0, 0, 0, 0, s.Rules().Location)
	// Contact details, sealed at rest, come back readable.
	must[*OfficialView](t)(s.UpdateOfficial(ctxb(), System, off.ID, OfficialInput{AgencyID: off.AgencyID, Name: off.Name, Position: off.Position,
		Rank: off.Rank, Serving: true, Email: "melika@ict.gov.ir", Phone: "02188001122", EmployeeCode: "E-1042"}))
	personal := must[*AccountView](t)(s.CreateAccount(ctxb(), f.official, AccountInput{URL: "t.me/melika_private", Capacity: CapacityPersonal}))
	// A justification with a question and an answer, then approved.
	j := f.file(t, f.official, f.acct.ID)
	for _, st := range []struct {
		a      Actor
		to     string
		note   string
		expiry *time.Time
	}{
		{f.official, StateSubmitted, "", nil},
		{f.reviewer, StateInfoRequested, "مخاطبان بین‌المللی چه کسانی‌اند؟", nil},
		{f.official, StateSubmitted, "سفارتخانه‌ها و رسانه‌های خارجی", nil},
		{f.reviewer, StateApproved, "", &until},
	} {
		if _, err := f.move(st.a, j.ID, st.to, st.note, st.expiry); err != nil {
			t.Fatalf("%s: %v", st.to, err)
		}
	}
	exs := must[Result[ExemptionView]](t)(s.Exemptions(ctxb(), f.reviewer, ExemptionFilter{AccountID: f.acct.ID}, Page{}))
	if len(exs.Items) != 1 {
		t.Fatalf("%d exemptions", len(exs.Items))
	}
	from := s.Day(f.c.t).AddDate(0, -1, 0)
	group := must[*GroupExemption](t)(s.CreateGroupExemption(ctxb(), f.reviewer, GroupExemptionInput{Title: "پایش رسانه‌ای", LegalRef: "۱۲۳/ص",
		LegalDate: &from, ValidFrom: &from, Scope: GroupScope{Agencies: []ScopeAgency{{ID: f.ministry.ID, IncludeSub: true}}, Platforms: []string{"eitaa"}}}))
	flag := insertFlag(t, s, "account", f.acct.ID, &f.acct.ID, &off.ID, off.AgencyID)
	erasure := must[*ErasureView](t)(s.RequestErasure(ctxb(), f.official, ErasureInput{Scope: ErasureContact, Details: "دیگر در این سمت نیستم"}))

	// Another official, with records of their own.
	out := f.outside
	outUser := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "hossein", Password: "a long password", Role: RoleOfficial, OfficialID: out.ID, Active: true}))
	outActor := must[Actor](t)(s.ActorFor(ctxb(), outUser))
	outAcct := must[*AccountView](t)(s.CreateAccount(ctxb(), outActor, AccountInput{URL: "x.com/hossein_karimi", Capacity: CapacityOffice}))
	outJ := f.file(t, outActor, outAcct.ID)
	if _, err := f.move(outActor, outJ.ID, StateSubmitted, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.move(f.reviewer, outJ.ID, StateInfoRequested, "چرا؟", nil); err != nil {
		t.Fatal(err)
	}
	outFlag := insertFlag(t, s, "official", out.ID, nil, &out.ID, out.AgencyID)
	var outNotes []int64
	if err := s.Read(ctxb()).Table("notifications").Where("user_id = ?", outUser.ID).Pluck("id", &outNotes).Error; err != nil || len(outNotes) == 0 {
		t.Fatalf("the other official has no notification: %v", err)
	}

	rec := must[*AccessRecord](t)(s.AccessExport(ctxb(), f.official, off.ID, DefaultPrivacyTerms()))

	// The official's record, decrypted.
	if rec.Official["id"] != off.ID || rec.Official["email"] != "melika@ict.gov.ir" || rec.Official["phone"] != "02188001122" || rec.Official["employee_code"] != "E-1042" {
		t.Errorf("official %v", rec.Official)
	}
	contains := func(kind string, rows []Row, want ...int64) {
		t.Helper()
		got := idsOf(rows)
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("%s: %d missing from %v", kind, id, got)
			}
		}
	}
	lacks := func(kind string, rows []Row, unwanted ...int64) {
		t.Helper()
		got := idsOf(rows)
		for _, id := range unwanted {
			if slices.Contains(got, id) {
				t.Errorf("%s: %d of another official in %v", kind, id, got)
			}
		}
	}
	contains("users", rec.Users, f.official.UserID)
	lacks("users", rec.Users, outUser.ID)
	for _, u := range rec.Users {
		if _, ok := u["password_hash"]; ok {
			t.Error("a user's password hash is in the export")
		}
	}
	contains("accounts", rec.Accounts, f.acct.ID, f.domestic.ID, personal.ID)
	for _, a := range rec.Accounts {
		if a["id"] == personal.ID && (a["display"] != personal.Display || a["display"] == "" || a["url"] != personal.URL) {
			t.Errorf("personal account %v, want %q %q", a, personal.Display, personal.URL)
		}
	}
	lacks("accounts", rec.Accounts, outAcct.ID)
	contains("justifications", rec.Justifications, j.ID)
	lacks("justifications", rec.Justifications, outJ.ID)
	if len(rec.Justifications) != 1 {
		t.Fatalf("%d justifications", len(rec.Justifications))
	}
	jr := rec.Justifications[0]
	if jr["statement"] != "پیام به مخاطبان بین‌المللی" {
		t.Errorf("statement %q", jr["statement"])
	}
	notes, _ := jr["notes"].([]Row)
	var kinds, bodies []string
	for _, n := range notes {
		kinds = append(kinds, n["kind"].(string))
		bodies = append(bodies, n["body"].(string))
	}
	if !slices.Contains(kinds, NoteQuestion) || !slices.Contains(kinds, NoteAnswer) || !slices.Contains(bodies, "سفارتخانه‌ها و رسانه‌های خارجی") {
		t.Errorf("notes %v %v", kinds, bodies)
	}
	contains("exemptions", rec.Exemptions, exs.Items[0].ID)
	contains("group exemptions", rec.GroupExemptions, group.ID)
	if len(rec.GroupExemptions) == 1 && !slices.Equal(rec.GroupExemptions[0]["account_ids"].([]int64), []int64{f.domestic.ID}) {
		t.Errorf("group exemption covers %v, want the domestic account", rec.GroupExemptions[0]["account_ids"])
	}
	contains("flags", rec.Flags, flag)
	lacks("flags", rec.Flags, outFlag)
	if len(rec.Notifications) == 0 {
		t.Error("no notifications")
	}
	for _, n := range rec.Notifications {
		if n["user_id"] != f.official.UserID {
			t.Errorf("notification for user %v", n["user_id"])
		}
	}
	lacks("notifications", rec.Notifications, outNotes...)
	contains("erasure requests", rec.ErasureRequests, erasure.ID)
	if len(rec.ErasureRequests) == 1 && rec.ErasureRequests[0]["details"] != "دیگر در این سمت نیستم" {
		t.Errorf("erasure request details %q", rec.ErasureRequests[0]["details"])
	}
	// Audit events: about the official, their accounts and justification,
	// and those their user caused; none about the other official.
	seen := map[string]bool{}
	for _, ev := range rec.AuditEvents {
		entity, id := ev["entity"].(string), ev["entity_id"].(int64)
		seen[entity] = true
		if (entity == "official" && id == out.ID) || (entity == "account" && id == outAcct.ID) || (entity == "justification" && id == outJ.ID) {
			t.Errorf("event %v about the other official", ev)
		}
	}
	for _, want := range []string{"official", "account", "justification", "user", "erasure"} {
		if !seen[want] {
			t.Errorf("no audit event about their %s: %v", want, seen)
		}
	}
	if rec.AuditCapped {
		t.Error("audit events capped")
	}
	if len(rec.Declaration) == 0 {
		t.Error("no declaration")
	}
	// The whole record is JSON.
	if _, err := json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	// The export itself is in the audit trail.
	evs := must[Result[AuditEvent]](t)(s.AuditEvents(ctxb(), System, AuditFilter{Action: "access_export", Entity: "official", EntityID: off.ID}, Page{}))
	if len(evs.Items) != 1 || evs.Items[0].Actor != f.official.Username {
		t.Errorf("access_export events %+v", evs.Items)
	}
	// The summary counts without recording an export.
	counts := must[[]AccessCount](t)(s.AccessSummary(ctxb(), f.official, off.ID))
	byKind := map[string]int{}
	for _, c := range counts {
		byKind[c.Kind] = c.N
	}
	if byKind["accounts"] != 3 || byKind["notes"] != 2 || byKind["justifications"] != 1 {
		t.Errorf("counts %v", counts)
	}
	evs = must[Result[AuditEvent]](t)(s.AuditEvents(ctxb(), System, AuditFilter{Action: "access_export"}, Page{}))
	if len(evs.Items) != 1 {
		t.Errorf("the summary was recorded as an export: %d events", len(evs.Items))
	}
}

func TestAccessExportPermissions(t *testing.T) {
	f := newFlow(t)
	s, off := f.s, f.world.official
	outUser := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "hossein", Password: "a long password", Role: RoleOfficial, OfficialID: f.outside.ID, Active: true}))
	outActor := must[Actor](t)(s.ActorFor(ctxb(), outUser))
	cases := []struct {
		name string
		a    Actor
		id   int64
		want error
	}{
		{"the official", f.official, off.ID, nil},
		{"a reviewer", f.reviewer, off.ID, nil},
		{"an admin", f.admin, off.ID, nil},
		{"an auditor", f.auditorAct, off.ID, nil},
		{"the liaison of their agency", f.liaison, off.ID, ErrForbidden},
		{"another official", outActor, off.ID, ErrForbidden},
		{"nobody there", f.reviewer, 9999, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.AccessExport(ctxb(), c.a, c.id, DefaultPrivacyTerms())
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err %v, want %v", err, c.want)
			}
			_, err = s.AccessSummary(ctxb(), c.a, c.id)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("summary: err %v, want %v", err, c.want)
			}
		})
	}
}

// TestAccessExportCapsTheAuditTrail: an official with more events than the
// cap gets the newest ones, oldest first, and a note that some were left out.
func TestAccessExportCapsTheAuditTrail(t *testing.T) {
	w := newWorld(t, newClock())
	s := w.s
	err := s.Write(ctxb()).Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO audit_events (at, actor, action, entity, entity_id, change, ip, prev_hash) SELECT ?, 'system', 'update', 'official', ?, '', '', '' FROM n`,
		AccessAuditCap+5, s.Now(), w.official.ID).Error
	if err != nil {
		t.Fatal(err)
	}
	rec := must[*AccessRecord](t)(s.AccessExport(ctxb(), System, w.official.ID, DefaultPrivacyTerms()))
	if len(rec.AuditEvents) != AccessAuditCap || !rec.AuditCapped {
		t.Fatalf("%d events, capped %v", len(rec.AuditEvents), rec.AuditCapped)
	}
	ids := idsOf(rec.AuditEvents)
	if !slices.IsSorted(ids) {
		t.Error("events are not oldest first")
	}
	var newest int64
	if err := s.Read(ctxb()).Raw("SELECT max(id) FROM audit_events WHERE action <> 'access_export'").Scan(&newest).Error; err != nil {
		t.Fatal(err)
	}
	if ids[len(ids)-1] != newest {
		t.Errorf("the newest event %d is not the last, %d is", newest, ids[len(ids)-1])
	}
}

func TestDeclarationRetentionFollowsConfig(t *testing.T) {
	terms := PrivacyTerms{SessionIdle: 45 * time.Minute, SessionLifetime: 8 * time.Hour, LoginWindow: time.Hour, LeftOfficeMonths: 36, ClosedAccountMonths: 6}
	for _, f := range Declaration(terms) {
		for _, s := range []string{f.Retention.Fa, f.Retention.En} {
			if strings.ContainsAny(s, "{}") {
				t.Errorf("%s.%s: retention %q left a placeholder", f.Table, f.Column, s)
			}
		}
		if f.Table == "sessions" && (!strings.Contains(f.Retention.En, "45 minutes") || !strings.Contains(f.Retention.En, "8 hours") ||
			!strings.Contains(f.Retention.Fa, "45 دقیقه")) {
			t.Errorf("sessions retention %+v", f.Retention)
		}
		if f.Table == "imports" && !strings.Contains(f.Retention.En, "1 day") {
			t.Errorf("imports retention %q", f.Retention.En)
		}
		if f.Table == "officials" && f.Column == "email" && (!strings.Contains(f.Retention.En, "36 months") || !strings.Contains(f.Retention.Fa, "36 ماه")) {
			t.Errorf("officials retention %+v", f.Retention)
		}
		if f.Table == "accounts" && f.Column == "handle" && !strings.Contains(f.Retention.En, "6 months") {
			t.Errorf("accounts retention %q", f.Retention.En)
		}
	}
}

// TestDeclaredEncryptionHolds: what the declaration calls encrypted is
// sealed in the database (answers only, of a justification's notes), what
// it calls hashed holds keyed hashes only, and
// a name the audit trail keeps reads in the export as it was written.
func TestDeclaredEncryptionHolds(t *testing.T) {
	f := newFlow(t)
	s, off := f.s, f.world.official
	must[*OfficialView](t)(s.UpdateOfficial(ctxb(), System, off.ID, OfficialInput{AgencyID: off.AgencyID, Name: off.Name, Position: off.Position,
		Rank: off.Rank, Serving: true, Email: "melika@ict.gov.ir", Phone: "02188001122", EmployeeCode: "E-1042"}))
	j := f.file(t, f.official, f.acct.ID)
	for _, st := range []struct {
		a        Actor
		to, note string
	}{{f.official, StateSubmitted, ""}, {f.reviewer, StateInfoRequested, "چرا؟"}, {f.official, StateSubmitted, "برای مخاطبان خارجی"}} {
		if _, err := f.move(st.a, j.ID, st.to, st.note, nil); err != nil {
			t.Fatal(err)
		}
	}
	must[*ErasureView](t)(s.RequestErasure(ctxb(), f.official, ErasureInput{Scope: ErasureContact, Details: "لطفاً پاک شود"}))
	must[*AccountView](t)(s.CreateAccount(ctxb(), f.official, AccountInput{URL: "t.me/melika_private", Capacity: CapacityPersonal}))
	must[*ImportUpload](t)(s.SaveImport(ctxb(), f.admin, ExchangeOfficials, "o.csv", "auto", []byte("name,email\nx,x@example.ir\n"), &ImportResult{Rows: 1}))
	secret := must[string](t)(s.BeginTOTP(ctxb(), f.official))
	must[[]string](t)(s.ConfirmTOTP(ctxb(), f.official, code(t, secret, s.Now())))
	// Accounts' fields are declared for personal accounts only:
	// institutional and office accounts are public and in the clear.
	scope := func(q *gorm.DB, table string) *gorm.DB {
		if table == "accounts" {
			return q.Where("capacity = ?", CapacityPersonal)
		}
		return q
	}
	hashed := regexp.MustCompile(`^(p\.)?[0-9a-f]{64}$`)
	for _, fd := range Declaration(DefaultPrivacyTerms()) {
		if fd.Hashed {
			var values []string
			if err := scope(s.Read(ctxb()).Table(fd.Table), fd.Table).Where(fd.Column+" <> ''").Pluck(fd.Column, &values).Error; err != nil {
				t.Fatalf("%s.%s: %v", fd.Table, fd.Column, err)
			}
			if len(values) == 0 {
				t.Errorf("%s.%s: no value to check", fd.Table, fd.Column)
			}
			for _, v := range values {
				if !hashed.MatchString(v) {
					t.Errorf("%s.%s is declared hashed but holds %q", fd.Table, fd.Column, v)
				}
			}
		}
		if !fd.Encrypted {
			continue
		}
		q := scope(s.Read(ctxb()).Table(fd.Table), fd.Table).Where(fd.Column + " <> ''")
		if fd.Table == "justification_notes" {
			q = q.Where("kind = ?", NoteAnswer)
		}
		var values []string
		if err := q.Pluck(fd.Column, &values).Error; err != nil {
			t.Fatalf("%s.%s: %v", fd.Table, fd.Column, err)
		}
		if len(values) == 0 {
			t.Errorf("%s.%s: no value to check", fd.Table, fd.Column)
		}
		for _, v := range values {
			if !strings.HasPrefix(v, "v1.") {
				t.Errorf("%s.%s is declared encrypted but holds %q", fd.Table, fd.Column, v)
			}
		}
	}
	rec := must[*AccessRecord](t)(s.AccessExport(ctxb(), f.reviewer, off.ID, DefaultPrivacyTerms()))
	for _, ev := range rec.AuditEvents {
		if ch, _ := ev["change"].(string); strings.Contains(ch, `"v1.`) {
			t.Errorf("a sealed value in the exported trail: %s", ch)
		}
	}
}
