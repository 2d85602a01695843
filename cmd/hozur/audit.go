package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/registry"
)

// auditKeyEnv names another file for the checkpoint signing key.
const auditKeyEnv = "HOZUR_AUDIT_KEY_FILE"

// auditKeyFile is the signing key's default name in the data directory.
const auditKeyFile = "audit-signing.key"

// errAuditBroken ends `audit verify` with exit status 1 once the finding is
// printed.
var errAuditBroken = errors.New("the audit trail does not verify")

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the audit trail: verify its hash chain, sign its head"}
	cmd.AddCommand(a.auditVerifyCmd(), a.auditCheckpointCmd())
	return cmd
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var checkpoint string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Walk the audit trail's hash chain and report the first broken link",
		Long: "Walk the audit trail's hash chain from the first event to the last and report the first broken link: an\n" +
			"event changed, deleted or slipped in. With --checkpoint, also check a checkpoint saved earlier from\n" +
			"`hozur audit checkpoint`: its signature, and that the trail still holds every event it counted.\n" +
			"Exits 1 when the trail or the checkpoint does not hold.",
		Example: "  hozur audit verify --data ./data\n  hozur audit verify --data ./data --checkpoint /mnt/elsewhere/checkpoint-2026-11-22.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			var cp *registry.Checkpoint
			var pub ed25519.PublicKey
			if checkpoint != "" {
				if cp, err = readCheckpoint(checkpoint); err != nil {
					return err
				}
				key, err := loadAuditKey(auditKeyPath(cfg))
				if err != nil {
					return fmt.Errorf("check the checkpoint: %w", err)
				}
				pub, _ = key.Public().(ed25519.PublicKey)
			}
			st, err := openExisting(cmd, cfg)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			// The bar appears once the walk knows how many events there are.
			var bar *progressbar.ProgressBar
			rep, err := st.VerifyAudit(cmd.Context(), func(done, total int) {
				if bar == nil {
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(cmd.ErrOrStderr()), progressbar.OptionSetDescription("events"),
						progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
				}
				_ = bar.Set(done)
			})
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !rep.OK() {
				fmt.Fprintf(out, "broken at event %d: %s: %s\n", rep.Break.EventID, rep.Break.Kind, rep.Break.Reason)
				return errAuditBroken
			}
			fmt.Fprintf(out, "ok: %d events, head %s\n", rep.Events, rep.HeadHash)
			if rep.Unchained > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: the last %d event(s), from event %d, have no hash yet: they were written outside the application "+
					"(a demo load, or an older version) and are chained by the next write or by `hozur audit checkpoint`\n", rep.Unchained, rep.FirstUnchained)
			}
			if cp == nil {
				return nil
			}
			if err := st.CheckAuditCheckpoint(cmd.Context(), *cp, pub); err != nil {
				if errors.Is(err, registry.ErrCheckpoint) {
					fmt.Fprintf(out, "checkpoint does not hold: %v\n", err)
					return errAuditBroken
				}
				return err
			}
			fmt.Fprintf(out, "ok: checkpoint of %s holds: %d events up to event %d, head %s\n", cp.At.UTC().Format(time.RFC3339), cp.Size, cp.HeadID, cp.HeadHash)
			return nil
		},
	}
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "a checkpoint saved from `hozur audit checkpoint`, to check as well")
	return cmd
}

func (a *app) auditCheckpointCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "checkpoint",
		Short: "Print the signed head of the audit trail, as JSON, to keep elsewhere",
		Long: "Print the head of the audit trail (its size, last event and hash) signed with the ed25519 key in\n" +
			"DATA/" + auditKeyFile + " (or the file " + auditKeyEnv + " names), made on first use. Keep the output away\n" +
			"from the server; `hozur audit verify --checkpoint FILE` later shows the trail still holds what it saw.\n" +
			"The signature covers the lines: hozur-audit-checkpoint/v1, size, head_id, head_hash, at, each ended by \\n.",
		Example: "  hozur audit checkpoint --data ./data > /mnt/elsewhere/checkpoint-$(date +%F).json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			st, err := openExisting(cmd, cfg)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			path := auditKeyPath(cfg)
			key, err := loadAuditKey(path)
			if errors.Is(err, fs.ErrNotExist) {
				if key, err = createAuditKey(path); err == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "created the audit signing key %s: keep a copy of it, or of the public key below, away from the server\n", path)
				}
			}
			if err != nil {
				return err
			}
			cp, err := st.AuditCheckpoint(cmd.Context(), key)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(cp)
		},
	}
}

// openExisting opens a database that must already exist and be up to date:
// checking the trail never creates or migrates one.
func openExisting(cmd *cobra.Command, cfg config.Config) (*registry.Store, error) {
	if err := databaseExists(cfg); err != nil {
		return nil, err
	}
	return openStore(cmd.Context(), cfg, false)
}

// auditKeyPath is where the checkpoint signing key lives: the file
// HOZUR_AUDIT_KEY_FILE names, else audit-signing.key in the data directory.
// It is kept out of the database, so that whoever can rewrite the trail
// cannot also sign a new head for it.
func auditKeyPath(cfg config.Config) string {
	if p := os.Getenv(auditKeyEnv); p != "" {
		return p
	}
	return filepath.Join(cfg.DataDir, auditKeyFile)
}

// loadAuditKey reads an ed25519 private key in PEM (PKCS #8), refusing a
// file others may read.
func loadAuditKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit signing key %s may be read by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path) //nolint:gosec // G304: the operator names the key file
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit signing key %s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit signing key %s: not an ed25519 key", path)
	}
	return key, nil
}

// createAuditKey makes a new key in a new file only its owner may read.
func createAuditKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the operator names the key file
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	if err := errors.Join(pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}), f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	return key, nil
}

// readCheckpoint reads a checkpoint as `audit checkpoint` prints it.
func readCheckpoint(path string) (*registry.Checkpoint, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the operator names the checkpoint file
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var cp registry.Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return &cp, nil
}
