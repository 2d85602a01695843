package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hozur/registry/sheet"
	"hozur/registry/storetest"
	"hozur/registry/vault"
)

// openKeyed opens a store at path with the master key file beside it.
func openKeyed(t *testing.T, path string) *Store {
	t.Helper()
	keys, _, err := KeyFileMasterKeys(filepath.Join(filepath.Dir(path), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	dbPath := path
	s, err := Open(Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, MasterKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctxb()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Personal values written through every path (a form, an import, the
// workflow) are found nowhere in the clear: not in the database file, not
// in its write-ahead log, not in a backup.
func TestNoPersonalDataInTheClear(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hozur.db")
	s := openKeyed(t, path)
	secrets := []string{"zahra.karimi@example.ir", "+989121234567", "EMP-77331", "bulk.person@example.ir", "EMP-55120",
		"SECRET-STATEMENT-4242", "SECRET-ANSWER-9090",
		// Personal accounts' handles, as typed and normalised.
		"Zahra.Private.Page", "zahra.private.page", "Bulk_Hidden_Chan", "bulk_hidden_chan"}
	ag := must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: KindMinistry}))
	o := must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: ag.ID, Name: "زهرا کریمی", Position: "معاون", Rank: 2, Serving: true,
		Email: secrets[0], Phone: secrets[1], EmployeeCode: secrets[2]}))
	if o.Email != secrets[0] || o.Phone != secrets[1] || o.EmployeeCode != secrets[2] {
		t.Fatalf("read back %+v", o.Official)
	}
	tab, err := sheet.Read(strings.NewReader("name,agency_code,position,rank,email,employee_code\nعلی بهرامی,MOH,مشاور,4,"+secrets[3]+","+secrets[4]+"\n"), "o.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeOfficials}); err != nil || res.Created != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	acc := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/zahra_karimi", Capacity: CapacityOffice, OfficialID: o.ID}))
	j := must[*JustificationView](t)(s.CreateJustification(ctxb(), System, JustificationInput{AccountID: acc.ID, Grounds: "international_outreach", Statement: secrets[5]}))
	must[*JustificationView](t)(s.Transition(ctxb(), System, j.ID, TransitionInput{To: StateSubmitted}))
	must[*JustificationView](t)(s.Transition(ctxb(), System, j.ID, TransitionInput{To: StateInfoRequested, Note: "چرا؟"}))
	j = must[*JustificationView](t)(s.Transition(ctxb(), System, j.ID, TransitionInput{To: StateSubmitted, Note: secrets[6]}))
	if j.Statement != secrets[5] || j.Notes[len(j.Notes)-1].Body != secrets[6] {
		t.Fatalf("justification read back: %q %+v", j.Statement, j.Notes)
	}
	// Personal accounts, through the form and through an import, each
	// with a justification, one of them approved (its exemption keeps a
	// snapshot of the account).
	personal := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://www.instagram.com/" + secrets[7], Capacity: CapacityPersonal, OfficialID: o.ID}))
	tab, err = sheet.Read(strings.NewReader("platform,handle,capacity,official_employee_code\ntelegram,"+secrets[9]+",personal,"+secrets[4]+"\n"), "a.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts}); err != nil || res.Created != 1 {
		t.Fatalf("import accounts: %+v %v", res, err)
	}
	imported := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{Q: secrets[10]}, Page{PerPage: 5}))
	if len(imported.Items) != 1 || imported.Items[0].Display != secrets[9] || imported.Items[0].Handle != secrets[10] {
		t.Fatalf("imported personal account: %+v", imported.Items)
	}
	for _, id := range []int64{personal.ID, imported.Items[0].ID} {
		pj := must[*JustificationView](t)(s.CreateJustification(ctxb(), System, JustificationInput{AccountID: id, Grounds: "international_outreach", Statement: "به دلیل کار"}))
		pj = must[*JustificationView](t)(s.Transition(ctxb(), System, pj.ID, TransitionInput{To: StateSubmitted}))
		if pj.AccountDisplay != secrets[7] && pj.AccountDisplay != secrets[9] {
			t.Fatalf("justification's account reads %q", pj.AccountDisplay)
		}
	}
	until := s.Now().AddDate(0, 3, 0)
	pj := must[Result[JustificationView]](t)(s.Justifications(ctxb(), System, JustificationFilter{AccountID: personal.ID}, Page{PerPage: 5}))
	must[*JustificationView](t)(s.Transition(ctxb(), System, pj.Items[0].ID, TransitionInput{To: StateApproved, ValidUntil: &until}))
	exs := must[Result[ExemptionView]](t)(s.Exemptions(ctxb(), System, ExemptionFilter{AccountID: personal.ID}, Page{PerPage: 5}))
	if len(exs.Items) != 1 || exs.Items[0].AccountDisplay != secrets[7] {
		t.Fatalf("exemption of the personal account: %+v", exs.Items)
	}
	// Exact-match search over a sealed field goes through its keyed hash.
	found := must[Result[OfficialView]](t)(s.Officials(ctxb(), System, OfficialFilter{Q: "Bulk.Person@example.ir"}, Page{PerPage: 5}))
	if len(found.Items) != 1 || found.Items[0].EmployeeCode != secrets[4] {
		t.Fatalf("search by e-mail: %+v", found.Items)
	}
	// An uploaded file waiting to be applied is kept sealed too.
	uploader := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "uploader", Password: "a long password", Role: RoleAdmin, Active: true}))
	upActor := Actor{UserID: uploader.ID, Username: uploader.Username, Role: RoleAdmin}
	upload := "name,agency_code,position,rank,email\nمریم,MOH,مشاور,3,upload.waiting@example.ir\n"
	secrets = append(secrets, "upload.waiting@example.ir")
	up := must[*ImportUpload](t)(s.SaveImport(ctxb(), upActor, ExchangeOfficials, "o.csv", "auto", []byte(upload), &ImportResult{Rows: 1}))
	if got := must[*ImportUpload](t)(s.ImportUploadOf(ctxb(), upActor, up.ID)); string(got.Data) != upload {
		t.Fatalf("upload read back as %q", got.Data)
	}
	if s.Postgres() {
		// Every row of every table, as PostgreSQL prints it (bytes in hex).
		var tables []string
		if err := s.read.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, table := range tables {
			var rows []string
			if err := s.read.Raw("SELECT CAST(t AS TEXT) FROM " + table + " AS t").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			all.WriteString(strings.Join(rows, "\n"))
		}
		for _, v := range secrets {
			if strings.Contains(all.String(), v) || strings.Contains(all.String(), hex.EncodeToString([]byte(v))) {
				t.Errorf("the database holds %q in the clear", v)
			}
		}
		return
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctxb(), backup); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", backup} {
		data, err := os.ReadFile(f) //nolint:gosec // G304: the test's own files
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			t.Fatalf("%s is empty", f)
		}
		for _, v := range secrets {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(f), v)
			}
		}
	}
}

