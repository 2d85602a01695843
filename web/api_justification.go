package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// justificationBody is a justification as the API shows it.
type justificationBody struct {
	ID              int64                    `json:"id"`
	AccountID       int64                    `json:"account_id"`
	Account         justificationAccountBody `json:"account"`
	Grounds         string                   `json:"grounds"`
	Statement       string                   `json:"statement"`
	RequestedUntil  *jsonDate                `json:"requested_until" doc:"the last day the filer asks to be covered"`
	State           string                   `json:"state"`
	FiledBy         *int64                   `json:"filed_by" doc:"the user who drafted it"`
	SubmittedAt     *time.Time               `json:"submitted_at" doc:"the latest submission"`
	InfoRequestedAt *time.Time               `json:"info_requested_at" doc:"the latest request for information"`
	DecidedAt       *time.Time               `json:"decided_at"`
	DecidedBy       *int64                   `json:"decided_by" doc:"the reviewer who approved or rejected it"`
	DecisionNote    string                   `json:"decision_note"`
	RenewsID        *int64                   `json:"renews_id" doc:"the exemption, valid when this was filed, that an approval continues without a gap"`
	Notes           []noteBody               `json:"notes" doc:"the conversation, oldest first: questions, answers, the decision; empty in lists"`
	NextStates      []string                 `json:"next_states" doc:"the states the token's user may move it to now"`
	CreatedAt       time.Time                `json:"created_at"`
	UpdatedAt       time.Time                `json:"updated_at"`
}

// justificationAccountBody names the account a justification is about.
type justificationAccountBody struct {
	ID       int64  `json:"id"`
	Handle   string `json:"handle"`
	Platform string `json:"platform" doc:"platform code"`
}

// noteBody is one message of a justification's conversation.
type noteBody struct {
	Kind   string    `json:"kind" enum:"note_kind"`
	Body   string    `json:"body"`
	Author string    `json:"author" doc:"the writer's username"`
	At     time.Time `json:"at"`
}

// noteKinds are the kinds of a justification's notes.
var noteKinds = []string{registry.NoteQuestion, registry.NoteAnswer, registry.NoteDecision, registry.NoteWithdraw}

// transitionTargets are the states a transition may name.
var transitionTargets = []string{registry.StateSubmitted, registry.StateInfoRequested, registry.StateApproved, registry.StateRejected, registry.StateWithdrawn}

func justificationBodyOf(a registry.Actor, tz *time.Location) func(registry.JustificationView) justificationBody {
	return func(v registry.JustificationView) justificationBody {
		notes := make([]noteBody, 0, len(v.Notes))
		for _, n := range v.Notes {
			notes = append(notes, noteBody{Kind: n.Kind, Body: n.Body, Author: n.Author, At: n.At.UTC()})
		}
		return justificationBody{ID: v.ID, AccountID: v.AccountID, Account: justificationAccountBody{ID: v.AccountID, Handle: v.AccountDisplay, Platform: v.PlatformCode},
			Grounds: v.Grounds, Statement: v.Statement, RequestedUntil: dateOut(v.RequestedUntil, tz), State: v.State, FiledBy: v.FiledBy,
			SubmittedAt: timeOut(v.SubmittedAt), InfoRequestedAt: timeOut(v.InfoRequestedAt), DecidedAt: timeOut(v.DecidedAt), DecidedBy: v.DecidedBy,
			DecisionNote: v.DecisionNote, RenewsID: v.RenewsID, Notes: notes, NextStates: nextStates(a, &v),
			CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	}
}

// nextStates are the moves the actor may make on a justification now, by
// the registry's one rule.
func nextStates(a registry.Actor, v *registry.JustificationView) []string {
	out := v.MovesFor(a)
	if out == nil {
		out = []string{}
	}
	return out
}

// justificationIn is the body of POST and PATCH on justifications. A
// justification stays with its account: PATCH may repeat account_id, not
// change it.
type justificationIn struct {
	AccountID      *int64      `json:"account_id" doc:"an account on a foreign platform"`
	Grounds        *string     `json:"grounds"`
	Statement      *string     `json:"statement" doc:"why the account is needed, up to 5,000 characters"`
	RequestedUntil opt[string] `json:"requested_until" doc:"YYYY-MM-DD, in the future" format:"date"`
}

func (b justificationIn) input(cur registry.Justification, tz *time.Location) (registry.JustificationInput, error) {
	bad := map[string]string{}
	in := registry.JustificationInput{AccountID: pick(b.AccountID, cur.AccountID), Grounds: pick(b.Grounds, cur.Grounds),
		Statement: pick(b.Statement, cur.Statement), RequestedUntil: dateIn(b.RequestedUntil, cur.RequestedUntil, "requested_until", tz, bad)}
	if cur.ID != 0 && in.AccountID != cur.AccountID {
		bad["account_id"] = "api.account_fixed"
	}
	return in, fieldsErr(bad)
}

// transitionIn moves a justification.
type transitionIn struct {
	To         string      `json:"to" doc:"the new state"`
	Note       string      `json:"note" doc:"info_requested: the question; submitted after info_requested: the answer; rejected: the reason; approved: the decision note; withdrawn: why (optional)"`
	ValidUntil opt[string] `json:"valid_until" doc:"approved: the exemption's last day, YYYY-MM-DD, at most the configured maximum (default 12 months) from its start" format:"date"`
	Conditions string      `json:"conditions" doc:"approved: conditions of the exemption"`
}

func (s *Server) apiJustificationList(c echo.Context) error {
	q := s.apiQuery(c)
	f := registry.JustificationFilter{AccountID: q.id("account_id"), AgencyID: q.agency("agency_id"), Platform: q.platform("platform"),
		Grounds: q.oneOf("grounds", registry.Grounds), OlderThan: q.intIn("older_than", 1, 36500)}
	if st := q.oneOf("state", registry.JustificationStates); st != "" {
		f.States = []string{st}
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	a := actorOf(c)
	res, err := s.store.Justifications(c.Request().Context(), a, f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, justificationBodyOf(a, s.tz))
}

func (s *Server) apiJustificationCreate(c echo.Context) error {
	var b justificationIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	in, err := b.input(registry.Justification{}, s.tz)
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.store.CreateJustification(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return apiCreated(c, "justifications", v.ID, justificationBodyOf(a, s.tz)(*v))
}

func (s *Server) apiJustificationGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.store.Justification(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, justificationBodyOf(a, s.tz)(*v))
}

func (s *Server) apiJustificationUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b justificationIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	cur, err := s.store.Justification(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	in, err := b.input(cur.Justification, s.tz)
	if err != nil {
		return err
	}
	v, err := s.store.UpdateJustification(c.Request().Context(), a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, justificationBodyOf(a, s.tz)(*v))
}

func (s *Server) apiJustificationDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteJustification(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiJustificationTransition(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b transitionIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	bad := map[string]string{}
	switch {
	case b.To == "":
		bad["to"] = "error.required"
	case !slices.Contains(transitionTargets, b.To):
		bad["to"] = "error.choose"
	}
	in := registry.TransitionInput{To: b.To, Note: b.Note, Conditions: b.Conditions, ValidUntil: dateIn(b.ValidUntil, nil, "valid_until", s.tz, bad)}
	if err := fieldsErr(bad); err != nil {
		return err
	}
	a := actorOf(c)
	v, err := s.store.Transition(c.Request().Context(), a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, justificationBodyOf(a, s.tz)(*v))
}
