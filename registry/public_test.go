package registry

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// publicWorld holds one account of each kind the public answers differ on.
type publicWorld struct {
	*world
	institutional, office, personal, closed *AccountView
}

func newPublicWorld(t *testing.T) *publicWorld {
	t.Helper()
	w := &publicWorld{world: newWorld(t, newClock())}
	opened := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(in AccountInput) *AccountView {
		return must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, in))
	}
	w.institutional = mk(AccountInput{URL: "https://t.me/ICT_News", Capacity: CapacityInstitutional, AgencyID: w.ministry.ID, Verification: VerificationVerified, OpenedOn: &opened})
	w.office = mk(AccountInput{URL: "https://x.com/ict_teh_dg", Capacity: CapacityOffice, OfficialID: w.official.ID})
	w.personal = mk(AccountInput{URL: "https://instagram.com/melika.rezaei", Capacity: CapacityPersonal, OfficialID: w.official.ID, Verification: VerificationVerified})
	w.closed = mk(AccountInput{URL: "https://eitaa.com/old_office", Capacity: CapacityOffice, OfficialID: w.outside.ID, Status: StatusClosed})
	return w
}

func TestPublicVerify(t *testing.T) {
	w := newPublicWorld(t)
	found := []struct {
		name, text string
		want       *AccountView
	}{
		{"link", "https://t.me/ICT_News", w.institutional},
		{"no scheme", "t.me/ict_news", w.institutional},
		{"mixed case and trailing slash", "HTTPS://T.ME/Ict_News/", w.institutional},
		{"telegram.me host", "telegram.me/ict_news", w.institutional},
		{"code and handle", "telegram:@ict_news", w.institutional},
		{"code in capitals", "Telegram:ICT_NEWS", w.institutional},
		{"office via twitter.com", "https://mobile.twitter.com/ICT_TEH_DG?s=20", w.office},
		{"office via code", "x:@ict_teh_dg", w.office},
	}
	for _, c := range found {
		t.Run(c.name, func(t *testing.T) {
			pa, err := w.s.PublicVerify(ctxb(), c.text)
			if err != nil {
				t.Fatalf("PublicVerify(%q): %v", c.text, err)
			}
			if pa.ID != c.want.ID || pa.Capacity != c.want.Capacity || pa.PlatformCode != c.want.PlatformCode {
				t.Errorf("got %+v, want account %d", pa, c.want.ID)
			}
		})
	}

	inst := must[*PublicAccount](t)(w.s.PublicVerify(ctxb(), "t.me/ict_news"))
	if inst.AgencyCode != "MIN-ICT" || inst.AgencyNameEn != "Ministry of ICT" || inst.Handle != "ICT_News" || inst.URL != "https://t.me/ICT_News" ||
		!inst.Verified || inst.PlatformNameEn != "Telegram" || !inst.Since.Equal(time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("institutional: %+v", inst)
	}
	off := must[*PublicAccount](t)(w.s.PublicVerify(ctxb(), "x.com/ict_teh_dg"))
	// An office account shows the official's agency and nothing of the official;
	// without an opening day, since is the day it was registered.
	if off.AgencyCode != "MIN-ICT-TEH" || off.Verified || !off.Since.Equal(newClock().t) {
		t.Errorf("office: %+v", off)
	}

	// A personal account, a closed one and an unknown one: the same answer.
	for _, text := range []string{"https://instagram.com/melika.rezaei", "instagram:melika.rezaei", "eitaa.com/old_office", "https://t.me/nobody_here", "x:@ict_news"} {
		if pa, err := w.s.PublicVerify(ctxb(), text); !errors.Is(err, ErrNotFound) || pa != nil {
			t.Errorf("PublicVerify(%q) = %+v, %v; want ErrNotFound", text, pa, err)
		}
	}

	invalid := []struct{ text, key string }{
		{"", "link.empty"},
		{"   ", "link.empty"},
		{"https://example.com/someone", "link.unknown_platform"},
		{"https://x.com/ict_news/status/1234567", "link.not_account.post"},
		{"@ict_news", "verify.platform_required"},
		{"ict_news", "verify.platform_required"},
		{"telegram:", "link.empty"},
		{"telegram:https://x.com/ict_teh_dg", "link.platform_mismatch"},
	}
	for _, c := range invalid {
		t.Run("invalid "+c.text, func(t *testing.T) {
			_, err := w.s.PublicVerify(ctxb(), c.text)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["url"] != c.key {
				t.Errorf("PublicVerify(%q) err %v, want url=%s", c.text, err, c.key)
			}
		})
	}

	// A closed account reopened is public again; an office account made
	// personal is not.
	if _, err := w.s.UpdateAccount(ctxb(), System, w.closed.ID, AccountInput{URL: w.closed.URL, Capacity: CapacityOffice, OfficialID: w.outside.ID, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.PublicVerify(ctxb(), "eitaa.com/old_office"); err != nil {
		t.Errorf("reopened account: %v", err)
	}
	if _, err := w.s.UpdateAccount(ctxb(), System, w.office.ID, AccountInput{URL: w.office.URL, Capacity: CapacityPersonal, OfficialID: w.official.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.PublicVerify(ctxb(), "x.com/ict_teh_dg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("account made personal: %v, want ErrNotFound", err)
	}
}

func TestPublicAccounts(t *testing.T) {
	w := newPublicWorld(t)
	want := []int64{w.institutional.ID, w.office.ID}
	for i := range 5 {
		a := must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: fmt.Sprintf("https://eitaa.com/ict_%d", i), Capacity: CapacityInstitutional, AgencyID: w.b.ID}))
		want = append(want, a.ID)
		// Personal accounts in between are skipped.
		must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: fmt.Sprintf("https://eitaa.com/me_%d", i), Capacity: CapacityPersonal, OfficialID: w.outside.ID}))
	}
	for _, limit := range []int{1, 2, 3, 7, 100} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			var got []int64
			after, pages := int64(0), 0
			for {
				page, next, err := w.s.PublicAccounts(ctxb(), after, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > limit {
					t.Fatalf("page of %d, limit %d", len(page), limit)
				}
				for _, pa := range page {
					if pa.Capacity == CapacityPersonal || pa.ID == w.closed.ID {
						t.Errorf("listed %+v", pa)
					}
					got = append(got, pa.ID)
				}
				pages++
				if next == 0 {
					break
				}
				if next != page[len(page)-1].ID {
					t.Fatalf("next %d, last id on the page %d", next, page[len(page)-1].ID)
				}
				after = next
				if pages > 20 {
					t.Fatal("paging does not end")
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ids %v, want %v", got, want)
			}
			if wantPages := (len(want) + limit - 1) / limit; pages != wantPages {
				t.Errorf("%d pages, want %d (no empty last page)", pages, wantPages)
			}
		})
	}
	// A cursor past the end gives nothing; a bad limit means the default.
	if page, next, err := w.s.PublicAccounts(ctxb(), want[len(want)-1], 10); err != nil || len(page) != 0 || next != 0 {
		t.Errorf("past the end: %d items, next %d, %v", len(page), next, err)
	}
	if page, _, err := w.s.PublicAccounts(ctxb(), -4, 0); err != nil || len(page) != len(want) {
		t.Errorf("limit 0: %d items, %v", len(page), err)
	}
}

