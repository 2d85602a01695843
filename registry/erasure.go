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

// Erasure scopes and states.
const (
	// ErasureAll erases everything personal: the official's data key is
	// destroyed, so their contact details, employee code, statements and
	// answers can no longer be read anywhere, backups and the audit trail
	// included; their name and their personal accounts' handles are
	// overwritten. The records stay, so counts and reports stay right.
	ErasureAll = "all"
	// ErasureContact erases the contact details only: e-mail and phone.
	ErasureContact = "contact"

	ErasurePending   = "pending"
	ErasureHeld      = "held"      // a legal hold, with its reason
	ErasureCompleted = "completed" // erased
)

// ErasureScopes lists the scopes in display order.
var ErasureScopes = []string{ErasureAll, ErasureContact}

// ErasureRequest is a row of erasure_requests.
type ErasureRequest struct {
	ID             int64
	OfficialID     int64
	Scope          string
	Details        string // sealed with the official's key
	State          string
	RequestedBy    *int64
	Requester      string
	RequestedAt    time.Time
	DecidedBy      *int64
	Decider        string
	DecidedAt      *time.Time
	DecisionReason string
}

// ErasureView is a request with its official's names and agency.
type ErasureView struct {
	ErasureRequest
	OfficialName string
	Position     string
	AgencyID     int64
	AgencyName   string
	AgencyNameEn string
	AgencyPath   string
	// Erased: the official's key is gone; Details reads empty.
	Erased bool `gorm:"-"`
}

func (v *ErasureView) target() Target {
	return Target{Resource: ResErasure, AgencyPath: v.AgencyPath, OfficialID: v.OfficialID}
}

// ErasureInput is a request for erasure.
type ErasureInput struct {
	OfficialID int64
	Scope      string
	Details    string
}

const aadErasure = "erasure_requests.details"

const erasureColumns = `erasure_requests.*, officials.name AS official_name, officials.position AS position, officials.agency_id AS agency_id,
agencies.name AS agency_name, agencies.name_en AS agency_name_en, agencies.path AS agency_path`

const erasureJoins = `CROSS JOIN officials ON officials.id = erasure_requests.official_id CROSS JOIN agencies ON agencies.id = officials.agency_id`

// RequestErasure files a request: an official for themselves, a liaison
// for an official of their agency, the office for anyone. One request per
// official is open at a time.
func (s *Store) RequestErasure(ctx context.Context, a Actor, in ErasureInput) (*ErasureView, error) {
	if !a.MayEver(ActionFile, ResErasure) {
		return nil, ErrForbidden
	}
	if a.Role == RoleOfficial && in.OfficialID == 0 {
		in.OfficialID = a.OfficialID
	}
	in.Details = strings.TrimSpace(in.Details)
	fe := fieldErrors{}
	if !slices.Contains(ErasureScopes, in.Scope) {
		fe.add("scope", "error.choose")
	}
	if utf8.RuneCountInString(in.Details) > 2000 {
		fe.add("details", "error.too_long")
	}
	var id int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		o, err := s.official(ctx, in.OfficialID)
		if errors.Is(err, ErrNotFound) {
			fe.add("official_id", "error.not_found")
		} else if err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		if !a.Can(ActionFile, Target{Resource: ResErasure, AgencyPath: o.AgencyPath, OfficialID: o.ID}) {
			return ErrForbidden
		}
		if o.Erased {
			return &ConflictError{Key: "erasure.already_erased", Field: "official_id"}
		}
		var open int64
		if err := s.db(ctx).Model(&ErasureRequest{}).Where("official_id = ? AND state IN ?", o.ID, []string{ErasurePending, ErasureHeld}).Count(&open).Error; err != nil {
			return fmt.Errorf("request erasure: %w", err)
		}
		if open > 0 {
			return &ConflictError{Key: "erasure.open_exists", Field: "official_id"}
		}
		details, err := s.sealForHolder(ctx, &o.ID, in.Details, aadErasure)
		if err != nil {
			return err
		}
		r := ErasureRequest{OfficialID: o.ID, Scope: in.Scope, Details: details, State: ErasurePending, RequestedBy: idPtr(a.UserID),
			Requester: a.Username, RequestedAt: s.Now()}
		if err := s.db(ctx).Create(&r).Error; err != nil {
			return fmt.Errorf("request erasure: %w", err)
		}
		id = r.ID
		return s.record(ctx, a, "request", "erasure", r.ID, map[string]any{"official_id": o.ID, "scope": in.Scope})
	})
	if err != nil {
		return nil, err
	}
	return s.erasure(ctx, id)
}

