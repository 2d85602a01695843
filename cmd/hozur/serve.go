package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/demo"
	"hozur/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	var withDemo, noMigrate bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server (UI at /, JSON API at /api/v1)",
		Long: `Run the web server. The schema is migrated at start-up unless --no-migrate
is given. On the first start, with no user at all, the user "admin" is created
with the password in HOZUR_ADMIN_PASSWORD (or HOZUR_ADMIN_PASSWORD_FILE), or a
generated password that is printed once.`,
		Example: "  hozur serve --demo\n  hozur serve --addr 127.0.0.1:9000 --data /var/lib/hozur",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(cmd, func(c *config.Config) {
				if cmd.Flags().Changed("addr") {
					c.Addr = addr
				}
			})
			if err != nil {
				return err
			}
			// Held while the server runs: hozur restore refuses meanwhile.
			release, err := lockDatabase(cfg)
			if err != nil {
				return err
			}
			defer release()
			log := newLogger(cfg)
			ctx := cmd.Context()
			st, err := openStore(ctx, cfg, !noMigrate)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			// An import left running by a stopped process wrote nothing
			// (one transaction): it may be applied again.
			if err := st.ReleaseImports(ctx, 0); err != nil {
				return err
			}
			created, generated, err := st.EnsureAdmin(ctx, cfg.AdminPassword)
			if err != nil {
				return err
			}
			if created && generated != "" {
				// Printed once, to the terminal only: never to the log.
				fmt.Fprintf(os.Stderr, "\nCreated user \"admin\" with password: %s\nChange it after signing in, or set HOZUR_ADMIN_PASSWORD before the first start.\n\n", generated)
			} else if created {
				log.Info("created user admin with the password from HOZUR_ADMIN_PASSWORD")
			}
			if withDemo {
				if err := loadDemo(cmd, st, log); err != nil {
					return err
				}
			}
			mon, err := newMonitor(cfg, st, log)
			if err != nil {
				return err
			}
			srv, err := web.New(cfg, st, mon, log)
			if err != nil {
				return err
			}
			log.Info("hozur starting", slog.String("version", version), slog.String("url", cfg.PublicURL()), slog.String("data", cfg.DataDir))
			// Listen first: a taken port stops the start before any job
			// (the start-up scan, a weekly report's catch-up and its mail)
			// has begun.
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen %s: %w", cfg.Addr, err)
			}
			srv.Scheduler().Start(ctx)
			// On SIGINT or SIGTERM, Serve lets the requests in flight, the
			// imports and the running jobs finish; the store closes after
			// (deferred above).
			return srv.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "load a demo registry of a few thousand accounts into an empty database first")
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "refuse to start on an out-of-date schema instead of migrating")
	return cmd
}

func (a *app) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			keys, err := masterKeys(cfg)
			if err != nil {
				return err
			}
			st, err := registry.Open(storeOptions(cfg, keys))
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			n, err := st.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s)\n", n)
			sealed, err := st.SealPending(cmd.Context())
			if err != nil {
				return err
			}
			if sealed > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "sealed the personal data of %d record(s): officials and personal accounts\n", sealed)
			}
			return nil
		},
	}
}

// newMonitor builds the monitor: the rules with the configured settings,
// flags kept current after every write, and e-mail when configured.
func newMonitor(cfg config.Config, st *registry.Store, log *slog.Logger) (*monitor.Monitor, error) {
	mon := monitor.New(st, monitor.SettingsFrom(cfg), log)
	st.SetChangeHook(mon.OnChange)
	mm, err := monitor.NewMailer(cfg.Mail)
	if err != nil {
		return nil, err
	}
	if mm != nil {
		mm.BaseURL = cfg.PublicURL()
		mon.SetMailer(mm)
	}
	return mon, nil
}

// loadDemo fills an empty registry with demo data; a registry that has
// anything in it is left alone.
func loadDemo(cmd *cobra.Command, st *registry.Store, log *slog.Logger) error {
	n, err := st.Counts(cmd.Context(), registry.System)
	if err != nil {
		return err
	}
	if n.Agencies > 0 || n.Accounts > 0 {
		log.Info("demo data skipped: the registry is not empty")
		return nil
	}
	sum, err := demo.Generate(cmd.Context(), st, demo.Options{Accounts: 3000, Seed: 1})
	if err != nil {
		return err
	}
	log.Info("demo data loaded", slog.Int("agencies", sum.Agencies), slog.Int("officials", sum.Officials), slog.Int("accounts", sum.Accounts))
	return nil
}
