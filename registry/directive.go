package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"hozur/registry/textnorm"
)

// Directive kinds: the presence rules set the grace deadline for foreign
// accounts; the privacy directive the deadline of platform assessments.
const (
	DirectivePresence = "presence"
	DirectivePrivacy  = "privacy"
	DirectiveOther    = "other"
)

// DirectiveKinds lists the kinds.
var DirectiveKinds = []string{DirectivePresence, DirectivePrivacy, DirectiveOther}

// Directive is a rule with a compliance window that can be amended.
type Directive struct {
	ID           int64
	Title        string
	Reference    string
	Kind         string
	NotifiedOn   time.Time
	WindowMonths int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Amendments   []DirectiveAmendment `gorm:"foreignKey:DirectiveID"`
}

// DirectiveAmendment changes a directive's window.
type DirectiveAmendment struct {
	ID           int64
	DirectiveID  int64
	Reference    string
	DatedOn      time.Time
	WindowMonths int
	Note         string
	CreatedAt    time.Time
}

// Window is the compliance window in force: the latest amendment's, or the
// original.
func (d Directive) Window() int {
	w, last := d.WindowMonths, time.Time{}
	for _, a := range d.Amendments {
		if !a.DatedOn.Before(last) {
			w, last = a.WindowMonths, a.DatedOn
		}
	}
	return w
}

// Deadline is the effective deadline: notified on plus the window in force.
func (d Directive) Deadline() time.Time { return d.NotifiedOn.AddDate(0, d.Window(), 0) }

// DirectiveInput is what an admin writes.
type DirectiveInput struct {
	Title        string
	Reference    string
	Kind         string
	NotifiedOn   *time.Time
	WindowMonths int
}

// AmendmentInput is a new window with its reference and date.
type AmendmentInput struct {
	Reference    string
	DatedOn      *time.Time
	WindowMonths int
	Note         string
}

func checkWindow(fe fieldErrors, field string, months int) {
	if months < 1 || months > 120 {
		fe.add(field, "directive.window_range")
	}
}

// CreateDirective records a directive.
func (s *Store) CreateDirective(ctx context.Context, a Actor, in DirectiveInput) (*Directive, error) {
	if !a.MayEver(ActionCreate, ResDirective) {
		return nil, ErrForbidden
	}
	in.Title, in.Reference = textnorm.Display(in.Title), strings.TrimSpace(in.Reference)
	fe := fieldErrors{}
	checkText(fe, "title", in.Title, true, 300)
	checkText(fe, "reference", in.Reference, true, 100)
	if !slices.Contains(DirectiveKinds, in.Kind) {
		fe.add("kind", "error.choose")
	}
	if in.NotifiedOn == nil {
		fe.add("notified_on", "error.required")
	}
	checkWindow(fe, "window_months", in.WindowMonths)
	if err := fe.err(); err != nil {
		return nil, err
	}
	now := s.Now()
	d := &Directive{Title: in.Title, Reference: in.Reference, Kind: in.Kind, NotifiedOn: *in.NotifiedOn, WindowMonths: in.WindowMonths, CreatedAt: now, UpdatedAt: now}
	err := s.Tx(ctx, func(ctx context.Context) error {
		if err := s.db(ctx).Omit("Amendments").Create(d).Error; err != nil {
			return fmt.Errorf("create directive: %w", err)
		}
		return s.record(ctx, a, "create", "directive", d.ID, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Directive(ctx, a, d.ID)
}

// AmendDirective gives a directive a new window.
func (s *Store) AmendDirective(ctx context.Context, a Actor, id int64, in AmendmentInput) (*Directive, error) {
	if !a.MayEver(ActionUpdate, ResDirective) {
		return nil, ErrForbidden
	}
	in.Reference, in.Note = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	fe := fieldErrors{}
	checkText(fe, "reference", in.Reference, true, 100)
	checkText(fe, "note", in.Note, false, 2000)
	if in.DatedOn == nil {
		fe.add("dated_on", "error.required")
	}
	checkWindow(fe, "window_months", in.WindowMonths)
	if err := fe.err(); err != nil {
		return nil, err
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		d, err := s.Directive(ctx, a, id)
		if err != nil {
			return err
		}
		if in.DatedOn.Before(d.NotifiedOn) {
			return &ValidationError{Fields: map[string]string{"dated_on": "directive.amendment_before_notice"}}
		}
		am := DirectiveAmendment{DirectiveID: id, Reference: in.Reference, DatedOn: *in.DatedOn, WindowMonths: in.WindowMonths, Note: in.Note, CreatedAt: s.Now()}
		if err := s.db(ctx).Create(&am).Error; err != nil {
			return fmt.Errorf("amend directive: %w", err)
		}
		return s.record(ctx, a, "amend", "directive", id, map[string]any{"reference": in.Reference, "window_months": [2]any{d.Window(), in.WindowMonths}})
	})
	if err != nil {
		return nil, err
	}
	return s.Directive(ctx, a, id)
}

// Directive returns a directive with its amendments, oldest first.
func (s *Store) Directive(ctx context.Context, a Actor, id int64) (*Directive, error) {
	if !a.MayEver(ActionView, ResDirective) {
		return nil, ErrForbidden
	}
	var d Directive
	err := s.rdb(ctx).Preload("Amendments", func(db *gorm.DB) *gorm.DB { return db.Order("dated_on, id") }).Where("id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get directive: %w", err)
	}
	s.localize(&d)
	return &d, nil
}

// localize puts a directive's days in the rules' calendar, where adding
// months to them means what the directive says.
func (s *Store) localize(d *Directive) {
	tz := s.rules.Location
	d.NotifiedOn = d.NotifiedOn.In(tz)
	for i := range d.Amendments {
		d.Amendments[i].DatedOn = d.Amendments[i].DatedOn.In(tz)
	}
}

// Directives lists every directive with its amendments, newest notice first.
func (s *Store) Directives(ctx context.Context, a Actor) ([]Directive, error) {
	if !a.MayEver(ActionView, ResDirective) {
		return nil, ErrForbidden
	}
	var list []Directive
	err := s.rdb(ctx).Preload("Amendments", func(db *gorm.DB) *gorm.DB { return db.Order("dated_on, id") }).Order("notified_on DESC, id DESC").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list directives: %w", err)
	}
	for i := range list {
		s.localize(&list[i])
	}
	return list, nil
}

// DeadlineOf is the effective deadline of the latest directive of a kind,
// or nil when there is none (the monitor's grace period for foreign
// accounts comes from the presence directive).
func (s *Store) DeadlineOf(ctx context.Context, kind string) (*time.Time, error) {
	list, err := s.Directives(ctx, System)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		if d.Kind == kind {
			t := d.Deadline()
			return &t, nil
		}
	}
	return nil, nil //nolint:nilnil // no directive of the kind: no deadline
}
