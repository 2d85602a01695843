// Command hozur runs the registry: the web server, and the verbs that keep
// it (migrations, users, tokens, demo data).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/vault"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hozur:", err)
		stop()
		os.Exit(exitCode(err))
	}
}

// exitError ends the program with a status other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the status an error ends the program with: 1 unless it says
// otherwise.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// app is what every verb shares: the flags that find the config and the
// data, and helpers that open them.
type app struct {
	configPath string
	dataDir    string
}

func newRoot() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:           "hozur",
		Short:         "Registry and compliance monitor of officials' accounts on social media",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "YAML configuration file (optional)")
	root.PersistentFlags().StringVar(&a.dataDir, "data", "", "data directory (default ./data, or data_dir in the config)")
	root.AddCommand(a.serveCmd(), a.migrateCmd(), a.userCmd(), a.tokenCmd(), a.demoCmd(), a.backupCmd(), a.versionCmd())
	root.AddCommand(a.auditCmd())
	root.AddCommand(a.scanCmd(), a.reportCmd())
	root.AddCommand(a.exportCmd())
	root.AddCommand(a.importCmd())
	root.AddCommand(a.keysCmd())
	root.AddCommand(a.benchCmd())
	root.AddCommand(a.restoreCmd())
	return root
}

// load reads the configuration: defaults, file, HOZUR_* environment, flags.
func (a *app) load(cmd *cobra.Command, apply func(*config.Config)) (config.Config, error) {
	cfg, err := config.Load(a.configPath, os.Environ())
	if err != nil {
		return cfg, err
	}
	if cmd.Flags().Changed("data") {
		cfg.DataDir = a.dataDir
	}
	if apply != nil {
		apply(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// open loads the configuration and opens the store, migrated: what most
// verbs start with. The caller closes the store.
func (a *app) open(cmd *cobra.Command) (config.Config, *registry.Store, error) {
	cfg, err := a.load(cmd, nil)
	if err != nil {
		return cfg, nil, err
	}
	st, err := openStore(cmd.Context(), cfg, true)
	return cfg, st, err
}

// mustExist refuses a data directory without a database: a mistyped
// --data would otherwise make a new, empty registry and work on that.
func (a *app) mustExist(cmd *cobra.Command) error {
	cfg, err := a.load(cmd, nil)
	if err != nil {
		return err
	}
	return databaseExists(cfg)
}

// databaseExists refuses a SQLite file that is not there (a PostgreSQL
// database is made by its administrator, and its schema by migrate).
func databaseExists(cfg config.Config) error {
	if cfg.Database.Driver == registry.DriverPostgres {
		return nil
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		return fmt.Errorf("no database at %s: is --data right? (hozur migrate makes one)", cfg.SQLitePath())
	}
	return nil
}

// storeOptions are the store's options from the configuration.
func storeOptions(cfg config.Config, keys registry.MasterKeys) registry.Options {
	opt := registry.Options{Driver: cfg.Database.Driver, MaxReaders: cfg.Database.MaxReaders, MasterKeys: keys}
	if cfg.Database.Driver == registry.DriverPostgres {
		opt.DSN = cfg.Database.DSN
	} else {
		opt.Path = cfg.SQLitePath()
	}
	return opt
}

// masterKeys finds the master key: HOZUR_MASTER_KEY(_FILE), else the key
// file, made on first start with a warning that a key beside the data is
// for trying Hozur out.
func masterKeys(cfg config.Config) (registry.MasterKeys, error) {
	if cfg.Security.MasterKey != "" {
		k, err := vault.ParseKey(cfg.Security.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("HOZUR_MASTER_KEY: %w", err)
		}
		return registry.FixedMasterKey(k), nil
	}
	keys, created, err := registry.KeyFileMasterKeys(cfg.KeyFilePath())
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(os.Stderr, "hozur: made a new master key in %s. It unlocks all personal data: back it up apart from the database, "+
			"and in production keep it off the data disk (security.master_key_file or HOZUR_MASTER_KEY_FILE).\n", cfg.KeyFilePath())
	}
	return keys, nil
}

// openStore opens the database and brings its schema up to date.
func openStore(ctx context.Context, cfg config.Config, migrate bool) (*registry.Store, error) {
	keys, err := masterKeys(cfg)
	if err != nil {
		return nil, err
	}
	st, err := registry.Open(storeOptions(cfg, keys))
	if err != nil {
		return nil, err
	}
	st.SetRules(registry.Rules{MaxExemptionMonths: cfg.Exemptions.MaxMonths, ClosureDays: cfg.Exemptions.ClosureDays, Location: cfg.Location()})
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			_ = st.Close()
			return nil, err
		}
		// Personal fields written before encryption came are sealed now.
		if _, err := st.SealPending(ctx); err != nil {
			_ = st.Close()
			return nil, err
		}
		return st, nil
	}
	pending, err := st.Pending(ctx)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	if pending {
		_ = st.Close()
		return nil, fmt.Errorf("the database schema is out of date: run `hozur migrate --data %s` first", cfg.DataDir)
	}
	return st, nil
}