// ErasureDecision is the office's answer: erase, or hold with a reason.
type ErasureDecision struct {
	Erase  bool
	Reason string // required for a hold
}

// DecideErasure erases what the request asks, or records a legal hold. A
// held request may be decided again once the hold ends. Nobody decides a
// request about themselves.
func (s *Store) DecideErasure(ctx context.Context, a Actor, id int64, d ErasureDecision) (*ErasureView, error) {
	d.Reason = strings.TrimSpace(d.Reason)
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.erasure(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionDecide, cur.target()) {
			return ErrForbidden
		}
		if a.OfficialID != 0 && a.OfficialID == cur.OfficialID {
			return &ForbiddenError{Key: "erasure.own_request"}
		}
		if cur.State == ErasureCompleted {
			return &ConflictError{Key: "erasure.already_completed"}
		}
		fe := fieldErrors{}
		if !d.Erase && d.Reason == "" {
			fe.add("reason", "erasure.reason_required")
		}
		if utf8.RuneCountInString(d.Reason) > 2000 {
			fe.add("reason", "error.too_long")
		}
		if err := fe.err(); err != nil {
			return err
		}
		now := s.Now()
		state, kind := ErasureHeld, "erasure_held"
		if d.Erase {
			state, kind = ErasureCompleted, "erasure_completed"
			if err := s.erase(ctx, cur.OfficialID, cur.Scope); err != nil {
				return err
			}
		}
		upd := map[string]any{"state": state, "decided_by": idPtr(a.UserID), "decider": a.Username, "decided_at": &now, "decision_reason": d.Reason}
		if err := s.db(ctx).Model(&ErasureRequest{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("decide erasure: %w", err)
		}
		if cur.RequestedBy != nil {
			n := Notification{UserID: *cur.RequestedBy, Kind: kind, Entity: "erasure", EntityID: id, CreatedAt: now}
			if err := s.db(ctx).Create(&n).Error; err != nil {
				return fmt.Errorf("decide erasure: %w", err)
			}
		}
		return s.record(ctx, a, map[bool]string{true: "erase", false: "hold"}[d.Erase], "erasure", id,
			map[string]any{"official_id": cur.OfficialID, "scope": cur.Scope, "reason": d.Reason})
	})
	if err != nil {
		return nil, err
	}
	return s.erasure(ctx, id)
}

