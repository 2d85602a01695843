package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// accountBody is an account as the API shows it.
type accountBody struct {
	ID           int64               `json:"id"`
	Platform     accountPlatformBody `json:"platform"`
	Handle       string              `json:"handle" doc:"the handle as people write it, e.g. AkhbareFori"`
	HandleKey    string              `json:"handle_key" doc:"the normalised handle, unique per platform"`
	URL          string              `json:"url" doc:"canonical link to the account"`
	Capacity     string              `json:"capacity"`
	Status       string              `json:"status"`
	Source       string              `json:"source"`
	Verification string              `json:"verification"`
	AgencyID     int64               `json:"agency_id" doc:"the holder agency, or the holding official's agency"`
	OfficialID   *int64              `json:"official_id" doc:"null for institutional accounts"`
	Holder       holderBody          `json:"holder"`
	OpenedOn     *jsonDate           `json:"opened_on"`
	VerifiedAt   *time.Time          `json:"verified_at"`
	ClosedAt     *time.Time          `json:"closed_at"`
	// ClosureDeadline is set by a refused justification or a revoked
	// exemption.
	ClosureDeadline *jsonDate `json:"closure_deadline" doc:"the day by which the account must be closed, after a refusal or a revocation"`
	// Coverage is only in the answer for one account: lists would pay for it
	// per row.
	Coverage  *accountCoverageBody `json:"coverage,omitempty" doc:"what covers the account now; in the answer for one account, not in lists (see also /accounts/{id}/coverage)"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// accountPlatformBody names the account's platform.
type accountPlatformBody struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	Origin string `json:"origin"`
}

// holderBody is who holds an account: an agency (institutional) or an
// official (office, personal).
type holderBody struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func accountBodyOf(tz *time.Location) func(registry.AccountView) accountBody {
	return func(v registry.AccountView) accountBody {
		h := holderBody{Type: "agency", ID: v.AgencyID, Name: v.AgencyName}
		if v.OfficialID != nil {
			h = holderBody{Type: "official", ID: *v.OfficialID, Name: v.OfficialName}
		}
		return accountBody{ID: v.ID, Platform: accountPlatformBody{Code: v.PlatformCode, Name: v.PlatformName, NameEn: v.PlatformNameEn, Origin: v.Origin},
			Handle: v.Display, HandleKey: v.Handle, URL: v.URL, Capacity: v.Capacity, Status: v.Status, Source: v.Source, Verification: v.Verification,
			AgencyID: v.AgencyID, OfficialID: v.OfficialID, Holder: h, OpenedOn: dateOut(v.OpenedOn, tz), VerifiedAt: timeOut(v.VerifiedAt),
			ClosedAt: timeOut(v.ClosedAt), ClosureDeadline: dateOut(v.ClosureDeadline, tz), CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	}
}

// accountCoverageBody is, in an account's body, what covers it now.
type accountCoverageBody struct {
	Kind  string    `json:"kind" enum:"cover_kind" doc:"individual, group or none"`
	Until *jsonDate `json:"until" doc:"the last covered day; null with none or an open-ended group exemption"`
}

// oneAccountBody is the body of one account, with what covers it now.
func (s *Server) oneAccountBody(ctx context.Context, v registry.AccountView) (accountBody, error) {
	b := accountBodyOf(s.tz)(v)
	cv, err := s.store.Coverage(ctx, v.ID, s.store.Now())
	if err != nil {
		return b, err
	}
	b.Coverage = &accountCoverageBody{Kind: cv.Kind, Until: dateOut(cv.Until, s.tz)}
	return b, nil
}

// accountIn is the body of POST and PATCH on accounts. The account itself
// is a pasted url, or a platform code and a handle.
type accountIn struct {
	URL          *string     `json:"url" doc:"a link to the account, e.g. https://x.com/IRNA_en; the platform and handle are recognised from it"`
	Platform     *string     `json:"platform" doc:"platform code, with handle (or with url to insist on the platform)"`
	Handle       *string     `json:"handle" doc:"the handle on platform, with or without @"`
	Capacity     *string     `json:"capacity"`
	AgencyID     *int64      `json:"agency_id" doc:"the holder of an institutional account"`
	OfficialID   opt[int64]  `json:"official_id" doc:"the holder of an office or personal account; an official's own by default"`
	Status       *string     `json:"status" doc:"default active"`
	Source       *string     `json:"source" doc:"set by the oversight office; others' accounts get theirs"`
	Verification *string     `json:"verification" doc:"set by the oversight office; default unverified"`
	OpenedOn     opt[string] `json:"opened_on" doc:"YYYY-MM-DD" format:"date"`
}

// input merges the body onto the current account (the zero account on
// create). The account keeps its platform and handle unless url, handle or
// platform is given; an account made institutional drops its official.
func (b accountIn) input(cur registry.AccountView, tz *time.Location) (registry.AccountInput, error) {
	bad := map[string]string{}
	in := registry.AccountInput{Capacity: pick(b.Capacity, cur.Capacity), AgencyID: pick(b.AgencyID, cur.AgencyID),
		Status: pick(b.Status, cur.Status), Source: pick(b.Source, cur.Source), Verification: pick(b.Verification, cur.Verification),
		OpenedOn: dateIn(b.OpenedOn, cur.OpenedOn, "opened_on", tz, bad)}
	switch {
	case b.URL != nil:
		in.URL, in.PlatformCode = *b.URL, pick(b.Platform, "")
	case b.Handle != nil:
		in.PlatformCode, in.Handle = pick(b.Platform, cur.PlatformCode), *b.Handle
	case b.Platform != nil:
		in.PlatformCode, in.Handle = *b.Platform, cur.Display
	default:
		in.PlatformCode, in.URL = cur.PlatformCode, cur.URL
	}
	curOfficial := int64(0)
	if cur.OfficialID != nil && in.Capacity != registry.CapacityInstitutional {
		curOfficial = *cur.OfficialID
	}
	in.OfficialID = b.OfficialID.or(curOfficial)
	return in, fieldsErr(bad)
}

// accountQuery reads the account list's filters; the list and its export
// share it.
func accountQuery(q *queryReader) registry.AccountFilter {
	return registry.AccountFilter{Q: q.str("q"), AgencyID: q.agency("agency_id"), OfficialID: q.id("official_id"), Platform: q.platform("platform"),
		Origin: q.oneOf("origin", registry.Origins), Capacity: q.oneOf("capacity", registry.Capacities), Status: q.oneOf("status", registry.Statuses),
		Verification: q.oneOf("verification", registry.Verifications)}
}

func (s *Server) apiAccountList(c echo.Context) error {
	q := s.apiQuery(c)
	f := accountQuery(q)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Accounts(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, accountBodyOf(s.tz))
}

func (s *Server) apiAccountCreate(c echo.Context) error {
	var b accountIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !b.OfficialID.Set && a.OfficialID != 0 && pick(b.Capacity, "") != registry.CapacityInstitutional {
		b.OfficialID = opt[int64]{Set: true, V: a.OfficialID} // an official declares their own account
	}
	in, err := b.input(registry.AccountView{}, s.tz)
	if err != nil {
		return err
	}
	v, err := s.store.CreateAccount(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return apiCreated(c, "accounts", v.ID, accountBodyOf(s.tz)(*v))
}

func (s *Server) apiAccountGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.store.Account(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	b, err := s.oneAccountBody(c.Request().Context(), *v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) apiAccountUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b accountIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cur, err := s.store.Account(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	in, err := b.input(*cur, s.tz)
	if err != nil {
		return err
	}
	v, err := s.store.UpdateAccount(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, accountBodyOf(s.tz)(*v))
}

func (s *Server) apiAccountDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteAccount(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
