package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hozur/cmd/hozur/internal/bench"
	"hozur/config"
	"hozur/registry"
	"hozur/registry/demo"
	"hozur/web"
)

type benchFlags struct {
	duration   time.Duration
	only       string
	asJSON     bool
	scratch    string
	cpuprofile string
	sizes      string
	importRows int
	events     int
}

func (a *app) benchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the registry at its size: HTTP load on a real server, scan, report, import, audit verify, memory",
		Long: `Measure Hozur on a copy of the database in --data (made with the online
backup, so the registry itself is never changed): the real server is started
on a loopback port with a user of its own, and each measurement runs in turn
against its target, printed as a markdown table (or JSON with --json).

Measurements (--only takes a comma-separated list of these keys):
  api-list     GET /api/v1/accounts by agency, 50 a page, 10 clients
  html-search  the accounts page with a free-text search and filters, 10 clients
  api-get      GET /api/v1/accounts/{id}, 10 clients
  api-create   POST /api/v1/accounts with its audit row, 50 clients
  scan         a full compliance scan
  report       the national weekly report, built and rendered
  import       a generated CSV of new accounts (--import-rows)
  verify       the audit chain's walk; a trail shorter than --audit-events is
               first lengthened with synthetic events, on the copy only
  rss          the process's peak resident memory during the measurements

With --sizes, the growth mode measures scan, import (a tenth of the registry's
size), report and the API list's p99 on registries of each size: the
database in --data when its size is within a tenth of one, else a demo
registry generated into a scratch directory.`,
		Example: "  hozur bench --data /tmp/bench\n  hozur bench --data /tmp/bench --only scan --cpuprofile scan.pprof\n  hozur bench --data /tmp/bench --sizes 10k,100k,1M",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runBench(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "length of each HTTP measurement")
	fl.StringVar(&f.only, "only", "", "comma-separated measurements to run (default all): "+strings.Join(bench.Keys, ","))
	fl.BoolVar(&f.asJSON, "json", false, "print JSON instead of a markdown table")
	fl.StringVar(&f.scratch, "scratch", "", "directory for the copy (default a temporary directory beside --data, removed afterwards)")
	fl.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the measurements to this file")
	fl.StringVar(&f.sizes, "sizes", "", "growth mode: registry sizes to compare, e.g. 10k,100k,1M")
	fl.IntVar(&f.importRows, "import-rows", 100_000, "rows in the generated import file")
	fl.IntVar(&f.events, "audit-events", 1_000_000, "the audit trail is lengthened to this many events before verify")
	return cmd
}

// benchOutput is what --json prints.
type benchOutput struct {
	Machine  bench.Machine  `json:"machine"`
	Accounts int64          `json:"accounts"`
	Results  []bench.Result `json:"results,omitempty"`
	Sizes    []bench.Size   `json:"sizes,omitempty"`
	Growth   []bench.Ratio  `json:"growth,omitempty"`
}

func (a *app) runBench(cmd *cobra.Command, f benchFlags) error {
	if !cmd.Flags().Changed("data") {
		return errors.New("--data is required: the directory of the database to measure (a copy is measured)")
	}
	if f.duration <= 0 {
		return errors.New("--duration must be positive")
	}
	if f.importRows < 1 {
		return errors.New("--import-rows must be at least 1")
	}
	only, err := parseOnly(f.only)
	if err != nil {
		return err
	}
	sizes, err := parseSizes(f.sizes)
	if err != nil {
		return err
	}
	cfg, err := a.load(cmd, nil)
	if err != nil {
		return err
	}
	if cfg.Database.Driver != "sqlite" {
		return fmt.Errorf("bench measures the SQLite database in --data; database.driver is %q", cfg.Database.Driver)
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		return fmt.Errorf("no database at %s: is --data right?", cfg.SQLitePath())
	}
	// The key is read, never made: a new key in DIR would change it.
	if cfg.Security.MasterKey == "" {
		if _, err := os.Stat(cfg.KeyFilePath()); err != nil {
			return fmt.Errorf("no master key at %s: the copy could not read its personal data", cfg.KeyFilePath())
		}
	}
	scratch, cleanup, err := benchScratch(cfg, f.scratch)
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := cmd.Context()
	progress := cmd.ErrOrStderr()
	out := benchOutput{Machine: bench.ThisMachine()}
	opt := bench.Options{Duration: f.duration, Only: only, ImportRows: f.importRows, AuditEvents: f.events, Progress: progress}
	if f.cpuprofile != "" {
		if len(sizes) > 0 {
			return errors.New("--cpuprofile profiles one registry: leave out --sizes")
		}
		pf, err := os.Create(f.cpuprofile)
		if err != nil {
			return err
		}
		defer func() { _ = pf.Close() }()
		opt.CPUProfile = pf
	}
	if len(sizes) == 0 {
		out.Accounts, out.Results, err = benchOne(ctx, cfg, filepath.Join(scratch, "copy"), "", opt, progress)
		if err != nil {
			return err
		}
	} else {
		have, err := countAccounts(ctx, cfg)
		if err != nil {
			return err
		}
		for i, n := range sizes {
			opt := opt
			opt.Only = map[string]bool{bench.APIList: true, bench.Scan: true, bench.Report: true, bench.Import: true}
			opt.ImportRows = -1 // a tenth of the registry, once counted
			gen := int(n)
			if math.Abs(float64(have-n)) <= float64(n)/10 {
				gen = 0 // the given registry is this size
			}
			accounts, rows, err := benchOne(ctx, cfg, filepath.Join(scratch, fmt.Sprintf("size%d", i)), strconv.Itoa(gen), opt, progress)
			if err != nil {
				return err
			}
			out.Sizes = append(out.Sizes, bench.SizeOf(accounts, rows))
		}
		out.Growth = bench.Ratios(out.Sizes)
	}
	w := cmd.OutOrStdout()
	if f.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(sizes) == 0 {
		fmt.Fprintf(w, "Hozur %s on %s accounts, %s per HTTP measurement; %s\n\n", version, fmtCount(out.Accounts), f.duration, out.Machine)
		bench.WriteTable(w, out.Results)
	} else {
		fmt.Fprintf(w, "Hozur %s, growth over %d registries (scan, import of a tenth of the registry, report, API list p99 at c=10 for %s); %s\n\n",
			version, len(sizes), f.duration, out.Machine)
		bench.WriteGrowth(w, out.Sizes)
	}
	return nil
}

