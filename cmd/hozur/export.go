package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/sheet"
)

func (a *app) exportCmd() *cobra.Command {
	var kind, format, lang, agency, status, capacity, platform string
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Write a list of agencies, officials, accounts, flags or exemptions to a CSV or XLSX file",
		Long: `Write every record of a list, filtered, to a spreadsheet: CSV (UTF-8 with a
byte-order mark, as Excel reads Persian) or XLSX. The format is --format, or
else the file's extension; FILE - writes CSV to standard output. Agencies,
officials and accounts are written in the import's columns, so the file
imports back unchanged. The command runs as the system and sees everything;
it prints one line to standard error: the rows written.

Filters: --agency (the agency's subtree; not for exemptions), --status (an
account's or a flag's), --capacity and --platform (accounts).`,
		Example: "  hozur export --data /var/lib/hozur --kind accounts --capacity personal accounts.xlsx\n" +
			"  hozur export --data /var/lib/hozur --kind officials --agency MIN-HEALTH --lang fa officials.csv\n" +
			"  hozur export --data /var/lib/hozur --kind flags --status open - | head",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if !slices.Contains(monitor.ExportKinds, kind) {
				return fmt.Errorf("--kind %q: one of %s", kind, strings.Join(monitor.ExportKinds, ", "))
			}
			if format == "" {
				format = formatOf(file)
			}
			if format != sheet.FormatCSV && format != sheet.FormatXLSX {
				return fmt.Errorf("--format %q: csv or xlsx (or name the file .csv or .xlsx)", format)
			}
			if lang != "fa" && lang != "en" {
				return fmt.Errorf("--lang %q: fa or en", lang)
			}
			if file != "-" {
				if _, err := os.Lstat(file); err == nil {
					return fmt.Errorf("%s already exists", file)
				}
			}
			if err := a.mustExist(cmd); err != nil {
				return err
			}
			cfg, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			opt := monitor.ExportOptions{ExportOptions: registry.ExportOptions{Kind: kind, Persian: lang == "fa"}}
			if err := cliExportFilter(cmd, st, &opt, agency, status, capacity, platform); err != nil {
				return err
			}
			mon := monitor.New(st, monitor.SettingsFrom(cfg), slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn})))
			write := func(out io.Writer) (int, error) {
				var w sheet.Writer
				if format == sheet.FormatXLSX {
					w, err = sheet.NewXLSX(out, monitor.SheetName(kind, opt.Persian), opt.Persian)
				} else {
					w, err = sheet.NewCSV(out)
				}
				if err != nil {
					return 0, err
				}
				n, err := mon.Export(cmd.Context(), registry.System, w, opt)
				if cerr := w.Close(); err == nil {
					err = cerr
				}
				return n, err
			}
			var n int
			if file == "-" {
				n, err = write(cmd.OutOrStdout())
			} else {
				n, err = writeFileAtomically(file, write)
			}
			if err != nil {
				return exportError(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d %s to %s\n", n, kind, file)
			return nil
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "what to export: "+strings.Join(monitor.ExportKinds, ", "))
	cmd.Flags().StringVar(&format, "format", "", "csv or xlsx; default from FILE's extension, csv for -")
	cmd.Flags().StringVar(&lang, "lang", "en", "the header's language: en (the API's field names) or fa")
	cmd.Flags().StringVar(&agency, "agency", "", "only this agency (by code) and its sub-agencies")
	cmd.Flags().StringVar(&status, "status", "", "accounts: "+strings.Join(registry.Statuses, ", ")+"; flags: open, acknowledged, resolved (default unresolved)")
	cmd.Flags().StringVar(&capacity, "capacity", "", "accounts: "+strings.Join(registry.Capacities, ", "))
	cmd.Flags().StringVar(&platform, "platform", "", "accounts: a platform code, e.g. telegram")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

// formatOf guesses a file's format from its name.
func formatOf(file string) string {
	if strings.EqualFold(filepath.Ext(file), ".xlsx") {
		return sheet.FormatXLSX
	}
	if file == "-" || strings.EqualFold(filepath.Ext(file), ".csv") {
		return sheet.FormatCSV
	}
	return ""
}

// cliExportFilter turns the flags into the kind's filter, refusing a flag
// the kind has no filter for.
func cliExportFilter(cmd *cobra.Command, st *registry.Store, opt *monitor.ExportOptions, agency, status, capacity, platform string) error {
	applies := map[string][]string{
		"agency":   {registry.ExchangeAgencies, registry.ExchangeOfficials, registry.ExchangeAccounts, monitor.ExportFlags},
		"status":   {registry.ExchangeAccounts, monitor.ExportFlags},
		"capacity": {registry.ExchangeAccounts},
		"platform": {registry.ExchangeAccounts},
	}
	for name, kinds := range applies {
		if cmd.Flags().Changed(name) && !slices.Contains(kinds, opt.Kind) {
			return fmt.Errorf("--%s does not apply to %s", name, opt.Kind)
		}
	}
	var agencyID int64
	if agency != "" {
		ag, err := st.AgencyByCode(cmd.Context(), agency)
		if errors.Is(err, registry.ErrNotFound) {
			return fmt.Errorf("--agency: no agency %q", agency)
		} else if err != nil {
			return err
		}
		agencyID = ag.ID
	}
	if capacity != "" && !slices.Contains(registry.Capacities, capacity) {
		return fmt.Errorf("--capacity %q: one of %s", capacity, strings.Join(registry.Capacities, ", "))
	}
	switch opt.Kind {
	case registry.ExchangeAgencies:
		opt.Agencies.Within = agencyID
	case registry.ExchangeOfficials:
		opt.Officials.AgencyID = agencyID
	case registry.ExchangeAccounts:
		if status != "" && !slices.Contains(registry.Statuses, status) {
			return fmt.Errorf("--status %q: one of %s", status, strings.Join(registry.Statuses, ", "))
		}
		opt.Accounts = registry.AccountFilter{AgencyID: agencyID, Status: status, Capacity: capacity, Platform: strings.ToLower(platform)}
	case monitor.ExportFlags:
		opt.Flags = monitor.FlagFilter{AgencyID: agencyID, Status: status}
	}
	return nil
}

// writeFileAtomically writes to a temporary file beside name and renames it
// into place once complete, so a failed export leaves no half a file. The
// file is the owner's only: it may hold personal data.
func writeFileAtomically(name string, write func(io.Writer) (int, error)) (int, error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".hozur-export-*")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	n, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), name)
}

// exportError names a refused filter plainly.
func exportError(err error) error {
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		var parts []string
		for f, k := range ve.Fields {
			parts = append(parts, f+": "+k)
		}
		slices.Sort(parts)
		return fmt.Errorf("export: %s", strings.Join(parts, "; "))
	}
	return err
}