// TestPublicQueryPlans: both queries stay index walks of a few rows
// whatever the size of the registry (no scan, no sort of the accounts).
func TestPublicQueryPlans(t *testing.T) {
	w := newPublicWorld(t)
	if w.s.Postgres() {
		testPublicPlansPostgres(t, w)
		return
	}
	plan := func(sql string, args ...any) string {
		t.Helper()
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := w.s.read.Raw("EXPLAIN QUERY PLAN "+sql, args...).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Detail)
		}
		return strings.Join(out, "\n")
	}
	for _, c := range []struct {
		name, plan string
		want       []string
	}{
		{"verify", plan(publicVerifySQL, 1, "x"), []string{"USING INDEX accounts_public (platform_id=? AND handle=?)"}},
		{"page", plan(publicPageSQL, map[string]any{"after": 0, "n": 101}), []string{"USING INTEGER PRIMARY KEY (rowid=?)",
			"USING INDEX accounts_capacity (capacity=? AND id>?)"}},
	} {
		for _, want := range c.want {
			if !strings.Contains(c.plan, want) {
				t.Errorf("%s plan lacks %q:\n%s", c.name, want, c.plan)
			}
		}
		for _, bad := range []string{"TEMP B-TREE", "SCAN accounts", "SCAN platforms", "SCAN agencies"} {
			if strings.Contains(c.plan, bad) {
				t.Errorf("%s plan has %q:\n%s", c.name, bad, c.plan)
			}
		}
	}
}

// testPublicPlansPostgres: on PostgreSQL, with sequential scans priced out
// (the test registry is small enough for a scan to win), the lookup is a
// probe of the partial index of public accounts.
func testPublicPlansPostgres(t *testing.T, w *publicWorld) {
	var lines []string
	err := w.s.read.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN "+publicVerifyPG, 1, "x").Scan(&lines).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "accounts_public") {
		t.Errorf("verify plan does not use accounts_public:\n%s", plan)
	}
}
