package monitor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue is a series' value in a fresh scrape of the monitor's
// collectors: a counter's or gauge's value, a histogram's count; -1 when
// the series is absent.
func metricValue(t *testing.T, m *Monitor, name string, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if !sameLabels(s.GetLabel(), labels) {
				continue
			}
			switch {
			case s.Counter != nil:
				return s.GetCounter().GetValue()
			case s.Gauge != nil:
				return s.GetGauge().GetValue()
			case s.Histogram != nil:
				return float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}

func sameLabels(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if want[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

func TestJobMetrics(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	ctx := context.Background()
	runs := func(outcome string) float64 {
		return metricValue(t, s.m, "hozur_job_runs_total", map[string]string{"job": JobScan, "outcome": outcome})
	}
	// Every job's series exist before its first run.
	for _, name := range s.Names() {
		if v := metricValue(t, s.m, "hozur_job_runs_total", map[string]string{"job": name, "outcome": "failed"}); v != 0 {
			t.Errorf("%s failed before any run = %v, want 0", name, v)
		}
	}
	if _, err := s.RunFunc(ctx, JobScan, TriggerManual, func(context.Context, time.Time) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunFunc(ctx, JobScan, TriggerManual, func(context.Context, time.Time) error { return errors.New("disk full") }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunFunc(ctx, JobScan, TriggerManual, func(context.Context, time.Time) error { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	// A run asked for while one is going is skipped.
	_, err := s.RunFunc(ctx, JobScan, TriggerManual, func(ctx context.Context, _ time.Time) error {
		inner, err := s.RunFunc(ctx, JobScan, TriggerManual, func(context.Context, time.Time) error { return nil })
		if err == nil && inner.Outcome != OutcomeSkipped {
			t.Errorf("inner run %+v, want skipped", inner)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed, skipped := runs("ok"), runs("failed"), runs("skipped"); ok != 2 || failed != 2 || skipped != 1 {
		t.Errorf("scan runs ok %v failed %v skipped %v, want 2 2 1", ok, failed, skipped)
	}
	// Skipped runs took no time: four durations, for the runs that ran.
	if n := metricValue(t, s.m, "hozur_job_duration_seconds", map[string]string{"job": JobScan}); n != 4 {
		t.Errorf("scan durations observed %v, want 4", n)
	}
	if n := metricValue(t, s.m, "hozur_job_duration_seconds", map[string]string{"job": JobWeeklyReport}); n != 0 {
		t.Errorf("report durations %v, want 0", n)
	}
}

func TestOpenFlagsGauge(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	w := s.m.Store().Write(context.Background())
	for i, f := range []Flag{
		{Rule: RuleUnverifiedAccount, Severity: SeverityNotice, Status: FlagOpen},
		{Rule: RuleUnverifiedAccount, Severity: SeverityNotice, Status: FlagOpen},
		{Rule: RuleUnverifiedAccount, Severity: SeverityNotice, Status: FlagAcknowledged},
		{Rule: RuleForeignNoExemption, Severity: SeverityHigh, Status: FlagOpen},
		{Rule: RuleForeignNoExemption, Severity: SeverityWarning, Status: FlagOpen},
		{Rule: RuleForeignNoExemption, Severity: SeverityHigh, Status: FlagResolved, ResolvedAt: &now},
	} {
		f.SubjectType, f.SubjectID, f.AgencyID, f.Args, f.OpenedAt, f.LastSeenAt = SubjectAccount, int64(i+1), 1, "{}", now, now
		if err := w.Create(&f).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		rule, severity, status string
		want                   float64
	}{
		{RuleUnverifiedAccount, SeverityNotice, FlagOpen, 2},
		{RuleUnverifiedAccount, SeverityNotice, FlagAcknowledged, 1},
		{RuleForeignNoExemption, SeverityHigh, FlagOpen, 1},
		{RuleForeignNoExemption, SeverityWarning, FlagOpen, 1},
		{RuleForeignNoExemption, SeverityHigh, FlagResolved, -1}, // resolved flags are not counted
	} {
		if got := metricValue(t, s.m, "hozur_open_flags", map[string]string{"rule": c.rule, "severity": c.severity, "status": c.status}); got != c.want {
			t.Errorf("open flags %s/%s/%s = %v, want %v", c.rule, c.severity, c.status, got, c.want)
		}
	}
	// Counted at each scrape: an acknowledgement shows at once.
	if err := w.Model(&Flag{}).Where("rule = ? AND status = ?", RuleUnverifiedAccount, FlagOpen).Update("status", FlagAcknowledged).Error; err != nil {
		t.Fatal(err)
	}
	if got := metricValue(t, s.m, "hozur_open_flags", map[string]string{"rule": RuleUnverifiedAccount, "severity": SeverityNotice, "status": FlagAcknowledged}); got != 3 {
		t.Errorf("acknowledged after the update = %v, want 3", got)
	}
}

func TestMailMetrics(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	e.exemption(e.account.ID, mailTehran(2026, 11, 8, 0, 0)) // 7 days after e.now: four recipients
	count := func(outcome string) float64 {
		return metricValue(t, e.m, "hozur_mail_deliveries_total", map[string]string{"kind": MailReminder, "outcome": outcome})
	}
	sink.setFail(true)
	if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
		t.Fatal(err)
	}
	if sent, failed := count("sent"), count("failed"); sent != 0 || failed != 4 {
		t.Fatalf("after a failing server: sent %v failed %v, want 0 and 4", sent, failed)
	}
	sink.setFail(false)
	if err := e.m.RetryPending(mailCtx(), e.now.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if sent, failed := count("sent"), count("failed"); sent != 4 || failed != 4 {
		t.Errorf("after the retry: sent %v failed %v, want 4 and 4", sent, failed)
	}
}
