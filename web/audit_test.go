package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hozur/registry"
	"hozur/web/locale"
)

// auditWorld is the fixture plus a few events with a person, an IP and a
// change behind them: root renames an agency, and removes an official.
type auditWorld struct {
	*apiWorld
	gone int64 // the removed official
}

func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	w := &auditWorld{apiWorld: newAPIWorld(t)}
	ctx := context.Background()
	root := w.f.Users[registry.RoleAdmin]
	as := registry.Actor{UserID: root.ID, Username: root.Username, Role: registry.RoleAdmin, IP: "10.1.2.3"}
	if _, err := w.store.UpdateAgency(ctx, as, w.f.Other.ID, registry.AgencyInput{Code: "MIN-ENERGY", Name: "وزارت نیرو",
		NameEn: "Ministry of Energy and Water", Kind: registry.KindMinistry}); err != nil {
		t.Fatal(err)
	}
	o, err := w.store.CreateOfficial(ctx, as, registry.OfficialInput{AgencyID: w.f.Other.ID, Name: "رضا رضایی", Position: "مشاور", Rank: 4, Serving: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.DeleteOfficial(ctx, as, o.ID); err != nil {
		t.Fatal(err)
	}
	w.gone = o.ID
	return w
}

// today is the server's day in the Solar Hijri form the pages take.
func today(t *testing.T, shift int) string {
	t.Helper()
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := time.Now().In(tehran).AddDate(0, 0, shift)
	return cat.For("fa", tehran).NumericDate(&d)
}

var auditRowRE = regexp.MustCompile(`<tr id="event-(\d+)">`)

func auditRowIDs(body string) []string {
	var ids []string
	for _, m := range auditRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestAuditPageAccess(t *testing.T) {
	w := newAuditWorld(t)
	for _, tc := range []struct {
		role   registry.Role
		status int
	}{
		{registry.RoleAdmin, 200}, {registry.RoleReviewer, 200}, {registry.RoleAuditor, 200},
		{registry.RoleLiaison, 403}, {registry.RoleOfficial, 403},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			b := w.signedIn(w.f, tc.role)
			status, body := b.get("/audit")
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			_, home := b.get("/")
			if tc.status == 200 {
				mustContain(t, home, `href="/audit"`, msg(t, "fa", "nav.audit"))
				mustContain(t, body, `id="audit-events"`)
			} else {
				mustNotContain(t, home, `href="/audit"`)
			}
		})
	}
	if status, _ := w.browser().get("/audit"); status != http.StatusSeeOther && status != http.StatusFound {
		t.Errorf("anonymous: %d", status)
	}
}

func TestAuditPageRows(t *testing.T) {
	w := newAuditWorld(t)
	b := w.signedIn(w.f, registry.RoleAuditor)
	status, body := b.get("/audit?actor=root")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	ids := auditRowIDs(body)
	if len(ids) != 3 {
		t.Fatalf("root's events: %v", ids)
	}
	// Newest first: the deleted official, its creation, the renamed agency.
	row := body[strings.Index(body, `<tr id="event-`+ids[2]+`">`):]
	row = row[:strings.Index(row, "</tr>")]
	mustContain(t, row, ">root<", "10.1.2.3", msg(t, "fa", "audit.action.update"), msg(t, "fa", "audit.entity.agency"),
		fmt.Sprintf(`href="/agencies/%d" dir="auto">وزارت نیرو</a>`, w.f.Other.ID), msg(t, "fa", "audit.field.name_en")+":",
		"<bdi>Ministry of Energy</bdi>", "<bdi>Ministry of Energy and Water</bdi>", msg(t, "fa", "audit.arrow"))
	mustNotContain(t, row, "name_en", `["`, "&#34;") // a readable line, not JSON
	if !regexp.MustCompile(`[۰-۹]{4}`).MatchString(row) || !strings.Contains(row, " ۱۴") {
		t.Errorf("time is not in Solar Hijri with Persian digits: %s", row)
	}
	// A record that is gone is named, not linked.
	gone := body[strings.Index(body, `<tr id="event-`+ids[0]+`">`):]
	gone = gone[:strings.Index(gone, "</tr>")]
	mustContain(t, gone, msg(t, "fa", "audit.action.delete"), "<bdi>"+msg(t, "fa", "audit.number", "n", w.gone)+"</bdi>")
	mustNotContain(t, gone, fmt.Sprintf(`href="/officials/%d"`, w.gone))

	// In English the arrow points the other way.
	b.setLang("en")
	_, body = b.get("/audit?actor=root&action=update")
	mustContain(t, body, "English name:", "<bdi>Ministry of Energy</bdi> <span aria-hidden=\"true\">→</span>", ">Ministry of Energy and Water</a>")
}

