package registry

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type world struct {
	s                 *Store
	ministry, sub, b  *Agency
	official, outside *OfficialView
}

func newWorld(t *testing.T, c *clock) *world {
	t.Helper()
	s := openTest(t, c)
	w := &world{s: s}
	w.ministry = must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-ICT", Name: "وزارت ارتباطات و فناوری اطلاعات", NameEn: "Ministry of ICT", Kind: KindMinistry}))
	w.sub = must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-ICT-TEH", Name: "اداره کل ارتباطات استان تهران", Kind: KindProvincial, ParentID: &w.ministry.ID}))
	w.b = must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-OIL", Name: "وزارت نفت", Kind: KindMinistry}))
	w.official = must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: w.sub.ID, Name: "ملیكا رضايي", Position: "مدیرکل", Rank: 3, Serving: true}))
	w.outside = must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: w.b.ID, Name: "حسین کریمی", Position: "معاون وزیر", Rank: 2, Serving: true}))
	return w
}

func TestCreateAccountFromURL(t *testing.T) {
	w := newWorld(t, nil)
	a := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "https://mobile.twitter.com/IRNA_en/?s=20", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	if a.PlatformCode != "x" || a.Handle != "irna_en" || a.AgencyID != w.sub.ID {
		t.Fatalf("got platform %q handle %q agency %d", a.PlatformCode, a.Handle, a.AgencyID)
	}
	if a.Source != SourceOversight || a.Status != StatusActive || a.Verification != VerificationUnverified {
		t.Errorf("defaults: source %q status %q verification %q", a.Source, a.Status, a.Verification)
	}
	// The same account, written differently, is a duplicate.
	for _, in := range []AccountInput{
		{URL: "x.com/irna_en", Capacity: CapacityInstitutional, AgencyID: w.b.ID},
		{PlatformCode: "x", Handle: "@Irna_EN", Capacity: CapacityInstitutional, AgencyID: w.b.ID},
		{URL: "twitter.com/#!/IRNA_EN", Capacity: CapacityInstitutional, AgencyID: w.b.ID},
	} {
		_, err := w.s.CreateAccount(ctxb(), System, in)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Key != "account.duplicate" || ce.Args["ID"] != a.ID {
			t.Errorf("%+v: err %v, want duplicate of %d", in, err, a.ID)
		}
	}
	// Bad inputs name their field.
	cases := []struct {
		name  string
		in    AccountInput
		field string
		key   string
	}{
		{"post link", AccountInput{URL: "https://x.com/irna_en/status/1234567", Capacity: CapacityOffice, OfficialID: w.official.ID}, "url", "link.not_account.post"},
		{"unknown host", AccountInput{URL: "https://example.com/someone", Capacity: CapacityOffice, OfficialID: w.official.ID}, "url", "link.unknown_platform"},
		{"nothing", AccountInput{Capacity: CapacityOffice, OfficialID: w.official.ID}, "url", "account.url_or_handle"},
		{"bad capacity", AccountInput{URL: "eitaa.com/newone", Capacity: "boss", OfficialID: w.official.ID}, "capacity", "error.choose"},
		{"institutional with official", AccountInput{URL: "eitaa.com/newone", Capacity: CapacityInstitutional, OfficialID: w.official.ID, AgencyID: w.sub.ID}, "official_id", "account.institutional_no_official"},
		{"office without official", AccountInput{URL: "eitaa.com/newone", Capacity: CapacityOffice}, "official_id", "account.official_required"},
		{"missing official", AccountInput{URL: "eitaa.com/newone", Capacity: CapacityPersonal, OfficialID: 999}, "official_id", "error.not_found"},
		{"bad status", AccountInput{URL: "eitaa.com/newone", Capacity: CapacityPersonal, OfficialID: w.official.ID, Status: "gone"}, "status", "error.choose"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.s.CreateAccount(ctxb(), System, c.in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[c.field] != c.key {
				t.Errorf("err %v, want %s=%s", err, c.field, c.key)
			}
		})
	}
}

