package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/registry/textnorm"
)

// openStates are the states of a justification still in progress.
var openStates = []string{registry.StateDraft, registry.StateSubmitted, registry.StateInfoRequested}

var stateColours = map[string]string{registry.StateDraft: "tag-grey", registry.StateSubmitted: "tag-blue",
	registry.StateInfoRequested: "tag-orange", registry.StateApproved: "tag-green", registry.StateRejected: "tag-red",
	registry.StateWithdrawn: "tag-purple"}

func stateTag(p *Page, state string) Tag { return Tag{stateColours[state], p.L.T("state." + state)} }

// justificationTarget is what the permission rules need of a justification.
func justificationTarget(j *registry.JustificationView) registry.Target {
	return registry.Target{Resource: registry.ResJustification, AgencyPath: j.AgencyPath, OfficialID: derefID(j.OfficialID)}
}

// justificationRow is one line of a table of justifications, formatted in
// Go.
type justificationRow struct {
	ID, AccountID                      int64
	Account, Platform, Holder, Agency  string
	Grounds, Filed, Submitted, FiledBy string
	Age                                string
	AgeDays                            int
	State                              Tag
	Waiting                            bool
}

func (s *Server) justificationRows(p *Page, items []registry.JustificationView) []justificationRow {
	rows := make([]justificationRow, len(items))
	now := s.store.Now()
	for i, j := range items {
		r := justificationRow{ID: j.ID, AccountID: j.AccountID, Account: j.AccountDisplay, Platform: s.nameOf(p, j.PlatformName, j.PlatformNameEn),
			Agency: s.nameOf(p, j.AgencyName, j.AgencyNameEn), Grounds: p.L.T("grounds." + j.Grounds), Filed: p.L.Date(j.CreatedAt),
			FiledBy: j.FiledByName, State: stateTag(p, j.State)}
		r.Holder = j.OfficialName
		if j.Erased && j.OfficialName == "" {
			r.Holder = p.L.T("erasure.erased")
		} else if r.Holder == "" {
			r.Holder = r.Agency
		}
		if j.SubmittedAt != nil {
			r.Submitted = p.L.Date(*j.SubmittedAt)
		}
		if j.SubmittedAt != nil && (j.State == registry.StateSubmitted || j.State == registry.StateInfoRequested) {
			r.Waiting = true
			r.AgeDays = int(now.Sub(*j.SubmittedAt).Hours() / 24)
			r.Age = p.L.T("review.age_days", "n", r.AgeDays)
			if r.AgeDays == 0 {
				r.Age = p.L.T("review.age_today")
			}
		}
		rows[i] = r
	}
	return rows
}

type justificationListData struct {
	Rows    []justificationRow
	Nav     ListNav
	Filter  []Field
	CanFile bool
}

func (s *Server) justificationList(c echo.Context) error {
	p := s.page(c, "justifications", "justifications.title")
	q := c.QueryParams()
	f := registry.JustificationFilter{Platform: q.Get("platform"), Grounds: q.Get("grounds")}
	if st := q.Get("state"); st != "" {
		f.States = []string{st}
	}
	if st := q.Get("open"); st == "1" {
		f.States = openStates
	}
	res, err := s.store.Justifications(c.Request().Context(), actorOf(c), f, pageParams(c))
	if err != nil && !formErrors(p, err, []string{"state", "platform", "grounds"}) {
		return err
	}
	platforms, err := s.platformOptions(c, p, f.Platform, true)
	if err != nil {
		return err
	}
	d := justificationListData{Rows: s.justificationRows(p, res.Items), Nav: listNav(p, res),
		CanFile: actorOf(c).MayEver(registry.ActionFile, registry.ResJustification)}
	d.Filter = []Field{
		withOptions(newField(p, "state", "justification.state", "select", ""), options(p.L, "state.", registry.JustificationStates, q.Get("state"), true)),
		withOptions(newField(p, "grounds", "justification.grounds", "select", ""), options(p.L, "grounds.", registry.Grounds, f.Grounds, true)),
		withOptions(newField(p, "platform", "account.platform", "select", ""), platforms),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "justifications", p)
}

// justificationForm is the filing form as posted.
type justificationForm struct {
	ID             int64
	AccountID      string
	Grounds        string
	Statement      string
	RequestedUntil string
}