// erase removes an official's personal data, inside the caller's write.
func (s *Store) erase(ctx context.Context, officialID int64, scope string) error {
	if scope == ErasureContact {
		err := s.db(ctx).Model(&Official{}).Where("id = ?", officialID).Updates(map[string]any{"email": "", "phone": "", "email_idx": ""}).Error
		if err != nil {
			return fmt.Errorf("erase contact details: %w", err)
		}
		return nil
	}
	if err := s.destroyOfficialKey(ctx, officialID); err != nil {
		return err
	}
	// The name goes; the office (the position) and the records stay, so
	// every count stays right.
	if err := s.db(ctx).Model(&Official{}).Where("id = ?", officialID).Updates(map[string]any{"name": "", "name_key": ""}).Error; err != nil {
		return fmt.Errorf("erase name: %w", err)
	}
	// Personal accounts are the official's own presence: their handles go,
	// replaced by a placeholder that keeps each row unique.
	var ids []int64
	if err := s.db(ctx).Model(&Account{}).Where("official_id = ? AND capacity = ?", officialID, CapacityPersonal).Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("erase accounts: %w", err)
	}
	for _, id := range ids {
		if err := s.eraseAccountHandle(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) erasure(ctx context.Context, id int64) (*ErasureView, error) {
	var v ErasureView
	err := s.rdb(ctx).Table("erasure_requests").Select(erasureColumns).Joins(s.joins(erasureJoins)).Where("erasure_requests.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("erasure request %d: %w", id, err)
	}
	if err := s.openErasures(ctx, []*ErasureView{&v}); err != nil {
		return nil, err
	}
	return &v, nil
}

func (s *Store) openErasures(ctx context.Context, list []*ErasureView) error {
	ids := make([]int64, len(list))
	for i, v := range list {
		ids[i] = v.OfficialID
	}
	keys, err := s.officialKeys(ctx, ids)
	if err != nil {
		return err
	}
	for _, v := range list {
		k, has := keys[v.OfficialID]
		switch {
		case has && k == nil:
			v.Erased, v.Details = true, ""
		case has:
			if v.Details, err = k.Open(v.Details, aadErasure); err != nil {
				return fmt.Errorf("erasure request %d: %w", v.ID, err)
			}
		}
	}
	return nil
}

// ErasureRequestOf returns one request the actor may see.
func (s *Store) ErasureRequestOf(ctx context.Context, a Actor, id int64) (*ErasureView, error) {
	v, err := s.erasure(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(ActionView, v.target()) {
		return nil, ErrNotFound
	}
	return v, nil
}

// ErasureFilter narrows the list of requests.
type ErasureFilter struct {
	OfficialID int64
	State      string
}

// ErasureRequests lists the requests the actor may see, newest first.
func (s *Store) ErasureRequests(ctx context.Context, a Actor, f ErasureFilter, p Page) (Result[ErasureView], error) {
	var res Result[ErasureView]
	sc := a.ScopeFor(ResErasure)
	if sc.None {
		return res, ErrForbidden
	}
	base := func() *gorm.DB {
		q := s.rdb(ctx).Table("erasure_requests").Joins(s.joins(erasureJoins))
		if sc.AgencyPath != "" {
			q = q.Where(inSubtree("officials.agency_id", sc.AgencyPath))
		}
		if sc.OfficialID != 0 {
			q = q.Where("erasure_requests.official_id = ?", sc.OfficialID)
		}
		if f.OfficialID != 0 {
			q = q.Where("erasure_requests.official_id = ?", f.OfficialID)
		}
		if f.State != "" {
			q = q.Where("erasure_requests.state = ?", f.State)
		}
		return q
	}
	var err error
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, base()); err != nil {
		return res, fmt.Errorf("count erasure requests: %w", err)
	}
	q, _, _, err := keyset(base().Select(erasureColumns), p, map[string]sortSpec{"id": {column: "erasure_requests.id"}}, "-id", "erasure_requests.id")
	if err != nil {
		return res, err
	}
	if err := q.Scan(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list erasure requests: %w", err)
	}
	ptrs := make([]*ErasureView, len(res.Items))
	for i := range res.Items {
		ptrs[i] = &res.Items[i]
	}
	if err := s.openErasures(ctx, ptrs); err != nil {
		return res, err
	}
	res.Items, res.Next = trim(res.Items, p, func(x ErasureView) string { return encodeCursor(nil, x.ID) })
	return res, nil
}

// ErasureBlockers lists what argues for a legal hold on an official's
// erasure: open high-severity flags about them, and a term still running.
// The reviewer weighs them; they do not decide by themselves.
func (s *Store) ErasureBlockers(ctx context.Context, officialID int64) ([]string, error) {
	var out []string
	var flags int64
	err := s.rdb(ctx).Table("flags").Where("official_id = ? AND severity = 'high' AND status IN ('open', 'acknowledged')", officialID).Count(&flags).Error
	if err != nil {
		return nil, fmt.Errorf("erasure blockers: %w", err)
	}
	if flags > 0 {
		out = append(out, "erasure.blocker_flags")
	}
	var serving bool
	if err := s.rdb(ctx).Model(&Official{}).Select("serving").Where("id = ?", officialID).Scan(&serving).Error; err != nil {
		return nil, fmt.Errorf("erasure blockers: %w", err)
	}
	if serving {
		out = append(out, "erasure.blocker_serving")
	}
	return out, nil
}

// ErasedOfficial is an official whose data key was destroyed, and when.
type ErasedOfficial struct {
	OfficialID  int64
	DestroyedAt time.Time
}

// ReapplyErasures erases everything personal of the officials given, as
// a completed erasure of everything does, on a database restored from a
// copy made before they were erased: their data key is destroyed, their
// name and personal handles overwritten. Officials this database does not
// hold, and those whose key is already destroyed, are skipped; each one
// erased is audited, by the system. It returns how many were erased.
func (s *Store) ReapplyErasures(ctx context.Context, erased []ErasedOfficial) (int, error) {
	n := 0
	err := s.Tx(ctx, func(ctx context.Context) error {
		for _, e := range erased {
			var found int64
			err := s.db(ctx).Model(&Official{}).Where(`id = ? AND NOT EXISTS (SELECT 1 FROM data_keys
WHERE data_keys.official_id = officials.id AND data_keys.purpose = ? AND data_keys.wrapped = '')`, e.OfficialID, keyOfficial).Count(&found).Error
			if err != nil {
				return fmt.Errorf("re-apply erasures: %w", err)
			}
			if found == 0 {
				continue
			}
			if err := s.erase(ctx, e.OfficialID, ErasureAll); err != nil {
				return err
			}
			if err := s.record(ctx, System, "restore_erase", "official", e.OfficialID,
				map[string]any{"erased_at": e.DestroyedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
