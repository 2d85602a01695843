package registry_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"gorm.io/gorm/schema"

	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/storetest"
)

// The privacy guard: every field Hozur stores that looks personal is either
// in the declaration (registry/privacy.go) or named here as not personal,
// with the reason. A new model, a new field in registry/model.go or a new
// column whose name looks personal fails these tests until it is
// classified.

// models are every gorm model the registry and the monitor define.
var models = []any{
	registry.Agency{}, registry.Official{}, registry.Platform{}, registry.Account{}, registry.User{}, registry.Session{},
	registry.APIToken{}, registry.AuditEvent{}, registry.Justification{}, registry.JustificationNote{}, registry.Exemption{},
	registry.GroupExemption{}, registry.Directive{}, registry.DirectiveAmendment{}, registry.Notification{}, registry.Handover{},
	registry.ImportUpload{}, registry.LoginFailure{}, registry.ErasureRequest{}, registry.DataKey{}, registry.Assessment{},
	registry.AssessmentProvision{}, registry.Attachment{}, registry.UserFactor{}, registry.RecoveryCode{}, registry.SignInChallenge{},
	monitor.Flag{}, monitor.Scan{}, monitor.JobRun{}, monitor.Delivery{}, monitor.Report{},
}

// notPersonal are stored fields whose names look personal but that hold no
// person's data.
var notPersonal = map[string]string{
	"agencies.name":                    "an agency's name: a public body, not a person",
	"agencies.name_en":                 "an agency's English name",
	"agencies.name_key":                "an agency's name, normalised for search",
	"platforms.name":                   "a platform's name",
	"platforms.name_en":                "a platform's English name",
	"api_tokens.name":                  "the label a user gives a token, such as \"reporting script\"",
	"imports.file_name":                "the uploaded file's name, shown to its uploader; the file is declared (imports.data)",
	"audit_events.actor_id":            "a reference to a user, whose own fields are declared",
	"justification_notes.author_id":    "a reference to a user, whose own fields are declared",
	"assessment_attachments.file_name": "the name of a file about a platform (a report, a screenshot of its policy)",
	"sqlite_sequence.name":             "SQLite's own: a table's name",
}

// noModel are tables without a model the registry or monitor defines.
var noModel = map[string]string{
	"goose_db_version": "the migration tool's own",
	"sqlite_sequence":  "SQLite's own",
	"job_locks":        "job leases (monitor/lease.go, plain SQL): job names, server names and times, nothing about a person",
	"audit_head":       "the highest audit event id handed out: a number",
}

// personalWords are the words of a field's or column's name that make it
// look personal.
var personalWords = []string{"name", "email", "phone", "handle", "display", "url", "statement", "body", "ip", "employee",
	"username", "address", "mobile", "national", "birth", "actor", "author", "recipient"}