func (f *justificationForm) bind(c echo.Context) {
	f.AccountID = strings.TrimSpace(c.FormValue("account_id"))
	f.Grounds, f.Statement, f.RequestedUntil = c.FormValue("grounds"), c.FormValue("statement"), strings.TrimSpace(c.FormValue("requested_until"))
}

func (f *justificationForm) input(p *Page) (registry.JustificationInput, map[string]string) {
	in := registry.JustificationInput{Grounds: f.Grounds, Statement: f.Statement}
	bad := map[string]string{}
	if f.ID == 0 {
		n, err := strconv.ParseInt(asciiDigits(f.AccountID), 10, 64)
		switch {
		case f.AccountID == "":
			bad["account_id"] = "justification.account_required"
		case err != nil || n <= 0:
			bad["account_id"] = "error.invalid"
		}
		in.AccountID = n
	}
	d, err := p.L.ParseDate(f.RequestedUntil)
	if err != nil {
		bad["requested_until"] = "error.date"
	}
	in.RequestedUntil = d
	return in, bad
}

// asciiDigits reads a number typed in Persian or Arabic digits.
func asciiDigits(s string) string { return textnorm.ASCIIDigits(strings.TrimSpace(s)) }

var justificationFieldOrder = []string{"account_id", "grounds", "statement", "requested_until"}

// choice is one radio button or checkbox of a group.
type choice struct {
	Value, Label, Hint string
	Checked            bool
}

func (s *Server) renderJustificationForm(c echo.Context, p *Page, f *justificationForm, status int) error {
	ctx, a := c.Request().Context(), actorOf(c)
	d := map[string]any{"Form": f}
	var acc *registry.AccountView
	if id, err := strconv.ParseInt(asciiDigits(f.AccountID), 10, 64); err == nil && id > 0 {
		acc, _ = s.store.Account(ctx, a, id)
	}
	if acc != nil {
		d["Account"] = acc
		d["AccountPlatform"] = s.nameOf(p, acc.PlatformName, acc.PlatformNameEn)
	} else if f.ID == 0 {
		// The filer picks one of their foreign accounts; with too many to
		// list, they type the account's number.
		res, err := s.store.Accounts(ctx, a, registry.AccountFilter{Origin: registry.OriginForeign}, registry.Page{PerPage: 200})
		if err != nil {
			return err
		}
		if res.Next == "" {
			opts := []Option{{Value: "", Label: p.L.T("justification.account_choose"), Selected: f.AccountID == ""}}
			for _, x := range res.Items {
				label := x.Display + " — " + s.nameOf(p, x.PlatformName, x.PlatformNameEn)
				if x.OfficialName != "" {
					label += " — " + x.OfficialName
				}
				opts = append(opts, Option{Value: strconv.FormatInt(x.ID, 10), Label: label, Selected: f.AccountID == strconv.FormatInt(x.ID, 10)})
			}
			d["AccountSelect"] = withOptions(newField(p, "account_id", "justification.account", "select", ""), opts)
		} else {
			d["AccountInput"] = newField(p, "account_id", "justification.account_number", "text", f.AccountID)
		}
	}
	var grounds []choice
	for _, g := range registry.Grounds {
		grounds = append(grounds, choice{Value: g, Label: p.L.T("grounds." + g), Hint: p.L.T("grounds." + g + ".hint"), Checked: g == f.Grounds})
	}
	d["Grounds"] = grounds
	d["GroundsField"] = newField(p, "grounds", "justification.grounds", "radio", f.Grounds)
	d["Statement"] = newField(p, "statement", "justification.statement", "textarea", f.Statement)
	d["RequestedUntil"] = newField(p, "requested_until", "justification.requested_until", "text", f.RequestedUntil)
	p.Data = d
	return s.render(c, status, "justification_form", p)
}

func (s *Server) justificationNew(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionFile, registry.ResJustification) {
		return registry.ErrForbidden
	}
	p := s.page(c, "justifications", "justification.new")
	return s.renderJustificationForm(c, p, &justificationForm{AccountID: c.QueryParam("account_id")}, http.StatusOK)
}

