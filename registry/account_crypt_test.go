package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"hozur/registry/sheet"
	"hozur/registry/vault"
)

// rawAccount is an accounts row as stored.
func rawAccount(t *testing.T, s *Store, id int64) Account {
	t.Helper()
	var raw Account
	if err := s.Read(ctxb()).Take(&raw, id).Error; err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkSealed fails unless the row is stored as a personal account is.
func checkSealed(t *testing.T, raw Account) {
	t.Helper()
	if !isHandleToken(raw.Handle) || !vault.IsSealed(raw.Display) || !vault.IsSealed(raw.URL) {
		t.Fatalf("account %d stored as %q %q %q", raw.ID, raw.Handle, raw.Display, raw.URL)
	}
}

// A personal account is stored sealed and reads as it was written, in one
// record, in lists and in a search by its exact handle.
func TestPersonalAccountSealed(t *testing.T) {
	w := newWorld(t, nil)
	s := w.s
	p := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://instagram.com/Melika.Private/", Capacity: CapacityPersonal, OfficialID: w.official.ID}))
	if p.Handle != "melika.private" || p.Display != "Melika.Private" || p.URL != "https://www.instagram.com/Melika.Private" || p.Erased {
		t.Fatalf("created %+v", p.Account)
	}
	raw := rawAccount(t, s, p.ID)
	checkSealed(t, raw)
	for _, v := range []string{raw.Handle, raw.Display, raw.URL} {
		if strings.Contains(strings.ToLower(v), "melika") {
			t.Fatalf("stored in the clear: %q", v)
		}
	}
	office := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/ICT_Tehran", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	if raw := rawAccount(t, s, office.ID); raw.Handle != "ict_tehran" || raw.Display != "ICT_Tehran" {
		t.Fatalf("an office account is sealed: %+v", raw)
	}
	got := must[*AccountView](t)(s.Account(ctxb(), System, p.ID))
	if got.Handle != p.Handle || got.Display != p.Display || got.URL != p.URL {
		t.Fatalf("read back %+v", got.Account)
	}
	list := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{OfficialID: w.official.ID}, Page{PerPage: 10}))
	if len(list.Items) != 2 {
		t.Fatalf("%d accounts listed", len(list.Items))
	}
	for _, v := range list.Items {
		if v.ID == p.ID && (v.Handle != p.Handle || v.Display != p.Display || v.URL != p.URL) {
			t.Fatalf("listed %+v", v.Account)
		}
	}
	search := func(q string, f AccountFilter) []int64 {
		f.Q = q
		res := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, f, Page{PerPage: 10}))
		var ids []int64
		for _, v := range res.Items {
			ids = append(ids, v.ID)
		}
		return ids
	}
	for _, q := range []string{"melika.private", "@Melika.Private", "https://www.instagram.com/melika.private"} {
		if ids := search(q, AccountFilter{}); len(ids) != 1 || ids[0] != p.ID {
			t.Errorf("search %q: %v, want [%d]", q, ids, p.ID)
		}
	}
	if ids := search("melika.private", AccountFilter{Platform: "x"}); len(ids) != 0 {
		t.Errorf("search on another platform: %v", ids)
	}
	// Only the exact handle finds a personal account; the start of an
	// office one's still finds it.
	if ids := search("melika.priv", AccountFilter{}); len(ids) != 0 {
		t.Errorf("search by the start of a personal handle: %v", ids)
	}
	if ids := search("p", AccountFilter{}); len(ids) != 0 {
		t.Errorf("search %q matched tokens: %v", "p", ids)
	}
	if ids := search("ict_teh", AccountFilter{}); len(ids) != 1 || ids[0] != office.ID {
		t.Errorf("search by the start of an office handle: %v", ids)
	}
	// Sorted by handle, every account is still listed once.
	seen := map[int64]bool{}
	for cur := ""; ; {
		res := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{}, Page{PerPage: 1, Sort: "handle", Cursor: cur}))
		for _, v := range res.Items {
			seen[v.ID] = true
		}
		if cur = res.Next; cur == "" {
			break
		}
	}
	if len(seen) != 2 {
		t.Errorf("sorted by handle: %d accounts", len(seen))
	}
}