// words splits a Go name (EmployeeCode, IPAddress, URL) or a column name
// (employee_code) into lowercase words.
func words(name string) []string {
	var out []string
	var cur []rune
	rs := []rune(name)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	for i, r := range rs {
		switch {
		case r == '_':
			flush()
			continue
		case unicode.IsUpper(r) && i > 0:
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

func looksPersonal(name string) bool {
	for _, w := range words(name) {
		if slices.Contains(personalWords, w) {
			return true
		}
	}
	return false
}

var schemas sync.Map

// unclassified lists the stored fields of model that look personal (by
// name, or by a `personal:"..."` tag) and are neither declared nor listed
// as not personal.
func unclassified(t *testing.T, model any) []string {
	t.Helper()
	sch, err := schema.Parse(model, &schemas, schema.NamingStrategy{})
	if err != nil {
		t.Fatalf("%T: %v", model, err)
	}
	var out []string
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		_, tagged := f.Tag.Lookup("personal")
		if !tagged && !looksPersonal(f.Name) {
			continue
		}
		key := sch.Table + "." + f.DBName
		if registry.Declared(sch.Table, f.DBName) || notPersonal[key] != "" {
			continue
		}
		out = append(out, key)
	}
	return out
}

func TestModelsDeclarePersonalFields(t *testing.T) {
	for _, m := range models {
		for _, key := range unclassified(t, m) {
			t.Errorf("%T: %s looks personal: declare it in registry/privacy.go or list it as not personal in privacy_test.go", m, key)
		}
	}
}

// Fakes for the guard's own test.
type (
	fakeClean struct {
		ID    int64
		Title string
	}
	fakeMobile struct {
		ID           int64
		MobileNumber string
	}
	fakeTagged struct {
		ID    int64
		Notes string `personal:"free text about a person"`
	}
	fakeBirth struct {
		ID          int64
		BirthDate   string
		NationalID  string
		HomeAddress string
	}
	fakeOfficial struct {
		ID    int64
		Email string
		Phone string
	}
	fakeAgency struct {
		ID   int64
		Name string
	}
	fakeUnlisted struct {
		ID       int64
		IPOrigin string
	}
)

func (fakeOfficial) TableName() string { return "officials" }
func (fakeAgency) TableName() string   { return "agencies" }

// TestGuardCatchesNewFields shows the guard failing for personal-looking
// fields nobody classified, and passing declared and not-personal ones.
func TestGuardCatchesNewFields(t *testing.T) {
	cases := []struct {
		name  string
		model any
		want  []string
	}{
		{"nothing personal", fakeClean{}, nil},
		{"a mobile number", fakeMobile{}, []string{"fake_mobiles.mobile_number"}},
		{"a personal tag", fakeTagged{}, []string{"fake_taggeds.notes"}},
		{"birth, national id, address", fakeBirth{}, []string{"fake_births.birth_date", "fake_births.national_id", "fake_births.home_address"}},
		{"declared fields", fakeOfficial{}, nil},
		{"not personal by reason", fakeAgency{}, nil},
		{"an IP address", fakeUnlisted{}, []string{"fake_unlisteds.ip_origin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unclassified(t, c.model); !slices.Equal(got, c.want) {
				t.Errorf("unclassified %v, want %v", got, c.want)
			}
		})
	}
	for name, want := range map[string][]string{"EmployeeCode": {"employee", "code"}, "IPAddress": {"ip", "address"}, "URL": {"url"},
		"assessor_name": {"assessor", "name"}, "AgencyAt0": {"agency", "at0"}} {
		if got := words(name); !slices.Equal(got, want) {
			t.Errorf("words(%q) = %v, want %v", name, got, want)
		}
	}
}

// knownFields are the fields of the types in registry/model.go. A field
// added there fails TestModelFieldsKnown until it is added here, after
// deciding whether it is personal.
var knownFields = map[string][]string{
	"Agency": {"ID", "Code", "Name", "NameEn", "NameKey", "Kind", "ParentID", "Path", "Depth", "CreatedAt", "UpdatedAt"},
	"Official": {"ID", "AgencyID", "Name", "NameKey", "Position", "Rank", "Serving", "TermStart", "TermEnd", "Email", "Phone",
		"EmployeeCode", "SuccessorID", "CreatedAt", "UpdatedAt", "Erased"},
	"Platform": {"ID", "Code", "Name", "NameEn", "Origin", "Category", "Hosts", "Active", "CreatedAt", "UpdatedAt"},
	"Account": {"ID", "PlatformID", "Handle", "Display", "URL", "AgencyID", "OfficialID", "AgencyAt0", "AgencyAt1", "AgencyAt2",
		"AgencyAt3", "AgencyAt4", "Capacity", "Status", "Source", "Verification", "OpenedOn", "ClosureDeadline", "VerifiedAt",
		"ClosedAt", "CreatedAt", "UpdatedAt"},
	"AccountView": {"Account", "PlatformCode", "PlatformName", "PlatformNameEn", "Origin", "AgencyName", "AgencyNameEn", "AgencyPath",
		"OfficialName", "OfficialServing", "Erased"},
	"OfficialView": {"Official", "AgencyName", "AgencyNameEn", "AgencyPath"},
	"User": {"ID", "Username", "PasswordHash", "Role", "AgencyID", "OfficialID", "Locale", "Email", "Active", "LastLoginAt",
		"CreatedAt", "UpdatedAt"},
	"Session":    {"ID", "UserID", "CreatedAt", "LastSeenAt", "ExpiresAt"},
	"APIToken":   {"ID", "UserID", "Name", "TokenHash", "Prefix", "LastUsedAt", "CreatedAt"},
	"AuditEvent": {"ID", "At", "ActorID", "Actor", "Action", "Entity", "EntityID", "Change", "IP", "PrevHash", "Hash"},
}

func TestModelFieldsKnown(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "model.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			known, ok := knownFields[ts.Name.Name]
			if !ok {
				t.Errorf("model.go: new type %s: classify its fields in the privacy declaration and add it to knownFields and models", ts.Name.Name)
				continue
			}
			for _, f := range st.Fields.List {
				names := f.Names
				if len(names) == 0 { // embedded
					if id, ok := f.Type.(*ast.Ident); ok {
						names = []*ast.Ident{id}
					}
				}
				for _, n := range names {
					if !slices.Contains(known, n.Name) {
						t.Errorf("model.go: new field %s.%s: declare it in registry/privacy.go if it is personal (or list it as not personal), then add it to knownFields", ts.Name.Name, n.Name)
					}
				}
			}
		}
	}
}

