package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Justification states: draft -> submitted -> (info_requested <->
// submitted) -> approved | rejected; submitted | info_requested ->
// withdrawn.
const (
	StateDraft         = "draft"
	StateSubmitted     = "submitted"
	StateInfoRequested = "info_requested"
	StateApproved      = "approved"
	StateRejected      = "rejected"
	StateWithdrawn     = "withdrawn"
)

// JustificationStates lists the states in workflow order.
var JustificationStates = []string{StateDraft, StateSubmitted, StateInfoRequested, StateApproved, StateRejected, StateWithdrawn}

// Grounds an official may give for a foreign presence.
var Grounds = []string{"job_necessity", "international_outreach", "media_monitoring", "no_domestic_alternative", "other"}

// Justification is an official's case for keeping an account on a foreign
// platform.
type Justification struct {
	ID              int64
	AccountID       int64
	Grounds         string
	Statement       string
	RequestedUntil  *time.Time
	State           string
	FiledBy         *int64
	SubmittedAt     *time.Time
	InfoRequestedAt *time.Time
	DecidedAt       *time.Time
	DecidedBy       *int64
	DecisionNote    string
	RenewsID        *int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Note kinds of a justification's conversation.
const (
	NoteQuestion = "question"
	NoteAnswer   = "answer"
	NoteDecision = "decision"
	NoteWithdraw = "withdrawal"
)

// JustificationNote is one message of a justification's conversation.
type JustificationNote struct {
	ID              int64
	JustificationID int64
	Kind            string
	Body            string
	AuthorID        *int64
	Author          string
	At              time.Time
}

// JustificationView is a justification with the account it is about.
type JustificationView struct {
	Justification
	AccountDisplay string
	AccountURL     string
	Capacity       string
	PlatformCode   string
	PlatformName   string
	PlatformNameEn string
	AgencyID       int64
	AgencyName     string
	AgencyNameEn   string
	AgencyPath     string
	OfficialID     *int64
	OfficialName   string
	FiledByName    string
	Notes          []JustificationNote `gorm:"-"`
	// Erased is true when the holder's personal data was erased: the
	// statement and answers are gone for good.
	Erased bool `gorm:"-"`
	// AccountErased: the personal account's handle and link were erased.
	AccountErased bool `gorm:"-"`
}

// JustificationInput is what the filer writes.
type JustificationInput struct {
	AccountID      int64
	Grounds        string
	Statement      string
	RequestedUntil *time.Time
}

// TransitionInput moves a justification: To is the new state; Note is the
// question, the answer, the reason or the decision note; ValidUntil and
// Conditions go with an approval.
type TransitionInput struct {
	To         string
	Note       string
	ValidUntil *time.Time
	Conditions string
}

// TransitionError is a move the workflow does not allow from the current
// state.
type TransitionError struct{ From, To string }

func (e *TransitionError) Error() string {
	return fmt.Sprintf("a justification cannot go from %s to %s", e.From, e.To)
}

// ForbiddenError is a refusal with a reason the user should read (e.g. a
// reviewer deciding their own case). It matches ErrForbidden.
type ForbiddenError struct{ Key string }

func (e *ForbiddenError) Error() string        { return "forbidden: " + e.Key }
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// transitions: from -> to -> which side moves it.
var transitions = map[string]map[string]Action{
	StateDraft:         {StateSubmitted: ActionFile},
	StateSubmitted:     {StateInfoRequested: ActionDecide, StateApproved: ActionDecide, StateRejected: ActionDecide, StateWithdrawn: ActionFile},
	StateInfoRequested: {StateSubmitted: ActionFile, StateWithdrawn: ActionFile},
}

// NextStates lists where a justification may go from a state, and who
// moves it.
func NextStates(from string) map[string]Action { return transitions[from] }

const justificationColumns = `justifications.*, accounts.display AS account_display, accounts.url AS account_url, accounts.capacity AS capacity,
platforms.code AS platform_code, platforms.name AS platform_name, platforms.name_en AS platform_name_en,
accounts.agency_id AS agency_id, agencies.name AS agency_name, agencies.name_en AS agency_name_en, agencies.path AS agency_path,
accounts.official_id AS official_id, COALESCE(officials.name, '') AS official_name, COALESCE(users.username, '') AS filed_by_name`

const justificationJoins = `CROSS JOIN accounts ON accounts.id = justifications.account_id CROSS JOIN platforms ON platforms.id = accounts.platform_id
CROSS JOIN agencies ON agencies.id = accounts.agency_id LEFT JOIN officials ON officials.id = accounts.official_id
LEFT JOIN users ON users.id = justifications.filed_by`

func (v *JustificationView) target() Target {
	t := Target{Resource: ResJustification, AgencyPath: v.AgencyPath}
	if v.OfficialID != nil {
		t.OfficialID = *v.OfficialID
	}
	return t
}

func (s *Store) justification(ctx context.Context, id int64) (*JustificationView, error) {
	var v JustificationView
	err := s.rdb(ctx).Table("justifications").Select(justificationColumns).Joins(s.joins(justificationJoins)).Where("justifications.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get justification %d: %w", id, err)
	}
	if err := s.rdb(ctx).Where("justification_id = ?", id).Order("id").Find(&v.Notes).Error; err != nil {
		return nil, fmt.Errorf("get justification notes: %w", err)
	}
	if err := s.openJustifications(ctx, []*JustificationView{&v}); err != nil {
		return nil, err
	}
	return &v, nil
}

// Justification returns one justification with its conversation.
func (s *Store) Justification(ctx context.Context, a Actor, id int64) (*JustificationView, error) {
	v, err := s.justification(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(ActionView, v.target()) {
		return nil, ErrForbidden
	}
	return v, nil
}

// JustificationFilter narrows the list (and the review queue).
type JustificationFilter struct {
	States    []string
	AccountID int64
	AgencyID  int64 // with sub-agencies
	Platform  string
	Grounds   string
	OlderThan int // days waiting since submission
}

var justificationSorts = map[string]sortSpec{"id": {column: "justifications.id"}}

// Justifications lists the justifications the actor may see, newest first
// (sort "id" for oldest first, as the review queue wants).
func (s *Store) Justifications(ctx context.Context, a Actor, f JustificationFilter, p Page) (Result[JustificationView], error) {
	var res Result[JustificationView]
	sc := a.ScopeFor(ResJustification)
	if sc.None {
		return res, ErrForbidden
	}
	var within string
	if f.AgencyID != 0 {
		ag, err := s.filterAgency(ctx, f.AgencyID)
		if err != nil {
			return res, err
		}
		within = ag.Path
	}
	for _, st := range f.States {
		if !slices.Contains(JustificationStates, st) {
			return res, &ValidationError{Fields: map[string]string{"state": "error.choose"}}
		}
	}
	base := func() *gorm.DB {
		q := s.rdb(ctx).Table("justifications").Joins(s.joins(justificationJoins))
		q = sc.onAccounts(q, within)
		if len(f.States) > 0 {
			q = q.Where("justifications.state IN ?", f.States)
		}
		if f.AccountID != 0 {
			q = q.Where("justifications.account_id = ?", f.AccountID)
		}
		if f.Platform != "" {
			q = q.Where("platforms.code = ?", f.Platform)
		}
		if f.Grounds != "" {
			q = q.Where("justifications.grounds = ?", f.Grounds)
		}
		if f.OlderThan > 0 {
			q = q.Where("justifications.submitted_at < ?", s.Now().AddDate(0, 0, -f.OlderThan))
		}
		return q
	}
	var err error
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, base()); err != nil {
		return res, fmt.Errorf("count justifications: %w", err)
	}
	q, _, _, err := keyset(base().Select(justificationColumns), p, justificationSorts, "-id", "justifications.id")
	if err != nil {
		return res, err
	}
	if err := q.Scan(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list justifications: %w", err)
	}
	ptrs := make([]*JustificationView, len(res.Items))
	for i := range res.Items {
		ptrs[i] = &res.Items[i]
	}
	if err := s.openJustifications(ctx, ptrs); err != nil {
		return res, err
	}
	res.Items, res.Next = trim(res.Items, p, func(x JustificationView) string { return encodeCursor(nil, x.ID) })
	return res, nil
}

func (s *Store) checkJustificationInput(in *JustificationInput, fe fieldErrors) {
	in.Statement = strings.TrimSpace(in.Statement)
	if !slices.Contains(Grounds, in.Grounds) {
		fe.add("grounds", "error.choose")
	}
	switch n := utf8.RuneCountInString(in.Statement); {
	case n == 0:
		fe.add("statement", "error.required")
	case n > 5000:
		fe.add("statement", "error.too_long")
	}
	if in.RequestedUntil != nil && !in.RequestedUntil.After(s.Now()) {
		fe.add("requested_until", "justification.until_past")
	}
}

// CreateJustification drafts a justification for a foreign account.
func (s *Store) CreateJustification(ctx context.Context, a Actor, in JustificationInput) (*JustificationView, error) {
	if !a.MayEver(ActionFile, ResJustification) {
		return nil, ErrForbidden
	}
	var id int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		fe := fieldErrors{}
		acc, err := s.account(ctx, in.AccountID)
		if errors.Is(err, ErrNotFound) {
			fe.add("account_id", "error.not_found")
		} else if err != nil {
			return err
		}
		if acc != nil && !a.Can(ActionFile, Target{Resource: ResJustification, AgencyPath: acc.AgencyPath, OfficialID: derefInt(acc.OfficialID)}) {
			return ErrForbidden
		}
		s.checkJustificationInput(&in, fe)
		if acc != nil && acc.Origin != OriginForeign {
			fe.add("account_id", "justification.domestic_account")
		}
		if err := fe.err(); err != nil {
			return err
		}
		var open int64
		if err := s.db(ctx).Model(&Justification{}).Where("account_id = ? AND state IN ?", in.AccountID,
			[]string{StateDraft, StateSubmitted, StateInfoRequested}).Count(&open).Error; err != nil {
			return fmt.Errorf("create justification: %w", err)
		}
		if open > 0 {
			return &ConflictError{Key: "justification.open_exists", Field: "account_id"}
		}
		now := s.Now()
		statement, err := s.sealForHolder(ctx, acc.OfficialID, in.Statement, aadStatement)
		if err != nil {
			return err
		}
		j := Justification{AccountID: in.AccountID, Grounds: in.Grounds, Statement: statement, RequestedUntil: in.RequestedUntil,
			State: StateDraft, FiledBy: idPtr(a.UserID), CreatedAt: now, UpdatedAt: now}
		if cur, err := s.validExemption(ctx, in.AccountID, now); err != nil {
			return err
		} else if cur != nil {
			j.RenewsID = &cur.ID
		}
		if err := s.db(ctx).Create(&j).Error; err != nil {
			return fmt.Errorf("create justification: %w", err)
		}
		id = j.ID
		return s.record(ctx, a, "create", "justification", j.ID, map[string]any{"account_id": in.AccountID, "grounds": in.Grounds, "renews_id": ptrVal(j.RenewsID)})
	})
	if err != nil {
		return nil, err
	}
	return s.justification(ctx, id)
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// UpdateJustification edits a draft.
func (s *Store) UpdateJustification(ctx context.Context, a Actor, id int64, in JustificationInput) (*JustificationView, error) {
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.justification(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionFile, cur.target()) {
			return ErrForbidden
		}
		if cur.State != StateDraft {
			return &ConflictError{Key: "justification.not_draft"}
		}
		in.AccountID = cur.AccountID
		fe := fieldErrors{}
		s.checkJustificationInput(&in, fe)
		if err := fe.err(); err != nil {
			return err
		}
		statement, err := s.sealForHolder(ctx, cur.OfficialID, in.Statement, aadStatement)
		if err != nil {
			return err
		}
		upd := map[string]any{"grounds": in.Grounds, "statement": statement, "requested_until": in.RequestedUntil, "updated_at": s.Now()}
		if err := s.db(ctx).Model(&Justification{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update justification: %w", err)
		}
		return s.record(ctx, a, "update", "justification", id, diff(map[string]any{"grounds": cur.Grounds, "statement": "…"}, map[string]any{"grounds": in.Grounds, "statement": "…"}))
	})
	if err != nil {
		return nil, err
	}
	return s.justification(ctx, id)
}