func TestAccountPermissionsInStore(t *testing.T) {
	w := newWorld(t, nil)
	liaison := Actor{UserID: 10, Username: "l", Role: RoleLiaison, AgencyID: w.ministry.ID, AgencyPath: w.ministry.Path}
	off := Actor{UserID: 11, Username: "o", Role: RoleOfficial, OfficialID: w.official.ID}
	auditor := Actor{UserID: 12, Username: "a", Role: RoleAuditor}
	// The liaison of the ministry may register for its sub-agency's official.
	a := must[*AccountView](t)(w.s.CreateAccount(ctxb(), liaison, AccountInput{URL: "eitaa.com/m_rezaei", Capacity: CapacityOffice, OfficialID: w.official.ID, Verification: VerificationVerified}))
	if a.Source != SourceAgency || a.Verification != VerificationUnverified {
		t.Errorf("liaison account: source %q verification %q (a liaison cannot verify)", a.Source, a.Verification)
	}
	for _, c := range []struct {
		name  string
		actor Actor
		in    AccountInput
	}{
		{"liaison for other agency", liaison, AccountInput{URL: "eitaa.com/k_karimi", Capacity: CapacityOffice, OfficialID: w.outside.ID}},
		{"official for someone else", off, AccountInput{URL: "eitaa.com/k_karimi", Capacity: CapacityOffice, OfficialID: w.outside.ID}},
		{"official institutional", off, AccountInput{URL: "eitaa.com/ict_teh", Capacity: CapacityInstitutional, AgencyID: w.sub.ID}},
		{"auditor", auditor, AccountInput{URL: "eitaa.com/k_karimi", Capacity: CapacityOffice, OfficialID: w.outside.ID}},
	} {
		if _, err := w.s.CreateAccount(ctxb(), c.actor, c.in); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: err %v, want forbidden", c.name, err)
		}
	}
	// The official declares their own; it is self-declared.
	own := must[*AccountView](t)(w.s.CreateAccount(ctxb(), off, AccountInput{URL: "instagram.com/_u/melika.rezaei", Capacity: CapacityPersonal}))
	if own.Source != SourceSelf {
		t.Errorf("official's account source %q", own.Source)
	}
	if err := w.s.DeleteAccount(ctxb(), off, own.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("official delete: %v", err)
	}
	other := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "t.me/oil_ministry", Capacity: CapacityInstitutional, AgencyID: w.b.ID}))
	if _, err := w.s.Account(ctxb(), liaison, other.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("liaison get other agency's account: %v", err)
	}
	// Lists are scoped.
	for _, c := range []struct {
		name  string
		actor Actor
		want  int
	}{{"system", System, 3}, {"liaison", liaison, 2}, {"official", off, 2}, {"auditor", auditor, 3}} {
		res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), c.actor, AccountFilter{}, Page{WithTotal: true}))
		if len(res.Items) != c.want || res.Total != int64(c.want) {
			t.Errorf("%s sees %d (total %d), want %d", c.name, len(res.Items), res.Total, c.want)
		}
	}
}

