package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"hozur/registry"
)

// FlagView is a flag with the names of its subject.
type FlagView struct {
	Flag
	AgencyName     string
	AgencyNameEn   string
	AgencyPath     string
	AccountDisplay string
	PlatformCode   string
	OfficialName   string
	// The account's capacity and holder, to open a personal handle.
	AccountCapacity   string
	AccountOfficialID *int64
	// AccountErased: the personal account's handle was erased.
	AccountErased bool `gorm:"-"`
}

// openFlags opens the handles of personal accounts among the flags'
// subjects.
func (m *Monitor) openFlags(ctx context.Context, list []FlagView) error {
	texts := make([]registry.AccountText, 0, len(list))
	for i := range list {
		v := &list[i]
		texts = append(texts, registry.AccountText{Capacity: v.AccountCapacity, OfficialID: v.AccountOfficialID, Display: &v.AccountDisplay,
			Erased: &v.AccountErased})
	}
	return m.store.OpenAccounts(ctx, texts)
}

// Target is the permission target of a flag.
func (v *FlagView) Target() registry.Target {
	t := registry.Target{Resource: registry.ResFlag, AgencyPath: v.AgencyPath}
	if v.OfficialID != nil {
		t.OfficialID = *v.OfficialID
	}
	return t
}

// FlagFilter narrows the flag list.
type FlagFilter struct {
	Rule       string
	Severity   string
	Status     string // open, acknowledged, resolved; "" = unresolved (open or acknowledged)
	AgencyID   int64  // with sub-agencies
	AccountID  int64
	OfficialID int64
}

const flagColumns = `flags.*, COALESCE(agencies.name, '') AS agency_name, COALESCE(agencies.name_en, '') AS agency_name_en,
COALESCE(agencies.path, '') AS agency_path, COALESCE(accounts.display, '') AS account_display, COALESCE(platforms.code, '') AS platform_code,
COALESCE(officials.name, '') AS official_name, COALESCE(accounts.capacity, '') AS account_capacity, accounts.official_id AS account_official_id`

const flagJoins = `LEFT JOIN agencies ON agencies.id = flags.agency_id LEFT JOIN accounts ON accounts.id = flags.account_id
LEFT JOIN platforms ON platforms.id = accounts.platform_id LEFT JOIN officials ON officials.id = flags.official_id`

// Flags lists the flags the actor may see, newest first.
func (m *Monitor) Flags(ctx context.Context, a registry.Actor, f FlagFilter, p registry.Page) (registry.Result[FlagView], error) {
	var res registry.Result[FlagView]
	sc := a.ScopeFor(registry.ResFlag)
	if sc.None {
		return res, registry.ErrForbidden
	}
	bad := map[string]string{}
	if f.Rule != "" && !slices.Contains(RuleCodes(), f.Rule) {
		bad["rule"] = "error.choose"
	}
	if f.Severity != "" && !ValidSeverity(f.Severity) {
		bad["severity"] = "error.choose"
	}
	if f.Status != "" && f.Status != FlagOpen && f.Status != FlagAcknowledged && f.Status != FlagResolved {
		bad["status"] = "error.choose"
	}
	var within string
	if f.AgencyID != 0 {
		ag, err := m.store.Agency(ctx, f.AgencyID)
		if errors.Is(err, registry.ErrNotFound) {
			bad["agency_id"] = "error.not_found"
		} else if err != nil {
			return res, err
		} else {
			within = ag.Path
		}
	}
	if len(bad) > 0 {
		return res, &registry.ValidationError{Fields: bad}
	}
	q := m.store.Read(ctx).Table("flags").Select(flagColumns).Joins(flagJoins)
	subtree := func(path string) {
		lo, hi := path, path[:len(path)-1]+"0"
		q = q.Where("flags.agency_id IN (SELECT id FROM agencies WHERE path >= ? AND path < ?)", lo, hi)
	}
	if sc.AgencyPath != "" {
		subtree(sc.AgencyPath)
	}
	if sc.OfficialID != 0 {
		q = q.Where("flags.official_id = ?", sc.OfficialID)
	}
	if within != "" {
		subtree(within)
	}
	if f.Rule != "" {
		q = q.Where("flags.rule = ?", f.Rule)
	}
	if f.Severity != "" {
		q = q.Where("flags.severity = ?", f.Severity)
	}
	if f.Status == "" {
		q = q.Where("flags.status IN ?", []string{FlagOpen, FlagAcknowledged})
	} else {
		q = q.Where("flags.status = ?", f.Status)
	}
	if f.AccountID != 0 {
		q = q.Where("flags.account_id = ?", f.AccountID)
	}
	if f.OfficialID != 0 {
		q = q.Where("flags.official_id = ?", f.OfficialID)
	}
	per := p.PerPage
	if per <= 0 || per > 200 {
		per = 50
	}
	if p.Cursor != "" {
		var after int64
		if _, err := fmt.Sscanf(p.Cursor, "f%d", &after); err != nil || after <= 0 {
			return res, &registry.ValidationError{Fields: map[string]string{"cursor": "error.invalid"}}
		}
		q = q.Where("flags.id < ?", after)
	}
	if err := q.Order("flags.id DESC").Limit(per + 1).Scan(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list flags: %w", err)
	}
	if len(res.Items) > per {
		res.Items = res.Items[:per]
		res.Next = fmt.Sprintf("f%d", res.Items[per-1].ID)
	}
	if err := m.openFlags(ctx, res.Items); err != nil {
		return res, err
	}
	return res, nil
}

