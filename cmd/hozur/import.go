package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hozur/registry"
	"hozur/registry/sheet"
	"hozur/web"
	"hozur/web/locale"
)

// usageError ends the program with status 2: the command line or the file
// is wrong, not the rows.
func usageError(err error) error { return &exitError{code: 2, err: err} }

func (a *app) importCmd() *cobra.Command {
	var kind, enc, lang string
	var dry, good bool
	cmd := &cobra.Command{
		Use:   "import --kind agencies|officials|accounts FILE",
		Short: "Import agencies, officials or accounts from a CSV or XLSX file",
		Long: `Import agencies, officials or accounts from a CSV or XLSX file, as the
system. Every row is checked first; each problem is printed on its own line as
"row N, column C: reason", then a summary line. The apply is all or nothing:
with a bad row nothing is written, unless --good-only asks to write the good
rows anyway. Records are matched by natural key, so importing the same file
twice changes nothing; an empty cell keeps the stored value.

Exit status: 0 when the file was applied (or, with --dry-run, has no bad
row), 1 when rows are bad, 2 when the file cannot be read or a flag is wrong.`,
		Example: "  hozur import --data /var/lib/hozur --kind accounts --dry-run accounts.csv\n" +
			"  hozur import --data /var/lib/hozur --kind officials --lang fa officials.xlsx",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(errors.New("name one file to import"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case !slices.Contains(registry.ImportKinds, kind):
				return usageError(fmt.Errorf("--kind %q: one of %s", kind, strings.Join(registry.ImportKinds, ", ")))
			case !slices.Contains(sheet.Encodings, enc):
				return usageError(fmt.Errorf("--encoding %q: one of %s", enc, strings.Join(sheet.Encodings, ", ")))
			case locale.Supported(lang) == "":
				return usageError(fmt.Errorf("--lang %q: one of %s", lang, strings.Join(locale.Languages, ", ")))
			}
			cat, err := locale.Load()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError(err)
			}
			defer func() { _ = f.Close() }()
			tab, err := sheet.Read(f, args[0], sheet.Options{Encoding: enc})
			var se *sheet.Error
			if errors.As(err, &se) {
				return usageError(fmt.Errorf("%s: %s", args[0], web.SheetErrorText(cat.For(lang, time.UTC), se)))
			}
			if err != nil {
				return usageError(err)
			}
			if err := a.mustExist(cmd); err != nil {
				return usageError(err)
			}
			cfg, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			l := cat.For(lang, cfg.Location())
			opt := registry.ImportOptions{Kind: kind, DryRun: dry, GoodOnly: good, FileName: filepath.Base(args[0])}
			bar := importBar(cmd)
			if bar != nil {
				opt.Progress = func(stage string, done, total int) {
					bar.Describe(stage)
					bar.ChangeMax(total)
					_ = bar.Set(done)
				}
			}
			res, err := st.Import(cmd.Context(), registry.System, tab, opt)
			if bar != nil {
				_ = bar.Finish()
			}
			rejected := errors.Is(err, registry.ErrImportRejected)
			if err != nil && !rejected {
				return err
			}
			out := cmd.OutOrStdout()
			for _, is := range res.Issues {
				fmt.Fprintln(out, web.IssueText(l, is))
			}
			fmt.Fprintln(out, web.ImportSummary(l, res))
			switch {
			case res.HeaderBad:
				return errors.New(l.T("importui.header_bad"))
			case rejected:
				return errors.New(l.T("import.rejected"))
			case dry && res.Bad > 0:
				return errors.New(l.T("importui.dry_bad", "Bad", res.Bad))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "what the file holds: agencies, officials or accounts")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "check every row, write nothing")
	cmd.Flags().BoolVar(&good, "good-only", false, "write the good rows even when some are bad")
	cmd.Flags().StringVar(&enc, "encoding", sheet.EncodingAuto, "text encoding of a CSV file: auto, utf-8 or windows-1256")
	cmd.Flags().StringVar(&lang, "lang", "en", "language of the messages: en or fa")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	return cmd
}

// importBar is a progress bar on standard error when it is a terminal.
func importBar(cmd *cobra.Command) *progressbar.ProgressBar {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
		// The bar's own spinner goroutine reads its state unlocked (a race
		// the race detector sees): this bar is moved by its caller only.
		progressbar.OptionSetSpinnerChangeInterval(0))
}
