package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// Privacy: the public page that declares every personal field Hozur holds,
// an official's "my data" page, and the access export (everything held
// about an official, as JSON) for the official, the oversight office and
// auditors, in the UI and the API.

// erasurePath is the form on which an official asks for erasure; the pages
// link to it only if the route exists.
const erasurePath = "/erasure-requests/new"

// myDataKinds are the declaration's record kinds that hold an official's
// own data, shown on their "my data" page.
var myDataKinds = []string{registry.PrivacyOfficial, registry.PrivacyAccount, registry.PrivacyJustification, registry.PrivacyExemption,
	registry.PrivacyUser, registry.PrivacySignIn, registry.PrivacyAudit, registry.PrivacyMail, registry.PrivacyErasure}

// privacyTerms are the configured periods the declaration's retention
// texts state.
func (s *Server) privacyTerms() registry.PrivacyTerms {
	return registry.PrivacyTerms{SessionIdle: s.cfg.Session.IdleTimeout, SessionLifetime: s.cfg.Session.Lifetime, LoginWindow: s.cfg.Security.LoginWindow,
		LeftOfficeMonths: s.cfg.Privacy.LeftOfficeMonths, ClosedAccountMonths: s.cfg.Privacy.ClosedAccountMonths}
}

// declarationGroup is the declared fields of one record kind, in the
// reader's language.
type declarationGroup struct {
	Kind   string
	Fields []declarationRow
}

type declarationRow struct {
	Field                           string // table.column
	What, Purpose, Basis, Retention string
	Encrypted, Hashed               bool
}