// Destroying an official's key (the end of an erasure) leaves their data
// unreadable while the records, and the audit chain, stay whole.
func TestShreddedOfficialReadsErased(t *testing.T) {
	w := newWorld(t, nil)
	o := must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.official.ID, OfficialInput{AgencyID: w.sub.ID, Name: w.official.Name,
		Position: w.official.Position, Rank: 3, Serving: true, Email: "melika@example.ir", EmployeeCode: "881"}))
	acc := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/melika_r", Capacity: CapacityOffice, OfficialID: o.ID}))
	j := must[*JustificationView](t)(w.s.CreateJustification(ctxb(), System, JustificationInput{AccountID: acc.ID, Grounds: "other", Statement: "دلیل شخصی من برای حضور"}))
	if err := w.s.Tx(ctxb(), func(ctx context.Context) error { return w.s.destroyOfficialKey(ctx, o.ID) }); err != nil {
		t.Fatal(err)
	}
	got := must[*OfficialView](t)(w.s.Official(ctxb(), System, o.ID))
	if !got.Erased || got.Email != "" || got.EmployeeCode != "" || got.Name != o.Name {
		t.Fatalf("after shredding: %+v", got.Official)
	}
	jj := must[*JustificationView](t)(w.s.Justification(ctxb(), System, j.ID))
	if !jj.Erased || jj.Statement != "" {
		t.Fatalf("justification after shredding: erased %v statement %q", jj.Erased, jj.Statement)
	}
	// Nothing personal can be written for them again.
	if _, err := w.s.UpdateOfficial(ctxb(), System, o.ID, OfficialInput{AgencyID: w.sub.ID, Name: o.Name, Position: o.Position, Rank: 3, Serving: true,
		Email: "again@example.ir"}); err == nil {
		t.Fatal("an erased official's e-mail was written again")
	}
	// The rest of the record may still change.
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, o.ID, OfficialInput{AgencyID: w.sub.ID, Name: o.Name, Position: "مشاور", Rank: 4, Serving: true}))
	rep, err := w.s.VerifyAudit(ctxb(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

// A master key rotation, run by another process (the CLI) while a server
// has the store open, leaves the server reading and writing on.
func TestKeyRotationWhileServing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hozur.db")
	server := openKeyed(t, path)
	cli := openKeyed(t, path)
	ag := must[*Agency](t)(server.CreateAgency(ctxb(), System, AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: KindMinistry}))
	mk := func(s *Store, email string) *OfficialView {
		return must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: ag.ID, Name: "مقام " + email, Position: "معاون", Rank: 2, Serving: true, Email: email}))
	}
	seen := mk(server, "seen@example.ir")
	must[*OfficialView](t)(server.Official(ctxb(), System, seen.ID)) // its key is now cached by the server
	unseen := mk(cli, "unseen@example.ir")
	keyPath := filepath.Join(dir, "master.key")
	before, err := vault.LoadKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	newID, n, err := cli.RotateKeyFile(ctxb(), keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || newID == before.ID() { // two officials and the index key
		t.Fatalf("rotated %d keys to %s", n, newID)
	}
	if _, err := vault.LoadKeyFile(keyPath + ".retired-" + before.ID()); err != nil {
		t.Fatalf("old key not kept for old backups: %v", err)
	}
	// The server reads an official whose key it never unwrapped: wrapped
	// now under a master it has not seen, which it finds in the file.
	if got := must[*OfficialView](t)(server.Official(ctxb(), System, unseen.ID)); got.Email != "unseen@example.ir" {
		t.Fatalf("after rotation: %q", got.Email)
	}
	if got := must[*OfficialView](t)(server.Official(ctxb(), System, seen.ID)); got.Email != "seen@example.ir" {
		t.Fatalf("cached after rotation: %q", got.Email)
	}
	after := mk(server, "after@example.ir")
	var masters []string
	if err := server.Read(ctxb()).Model(&DataKey{}).Distinct("master_id").Pluck("master_id", &masters).Error; err != nil {
		t.Fatal(err)
	}
	if len(masters) != 1 || masters[0] != newID {
		t.Fatalf("data keys under %v, want only %s", masters, newID)
	}
	// A fresh process with only the new key reads everything.
	again := openKeyed(t, path)
	for id, want := range map[int64]string{seen.ID: "seen@example.ir", unseen.ID: "unseen@example.ir", after.ID: "after@example.ir"} {
		if got := must[*OfficialView](t)(again.Official(ctxb(), System, id)); got.Email != want {
			t.Errorf("official %d: %q, want %q", id, got.Email, want)
		}
	}
}

