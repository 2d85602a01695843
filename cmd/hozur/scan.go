package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
)

// cliMonitor opens the store and the monitor for a command-line verb. Its
// log shows only warnings and errors: the verb prints its own summary.
func (a *app) cliMonitor(cmd *cobra.Command) (*registry.Store, *monitor.Monitor, config.Config, error) {
	cfg, err := a.load(cmd, nil)
	if err != nil {
		return nil, nil, cfg, err
	}
	st, err := openStore(cmd.Context(), cfg, false)
	if err != nil {
		return nil, nil, cfg, err
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	return st, monitor.New(st, monitor.SettingsFrom(cfg), log), cfg, nil
}

func (a *app) scanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scan",
		Short: "Run the compliance rules over the whole registry now and bring the flags up to date",
		Long: `Run the compliance rules over the whole registry, as the nightly job does,
and print one line: the scan's number, the accounts evaluated, the flags
opened and resolved, and the flags left unresolved. The run is recorded
among the scan job's runs with the trigger "cli".`,
		Example: "  hozur scan --data /var/lib/hozur",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, mon, cfg, err := a.cliMonitor(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			jobs, err := monitor.NewScheduler(mon, monitor.SchedulerOptionsFrom(cfg))
			if err != nil {
				return err
			}
			bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("rules"),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
				// The bar's own spinner goroutine reads its state unlocked (a race
				// the race detector sees): this bar is moved by its caller only.
				progressbar.OptionSetSpinnerChangeInterval(0))
			start := time.Now()
			var sc monitor.Scan
			run, err := jobs.RunFunc(cmd.Context(), monitor.JobScan, monitor.TriggerCLI, func(ctx context.Context, now time.Time) error {
				var err error
				sc, err = mon.Scan(ctx, now, monitor.TriggerCLI, func(done, total int) {
					bar.ChangeMax(total)
					_ = bar.Set(done)
				})
				return err
			})
			_ = bar.Finish()
			if err != nil {
				return err
			}
			if run.Outcome != monitor.OutcomeOK {
				return fmt.Errorf("scan failed (%s): %s", run.Outcome, run.Error)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "scan %d: evaluated %d accounts, opened %d, resolved %d, open %d in %s\n",
				sc.ID, sc.Evaluated, sc.Opened, sc.Resolved, sc.OpenTotal, roundDuration(time.Since(start)))
			return nil
		},
	}
}

// roundDuration keeps a summary's duration short: 2.1s, 340ms.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