// declarationGroups groups the declaration by kind, in display order, only
// the given kinds if any.
func declarationGroups(decl []registry.PersonalField, lang string, kinds ...string) []declarationGroup {
	var out []declarationGroup
	for _, kind := range registry.PrivacyKinds {
		if len(kinds) > 0 && !slices.Contains(kinds, kind) {
			continue
		}
		g := declarationGroup{Kind: kind}
		for _, f := range decl {
			if f.Kind == kind {
				g.Fields = append(g.Fields, declarationRow{Field: f.Table + "." + f.Column, What: f.What.In(lang), Purpose: f.Purpose.In(lang),
					Basis: f.Basis.In(lang), Retention: f.Retention.In(lang), Encrypted: f.Encrypted, Hashed: f.Hashed})
			}
		}
		if len(g.Fields) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// hasRoute reports whether the router has a route, for links to pages
// other changes provide.
func (s *Server) hasRoute(method, path string) bool {
	for _, r := range s.echo.Routes() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

// erasureForm is the erasure request form's address, "" if there is none.
func (s *Server) erasureForm() string {
	if s.hasRoute(http.MethodGet, erasurePath) {
		return erasurePath
	}
	return ""
}

type privacyData struct {
	Groups []declarationGroup
	// Office are the oversight office's addresses (mail.office).
	Office []string
	// Erasure is the erasure request form's address, if there is one.
	Erasure string
	// MyData: the reader is an official with a record, who has a "my
	// data" page.
	MyData bool
}

// privacyPage answers GET /privacy, signed in or not.
func (s *Server) privacyPage(c echo.Context) error {
	p := s.page(c, "privacy", "privacy.title")
	p.Data = privacyData{Groups: declarationGroups(registry.Declaration(s.privacyTerms()), p.L.Lang), Office: s.cfg.Mail.Office,
		Erasure: s.erasureForm(), MyData: p.User != nil && ownsData(p.Actor)}
	return s.render(c, http.StatusOK, "privacy", p)
}

// ownsData reports whether the actor is an official with a record: the one
// whose "my data" page is theirs.
func ownsData(a registry.Actor) bool { return a.Role == registry.RoleOfficial && a.OfficialID != 0 }

type myDataData struct {
	Groups  []declarationGroup
	Counts  []registry.AccessCount
	Erasure string // the erasure request form's address, if there is one
}

// myDataPage answers GET /my-data: what is held about the signed-in
// official, and the download.
func (s *Server) myDataPage(c echo.Context) error {
	a := actorOf(c)
	if !ownsData(a) {
		return registry.ErrForbidden
	}
	counts, err := s.store.AccessSummary(c.Request().Context(), a, a.OfficialID)
	if err != nil {
		return err
	}
	p := s.page(c, "my_data", "mydata.title")
	p.Data = myDataData{Groups: declarationGroups(registry.Declaration(s.privacyTerms()), p.L.Lang, myDataKinds...), Counts: counts,
		Erasure: s.erasureForm()}
	return s.render(c, http.StatusOK, "my_data", p)
}

// myDataExport answers GET /my-data/export: the signed-in official's own
// data, as a JSON file.
func (s *Server) myDataExport(c echo.Context) error {
	a := actorOf(c)
	if !ownsData(a) {
		return registry.ErrForbidden
	}
	return s.sendDataExport(c, a.OfficialID, "hozur-my-data")
}

// officialDataExport answers GET /officials/:id/data-export, for the
// oversight office and auditors (and the official themselves).
func (s *Server) officialDataExport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.sendDataExport(c, id, fmt.Sprintf("hozur-official-%d-data", id))
}

// sendDataExport exports an official's data as a JSON attachment named
// name-YYYY-MM-DD.json.
func (s *Server) sendDataExport(c echo.Context, officialID int64, name string) error {
	rec, err := s.store.AccessExport(c.Request().Context(), actorOf(c), officialID, s.privacyTerms())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(dataExportBodyOf(rec), "", "  ")
	if err != nil {
		return err
	}
	name += "-" + s.store.Now().In(s.tz).Format(time.DateOnly) + ".json"
	h := c.Response().Header()
	h.Set("Content-Disposition", "attachment; filename=\""+name+"\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// apiOfficialDataExport answers GET /api/v1/officials/:id/data-export.
func (s *Server) apiOfficialDataExport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	rec, err := s.store.AccessExport(c.Request().Context(), actorOf(c), id, s.privacyTerms())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, dataExportBodyOf(rec))
}

// CanExportData lets the official's page offer the access export.
func (p *Page) CanExportData(officialID int64, agencyPath string) bool {
	return p.User != nil && p.Actor.Can(registry.ActionView, registry.Target{Resource: registry.ResPersonalData, AgencyPath: agencyPath, OfficialID: officialID})
}

// dataExportBody is the access export as the API and the download show it.
type dataExportBody struct {
	GeneratedAt     time.Time           `json:"generated_at"`
	OfficialID      int64               `json:"official_id"`
	Official        registry.Row        `json:"official" doc:"the official's record, every stored field (contact details decrypted); erased: their data key was destroyed"`
	Users           []registry.Row      `json:"users" doc:"their user accounts, without password hashes"`
	Accounts        []registry.Row      `json:"accounts" doc:"every account they hold, of any capacity"`
	Justifications  []registry.Row      `json:"justifications" doc:"about their accounts or filed by them, each with its conversation under notes"`
	Exemptions      []registry.Row      `json:"exemptions"`
	GroupExemptions []registry.Row      `json:"group_exemptions" doc:"in force and covering one of their accounts; account_ids names which"`
	Handovers       []registry.Row      `json:"handovers" doc:"office accounts passed to or from them"`
	Flags           []registry.Row      `json:"flags" doc:"the monitor's findings about them, their accounts or their justifications"`
	Notifications   []registry.Row      `json:"notifications" doc:"addressed to their users"`
	ErasureRequests []registry.Row      `json:"erasure_requests" doc:"requests to erase their data, with what was written (empty once erased)"`
	AuditEvents     []registry.Row      `json:"audit_events" doc:"about their records or caused by their users, oldest first"`
	AuditCapped     bool                `json:"audit_events_capped" doc:"true: only the newest 10,000 audit events are here; ask the oversight office for the rest"`
	Declaration     []personalFieldBody `json:"declaration" doc:"every personal field Hozur holds: what, why, legal basis, retention, encrypted"`
}

// personalFieldBody is one item of the declaration.
type personalFieldBody struct {
	Kind      string   `json:"kind" enum:"-" doc:"record kind, e.g. official, account, justification"`
	Table     string   `json:"table"`
	Column    string   `json:"column"`
	What      textBody `json:"what"`
	Purpose   textBody `json:"purpose"`
	Basis     textBody `json:"legal_basis"`
	Retention textBody `json:"retention"`
	Encrypted bool     `json:"encrypted" doc:"sealed at rest with the official's own data key"`
	Hashed    bool     `json:"hashed" doc:"stored only as a one-way keyed hash, for exact-match lookups"`
}

// textBody is a text in both languages.
type textBody struct {
	Fa string `json:"fa"`
	En string `json:"en"`
}

func dataExportBodyOf(r *registry.AccessRecord) dataExportBody {
	b := dataExportBody{GeneratedAt: r.GeneratedAt.UTC(), OfficialID: r.OfficialID, Official: r.Official, Users: r.Users, Accounts: r.Accounts,
		Justifications: r.Justifications, Exemptions: r.Exemptions, GroupExemptions: r.GroupExemptions, Handovers: r.Handovers,
		Flags: r.Flags, Notifications: r.Notifications, ErasureRequests: r.ErasureRequests, AuditEvents: r.AuditEvents, AuditCapped: r.AuditCapped,
		Declaration: make([]personalFieldBody, len(r.Declaration))}
	for i, f := range r.Declaration {
		b.Declaration[i] = personalFieldBody{Kind: f.Kind, Table: f.Table, Column: f.Column, What: textBody(f.What), Purpose: textBody(f.Purpose),
			Basis: textBody(f.Basis), Retention: textBody(f.Retention), Encrypted: f.Encrypted, Hashed: f.Hashed}
	}
	return b
}

// privacyAPI is the access export's entry in the API document.
func privacyAPI() apiResource {
	return apiResource{Path: "privacy", Schema: "OfficialDataExport", Plural: "OfficialDataExports", Ops: []string{},
		Note: "Access on request (the privacy directive): everything Hozur holds about an official, in one JSON document, with the " +
			"declaration of every personal field (what, why, legal basis, retention, whether encrypted). The official themselves, " +
			"reviewers, administrators and auditors may export it; liaisons may not. Records are objects of their stored columns. " +
			"Each export is recorded in the audit trail (action access_export).",
		Actions: []apiAction{{Method: "GET", Path: "/officials/{id}/data-export", OpID: "exportOfficialData", Tag: "privacy",
			Summary: "Everything held about an official, as JSON", Answer: "OfficialDataExport", Body: reflect.TypeFor[dataExportBody](),
			Desc: "The official's data.", Errors: []string{"403", "404"}}}}
}