func TestAccountListFiltersAndPaging(t *testing.T) {
	w := newWorld(t, nil)
	for i := range 23 {
		in := AccountInput{URL: fmt.Sprintf("eitaa.com/acct_%02d", i), Capacity: CapacityOffice, OfficialID: w.official.ID}
		if i%3 == 0 {
			in = AccountInput{URL: fmt.Sprintf("x.com/oil_%02d", i), Capacity: CapacityInstitutional, AgencyID: w.b.ID}
		}
		must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, in))
	}
	for _, sort := range []string{"", "id", "-id", "handle", "-handle"} {
		seen := map[int64]bool{}
		p := Page{PerPage: 5, Sort: sort}
		pages := 0
		for {
			res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, AccountFilter{}, p))
			pages++
			for _, a := range res.Items {
				if seen[a.ID] {
					t.Fatalf("sort %q: account %d twice", sort, a.ID)
				}
				seen[a.ID] = true
			}
			if res.Next == "" {
				break
			}
			p.Cursor = res.Next
		}
		if len(seen) != 23 || pages != 5 {
			t.Errorf("sort %q: %d accounts over %d pages", sort, len(seen), pages)
		}
	}
	count := func(f AccountFilter) int {
		res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, f, Page{PerPage: 200}))
		return len(res.Items)
	}
	for _, c := range []struct {
		name string
		f    AccountFilter
		want int
	}{
		{"ministry subtree", AccountFilter{AgencyID: w.ministry.ID}, 15},
		{"other ministry", AccountFilter{AgencyID: w.b.ID}, 8},
		{"foreign", AccountFilter{Origin: OriginForeign}, 8},
		{"platform", AccountFilter{Platform: "eitaa"}, 15},
		{"capacity", AccountFilter{Capacity: CapacityInstitutional}, 8},
		{"handle prefix", AccountFilter{Q: "@ACCT_1"}, 7},
		// The official's name typed with Arabic ي/ك finds their accounts.
		{"holder name arabic letters", AccountFilter{Q: "مليكا"}, 15},
		{"holder name spaces", AccountFilter{Q: "رضایی"}, 15},
		{"agency name", AccountFilter{Q: "وزارت نفت"}, 8},
		{"status", AccountFilter{Status: StatusClosed}, 0},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if _, err := w.s.Accounts(ctxb(), System, AccountFilter{}, Page{Cursor: "garbage!"}); err == nil {
		t.Error("a garbage cursor was accepted")
	}
	if _, err := w.s.Accounts(ctxb(), System, AccountFilter{}, Page{Sort: "password"}); err == nil {
		t.Error("an unknown sort was accepted")
	}
}

func TestUpdateAccountClosesAndVerifies(t *testing.T) {
	c := newClock()
	w := newWorld(t, c)
	a := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "rubika.ir/ict_news", Capacity: CapacityInstitutional, AgencyID: w.sub.ID}))
	c.advance(time.Hour)
	u := must[*AccountView](t)(w.s.UpdateAccount(ctxb(), System, a.ID, AccountInput{URL: "rubika.ir/ict_news", Capacity: CapacityInstitutional, AgencyID: w.sub.ID,
		Status: StatusClosed, Verification: VerificationVerified}))
	if u.ClosedAt == nil || !u.ClosedAt.Equal(c.t) || u.VerifiedAt == nil {
		t.Errorf("closed_at %v verified_at %v", u.ClosedAt, u.VerifiedAt)
	}
	// Moving the official to another agency moves their accounts.
	o := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "ble.ir/melika_r", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.official.ID, OfficialInput{AgencyID: w.b.ID, Name: w.official.Name, Position: "مدیرکل", Rank: 3, Serving: true}))
	o2 := must[*AccountView](t)(w.s.Account(ctxb(), System, o.ID))
	if o2.AgencyID != w.b.ID {
		t.Errorf("account agency %d after the official moved, want %d", o2.AgencyID, w.b.ID)
	}
	var ce *ConflictError
	if err := w.s.DeleteOfficial(ctxb(), System, w.official.ID); !errors.As(err, &ce) || ce.Key != "official.in_use_accounts" {
		t.Errorf("delete official with accounts: %v", err)
	}
}

func TestCounts(t *testing.T) {
	w := newWorld(t, nil)
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_news", Capacity: CapacityInstitutional, AgencyID: w.b.ID}))
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "eitaa.com/ict_news", Capacity: CapacityInstitutional, AgencyID: w.sub.ID, Verification: VerificationVerified}))
	c := must[RegistryCounts](t)(w.s.Counts(ctxb(), System))
	if c != (RegistryCounts{Agencies: 3, Officials: 2, Accounts: 2, Foreign: 1, Domestic: 1, Unverified: 1}) {
		t.Errorf("counts %+v", c)
	}
	liaison := Actor{Role: RoleLiaison, AgencyPath: w.ministry.Path}
	c = must[RegistryCounts](t)(w.s.Counts(ctxb(), liaison))
	if c.Accounts != 1 || c.Foreign != 0 || c.Officials != 1 {
		t.Errorf("liaison counts %+v", c)
	}
}