// One account (platform and handle) is registered once, whatever the
// capacity it was registered in first.
func TestPersonalAccountNoDuplicateAcrossCapacities(t *testing.T) {
	w := newWorld(t, nil)
	s := w.s
	p := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://t.me/Melika_R", Capacity: CapacityPersonal, OfficialID: w.official.ID}))
	o := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/ict_office", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	for name, c := range map[string]struct {
		in AccountInput
		id int64
	}{
		"personal again as office":        {AccountInput{PlatformCode: "telegram", Handle: "@melika_r", Capacity: CapacityOffice, OfficialID: w.outside.ID}, p.ID},
		"personal again as institutional": {AccountInput{URL: "telegram.me/MELIKA_R", Capacity: CapacityInstitutional, AgencyID: w.b.ID}, p.ID},
		"personal again as personal":      {AccountInput{URL: "t.me/melika_r", Capacity: CapacityPersonal, OfficialID: w.outside.ID}, p.ID},
		"office again as personal":        {AccountInput{URL: "twitter.com/ICT_Office", Capacity: CapacityPersonal, OfficialID: w.outside.ID}, o.ID},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.CreateAccount(ctxb(), System, c.in)
			var ce *ConflictError
			if !errors.As(err, &ce) || ce.Key != "account.duplicate" || ce.Args["ID"] != c.id {
				t.Fatalf("err %v, want a duplicate of %d", err, c.id)
			}
		})
	}
	// Nor by changing another account into it.
	other := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "eitaa.com/someone_else", Capacity: CapacityOffice, OfficialID: w.outside.ID}))
	_, err := s.UpdateAccount(ctxb(), System, other.ID, AccountInput{URL: "t.me/melika_r", Capacity: CapacityOffice, OfficialID: w.outside.ID})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Key != "account.duplicate" {
		t.Fatalf("changed into a personal account's handle: %v", err)
	}
	// Nor twice by one import, in either direction.
	tab, err := sheet.Read(strings.NewReader("platform,handle,capacity,agency_code\ntelegram,Melika_R,institutional,MIN-OIL\nx,ict_office,institutional,MIN-OIL\n"), "a.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true})
	if err != nil || res.Created != 0 || res.Updated != 2 {
		t.Fatalf("import of the same accounts: %+v %v", res, err)
	}
}

// A change of capacity converts the stored form, both ways, and the
// account reads the same throughout; so does a change of holder.
func TestPersonalAccountCapacityChange(t *testing.T) {
	w := newWorld(t, nil)
	s := w.s
	o := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://www.instagram.com/Melika.Rezaei", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	check := func(v *AccountView, capacity string) {
		t.Helper()
		if v.Capacity != capacity || v.Handle != "melika.rezaei" || v.Display != "Melika.Rezaei" || v.URL != "https://www.instagram.com/Melika.Rezaei" {
			t.Fatalf("%s: %+v", capacity, v.Account)
		}
		got := must[*AccountView](t)(s.Account(ctxb(), System, v.ID))
		if got.Handle != v.Handle || got.Display != v.Display || got.URL != v.URL {
			t.Fatalf("%s read back: %+v", capacity, got.Account)
		}
	}
	in := AccountInput{PlatformCode: "instagram", Handle: o.Display, Capacity: CapacityPersonal, OfficialID: w.official.ID}
	p := must[*AccountView](t)(s.UpdateAccount(ctxb(), System, o.ID, in))
	check(p, CapacityPersonal)
	checkSealed(t, rawAccount(t, s, o.ID))
	// Another holder: sealed with theirs.
	in.OfficialID = w.outside.ID
	moved := must[*AccountView](t)(s.UpdateAccount(ctxb(), System, o.ID, in))
	check(moved, CapacityPersonal)
	keys := must[map[int64]*vault.Key](t)(s.officialKeys(ctxb(), []int64{w.outside.ID}))
	if _, err := keys[w.outside.ID].Open(rawAccount(t, s, o.ID).Display, aadAccountDisplay); err != nil {
		t.Fatalf("not sealed with the new holder's key: %v", err)
	}
	in.Capacity = CapacityOffice
	back := must[*AccountView](t)(s.UpdateAccount(ctxb(), System, o.ID, in))
	check(back, CapacityOffice)
	if raw := rawAccount(t, s, o.ID); raw.Handle != "melika.rezaei" || raw.Display != "Melika.Rezaei" {
		t.Fatalf("office again, stored %+v", raw)
	}
	// The same change through the API's path: the stored display is what
	// a change without a new handle sends back.
	in.Capacity, in.Handle = CapacityPersonal, back.Display
	check(must[*AccountView](t)(s.UpdateAccount(ctxb(), System, o.ID, in)), CapacityPersonal)
}

// A holder whose personal data was erased can hold no new personal
// account; an office one may still be registered to the office.
func TestPersonalAccountOfErasedHolder(t *testing.T) {
	w := newWorld(t, nil)
	s := w.s
	p := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://eitaa.com/melika_home", Capacity: CapacityPersonal, OfficialID: w.official.ID}))
	if err := s.Tx(ctxb(), func(ctx context.Context) error { return s.destroyOfficialKey(ctx, w.official.ID) }); err != nil {
		t.Fatal(err)
	}
	// Shredded before the handle was overwritten: nothing reads.
	got := must[*AccountView](t)(s.Account(ctxb(), System, p.ID))
	if !got.Erased || got.Handle != "" || got.Display != "" || got.URL != "" {
		t.Fatalf("after shredding: erased %v %+v", got.Erased, got.Account)
	}
	list := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{OfficialID: w.official.ID}, Page{PerPage: 5}))
	if len(list.Items) != 1 || !list.Items[0].Erased || list.Items[0].Display != "" {
		t.Fatalf("listed after shredding: %+v", list.Items)
	}
	_, err := s.CreateAccount(ctxb(), System, AccountInput{URL: "https://eitaa.com/melika_new", Capacity: CapacityPersonal, OfficialID: w.official.ID})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["official_id"] != "account.holder_erased" {
		t.Fatalf("personal account for an erased holder: %v", err)
	}
	must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://eitaa.com/ict_teh_office", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	tab, err := sheet.Read(strings.NewReader("platform,handle,capacity,agency_code,official_name,official_position\neitaa,melika_bulk,personal,MIN-ICT-TEH,"+
		w.official.Name+","+w.official.Position+"\n"), "a.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true})
	if err != nil || res.Bad != 1 || len(res.Issues) != 1 || res.Issues[0].Key != "account.holder_erased" {
		t.Fatalf("import of a personal account for an erased holder: %+v %v", res, err)
	}
}