// TestSchemaDeclaresPersonalColumns checks the migrated database itself:
// every table belongs to a listed model (or is listed without one), every
// column whose name looks personal is classified, and every declared column
// exists.
func TestSchemaDeclaresPersonalColumns(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	s, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	modelTables := map[string]bool{}
	for _, m := range models {
		sch, err := schema.Parse(m, &schemas, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		modelTables[sch.Table] = true
	}
	var tables []string
	tablesSQL := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	columnsSQL := "SELECT name FROM pragma_table_info(?)"
	if s.Postgres() {
		tablesSQL = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
		columnsSQL = "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
	}
	if err := s.Read(ctx).Raw(tablesSQL).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	columns := map[string]bool{}
	for _, table := range tables {
		if !modelTables[table] && noModel[table] == "" {
			t.Errorf("table %s has no model in the guard's list: add its model to models (or to noModel, with the reason)", table)
		}
		var cols []struct{ Name string }
		if err := s.Read(ctx).Raw(columnsSQL, table).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			key := table + "." + c.Name
			columns[key] = true
			if looksPersonal(c.Name) && !registry.Declared(table, c.Name) && notPersonal[key] == "" {
				t.Errorf("column %s looks personal: declare it in registry/privacy.go or list it as not personal in privacy_test.go", key)
			}
		}
	}
	for _, f := range registry.Declaration(registry.DefaultPrivacyTerms()) {
		key := f.Table + "." + f.Column
		if !columns[key] {
			t.Errorf("declared column %s is not in the schema", key)
		}
	}
}

// TestDeclarationIsComplete: every item has a known kind, both languages in
// every text, and is declared once.
func TestDeclarationIsComplete(t *testing.T) {
	isPersian := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) >= 0
	}
	seen := map[string]bool{}
	for _, f := range registry.Declaration(registry.DefaultPrivacyTerms()) {
		key := f.Table + "." + f.Column
		if seen[key] {
			t.Errorf("%s declared twice", key)
		}
		seen[key] = true
		if f.Encrypted && f.Hashed {
			t.Errorf("%s is declared both encrypted and hashed", key)
		}
		if !slices.Contains(registry.PrivacyKinds, f.Kind) {
			t.Errorf("%s: unknown kind %q", key, f.Kind)
		}
		for name, txt := range map[string]registry.Text{"what": f.What, "purpose": f.Purpose, "basis": f.Basis, "retention": f.Retention} {
			if strings.TrimSpace(txt.Fa) == "" || !isPersian(txt.Fa) {
				t.Errorf("%s: %s has no Persian: %q", key, name, txt.Fa)
			}
			if strings.TrimSpace(txt.En) == "" || isPersian(txt.En) {
				t.Errorf("%s: %s has no English: %q", key, name, txt.En)
			}
		}
	}
	// The fields the directive names are sealed, or kept as hashes only.
	protected := map[string]string{"officials.email": "encrypted", "officials.phone": "encrypted", "officials.employee_code": "encrypted",
		"accounts.display": "encrypted", "accounts.url": "encrypted", "justifications.statement": "encrypted",
		"justification_notes.body": "encrypted", "erasure_requests.details": "encrypted",
		"accounts.handle": "hashed", "officials.email_idx": "hashed", "officials.employee_code_idx": "hashed"}
	for key, how := range protected {
		found := false
		for _, f := range registry.Declaration(registry.DefaultPrivacyTerms()) {
			if f.Table+"."+f.Column == key {
				found = true
				if how == "encrypted" && !f.Encrypted || how == "hashed" && !f.Hashed {
					t.Errorf("%s is not declared %s", key, how)
				}
			}
		}
		if !found {
			t.Errorf("%s is not declared", key)
		}
	}
}