func TestAuditPageFilters(t *testing.T) {
	w := newAuditWorld(t)
	b := w.signedIn(w.f, registry.RoleReviewer)
	count := func(q string) int {
		t.Helper()
		status, body := b.get("/audit?" + q)
		if status != 200 {
			t.Fatalf("%s: status %d", q, status)
		}
		return len(auditRowIDs(body))
	}
	all := count("per_page=200")
	if all < 15 {
		t.Fatalf("only %d events", all)
	}
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"actor=ROOT", 3},
		{"entity=official", 4}, // two of the fixture, one made and removed
		{"entity=agency&entity_id=" + id(w.f.Other.ID), 2},
		{"action=delete", 1},
		{"action=update&actor=root", 1},
		{"from=" + url.QueryEscape(today(t, 0)) + "&per_page=200", all},
		{"from=" + url.QueryEscape(today(t, 1)), 0},
		{"to=" + url.QueryEscape(today(t, -1)), 0},
		{"from=" + time.Now().AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + time.Now().AddDate(0, 0, 1).Format(time.DateOnly) + "&per_page=200", all},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d events, want %d", tc.q, got, tc.want)
		}
	}
	// A date that is no date is a field error, not a failure.
	status, body := b.get("/audit?from=1403/13/40")
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: status %d", status)
	}
	mustContain(t, body, `href="#f-from"`, msg(t, "fa", "error.date"))
	status, body = b.get("/audit?from=" + url.QueryEscape(today(t, 0)) + "&to=" + url.QueryEscape(today(t, -2)))
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("to before from: status %d", status)
	}
	mustContain(t, body, msg(t, "fa", "error.end_before_start"))

	// Keyset paging: each event once, newest first.
	var seen []string
	next := "/audit?per_page=7"
	for next != "" {
		_, body := b.get(next)
		seen = append(seen, auditRowIDs(body)...)
		next = ""
		if m := regexp.MustCompile(`href="(\?[^"]*cursor=[^"]+)" rel="next"`).FindStringSubmatch(body); m != nil {
			next = "/audit" + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	once := map[string]bool{}
	for _, s := range seen {
		once[s] = true
	}
	if len(seen) != all || len(once) != all {
		t.Errorf("paged %d of %d events: %v", len(seen), all, seen)
	}
}

func TestRecordHistory(t *testing.T) {
	w := newAuditWorld(t)
	acc := w.account(registry.AccountInput{URL: "https://x.com/irna_en", Capacity: registry.CapacityInstitutional, AgencyID: w.f.Province.ID})
	pages := map[string]string{
		"account":  "/accounts/" + id(acc.ID),
		"official": "/officials/" + id(w.f.Official.ID),
		"agency":   "/agencies/" + id(w.f.Other.ID),
	}
	for _, role := range []registry.Role{registry.RoleReviewer, registry.RoleAuditor, registry.RoleAdmin, registry.RoleLiaison} {
		b := w.signedIn(w.f, role)
		for entity, page := range pages {
			t.Run(string(role)+" "+entity, func(t *testing.T) {
				status, body := b.get(page)
				if status != 200 {
					t.Fatalf("status %d", status)
				}
				if role == registry.RoleLiaison {
					mustNotContain(t, body, `id="history"`, msg(t, "fa", "history.title"))
					return
				}
				mustContain(t, body, `id="history"`, msg(t, "fa", "history.title"), msg(t, "fa", "audit.action.create"),
					`href="/audit?entity=`+entity+`&amp;entity_id=`)
			})
		}
	}
	_, body := w.signedIn(w.f, registry.RoleReviewer).get(pages["agency"])
	mustContain(t, body, "<bdi>Ministry of Energy and Water</bdi>", ">root<")
}

func TestAuditAPI(t *testing.T) {
	w := newAuditWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	day := time.Now().In(w.srv.tz).Format(time.DateOnly)
	cases := []struct {
		name   string
		role   registry.Role
		url    string
		status int
		check  func(t *testing.T, items []map[string]any)
	}{
		{"all", registry.RoleAuditor, "/api/v1/audit-events?per_page=200", 200, func(t *testing.T, items []map[string]any) {
			if len(items) < 15 {
				t.Errorf("%d events", len(items))
			}
			for i, it := range items {
				if h, _ := it["hash"].(string); len(h) != 64 {
					t.Errorf("item %d: hash %v", i, it["hash"])
				}
				if i+1 < len(items) && it["prev_hash"] != items[i+1]["hash"] {
					t.Errorf("item %d does not follow item %d", i, i+1)
				}
			}
		}},
		{"by actor", registry.RoleReviewer, "/api/v1/audit-events?actor=root&action=update", 200, func(t *testing.T, items []map[string]any) {
			if len(items) != 1 {
				t.Fatalf("%d events", len(items))
			}
			ch, _ := items[0]["change"].(map[string]any)
			if fmt.Sprint(ch["name_en"]) != "[Ministry of Energy Ministry of Energy and Water]" || items[0]["ip"] != "10.1.2.3" ||
				items[0]["entity"] != "agency" || items[0]["actor"] != "root" || items[0]["actor_id"] == nil {
				t.Errorf("%v", items[0])
			}
		}},
		{"by record", registry.RoleAdmin, "/api/v1/audit-events?entity=agency&entity_id=" + id(w.f.Other.ID), 200, func(t *testing.T, items []map[string]any) {
			if len(items) != 2 || items[1]["action"] != "create" || items[1]["actor_id"] != nil {
				t.Errorf("%v", items)
			}
		}},
		{"by day", registry.RoleAuditor, "/api/v1/audit-events?from=" + day + "&to=" + day + "&action=delete", 200, func(t *testing.T, items []map[string]any) {
			if len(items) != 1 {
				t.Errorf("%v", items)
			}
		}},
		{"a day after", registry.RoleAuditor, "/api/v1/audit-events?from=" + time.Now().AddDate(0, 0, 2).Format(time.DateOnly), 200, func(t *testing.T, items []map[string]any) {
			if len(items) != 0 {
				t.Errorf("%v", items)
			}
		}},
		{"bad day", registry.RoleAuditor, "/api/v1/audit-events?from=1403/01/01", 422, nil},
		{"liaison", registry.RoleLiaison, "/api/v1/audit-events", 403, nil},
		{"official", registry.RoleOfficial, "/api/v1/audit-events?from=nonsense", 403, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.do(tc.role, "GET", tc.url, "")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if err := validateResponse(t, doc, "GET", "/audit-events", tc.url, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("response does not match the document: %v\n%.500s", err, body)
			}
			if tc.check == nil {
				return
			}
			var list struct {
				Items []map[string]any `json:"items"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatal(err)
			}
			tc.check(t, list.Items)
		})
	}
	// Paging with the cursor walks every event once.
	seen, cursor := 0, ""
	for range 100 {
		_, body := w.do(registry.RoleAuditor, "GET", "/api/v1/audit-events?per_page=5&cursor="+url.QueryEscape(cursor), "")
		var list struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		seen += len(list.Items)
		if cursor = list.NextCursor; cursor == "" {
			break
		}
	}
	_, body := w.do(registry.RoleAuditor, "GET", "/api/v1/audit-events?per_page=200", "")
	if n := strings.Count(body, `"hash":`); seen != n {
		t.Errorf("paged %d events of %d", seen, n)
	}
}
