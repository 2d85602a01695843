package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"hozur/registry"
)

func (a *app) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "backup FILE",
		Short:   "Write a consistent copy of the database to FILE, while the server runs",
		Example: "  hozur backup --data ./data /var/backups/hozur-$(date +%F).db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			if _, err := os.Stat(cfg.SQLitePath()); err != nil {
				return fmt.Errorf("no database at %s: %w", cfg.SQLitePath(), err)
			}
			keys, err := masterKeys(cfg)
			if err != nil {
				return err
			}
			st, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MasterKeys: keys})
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			if err := st.Backup(cmd.Context(), args[0]); err != nil {
				return err
			}
			if err := os.Chmod(args[0], 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s\n", args[0])
			fmt.Fprintf(cmd.OutOrStdout(), "The master key is not in the backup: without %s (or HOZUR_MASTER_KEY) its personal data cannot be read. Keep a copy of the key apart from the backups.\n", cfg.KeyFilePath())
			return nil
		},
	}
}
