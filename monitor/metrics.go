package monitor

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes as the metrics count them: a run is ok, failed (error or
// panic) or skipped (the job was already running).
const (
	metricOK      = "ok"
	metricFailed  = "failed"
	metricSkipped = "skipped"
)

// flagsScrapeTimeout bounds the query the open-flags gauge runs at each
// scrape: a slow database must not hold the scraper.
const flagsScrapeTimeout = 2 * time.Second

// Metrics are one monitor's Prometheus collectors: its jobs' durations and
// outcomes and its e-mail deliveries. Each monitor has its own, so that two
// servers in one process (tests) do not share counts; the web layer
// registers them in its own registry with Collectors.
type Metrics struct {
	jobDuration *prometheus.HistogramVec
	jobRuns     *prometheus.CounterVec
	mail        *prometheus.CounterVec
}

func newMetrics() *Metrics {
	return &Metrics{
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hozur_job_duration_seconds",
			Help:    "How long the scheduled jobs' runs took (scan, weekly_report, reminders, maintenance, retention), whatever started them.",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800},
		}, []string{"job"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hozur_job_runs_total",
			Help: "Runs of the scheduled jobs by outcome: ok, failed (an error or a panic) or skipped (already running).",
		}, []string{"job", "outcome"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hozur_mail_deliveries_total",
			Help: "Attempts at sending e-mail by kind (report, reminder, notification) and outcome (sent or failed; a failed one is retried later).",
		}, []string{"kind", "outcome"}),
	}
}

// metrics is the monitor's collectors, made on first use: a Monitor built
// as a literal in a test has them too.
func (m *Monitor) metrics() *Metrics {
	m.metricsOnce.Do(func() { m.met = newMetrics() })
	return m.met
}

// Collectors lists the monitor's collectors for a Prometheus registry: the
// jobs, the deliveries, and the open flags counted in the database at each
// scrape.
func (m *Monitor) Collectors() []prometheus.Collector {
	mt := m.metrics()
	for _, kind := range []string{MailReport, MailReminder, MailNotification} {
		mt.mail.WithLabelValues(kind, "sent")
		mt.mail.WithLabelValues(kind, "failed")
	}
	return []prometheus.Collector{mt.jobDuration, mt.jobRuns, mt.mail, &flagsCollector{m: m, desc: prometheus.NewDesc("hozur_open_flags",
		"Unresolved flags by rule, severity and status (open or acknowledged), counted in the database at scrape time.",
		[]string{"rule", "severity", "status"}, nil)}}
}

// knowJob makes a job's series exist at zero before its first run, so an
// alert on failures sees 0 rather than nothing.
func (mt *Metrics) knowJob(name string) {
	mt.jobDuration.WithLabelValues(name)
	for _, o := range []string{metricOK, metricFailed, metricSkipped} {
		mt.jobRuns.WithLabelValues(name, o)
	}
}

// observeRun counts a finished run (outcome as job_runs records it).
func (mt *Metrics) observeRun(job, outcome string, took time.Duration) {
	switch outcome {
	case OutcomeSkipped:
		mt.jobRuns.WithLabelValues(job, metricSkipped).Inc()
		return
	case OutcomeOK:
		mt.jobRuns.WithLabelValues(job, metricOK).Inc()
	default:
		mt.jobRuns.WithLabelValues(job, metricFailed).Inc()
	}
	mt.jobDuration.WithLabelValues(job).Observe(took.Seconds())
}

// observeMail counts one attempt at sending a delivery.
func (mt *Metrics) observeMail(kind string, err error) {
	outcome := "sent"
	if err != nil {
		outcome = "failed"
	}
	mt.mail.WithLabelValues(kind, outcome).Inc()
}

// flagsCollector reads the unresolved flags' counts with one grouped query
// on the store's reader whenever Prometheus scrapes.
type flagsCollector struct {
	m    *Monitor
	desc *prometheus.Desc
}

func (c *flagsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *flagsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), flagsScrapeTimeout)
	defer cancel()
	var rows []struct {
		Rule, Severity, Status string
		N                      int64
	}
	err := c.m.store.Read(ctx).Model(&Flag{}).Select("rule, severity, status, COUNT(*) AS n").
		Where("status IN ?", []string{FlagOpen, FlagAcknowledged}).Group("rule, severity, status").Scan(&rows).Error
	if err != nil {
		c.m.log.Warn("metrics: count open flags", slog.Any("error", err))
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(r.N), r.Rule, r.Severity, r.Status)
	}
}
