package web

import (
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// erasureBody is an erasure request as the API shows it.
type erasureBody struct {
	ID             int64      `json:"id"`
	OfficialID     int64      `json:"official_id"`
	OfficialName   string     `json:"official_name" doc:"empty once all of the official's personal data is erased"`
	Position       string     `json:"position" doc:"the office; it stays after an erasure"`
	AgencyID       int64      `json:"agency_id"`
	Erased         bool       `json:"erased" doc:"the official's personal data is erased for good (scope all): their data key is destroyed"`
	Scope          string     `json:"scope" enum:"erasure_scope" doc:"all: everything personal; contact: the e-mail address and phone number only"`
	Details        string     `json:"details" doc:"what the requester wrote; empty once erased"`
	State          string     `json:"state" enum:"erasure_state"`
	RequestedBy    *int64     `json:"requested_by" doc:"the user who asked"`
	Requester      string     `json:"requester" doc:"their username"`
	RequestedAt    time.Time  `json:"requested_at"`
	DecidedBy      *int64     `json:"decided_by"`
	Decider        string     `json:"decider" doc:"the deciding reviewer's username"`
	DecidedAt      *time.Time `json:"decided_at" doc:"the latest decision; a held request may be decided again"`
	DecisionReason string     `json:"decision_reason" doc:"the legal hold's reason"`
	Blockers       []string   `json:"blockers,omitempty" doc:"one request, open, to whoever may decide it: what argues for a legal hold: flags (open high-severity flags about the official), serving (still in office)"`
}

func erasureBodyOf(v registry.ErasureView) erasureBody {
	return erasureBody{ID: v.ID, OfficialID: v.OfficialID, OfficialName: v.OfficialName, Position: v.Position, AgencyID: v.AgencyID, Erased: v.Erased,
		Scope: v.Scope, Details: v.Details, State: v.State, RequestedBy: v.RequestedBy, Requester: v.Requester, RequestedAt: v.RequestedAt.UTC(),
		DecidedBy: v.DecidedBy, Decider: v.Decider, DecidedAt: timeOut(v.DecidedAt), DecisionReason: v.DecisionReason}
}

// erasureIn asks for an erasure.
type erasureIn struct {
	OfficialID *int64 `json:"official_id" doc:"the official; an official's own token may leave it out"`
	Scope      string `json:"scope" enum:"erasure_scope"`
	Details    string `json:"details" doc:"anything the office should know, up to 2,000 characters"`
}

// erasureDecisionIn decides a request.
type erasureDecisionIn struct {
	Erase  *bool  `json:"erase" doc:"true: erase now; false: record a legal hold"`
	Reason string `json:"reason" doc:"the legal hold's reason; required when erase is false"`
}

// erasureAPI is erasure on request, for the OpenAPI document.
func erasureAPI() apiResource {
	return apiResource{Path: "erasure-requests", Schema: "ErasureRequest", Plural: "ErasureRequests", Body: reflect.TypeFor[erasureBody](),
		Input: reflect.TypeFor[erasureIn](), Required: []string{"scope"}, Sorts: []string{"-id", "id"}, Ops: []string{"list", "create", "get"},
		Note: "Erasure of an official's personal data on request. Officials ask for themselves, liaisons for officials of their agency " +
			"and its sub-agencies, administrators for anyone; one request per official is open (pending or held) at a time (409). " +
			"Reviewers and administrators decide: erase, or record a legal hold with its reason; a held request may be decided " +
			"again, a completed one not (409); nobody decides a request about themselves (403). Scope all destroys the " +
			"official's data key, so their contact details, employee code, statements and answers can no longer be read " +
			"anywhere, and clears their name and personal accounts' handles; the records, counts and audit trail stay. " +
			"Scope contact clears the e-mail address and phone number. The requester is notified (erasure_held, erasure_completed).",
		Filters: []apiParam{
			{Name: "state", Type: "string", Enum: erasureStates},
			{Name: "official_id", Type: "integer"},
		},
		Actions: []apiAction{{Method: "POST", Path: "/erasure-requests/{id}/decision", OpID: "decideErasureRequest",
			Summary: "Erase now, or record a legal hold with its reason", Input: reflect.TypeFor[erasureDecisionIn](), InName: "ErasureDecision",
			Required: []string{"erase"}, Answer: "ErasureRequest", Desc: "The request, decided.", Errors: []string{"400", "403", "404", "409", "422"}}}}
}

func (s *Server) apiErasureList(c echo.Context) error {
	q := s.apiQuery(c)
	f := registry.ErasureFilter{State: q.oneOf("state", erasureStates), OfficialID: q.id("official_id")}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.ErasureRequests(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, erasureBodyOf)
}

func (s *Server) apiErasureCreate(c echo.Context) error {
	var b erasureIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	v, err := s.store.RequestErasure(c.Request().Context(), actorOf(c), registry.ErasureInput{OfficialID: pick(b.OfficialID, 0), Scope: b.Scope,
		Details: b.Details})
	if err != nil {
		return err
	}
	return apiCreated(c, "erasure-requests", v.ID, erasureBodyOf(*v))
}

// erasureAnswer is one request with, for whoever may decide it while it is
// open, what argues for a hold.
func (s *Server) erasureAnswer(c echo.Context, v *registry.ErasureView) error {
	b := erasureBodyOf(*v)
	a := actorOf(c)
	if v.State != registry.ErasureCompleted && a.Can(registry.ActionDecide, erasureTarget(v)) {
		keys, err := s.store.ErasureBlockers(c.Request().Context(), v.OfficialID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			b.Blockers = append(b.Blockers, strings.TrimPrefix(k, "erasure.blocker_"))
		}
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) apiErasureGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.store.ErasureRequestOf(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.erasureAnswer(c, v)
}

func (s *Server) apiErasureDecide(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !actorOf(c).MayEver(registry.ActionDecide, registry.ResErasure) {
		return registry.ErrForbidden
	}
	var b erasureDecisionIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Erase == nil {
		return fieldsErr(map[string]string{"erase": "erasure.erase_required"})
	}
	v, err := s.store.DecideErasure(c.Request().Context(), actorOf(c), id, registry.ErasureDecision{Erase: *b.Erase, Reason: b.Reason})
	if err != nil {
		return err
	}
	return s.erasureAnswer(c, v)
}