// Flag returns one flag.
func (m *Monitor) Flag(ctx context.Context, a registry.Actor, id int64) (*FlagView, error) {
	var v FlagView
	err := m.store.Read(ctx).Table("flags").Select(flagColumns).Joins(flagJoins).Where("flags.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, registry.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get flag: %w", err)
	}
	if !a.Can(registry.ActionView, v.Target()) {
		return nil, registry.ErrForbidden
	}
	list := []FlagView{v}
	if err := m.openFlags(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// Acknowledge marks unresolved flags as seen by a reviewer, with a note;
// they stay visible until their condition ends. It returns how many changed.
func (m *Monitor) Acknowledge(ctx context.Context, a registry.Actor, ids []int64, note string) (int, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 2000 {
		return 0, &registry.ValidationError{Fields: map[string]string{"note": "error.too_long"}}
	}
	if len(ids) == 0 {
		return 0, &registry.ValidationError{Fields: map[string]string{"ids": "error.required"}}
	}
	n := 0
	err := m.store.Tx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			v, err := m.Flag(ctx, a, id)
			if err != nil {
				return err
			}
			if !a.Can(registry.ActionDecide, v.Target()) {
				return registry.ErrForbidden
			}
			if v.Status != FlagOpen {
				continue
			}
			if err := m.store.Write(ctx).Model(&Flag{}).Where("id = ?", id).Updates(map[string]any{"status": FlagAcknowledged,
				"acknowledged_at": m.store.Now(), "acknowledged_by": a.UserID, "ack_note": note}).Error; err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
			if err := m.store.Record(ctx, a, "acknowledge", "flag", id, map[string]any{"rule": v.Rule, "note": note}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Scans lists the scans, newest first.
func (m *Monitor) Scans(ctx context.Context, a registry.Actor, p registry.Page) (registry.Result[Scan], error) {
	var res registry.Result[Scan]
	if !a.MayEver(registry.ActionView, registry.ResJob) {
		return res, registry.ErrForbidden
	}
	per := p.PerPage
	if per <= 0 || per > 200 {
		per = 50
	}
	q := m.store.Read(ctx).Model(&Scan{})
	if p.Cursor != "" {
		var after int64
		if _, err := fmt.Sscanf(p.Cursor, "s%d", &after); err != nil || after <= 0 {
			return res, &registry.ValidationError{Fields: map[string]string{"cursor": "error.invalid"}}
		}
		q = q.Where("id < ?", after)
	}
	if err := q.Order("id DESC").Limit(per + 1).Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list scans: %w", err)
	}
	if len(res.Items) > per {
		res.Items = res.Items[:per]
		res.Next = fmt.Sprintf("s%d", res.Items[per-1].ID)
	}
	return res, nil
}

// LatestScan is the last finished scan, or nil.
func (m *Monitor) LatestScan(ctx context.Context) (*Scan, error) {
	var s Scan
	err := m.store.Read(ctx).Where("finished_at IS NOT NULL").Order("id DESC").Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil //nolint:nilnil // no scan yet
	}
	return &s, err
}
