// Package monitor turns the registry into oversight: compliance rules, scans
// that keep flags in step, scheduled jobs and the weekly report. It knows
// nothing of HTTP.
package monitor

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"hozur/config"
	"hozur/registry"
)

// Settings are the rules' thresholds and scope.
type Settings struct {
	ExpiringDays   int
	ReviewSLADays  int
	InfoDays       int
	UnverifiedDays int
	Capacities     []string // in scope of FOREIGN_NO_EXEMPTION
	Ranks          []int    // officials' ranks in scope of FOREIGN_NO_EXEMPTION
	Severities     map[string]string
	Location       *time.Location
}

// SettingsFrom reads the monitor's settings from the configuration.
func SettingsFrom(c config.Config) Settings {
	return Settings{ExpiringDays: c.Monitor.ExpiringDays, ReviewSLADays: c.Monitor.ReviewSLADays, InfoDays: c.Monitor.InfoDays,
		UnverifiedDays: c.Monitor.UnverifiedDays, Capacities: c.Monitor.Capacities, Ranks: c.Monitor.Ranks,
		Severities: c.Monitor.Severities, Location: c.Location()}
}

// DefaultSettings are the configuration's defaults.
func DefaultSettings() Settings { return SettingsFrom(config.Default()) }

// Monitor runs the rules over a registry.
type Monitor struct {
	store *registry.Store
	set   Settings
	log   *slog.Logger
	// scanMu keeps scans (full or for one holder) from interleaving their
	// reconciliations.
	scanMu sync.Mutex
	// rescans lets concurrent writes share their rescans (rescan.go).
	rescans rescanGroup
	// background counts the full scans a write started (OnChange), which
	// Wait waits for before the store closes.
	background sync.WaitGroup
	// mailer sends e-mail; nil while e-mail is off.
	mailer atomic.Pointer[Mailer]
	// met counts jobs and deliveries for Prometheus (see metrics.go).
	metricsOnce sync.Once
	met         *Metrics
}

// New makes a monitor.
func New(store *registry.Store, set Settings, log *slog.Logger) *Monitor {
	if set.Location == nil {
		set.Location = store.Rules().Location
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{store: store, set: set, log: log}
}

// Wait blocks until the full scans that writes started in the background
// have finished: at shutdown, before the store closes.
func (m *Monitor) Wait() { m.background.Wait() }

// Store is the registry the monitor watches.
func (m *Monitor) Store() *registry.Store { return m.store }

// Settings returns the monitor's settings.
func (m *Monitor) Settings() Settings { return m.set }

// The monitor's API, for the jobs, the CLI and the web layer:
//
//	Scan(ctx, now, trigger, progress) (Scan, error)          scan.go: every rule over the registry, flags reconciled, a scans row
//	RescanAccounts(ctx, now, accountIDs) error               scan.go: the same for the holders of some accounts, after a write
//	Flags(ctx, actor, FlagFilter, registry.Page) (registry.Result[FlagView], error)   flags_store.go
//	Acknowledge(ctx, actor, ids, note) (int, error)          flags_store.go
//	Scans(ctx, actor, registry.Page) (registry.Result[Scan], error)
