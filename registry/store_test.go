package registry

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"hozur/registry/link"
	"hozur/registry/storetest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)} }
func ctxb() context.Context              { return context.Background() }
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func openTest(t *testing.T, c *clock) *Store {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	opt := Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath}
	if c != nil {
		opt.Now = c.now
	}
	s, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctxb()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenSetsPragmas(t *testing.T) {
	s := openTest(t, nil)
	if s.Postgres() {
		testPostgresSettings(t, s)
		return
	}
	for _, g := range []struct {
		name, pragma, want string
		db                 func() any
	}{
		{"writer wal", "journal_mode", "wal", nil},
		{"writer fk", "foreign_keys", "1", nil},
		{"writer sync", "synchronous", "1", nil},
		{"writer busy", "busy_timeout", "10000", nil},
	} {
		var got string
		if err := s.write.Raw("PRAGMA " + g.pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != g.want {
			t.Errorf("%s: PRAGMA %s = %q, want %q", g.name, g.pragma, got, g.want)
		}
		if err := s.read.Raw("PRAGMA " + g.pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != g.want {
			t.Errorf("reader %s: PRAGMA %s = %q, want %q", g.name, g.pragma, got, g.want)
		}
	}
	// Readers cannot write.
	if err := s.read.Exec("DELETE FROM platforms").Error; err == nil {
		t.Error("a reader connection accepted a write")
	}
	pending, err := s.Pending(ctxb())
	if err != nil || pending {
		t.Errorf("Pending after Migrate = %v, %v", pending, err)
	}
	if n, err := s.Migrate(ctxb()); err != nil || n != 0 {
		t.Errorf("second Migrate applied %d, %v", n, err)
	}
}

func TestSeededPlatforms(t *testing.T) {
	s := openTest(t, nil)
	list := must[[]Platform](t)(s.Platforms(ctxb()))
	want := map[string]string{"eitaa": "domestic", "rubika": "domestic", "bale": "domestic", "soroush": "domestic", "igap": "domestic",
		"aparat": "domestic", "virasty": "domestic", "x": "foreign", "instagram": "foreign", "telegram": "foreign", "whatsapp": "foreign",
		"facebook": "foreign", "youtube": "foreign", "linkedin": "foreign", "threads": "foreign"}
	if len(list) != len(want) {
		t.Fatalf("%d platforms, want %d", len(list), len(want))
	}
	hosts := map[string]string{}
	for _, p := range link.DefaultPlatforms() {
		h := append([]string(nil), p.Hosts...)
		slices.Sort(h)
		hosts[p.Code] = strings.Join(h, " ")
	}
	for _, p := range list {
		h := strings.Fields(p.Hosts)
		slices.Sort(h)
		if strings.Join(h, " ") != hosts[p.Code] {
			t.Errorf("%s hosts %q, recognition knows %q", p.Code, p.Hosts, hosts[p.Code])
		}
		if want[p.Code] != p.Origin {
			t.Errorf("%s origin %q, want %q", p.Code, p.Origin, want[p.Code])
		}
	}
}

func TestAgencyTree(t *testing.T) {
	s := openTest(t, nil)
	mk := func(code string, parent *int64) *Agency {
		t.Helper()
		return must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: code, Name: "دستگاه " + code, Kind: KindOrganisation, ParentID: parent}))
	}
	root := mk("ROOT", nil)
	child := mk("CHILD", &root.ID)
	grand := mk("GRAND", &child.ID)
	other := mk("OTHER", nil)
	if grand.Path != "/1/2/3/" || grand.Depth != 2 {
		t.Fatalf("grand path %q depth %d", grand.Path, grand.Depth)
	}
	// Moving CHILD under OTHER moves GRAND with it.
	if _, err := s.UpdateAgency(ctxb(), System, child.ID, AgencyInput{Code: "CHILD", Name: "x", Kind: KindOrganisation, ParentID: &other.ID}); err != nil {
		t.Fatal(err)
	}
	g := must[*Agency](t)(s.Agency(ctxb(), grand.ID))
	if g.Path != "/4/2/3/" || g.Depth != 2 {
		t.Errorf("after move: grand path %q depth %d", g.Path, g.Depth)
	}
	// A cycle is refused.
	_, err := s.UpdateAgency(ctxb(), System, other.ID, AgencyInput{Code: "OTHER", Name: "x", Kind: KindOrganisation, ParentID: &grand.ID})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["parent_id"] != "agency.parent_cycle" {
		t.Errorf("cycle: %v", err)
	}
	// Duplicate code.
	_, err = s.CreateAgency(ctxb(), System, AgencyInput{Code: "root", Name: "x", Kind: KindOrganisation})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Key != "agency.duplicate_code" {
		t.Errorf("duplicate code: %v", err)
	}
	// Deleting an agency with children is refused with the reason.
	err = s.DeleteAgency(ctxb(), System, other.ID)
	if !errors.As(err, &ce) || ce.Key != "agency.in_use_children" {
		t.Errorf("delete with children: %v", err)
	}
	if err := s.DeleteAgency(ctxb(), System, grand.ID); err != nil {
		t.Errorf("delete leaf: %v", err)
	}
	// The subtree filter uses the path range, and does not catch /1/20/ for /1/2/.
	res := must[Result[Agency]](t)(s.Agencies(ctxb(), System, AgencyFilter{Within: other.ID}, Page{}))
	if len(res.Items) != 2 {
		t.Errorf("subtree of OTHER has %d agencies, want 2", len(res.Items))
	}
	// Every change is audited.
	ev := must[Result[AuditEvent]](t)(s.AuditEvents(ctxb(), System, AuditFilter{Entity: "agency"}, Page{PerPage: 100}))
	if len(ev.Items) != 6 { // 4 creates, 1 move, 1 delete; the refused ones leave nothing
		t.Errorf("%d audit events, want 6", len(ev.Items))
	}
}

