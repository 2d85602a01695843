package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/registry"
)

// errPostgresBackup refuses a backup or a restore of PostgreSQL, which has
// its own tools.
var errPostgresBackup = errors.New("database.driver is postgres: back it up with PostgreSQL's own tools, e.g. " +
	"`pg_dump --format=custom --file hozur.dump \"$HOZUR_DATABASE_DSN\"`, and restore with `pg_restore`; " +
	"hozur backup and hozur restore copy an SQLite database only")

func (a *app) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE, with FILE.manifest.json, while the server runs",
		Long: `Write a consistent copy of the SQLite database to FILE while the server runs,
and beside it FILE.manifest.json: the Hozur and schema versions, the time,
the copy's SHA-256, and the ids of the master keys that wrap its data keys.
hozur restore checks the copy against it. An existing FILE is refused.

The master key is not in the backup: keep the key file (and any
master.key.retired-<id>) apart from the backups.`,
		Example: "  hozur backup --data ./data /var/backups/hozur-$(date +%F).db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			if cfg.Database.Driver == "postgres" {
				return errPostgresBackup
			}
			if _, err := os.Stat(cfg.SQLitePath()); err != nil {
				return fmt.Errorf("no database at %s: %w", cfg.SQLitePath(), err)
			}
			// The copy needs no key: data keys are copied wrapped.
			st, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MaxReaders: 1})
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			m, err := st.WriteBackup(cmd.Context(), args[0], registry.BackupOptions{Version: releaseVersion()})
			if err != nil {
				return err
			}
			printBackup(cmd.OutOrStdout(), cfg, args[0], m)
			return nil
		},
	}
}

// releaseVersion is the version set at build time; "" for a development
// build, whose manifest records the build information instead.
func releaseVersion() string {
	if version == "dev" {
		return ""
	}
	return version
}

func printBackup(out io.Writer, cfg config.Config, path string, m registry.BackupManifest) {
	fmt.Fprintf(out, "backup written to %s (%s, sha256 %s)\n", path, byteSize(m.Size), m.SHA256)
	fmt.Fprintf(out, "manifest %s: schema version %d, %d audit events, %d data keys\n", registry.ManifestPath(path), m.SchemaVersion, m.AuditEvents, m.DataKeys)
	keys := "none yet"
	if len(m.MasterKeyIDs) > 0 {
		keys = strings.Join(m.MasterKeyIDs, ", ")
	}
	fmt.Fprintf(out, "The master key is not in the backup: without the key %s (%s, or HOZUR_MASTER_KEY) its personal data cannot be read. "+
		"Keep a copy of the key apart from the backups.\n", keys, cfg.KeyFilePath())
}

// byteSize says a size as people read it: 12.3 MB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