// DeleteJustification removes a draft; anything filed stays on record.
func (s *Store) DeleteJustification(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.justification(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionFile, cur.target()) {
			return ErrForbidden
		}
		if cur.State != StateDraft {
			return &ConflictError{Key: "justification.not_draft"}
		}
		if err := s.db(ctx).Delete(&Justification{}, id).Error; err != nil {
			return fmt.Errorf("delete justification: %w", err)
		}
		return s.record(ctx, a, "delete", "justification", id, nil)
	})
}

// Transition moves a justification along the workflow, with its note, its
// exemption or closure deadline, its notifications and its audit event, in
// one transaction.
func (s *Store) Transition(ctx context.Context, a Actor, id int64, in TransitionInput) (*JustificationView, error) {
	in.Note = strings.TrimSpace(in.Note)
	in.Conditions = strings.TrimSpace(in.Conditions)
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.justification(ctx, id)
		if err != nil {
			return err
		}
		// Someone who may move it neither way is refused before being told
		// whether the move exists.
		if !a.Can(ActionFile, cur.target()) && !a.Can(ActionDecide, cur.target()) {
			return ErrForbidden
		}
		side, ok := transitions[cur.State][in.To]
		if !ok {
			return &TransitionError{From: cur.State, To: in.To}
		}
		if !a.Can(side, cur.target()) {
			return ErrForbidden
		}
		if key := selfDecision(a, cur, side); key != "" {
			return &ForbiddenError{Key: key}
		}
		return s.move(ctx, a, cur, in)
	})
	if err != nil {
		return nil, err
	}
	return s.justification(ctx, id)
}