// benchOne measures one registry in dir: a copy of --data's database, or
// (gen not "0" nor empty) a demo registry of that many accounts made there.
func benchOne(ctx context.Context, cfg config.Config, dir, gen string, opt bench.Options, progress io.Writer) (int64, []bench.Result, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	keys, err := masterKeys(cfg)
	if err != nil {
		return 0, nil, err
	}
	path := filepath.Join(dir, "hozur.db")
	if n, _ := strconv.Atoi(gen); n > 0 {
		fmt.Fprintf(progress, "bench: generating a demo registry of %s accounts…\n", fmtCount(int64(n)))
		st, err := registry.Open(registry.Options{Path: path, MasterKeys: keys})
		if err != nil {
			return 0, nil, err
		}
		_, err = st.Migrate(ctx)
		if err == nil {
			_, err = demo.Generate(ctx, st, demo.Options{Accounts: n, Seed: 1})
		}
		_ = st.Close()
		if err != nil {
			return 0, nil, err
		}
	} else {
		fmt.Fprintf(progress, "bench: copying %s…\n", cfg.SQLitePath())
		src, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MasterKeys: keys})
		if err != nil {
			return 0, nil, err
		}
		err = src.Backup(ctx, path)
		_ = src.Close()
		if err != nil {
			return 0, nil, err
		}
	}
	sc := cfg
	sc.DataDir = dir
	sc.Security.MasterKeyFile = cfg.KeyFilePath()
	st, err := openStore(ctx, sc, true)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = st.Close() }()
	counter := bench.NewLockCounter(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn}))
	log := slog.New(counter)
	mon, err := newMonitor(sc, st, log)
	if err != nil {
		return 0, nil, err
	}
	srv, err := web.New(sc, st, mon, log)
	if err != nil {
		return 0, nil, err
	}
	var accounts int64
	if err := st.Read(ctx).Raw("SELECT COUNT(*) FROM accounts").Row().Scan(&accounts); err != nil {
		return 0, nil, err
	}
	if opt.ImportRows < 0 {
		opt.ImportRows = max(1, int(accounts/10))
	}
	// The scheduler is not started: a job firing during a measurement
	// would measure the job.
	rows, err := bench.Run(ctx, bench.Env{Store: st, Monitor: mon, Handler: srv.Handler(), Locked: counter.Count}, opt)
	return accounts, rows, err
}

func countAccounts(ctx context.Context, cfg config.Config) (int64, error) {
	keys, err := masterKeys(cfg)
	if err != nil {
		return 0, err
	}
	st, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MasterKeys: keys})
	if err != nil {
		return 0, err
	}
	defer func() { _ = st.Close() }()
	var n int64
	err = st.Read(ctx).Raw("SELECT COUNT(*) FROM accounts").Row().Scan(&n)
	return n, err
}

// benchScratch is where the copies go: --scratch, else a new directory
// beside --data, removed at the end.
func benchScratch(cfg config.Config, dir string) (string, func(), error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, err
		}
		return dir, func() {}, nil
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(abs), ".hozur-bench-")
	if err != nil {
		return "", nil, fmt.Errorf("scratch directory beside %s: %w (or give --scratch)", abs, err)
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

func parseOnly(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		found := false
		for _, known := range bench.Keys {
			found = found || k == known
		}
		if !found {
			return nil, fmt.Errorf("--only: unknown measurement %q (known: %s)", k, strings.Join(bench.Keys, ", "))
		}
		out[k] = true
	}
	return out, nil
}

// parseSizes reads "10k,100k,1M" (or plain numbers), smallest first.
func parseSizes(s string) ([]int64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int64
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		mult := int64(1)
		switch {
		case strings.HasSuffix(p, "k"), strings.HasSuffix(p, "K"):
			mult, p = 1000, p[:len(p)-1]
		case strings.HasSuffix(p, "M"), strings.HasSuffix(p, "m"):
			mult, p = 1_000_000, p[:len(p)-1]
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 1 || n*mult > 5_000_000 {
			return nil, fmt.Errorf("--sizes: %q is not a number of accounts between 1 and 5M", p)
		}
		if len(out) > 0 && n*mult <= out[len(out)-1] {
			return nil, errors.New("--sizes: give the sizes smallest first, each larger than the one before")
		}
		out = append(out, n*mult)
	}
	if len(out) < 2 {
		return nil, errors.New("--sizes: give at least two sizes to compare")
	}
	return out, nil
}

func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