// TestSubtreeFollowsMoves checks the ancestor columns that answer "accounts
// of this agency and its sub-agencies" stay right when officials and whole
// subtrees move.
func TestSubtreeFollowsMoves(t *testing.T) {
	w := newWorld(t, nil)
	inSub := func(ag *Agency) int {
		res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, AccountFilter{AgencyID: ag.ID}, Page{PerPage: 200}))
		return len(res.Items)
	}
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "eitaa.com/ict_teh", Capacity: CapacityInstitutional, AgencyID: w.sub.ID}))
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "eitaa.com/melika_r", Capacity: CapacityOffice, OfficialID: w.official.ID}))
	if inSub(w.ministry) != 2 || inSub(w.sub) != 2 || inSub(w.b) != 0 {
		t.Fatalf("before: ministry %d sub %d oil %d", inSub(w.ministry), inSub(w.sub), inSub(w.b))
	}
	// The official moves to the oil ministry: their account follows.
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.official.ID, OfficialInput{AgencyID: w.b.ID, Name: w.official.Name, Position: "مدیرکل", Rank: 3, Serving: true}))
	if inSub(w.ministry) != 1 || inSub(w.b) != 1 {
		t.Errorf("after the official moved: ministry %d oil %d", inSub(w.ministry), inSub(w.b))
	}
	// The provincial office moves under the oil ministry with its account.
	must[*Agency](t)(w.s.UpdateAgency(ctxb(), System, w.sub.ID, AgencyInput{Code: w.sub.Code, Name: w.sub.Name, Kind: w.sub.Kind, ParentID: &w.b.ID}))
	if inSub(w.ministry) != 0 || inSub(w.b) != 2 || inSub(w.sub) != 1 {
		t.Errorf("after the subtree moved: ministry %d oil %d sub %d", inSub(w.ministry), inSub(w.b), inSub(w.sub))
	}
	// A liaison of the oil ministry now sees both.
	liaison := Actor{Role: RoleLiaison, AgencyPath: w.b.Path}
	if res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), liaison, AccountFilter{}, Page{})); len(res.Items) != 2 {
		t.Errorf("liaison sees %d", len(res.Items))
	}
}

func TestAgencyDepthLimit(t *testing.T) {
	s := openTest(t, nil)
	var parent *int64
	var last *Agency
	for i := range MaxAgencyDepth + 1 {
		last = must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: fmt.Sprintf("L%d", i), Name: "سطح", Kind: KindOrganisation, ParentID: parent}))
		parent = &last.ID
	}
	_, err := s.CreateAgency(ctxb(), System, AgencyInput{Code: "TOO-DEEP", Name: "سطح", Kind: KindOrganisation, ParentID: parent})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["parent_id"] != "agency.too_deep" {
		t.Errorf("sixth level: %v", err)
	}
	// Moving a two-level subtree under the fourth level would go too deep.
	top := must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "T", Name: "x", Kind: KindOrganisation}))
	must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "T1", Name: "x", Kind: KindOrganisation, ParentID: &top.ID}))
	l3 := must[*Agency](t)(s.AgencyByCode(ctxb(), "L3"))
	_, err = s.UpdateAgency(ctxb(), System, top.ID, AgencyInput{Code: "T", Name: "x", Kind: KindOrganisation, ParentID: &l3.ID})
	if !errors.As(err, &ve) || ve.Fields["parent_id"] != "agency.too_deep" {
		t.Errorf("deep move: %v", err)
	}
}

func TestCountsFollowWrites(t *testing.T) {
	w := newWorld(t, nil)
	before := must[RegistryCounts](t)(w.s.Counts(ctxb(), System))
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_fresh", Capacity: CapacityInstitutional, AgencyID: w.b.ID}))
	after := must[RegistryCounts](t)(w.s.Counts(ctxb(), System))
	if after.Accounts != before.Accounts+1 || after.Foreign != before.Foreign+1 {
		t.Errorf("counts did not follow a write: %+v then %+v", before, after)
	}
}