// Officials written in the clear before encryption came are sealed at the
// next start, and read and found as before.
func TestSealPending(t *testing.T) {
	w := newWorld(t, nil)
	err := w.s.Write(ctxb()).Exec("UPDATE officials SET email = ?, phone = ?, employee_code = ? WHERE id = ?", "old@example.ir", "02188776655", "OLD-1", w.outside.ID).Error
	if err != nil {
		t.Fatal(err)
	}
	n := must[int](t)(w.s.SealPending(ctxb()))
	if n != 1 {
		t.Fatalf("sealed %d officials, want 1", n)
	}
	var raw Official
	if err := w.s.Read(ctxb()).Take(&raw, w.outside.ID).Error; err != nil {
		t.Fatal(err)
	}
	if !vault.IsSealed(raw.Email) || !vault.IsSealed(raw.Phone) || !vault.IsSealed(raw.EmployeeCode) {
		t.Fatalf("still in the clear: %+v", raw)
	}
	got := must[*OfficialView](t)(w.s.Official(ctxb(), System, w.outside.ID))
	if got.Email != "old@example.ir" || got.Phone != "02188776655" || got.EmployeeCode != "OLD-1" {
		t.Fatalf("read back %+v", got.Official)
	}
	found := must[Result[OfficialView]](t)(w.s.Officials(ctxb(), System, OfficialFilter{Q: "old@example.ir"}, Page{PerPage: 5}))
	if len(found.Items) != 1 {
		t.Fatalf("search after sealing: %d", len(found.Items))
	}
	if n := must[int](t)(w.s.SealPending(ctxb())); n != 0 {
		t.Fatalf("a second run sealed %d", n)
	}
}