func TestBackup(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("a PostgreSQL database is backed up with pg_dump; hozur backup copies SQLite files")
	}
	s := openTest(t, nil)
	must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-OIL", Name: "وزارت نفت", Kind: KindMinistry}))
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := s.Backup(ctxb(), dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctxb(), dst); err == nil {
		t.Error("a backup overwrote an existing file")
	}
	c, err := Open(Options{Path: dst})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if a, err := c.AgencyByCode(ctxb(), "MIN-OIL"); err != nil || a.Name != "وزارت نفت" {
		t.Errorf("backup lacks the agency: %v %v", a, err)
	}
}

// TestPoolsAreSeparate: the writer is one connection that may write, the
// readers are a pool that may not; a shared gorm Config once merged them.
func TestPoolsAreSeparate(t *testing.T) {
	s := openTest(t, nil)
	w, _ := s.write.DB()
	r, _ := s.read.DB()
	if w == r {
		t.Fatal("the writer and the readers are one pool")
	}
	if w.Stats().MaxOpenConnections != 1 || r.Stats().MaxOpenConnections < 4 {
		t.Errorf("writer max %d, readers max %d", w.Stats().MaxOpenConnections, r.Stats().MaxOpenConnections)
	}
	if err := s.write.Exec("UPDATE platforms SET active = active").Error; err != nil {
		t.Errorf("the writer cannot write: %v", err)
	}
}

// TestMaintainKeepsWritesVisible: a checkpoint statement left open on the
// writer once hid every later write from the readers.
func TestMaintainKeepsWritesVisible(t *testing.T) {
	s := openTest(t, nil)
	if err := s.Maintain(ctxb()); err != nil {
		t.Fatal(err)
	}
	must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "AFTER", Name: "پس از نگهداری", Kind: KindOrganisation}))
	if _, err := s.AgencyByCode(ctxb(), "AFTER"); err != nil {
		t.Errorf("a write after maintenance is not visible: %v", err)
	}
	if err := s.Maintain(ctxb()); err != nil {
		t.Errorf("second maintenance: %v", err)
	}
}

// testPostgresSettings is TestOpenSetsPragmas on PostgreSQL: sessions in
// UTC, readers read-only, the schema current.
func testPostgresSettings(t *testing.T, s *Store) {
	for _, db := range []*gorm.DB{s.write, s.read} {
		var tz string
		if err := db.Raw("SHOW timezone").Scan(&tz).Error; err != nil {
			t.Fatal(err)
		}
		if tz != "UTC" {
			t.Errorf("timezone = %q, want UTC", tz)
		}
	}
	if err := s.read.Exec("DELETE FROM platforms").Error; err == nil {
		t.Error("a reader connection accepted a write")
	}
	if pending, err := s.Pending(ctxb()); err != nil || pending {
		t.Errorf("pending after migrate: %v %v", pending, err)
	}
}
