package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) keysCmd() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage the master key that protects personal data"}
	keys.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Replace the master key: every data key is wrapped anew, while the server runs",
		Long: `rotate makes a new master key, wraps every data key under it and puts it in
the key file's place. The old key is kept beside it as <file>.retired-<id>:
backups made before the rotation still need it, so keep it with them. A
running server notices the new key by itself.`,
		Example: "  hozur keys rotate --data /var/lib/hozur",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			if cfg.Security.MasterKey != "" {
				return errors.New("the master key comes from HOZUR_MASTER_KEY: rotate it where it is kept, or move it to a key file (security.master_key_file) first")
			}
			id, n, err := st.RotateKeyFile(cmd.Context(), cfg.KeyFilePath())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rewrapped %d data keys under the new master key %s in %s\n", n, id, cfg.KeyFilePath())
			return nil
		},
	})
	return keys
}