// Personal accounts written in the clear before are sealed by SealPending,
// and read and found as before; those of an erased holder are erased.
func TestSealPendingAccounts(t *testing.T) {
	w := newWorld(t, nil)
	s := w.s
	p := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/Old_Private", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	q := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://eitaa.com/gone_private", Capacity: CapacityOffice, OfficialID: w.outside.ID}))
	o := must[*AccountView](t)(s.CreateAccount(ctxb(), System, AccountInput{URL: "https://x.com/still_office", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	// As an older version wrote them: personal, in the clear.
	if err := s.Write(ctxb()).Exec("UPDATE accounts SET capacity = 'personal' WHERE id IN ?", []int64{p.ID, q.ID}).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctxb(), func(ctx context.Context) error { return s.destroyOfficialKey(ctx, w.outside.ID) }); err != nil {
		t.Fatal(err)
	}
	if n := must[int](t)(s.SealPending(ctxb())); n != 2 {
		t.Fatalf("sealed %d, want the two personal accounts", n)
	}
	checkSealed(t, rawAccount(t, s, p.ID))
	if raw := rawAccount(t, s, q.ID); !strings.HasPrefix(raw.Handle, "erased-") || raw.Display != "" || raw.URL != "" {
		t.Fatalf("erased holder's account: %+v", raw)
	}
	if raw := rawAccount(t, s, o.ID); raw.Handle != "still_office" {
		t.Fatalf("office account touched: %+v", raw)
	}
	got := must[*AccountView](t)(s.Account(ctxb(), System, p.ID))
	if got.Handle != "old_private" || got.Display != "Old_Private" || got.URL != "https://x.com/Old_Private" {
		t.Fatalf("read back %+v", got.Account)
	}
	found := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{Q: "old_private"}, Page{PerPage: 5}))
	if len(found.Items) != 1 || found.Items[0].ID != p.ID {
		t.Fatalf("search after sealing: %+v", found.Items)
	}
	if n := must[int](t)(s.SealPending(ctxb())); n != 0 {
		t.Fatalf("a second run sealed %d", n)
	}
}

// The accounts of an import are sealed like those of the form, and a
// re-import of the export changes nothing.
func TestPersonalAccountImportExport(t *testing.T) {
	w := newExportWorld(t)
	s := w.s
	tab, err := sheet.Read(strings.NewReader("platform,handle,capacity,official_employee_code,agency_code\n"+
		"instagram,Maryam.Home,personal,10482,MIN-ICT\ntelegram,MaryamOffice2,office,10482,MIN-ICT\n"), "a.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts})
	if err != nil || res.Created != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	found := must[Result[AccountView]](t)(s.Accounts(ctxb(), System, AccountFilter{Q: "maryam.home"}, Page{PerPage: 5}))
	if len(found.Items) != 1 || found.Items[0].Display != "Maryam.Home" || found.Items[0].URL != "https://www.instagram.com/Maryam.Home" {
		t.Fatalf("imported personal account: %+v", found.Items)
	}
	checkSealed(t, rawAccount(t, s, found.Items[0].ID))
	checkSealed(t, rawAccount(t, s, w.ids["Reza_Kazemi"]))
	for _, format := range []string{sheet.FormatCSV, sheet.FormatXLSX} {
		out, n := w.export(t, System, ExportOptions{Kind: ExchangeAccounts}, format)
		cols := must[[]Column](t)(ExchangeColumns(ExchangeAccounts))
		handles := strings.Join(column(t, out, cols, "handle"), " ")
		if !strings.Contains(handles, "Maryam.Home") || !strings.Contains(handles, "Reza_Kazemi") {
			t.Fatalf("%s export handles: %s", format, handles)
		}
		res, err := s.Import(ctxb(), System, out, ImportOptions{Kind: ExchangeAccounts})
		if err != nil || res.Created != 0 || res.Updated != 0 || res.Unchanged != n || res.Bad != 0 {
			t.Fatalf("%s re-import: %+v %v", format, res, err)
		}
	}
	// A changed capacity in the sheet converts the stored form.
	tab, err = sheet.Read(strings.NewReader("platform,handle,capacity,official_employee_code,agency_code\ninstagram,maryam.home,office,10482,MIN-ICT\n"), "b.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts}); err != nil || res.Updated != 1 {
		t.Fatalf("capacity change by import: %+v %v", res, err)
	}
	if raw := rawAccount(t, s, found.Items[0].ID); raw.Handle != "maryam.home" || raw.Capacity != CapacityOffice || raw.Display != "maryam.home" {
		t.Fatalf("after the change: %+v", raw)
	}
}