func (s *Server) justificationCreate(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionFile, registry.ResJustification) {
		return registry.ErrForbidden
	}
	p := s.page(c, "justifications", "justification.new")
	f := &justificationForm{}
	f.bind(c)
	in, bad := f.input(p)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var j *registry.JustificationView
		if j, err = s.store.CreateJustification(c.Request().Context(), a, in); err == nil {
			s.flash(c, "success", "justification.flash_created")
			return redirectTo(c, "/justifications/"+strconv.FormatInt(j.ID, 10))
		}
	}
	if !formErrors(p, err, justificationFieldOrder) {
		return err
	}
	return s.renderJustificationForm(c, p, f, http.StatusUnprocessableEntity)
}

// editableJustification loads a draft the actor may edit.
func (s *Server) editableJustification(c echo.Context) (*registry.JustificationView, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	a := actorOf(c)
	j, err := s.store.Justification(c.Request().Context(), a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(registry.ActionFile, justificationTarget(j)) {
		return nil, registry.ErrForbidden
	}
	return j, nil
}

func (s *Server) justificationEdit(c echo.Context) error {
	j, err := s.editableJustification(c)
	if err != nil {
		return err
	}
	if j.State != registry.StateDraft {
		s.flash(c, "error", "justification.not_draft")
		return redirectTo(c, "/justifications/"+strconv.FormatInt(j.ID, 10))
	}
	p := s.page(c, "justifications", "justification.edit")
	f := &justificationForm{ID: j.ID, AccountID: strconv.FormatInt(j.AccountID, 10), Grounds: j.Grounds, Statement: j.Statement,
		RequestedUntil: p.L.NumericDate(j.RequestedUntil)}
	return s.renderJustificationForm(c, p, f, http.StatusOK)
}

func (s *Server) justificationUpdate(c echo.Context) error {
	j, err := s.editableJustification(c)
	if err != nil {
		return err
	}
	p := s.page(c, "justifications", "justification.edit")
	f := &justificationForm{ID: j.ID}
	f.bind(c)
	f.AccountID = strconv.FormatInt(j.AccountID, 10)
	in, bad := f.input(p)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateJustification(c.Request().Context(), actorOf(c), j.ID, in); err == nil {
		s.flash(c, "success", "justification.flash_saved")
		return redirectTo(c, "/justifications/"+strconv.FormatInt(j.ID, 10))
	}
	var ce *registry.ConflictError
	if errors.As(err, &ce) && ce.Field == "" {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/justifications/"+strconv.FormatInt(j.ID, 10))
	}
	if !formErrors(p, err, justificationFieldOrder) {
		return err
	}
	return s.renderJustificationForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) justificationDelete(c echo.Context) error {
	j, err := s.editableJustification(c)
	if err != nil {
		return err
	}
	err = s.store.DeleteJustification(c.Request().Context(), actorOf(c), j.ID)
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/justifications/"+strconv.FormatInt(j.ID, 10))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "justification.flash_deleted")
	return redirectTo(c, "/accounts/"+strconv.FormatInt(j.AccountID, 10))
}

// noteRow is one message of the conversation.
type noteRow struct {
	Kind, Label, Body, Author, At string
}

// input is one form control with its own id, for pages with several
// forms that post fields of the same name.
type input struct {
	ID, Name, Label, Hint, Error, Value, Type string
	Required                                  bool
}

// transitionForms are the moves the reader may make, each a form.
type transitionForms struct {
	Submit, Edit, Delete, Withdraw, Answer, Ask, Approve, Reject bool
}

// Any reports whether there is any form to show.
func (t transitionForms) Any() bool {
	return t.Submit || t.Edit || t.Delete || t.Withdraw || t.Answer || t.Ask || t.Approve || t.Reject
}

type justificationShowData struct {
	J                         *registry.JustificationView
	Row                       justificationRow
	RequestedUntil, DecidedAt string
	Notes                     []noteRow
	Forms                     transitionForms
	Blocked                   string // why the reader may not decide
	In                        map[string]input
	Granted                   *exemptionRow
	History                   []justificationRow
	Exemptions                []exemptionRow
	Cover                     coverView
	MaxMonths                 int
	Alternatives              *alternativesView // after a refusal
}

// transitionPost is what a transition form posted, kept for a re-render.
type transitionPost struct {
	To, Note, ValidUntil, Conditions string
}

// formOf names the form that posts a move to a state.
func formOf(from, to string) string {
	switch to {
	case registry.StateSubmitted:
		if from == registry.StateInfoRequested {
			return "answer"
		}
		return "submit"
	case registry.StateInfoRequested:
		return "ask"
	case registry.StateApproved:
		return "approve"
	case registry.StateRejected:
		return "reject"
	case registry.StateWithdrawn:
		return "withdraw"
	}
	return ""
}

func (s *Server) justificationShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	j, err := s.store.Justification(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderJustification(c, s.page(c, "justifications", ""), j, transitionPost{}, http.StatusOK)
}

func (s *Server) renderJustification(c echo.Context, p *Page, j *registry.JustificationView, posted transitionPost, status int) error {
	ctx, a := c.Request().Context(), actorOf(c)
	p.Title = p.L.T("justification.title_for", "account", j.AccountDisplay)
	rows := s.justificationRows(p, []registry.JustificationView{*j})
	d := justificationShowData{J: j, Row: rows[0], MaxMonths: s.store.Rules().MaxExemptionMonths}
	if j.RequestedUntil != nil {
		d.RequestedUntil = p.L.Date(*j.RequestedUntil)
	}
	if j.DecidedAt != nil {
		d.DecidedAt = p.L.DateTime(*j.DecidedAt)
	}
	for _, n := range j.Notes {
		d.Notes = append(d.Notes, noteRow{Kind: n.Kind, Label: p.L.T("note." + n.Kind), Body: n.Body, Author: n.Author, At: p.L.DateTime(n.At)})
	}
	// The registry says which moves the reader may make, and why a
	// reviewer may not decide this one.
	if key := j.BlockedFor(a); key != "" && len(decisionMoves(j.State)) > 0 {
		d.Blocked = p.L.T(key)
	}
	for _, to := range j.MovesFor(a) {
		switch formOf(j.State, to) {
		case "submit":
			d.Forms.Submit = true
		case "answer":
			d.Forms.Answer = true
		case "ask":
			d.Forms.Ask = true
		case "approve":
			d.Forms.Approve = true
		case "reject":
			d.Forms.Reject = true
		case "withdraw":
			d.Forms.Withdraw = true
		}
	}
	d.Forms.Edit = j.State == registry.StateDraft && a.Can(registry.ActionFile, justificationTarget(j))
	d.Forms.Delete = d.Forms.Edit
	d.In = s.transitionInputs(p, j, posted)

	acc, err := s.store.Account(ctx, a, j.AccountID)
	if err != nil && !errors.Is(err, registry.ErrForbidden) {
		return err
	}
	if acc != nil {
		if d.Cover, err = s.coverOf(ctx, p, acc); err != nil {
			return err
		}
		if d.Alternatives, err = s.alternatives(ctx, p, acc, j.State == registry.StateRejected); err != nil {
			return err
		}
	}
	// The account's history: its other justifications and its exemptions.
	others, err := s.store.Justifications(ctx, a, registry.JustificationFilter{AccountID: j.AccountID}, registry.Page{PerPage: 20})
	if err != nil {
		return err
	}
	var hist []registry.JustificationView
	for _, o := range others.Items {
		if o.ID != j.ID {
			hist = append(hist, o)
		}
	}
	d.History = s.justificationRows(p, hist)
	exs, err := s.store.Exemptions(ctx, a, registry.ExemptionFilter{AccountID: j.AccountID}, registry.Page{PerPage: 20})
	if err != nil {
		return err
	}
	d.Exemptions = s.exemptionRows(ctx, p, exs.Items)
	for i, e := range exs.Items {
		if e.JustificationID != nil && *e.JustificationID == j.ID {
			d.Granted = &d.Exemptions[i]
		}
	}
	p.Data = d
	return s.render(c, status, "justification", p)
}

// decisionMoves lists the reviewer's moves from a state.
func decisionMoves(state string) []string {
	var out []string
	for to, side := range registry.NextStates(state) {
		if side == registry.ActionDecide {
			out = append(out, to)
		}
	}
	return out
}

// transitionInputs builds the controls of the transition forms, each with
// its own id (f-approve-note, f-reject-note, ...) and its error.
func (s *Server) transitionInputs(p *Page, j *registry.JustificationView, posted transitionPost) map[string]input {
	in := map[string]input{}
	form := formOf(j.State, posted.To)
	mk := func(formName, name, label, typ, value string, required bool) {
		key := formName + "-" + name
		v := input{ID: "f-" + key, Name: name, Label: p.L.T(label), Type: typ, Value: value, Required: required}
		if p.L.Has(label + ".hint") {
			v.Hint = p.L.T(label + ".hint")
		}
		if p.Errors != nil {
			v.Error = p.Errors[key]
		}
		if formName == form {
			switch name {
			case "note":
				v.Value = posted.Note
			case "valid_until":
				v.Value = posted.ValidUntil
			case "conditions":
				v.Value = posted.Conditions
			}
		}
		in[key] = v
	}
	mk("answer", "note", "justification.answer", "textarea", "", true)
	mk("ask", "note", "justification.question", "textarea", "", true)
	mk("reject", "note", "justification.reason", "textarea", "", true)
	mk("withdraw", "note", "justification.withdraw_note", "textarea", "", false)
	mk("approve", "note", "justification.decision_note", "textarea", "", false)
	mk("approve", "conditions", "justification.conditions", "textarea", "", false)
	mk("approve", "valid_until", "justification.valid_until", "text", p.L.NumericDate(s.defaultUntil(j)), true)
	return in
}

// defaultUntil proposes the exemption's last day: the day asked for, or the
// longest allowed, whichever is sooner.
func (s *Server) defaultUntil(j *registry.JustificationView) *time.Time {
	limit := s.store.Day(s.store.Now()).AddDate(0, s.store.Rules().MaxExemptionMonths, 0)
	if j.RequestedUntil != nil && !j.RequestedUntil.After(limit) {
		return j.RequestedUntil
	}
	return &limit
}

func (s *Server) justificationTransition(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	j, err := s.store.Justification(ctx, a, id)
	if err != nil {
		return err
	}
	t := justificationTarget(j)
	if !a.Can(registry.ActionFile, t) && !a.Can(registry.ActionDecide, t) {
		return registry.ErrForbidden
	}
	p := s.page(c, "justifications", "")
	posted := transitionPost{To: c.FormValue("to"), Note: c.FormValue("note"), ValidUntil: strings.TrimSpace(c.FormValue("valid_until")),
		Conditions: c.FormValue("conditions")}
	in := registry.TransitionInput{To: posted.To, Note: posted.Note, Conditions: posted.Conditions}
	if posted.To == registry.StateApproved {
		if in.ValidUntil, err = p.L.ParseDate(posted.ValidUntil); err != nil {
			err = &registry.ValidationError{Fields: map[string]string{"valid_until": "error.date"}}
		}
	}
	if err == nil {
		if _, err = s.store.Transition(ctx, a, id, in); err == nil {
			s.flash(c, "success", "justification.flash_"+posted.To)
			return redirectTo(c, "/justifications/"+strconv.FormatInt(id, 10))
		}
	}
	back := "/justifications/" + strconv.FormatInt(id, 10)
	var te *registry.TransitionError
	var fe *registry.ForbiddenError
	var ce *registry.ConflictError
	var ve *registry.ValidationError
	switch {
	case errors.As(err, &te):
		s.flash(c, "error", "justification.illegal_transition")
		return redirectTo(c, back)
	case errors.As(err, &fe):
		s.flash(c, "error", fe.Key)
		return redirectTo(c, back)
	case errors.As(err, &ce):
		s.flash(c, "error", ce.Key)
		return redirectTo(c, back)
	case errors.As(err, &ve):
		// Name each field after its form, so the message sits beside the
		// control that was used.
		form := formOf(j.State, posted.To)
		named := map[string]string{}
		for f, k := range ve.Fields {
			named[form+"-"+f] = k
		}
		formErrors(p, &registry.ValidationError{Fields: named}, []string{form + "-valid_until", form + "-note", form + "-conditions"})
		return s.renderJustification(c, p, j, posted, http.StatusUnprocessableEntity)
	}
	return err
}

// openJustifications maps accounts to their justification in progress.
func (s *Server) openJustifications(ctx context.Context, a registry.Actor, accountID int64) (map[int64]registry.JustificationView, error) {
	res, err := s.store.Justifications(ctx, a, registry.JustificationFilter{States: openStates, AccountID: accountID}, registry.Page{PerPage: 200})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]registry.JustificationView, len(res.Items))
	for _, j := range res.Items {
		out[j.AccountID] = j
	}
	return out, nil
}
