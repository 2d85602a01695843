package main

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hozur/registry"
	"hozur/registry/demo"
)

func (a *app) demoCmd() *cobra.Command {
	var accounts int
	var seed int64
	cmd := &cobra.Command{
		Use:     "demo",
		Short:   "Fill an empty database with a realistic national demo registry",
		Example: "  hozur demo --data ./bench --accounts 1000000 --seed 1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if accounts < 1 || accounts > 5_000_000 {
				return errors.New("--accounts must be between 1 and 5000000")
			}
			cfg, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			n, err := st.Counts(cmd.Context(), registry.System)
			if err != nil {
				return err
			}
			if n.Agencies > 0 || n.Accounts > 0 {
				return fmt.Errorf("the database in %s is not empty (%d agencies, %d accounts): demo data goes into an empty one", cfg.DataDir, n.Agencies, n.Accounts)
			}
			bar := progressbar.NewOptions(accounts, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("accounts"),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
			start := time.Now()
			sum, err := demo.Generate(cmd.Context(), st, demo.Options{Accounts: accounts, Seed: seed, Progress: func(done, _ int) { _ = bar.Set(done) }})
			_ = bar.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %d agencies, %d officials, %d accounts in %s\n", sum.Agencies, sum.Officials, sum.Accounts, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().IntVar(&accounts, "accounts", 3000, "number of accounts")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed: the same seed gives the same registry")
	return cmd
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v += "+" + s.Value[:12]
					}
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "hozur", v)
		},
	}
}
