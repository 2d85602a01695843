package registry

import (
	"fmt"
	"slices"
	"testing"
)

// TestAccountSearchDenseMatchesGathered: a search whose holder names match
// many officials checks each account as the list reads it; the page it
// gives, page after page in every order, is the one the search that
// gathers the matches first gives.
func TestAccountSearchDenseMatchesGathered(t *testing.T) {
	w := newWorld(t, nil)
	for i := range 23 {
		in := AccountInput{URL: fmt.Sprintf("eitaa.com/acct_%02d", i), Capacity: CapacityOffice, OfficialID: w.official.ID}
		switch {
		case i%3 == 0:
			in = AccountInput{URL: fmt.Sprintf("x.com/oil_%02d", i), Capacity: CapacityInstitutional, AgencyID: w.b.ID}
		case i%4 == 0:
			in = AccountInput{URL: fmt.Sprintf("instagram.com/acct_%02d", i), Capacity: CapacityOffice, OfficialID: w.official.ID}
		}
		must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, in))
	}
	all := func(f AccountFilter, sort string) []int64 {
		var ids []int64
		p := Page{PerPage: 4, Sort: sort}
		for {
			res := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, f, p))
			for _, a := range res.Items {
				ids = append(ids, a.ID)
			}
			if res.Next == "" {
				return ids
			}
			p.Cursor = res.Next
		}
	}
	defer func(n int) { searchDenseAt = n }(searchDenseAt)
	for _, f := range []AccountFilter{
		{Q: "مليكا"}, {Q: "رضایی", Origin: OriginForeign}, {Q: "رضایی", Origin: OriginDomestic, Status: StatusActive},
		{Q: "وزارت نفت"}, {Q: "@ACCT_1"}, {Q: "acct", Platform: "instagram"}, {Q: "نیست"},
	} {
		for _, sort := range []string{"", "id", "handle", "-handle"} {
			searchDenseAt = 1 << 30
			gathered := all(f, sort)
			searchDenseAt = -1 // dense even when no official matches
			dense := all(f, sort)
			if !slices.Equal(gathered, dense) {
				t.Errorf("%+v sorted %q: gathered %v, dense %v", f, sort, gathered, dense)
			}
			if f.Q != "نیست" && len(gathered) == 0 {
				t.Errorf("%+v: nothing found", f)
			}
		}
	}
}
