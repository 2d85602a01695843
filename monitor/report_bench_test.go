package monitor

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hozur/registry"
	"hozur/registry/demo"
)

// BenchmarkWeeklyReport builds the national weekly report over the demo
// registry at HOZUR_BENCH_DB (copied, never changed; e.g. the 1M-account
// database of `hozur demo --accounts 1000000`), else over a 20k demo. A
// quarter of the foreign accounts get an exemption, one group exemption
// covers a ministry, and the uncovered ones a high flag, as a scan would
// leave them. The goal at 1M accounts is under 3 seconds.
func BenchmarkWeeklyReport(b *testing.B) {
	ctx := context.Background()
	s, accounts, start := repBenchStore(b)
	m := New(s, DefaultSettings(), nil)
	// The cut of the agency with the most accounts, as a liaison gets it.
	var biggest int64
	if err := s.Read(ctx).Table("accounts").Select("agency_at0").Group("agency_at0").Order("COUNT(*) DESC").Limit(1).Scan(&biggest).Error; err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		agency *int64
	}{{"national", nil}, {"cut", &biggest}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var d *ReportData
			var err error
			for b.Loop() {
				if d, err = m.BuildReport(ctx, start, bc.agency); err != nil {
					b.Fatal(err)
				}
				if _, err := RenderReportHTML(d, "fa"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(accounts), "accounts")
			b.Logf("%d accounts in the registry; this report: %d accounts, %d in scope, %d covered, %d open high flags, %d rows by agency",
				accounts, d.Headline.Accounts, d.Headline.InScope, d.Headline.Covered, d.Headline.OpenHigh, len(d.ByAgency))
		})
	}
}

// BenchmarkDashboardFigures computes the dashboard's charts afresh (a new
// monitor each time, so the minute's cache never answers).
func BenchmarkDashboardFigures(b *testing.B) {
	ctx := context.Background()
	s, accounts, _ := repBenchStore(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := New(s, DefaultSettings(), nil).DashboardFigures(ctx, registry.System); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(accounts), "accounts")
}

// repBenchStore is the benchmarks' registry, with the start of the last
// week that ended.
func repBenchStore(b *testing.B) (*registry.Store, int64, time.Time) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "hozur.db")
	if src := os.Getenv("HOZUR_BENCH_DB"); src != "" {
		for _, suffix := range []string{"", "-wal"} {
			if err := repCopy(src+suffix, path+suffix); err != nil && suffix == "" {
				b.Fatal(err)
			}
		}
	}
	s, err := registry.Open(registry.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var accounts int64
	s.Read(ctx).Table("accounts").Count(&accounts)
	if accounts == 0 {
		if _, err := demo.Generate(ctx, s, demo.Options{Accounts: 20000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		s.Read(ctx).Table("accounts").Count(&accounts)
	}
	now := time.Now()
	start, _ := WeekOf(now, registry.DefaultRules().Location)
	start = start.AddDate(0, 0, -7)
	var exemptions int64
	s.Read(ctx).Table("exemptions").Count(&exemptions)
	if exemptions == 0 {
		seed := []string{
			`INSERT INTO exemptions (account_id, valid_from, valid_until, created_at)
 SELECT a.id, ?, datetime(?, '+' || (a.id % 365) || ' days') || '+00:00', ? FROM accounts a JOIN platforms p ON p.id = a.platform_id WHERE p.origin = 'foreign' AND a.id % 4 = 0`,
			`INSERT INTO flags (rule, severity, subject_type, subject_id, account_id, official_id, agency_id, status, opened_at, last_seen_at)
 SELECT 'FOREIGN_NO_EXEMPTION', 'high', 'account', a.id, a.id, a.official_id, a.agency_id, 'open', ?, ?
 FROM accounts a JOIN platforms p ON p.id = a.platform_id WHERE p.origin = 'foreign' AND a.status = 'active' AND a.id % 4 <> 0`,
			`INSERT INTO flags (rule, severity, subject_type, subject_id, account_id, official_id, agency_id, status, opened_at, last_seen_at)
 SELECT 'CLOSURE_OVERDUE', 'high', 'account', a.id, a.id, a.official_id, a.agency_id, 'open', ?, ?
 FROM accounts a WHERE a.status = 'closure_requested'`,
		}
		from, until, opened := start.AddDate(0, -6, 0).UTC(), start.UTC().Format("2006-01-02 15:04:05"), start.AddDate(0, -1, 0).UTC()
		err := s.Tx(ctx, func(ctx context.Context) error {
			if err := s.Write(ctx).Exec(seed[0], from, until, from).Error; err != nil {
				return err
			}
			for _, q := range seed[1:] {
				if err := s.Write(ctx).Exec(q, opened, opened).Error; err != nil {
					return err
				}
			}
			return s.Write(ctx).Exec("ANALYZE").Error
		})
		if err != nil {
			b.Fatal(err)
		}
		var ministry int64
		s.Read(ctx).Table("agencies").Where("parent_id IS NULL").Order("id").Limit(1).Pluck("id", &ministry)
		if _, err := s.CreateGroupExemption(ctx, registry.System, registry.GroupExemptionInput{Title: "پایش رسانه", LegalRef: "1",
			LegalDate: &from, ValidFrom: &from, Scope: registry.GroupScope{Agencies: []registry.ScopeAgency{{ID: ministry, IncludeSub: true}},
				Capacities: []string{registry.CapacityOffice}}}); err != nil {
			b.Fatal(err)
		}
	}
	return s, accounts, start
}

func repCopy(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
