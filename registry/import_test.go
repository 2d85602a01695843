package registry

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"hozur/registry/sheet"
)

func readSheet(t *testing.T, name, text string) *sheet.Table {
	t.Helper()
	tab, err := sheet.Read(strings.NewReader(text), name, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func issueSet(r *ImportResult) []string {
	var out []string
	for _, is := range r.Issues {
		out = append(out, strings.Join([]string{strconv.Itoa(is.Line), is.Column, is.Key}, "|"))
	}
	return out
}

// A messy office file: Windows-1256, semicolons, Arabic ي/ك, Persian
// headers in their own order, Jalali dates in Persian digits, a quoted
// field with a newline, trailing empty rows and columns, and bad rows.
func TestImportAccountsMessyFile(t *testing.T) {
	w := newWorld(t, nil)
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.official.ID, OfficialInput{AgencyID: w.sub.ID, Name: w.official.Name, Position: w.official.Position,
		Rank: 3, Serving: true, EmployeeCode: "7781"}))
	text := "وضعیت;عنوان حساب;نشانی;کد سازمان;کد کارمندی مقام;تاریخ ایجاد;;\r\n" +
		"فعال;سازماني;https://t.me/ict_news;min-ict;;۱۴۰۲/۰۱/۲۱;;\r\n" +
		"active;office;\"https://instagram.com/melika.rezaei\";;۷۷۸۱;2023-04-10;;\r\n" +
		"فعال;سازمانی;https://t.me/ict_news;MIN-ICT;;;;\r\n" + // duplicate of row 2
		"فعال;نامعلوم;https://t.me/other;MIN-ICT;;;;\r\n" + // bad capacity
		"فعال;سازمانی;https://t.me/joinchat/AAAA;MIN-ICT;;;;\r\n" + // invite link
		"فعال;سازمانی;https://t.me/third;NOPE;;1402/13/01;;\r\n" + // unknown agency, bad date
		";;;;;;;\r\n;;;;;;;\r\n"
	// Windows-1256 has no Persian ی nor Persian digits: offices' files
	// carry the Arabic ي and ASCII digits.
	arabic := strings.NewReplacer("ی", "ي", "۱۴۰۲/۰۱/۲۱", "1402/01/21", "۷۷۸۱", "7781")
	enc, err := charmap.Windows1256.NewEncoder().String(arabic.Replace(text))
	if err != nil {
		t.Fatal(err)
	}
	tab := readSheet(t, "accounts.csv", enc)
	if tab.Encoding != sheet.EncodingWin1256 || tab.Delimiter != ';' {
		t.Fatalf("read as %s with %q", tab.Encoding, tab.Delimiter)
	}
	res, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4|نشانی|import.duplicate_row", "5|عنوان حساب|import.not_allowed", "6|نشانی|link.not_account.invite",
		"7|تاریخ ایجاد|import.bad_date", "7|کد سازمان|import.unknown_agency"}
	for i := range want {
		want[i] = arabic.Replace(want[i])
	}
	got := issueSet(res)
	if strings.Join(sortCopy(got), "\n") != strings.Join(sortCopy(want), "\n") {
		t.Fatalf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Bad != 4 || res.Created != 2 || res.Rows != 6 {
		t.Fatalf("result %+v", res)
	}
	// Applying the whole file writes nothing.
	if _, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts}); !errors.Is(err, ErrImportRejected) {
		t.Fatalf("apply with bad rows: %v", err)
	}
	var n int64
	w.s.rdb(ctxb()).Model(&Account{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d accounts written by a rejected import", n)
	}
	// Only the good rows.
	res, err = w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, GoodOnly: true})
	if err != nil || !res.Applied || res.Created != 2 {
		t.Fatalf("good only: %+v %v", res, err)
	}
	list := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, AccountFilter{}, Page{PerPage: 10}))
	if len(list.Items) != 2 {
		t.Fatalf("%d accounts", len(list.Items))
	}
	for _, a := range list.Items {
		switch a.Handle {
		case "ict_news":
			if a.Capacity != CapacityInstitutional || a.AgencyID != w.ministry.ID || a.OpenedOn == nil || a.OpenedOn.UTC().Format("2006-01-02") != "2023-04-09" {
				t.Errorf("institutional: %+v opened %v", a.Account, a.OpenedOn)
			}
		case "melika.rezaei":
			if a.OfficialID == nil || *a.OfficialID != w.official.ID || a.AgencyAt1 == nil || *a.AgencyAt1 != w.sub.ID {
				t.Errorf("office: %+v", a.Account)
			}
		default:
			t.Errorf("unexpected %s", a.Handle)
		}
	}
	// Again: nothing changes.
	res, err = w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, GoodOnly: true})
	if err != nil || res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	ok, err := w.s.VerifyAudit(ctxb(), nil)
	if err != nil || !ok.OK() {
		t.Fatalf("audit chain after import: %+v %v", ok, err)
	}
}

func sortCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
