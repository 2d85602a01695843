package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hozur/monitor"
	"hozur/registry"
)

func (a *app) reportCmd() *cobra.Command {
	var week, format, out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Make (or fetch) the national weekly report of a week and print its figures",
		Long: `Make the national report of a week, Saturday to Friday in the configured
time zone, or fetch it if it was made before: a stored report never changes.
The default is the last week that has ended. One line is printed: the week,
the accounts, the compliance rate, the open high flags and the SHA-256 of the
report's HTML. With --out the report is also written to a file.`,
		Example: "  hozur report --data /var/lib/hozur\n  hozur report --data /var/lib/hozur --week 2026-47 --format xlsx --out week47.xlsx",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "" && out == "" {
				return errors.New("--format needs --out")
			}
			if out != "" && format == "" {
				format = "html"
			}
			if format != "" && format != "html" && format != "xlsx" && format != "csv" && format != "pdf" {
				return fmt.Errorf("--format %q: one of html, xlsx, csv, pdf", format)
			}
			st, mon, cfg, err := a.cliMonitor(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			tz := cfg.Location()
			var start time.Time
			if week == "" {
				cur, _ := monitor.WeekOf(st.Now(), tz)
				start = cur.AddDate(0, 0, -7)
			} else if start, err = monitor.ParseWeek(week, tz); err != nil {
				return fmt.Errorf("--week: %w", err)
			}
			bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("report"),
				progressbar.OptionSpinnerType(14), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
				// The bar's own spinner goroutine reads its state unlocked (a race
				// the race detector sees): this bar is moved by its caller only.
				progressbar.OptionSetSpinnerChangeInterval(0))
			done := make(chan struct{})
			go func() {
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-done:
						return
					case <-t.C:
						_ = bar.Add(1)
					}
				}
			}()
			r, err := mon.Report(cmd.Context(), start, nil)
			close(done)
			_ = bar.Finish()
			if err != nil {
				var ce *registry.ConflictError
				if errors.As(err, &ce) && ce.Key == "report.week_not_over" {
					return fmt.Errorf("the week of %s has not ended yet", start.Format(time.DateOnly))
				}
				return err
			}
			d, err := r.Parsed()
			if err != nil {
				return err
			}
			if out != "" {
				b, err := renderReport(cmd.Context(), r, d, format, monitor.ChromiumPath(cfg.Monitor.ChromiumPath))
				if err != nil {
					return err
				}
				if err := os.WriteFile(out, b, 0o600); err != nil {
					return err
				}
			}
			rate := "n/a"
			if d.Headline.Rate != nil {
				rate = fmt.Sprintf("%.1f%%", *d.Headline.Rate*100)
			}
			last := r.WeekEnd.In(tz).AddDate(0, 0, -1)
			fmt.Fprintf(cmd.OutOrStdout(), "report %s..%s: %d accounts, compliance %s, %d high flags, sha256 %s\n",
				r.WeekStart.In(tz).Format(time.DateOnly), last.Format(time.DateOnly), d.Headline.Accounts, rate, d.Headline.OpenHigh, r.SHA256)
			return nil
		},
	}
	cmd.Flags().StringVar(&week, "week", "", "the week: YYYY-WW (ISO year and week of its Saturday) or any day of it, YYYY-MM-DD; default the last week that ended")
	cmd.Flags().StringVar(&format, "format", "", "write the report to --out as html (default), xlsx, csv, or pdf (with Chromium)")
	cmd.Flags().StringVar(&out, "out", "", "file to write the report to")
	return cmd
}

// renderReport is the report in a download format: the stored HTML as it
// is, the others made from the stored data.
func renderReport(ctx context.Context, r *monitor.Report, d *monitor.ReportData, format, chromium string) ([]byte, error) {
	switch format {
	case "xlsx":
		return monitor.ReportXLSX(d)
	case "csv":
		return monitor.ReportCSV(d)
	case "pdf":
		return monitor.ReportPDF(ctx, []byte(r.HTML), chromium)
	}
	return []byte(r.HTML), nil
}
