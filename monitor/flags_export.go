package monitor

import (
	"context"
	"slices"
	"strconv"
	"time"

	"hozur/registry"
	"hozur/registry/sheet"
)

// ExportFlags is the kind of an export of flags.
const ExportFlags = "flags"

// ExportKinds lists every kind that exports: the registry's and the flags.
var ExportKinds = append(slices.Clone(registry.ExportKinds), ExportFlags)

// flagExportColumns are the columns of a flags sheet. Rules, severities and
// statuses are written as their codes, as the API answers them.
var flagExportColumns = []registry.Column{
	{Key: "id", Fa: "شماره"},
	{Key: "rule", Fa: "قاعده"},
	{Key: "severity", Fa: "شدت"},
	{Key: "status", Fa: "وضعیت"},
	{Key: "subject_type", Fa: "نوع موضوع"},
	{Key: "subject_id", Fa: "شمارهٔ موضوع"},
	{Key: "platform", Fa: "سکو"},
	{Key: "handle", Fa: "شناسه"},
	{Key: "agency_code", Fa: "کد سازمان"},
	{Key: "official", Fa: "مقام"},
	{Key: "opened_at", Fa: "باز شده در"},
	{Key: "last_seen_at", Fa: "آخرین بار دیده‌شده"},
	{Key: "resolved_at", Fa: "برطرف‌شده در"},
	{Key: "acknowledged_at", Fa: "دیده‌شده در"},
	{Key: "ack_note", Fa: "یادداشت هنگام دیدن"},
}

// ExportOptions are the registry's export options and the flags' filter.
type ExportOptions struct {
	registry.ExportOptions
	Flags FlagFilter
}

// ExportColumns returns the columns of a kind's export.
func ExportColumns(kind string) ([]registry.Column, error) {
	if kind == ExportFlags {
		return flagExportColumns, nil
	}
	return registry.ExportColumns(kind)
}

// SheetName is the name of a kind's sheet in a workbook.
func SheetName(kind string, persian bool) string {
	if kind == ExportFlags {
		if persian {
			return "هشدارها"
		}
		return "Flags"
	}
	return registry.SheetName(kind, persian)
}

// Export writes every row of a filtered list the actor may see: flags here,
// the other kinds through the registry (see registry.Store.Export). It
// returns the rows written; the caller closes w.
func (m *Monitor) Export(ctx context.Context, a registry.Actor, w sheet.Writer, opt ExportOptions) (int, error) {
	if opt.Kind != ExportFlags {
		return m.store.Export(ctx, a, w, opt.ExportOptions)
	}
	codes, err := m.store.AgencyCodes(ctx)
	if err != nil {
		return 0, err
	}
	tz := m.set.Location
	moment := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(tz).Format("2006-01-02 15:04")
	}
	cells := func(_ context.Context, items []FlagView) ([][]string, error) {
		out := make([][]string, len(items))
		for i, f := range items {
			official := ""
			if f.OfficialID != nil {
				official = f.OfficialName
			}
			out[i] = []string{strconv.FormatInt(f.ID, 10), f.Rule, f.Severity, f.Status, f.SubjectType, strconv.FormatInt(f.SubjectID, 10),
				f.PlatformCode, f.AccountDisplay, codes[f.AgencyID], official, moment(&f.OpenedAt), moment(&f.LastSeenAt),
				moment(f.ResolvedAt), moment(f.AcknowledgedAt), f.AckNote}
		}
		return out, nil
	}
	// The flags list pages by 200 at most; flags are far fewer than
	// accounts.
	fetch := func(cursor string) (registry.Result[FlagView], error) {
		return m.Flags(ctx, a, opt.Flags, registry.Page{PerPage: 200, Cursor: cursor})
	}
	return registry.ExportPages(ctx, w, flagExportColumns, opt.Persian, opt.Progress, fetch, cells)
}