// selfDecision is why the actor may not decide this justification: they
// filed it, or it is about their own account. "" when they may.
func selfDecision(a Actor, v *JustificationView, side Action) string {
	if side != ActionDecide {
		return ""
	}
	if v.FiledBy != nil && *v.FiledBy == a.UserID {
		return "justification.self_filed"
	}
	if a.OfficialID != 0 && v.OfficialID != nil && *v.OfficialID == a.OfficialID {
		return "justification.own_account"
	}
	return ""
}

// MovesFor lists, in workflow order, the states the actor may move the
// justification to now: the one rule the pages and the API show buttons by.
func (v *JustificationView) MovesFor(a Actor) []string {
	var out []string
	for _, to := range JustificationStates {
		side, ok := transitions[v.State][to]
		if ok && a.Can(side, v.target()) && selfDecision(a, v, side) == "" {
			out = append(out, to)
		}
	}
	return out
}

// BlockedFor is why a reviewer who could otherwise decide may not decide
// this one ("" if nothing blocks them), for the page to explain.
func (v *JustificationView) BlockedFor(a Actor) string {
	if !a.Can(ActionDecide, v.target()) {
		return ""
	}
	return selfDecision(a, v, ActionDecide)
}

func (s *Store) move(ctx context.Context, a Actor, cur *JustificationView, in TransitionInput) error {
	now := s.Now()
	fe := fieldErrors{}
	upd := map[string]any{"state": in.To, "updated_at": now}
	noteKind := ""
	change := map[string]any{"from": cur.State, "to": in.To}
	notify := ""
	switch in.To {
	case StateSubmitted:
		upd["submitted_at"] = now
		if cur.State == StateInfoRequested {
			if in.Note == "" {
				fe.add("note", "justification.answer_required")
			}
			noteKind = NoteAnswer
		}
	case StateInfoRequested:
		if in.Note == "" {
			fe.add("note", "justification.question_required")
		}
		upd["info_requested_at"] = now
		noteKind, notify = NoteQuestion, "info_requested"
	case StateRejected:
		if in.Note == "" {
			fe.add("note", "justification.reason_required")
		}
		upd["decided_at"], upd["decided_by"], upd["decision_note"] = now, idPtr(a.UserID), in.Note
		noteKind, notify = NoteDecision, "rejected"
	case StateApproved:
		upd["decided_at"], upd["decided_by"], upd["decision_note"] = now, idPtr(a.UserID), in.Note
		noteKind, notify = NoteDecision, "approved"
	case StateWithdrawn:
		noteKind = NoteWithdraw
	}
	if utf8.RuneCountInString(in.Note) > 5000 {
		fe.add("note", "error.too_long")
	}
	var ex *Exemption
	if in.To == StateApproved {
		var err error
		if ex, err = s.planExemption(ctx, cur, in, fe); err != nil {
			return err
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := s.db(ctx).Model(&Justification{}).Where("id = ?", cur.ID).Updates(upd).Error; err != nil {
		return fmt.Errorf("move justification: %w", err)
	}
	if noteKind != "" && in.Note != "" {
		body := in.Note
		if noteKind == NoteAnswer {
			var err error
			if body, err = s.sealForHolder(ctx, cur.OfficialID, body, aadNote); err != nil {
				return err
			}
		}
		n := JustificationNote{JustificationID: cur.ID, Kind: noteKind, Body: body, AuthorID: idPtr(a.UserID), Author: a.Username, At: now}
		if err := s.db(ctx).Create(&n).Error; err != nil {
			return fmt.Errorf("move justification: %w", err)
		}
	}
	switch in.To {
	case StateApproved:
		ex.DecidedBy = idPtr(a.UserID)
		if err := s.db(ctx).Create(ex).Error; err != nil {
			return fmt.Errorf("create exemption: %w", err)
		}
		// A covered account has no closure deadline.
		if err := s.db(ctx).Model(&Account{}).Where("id = ?", cur.AccountID).Update("closure_deadline", nil).Error; err != nil {
			return fmt.Errorf("create exemption: %w", err)
		}
		change["exemption_id"], change["valid_until"] = ex.ID, ex.ValidUntil.Format(time.DateOnly)
		if err := s.record(ctx, a, "create", "exemption", ex.ID, map[string]any{"account_id": cur.AccountID, "justification_id": cur.ID,
			"valid_from": ex.ValidFrom.Format(time.DateOnly), "valid_until": ex.ValidUntil.Format(time.DateOnly)}); err != nil {
			return err
		}
	case StateRejected:
		deadline, err := s.setClosureDeadline(ctx, cur.AccountID)
		if err != nil {
			return err
		}
		change["closure_deadline"] = deadline.Format(time.DateOnly)
	}
	s.touch(ctx, cur.AccountID)
	if notify != "" {
		if err := s.notify(ctx, cur.AccountID, notify, "justification", cur.ID); err != nil {
			return err
		}
	}
	return s.record(ctx, a, "transition", "justification", cur.ID, change)
}

// setClosureDeadline gives the account the configured days to close, unless
// an earlier deadline already runs.
func (s *Store) setClosureDeadline(ctx context.Context, accountID int64) (time.Time, error) {
	start := s.Day(s.Now())
	// A refused renewal: the days to close start when the current cover
	// ends, not while it still runs.
	if cur, err := s.validExemption(ctx, accountID, s.Now()); err != nil {
		return start, err
	} else if cur != nil {
		start = dayAfter(cur.ValidUntil, s.rules.Location)
	}
	deadline := start.AddDate(0, 0, s.rules.ClosureDays)
	var acc Account
	if err := s.db(ctx).Select("closure_deadline").Where("id = ?", accountID).Take(&acc).Error; err != nil {
		return deadline, fmt.Errorf("closure deadline: %w", err)
	}
	if acc.ClosureDeadline != nil && acc.ClosureDeadline.Before(deadline) {
		return *acc.ClosureDeadline, nil
	}
	err := s.db(ctx).Model(&Account{}).Where("id = ?", accountID).Update("closure_deadline", deadline).Error
	return deadline, err
}
