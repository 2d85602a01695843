// Package storetest chooses the database the tests run on. By default each
// test's store is a SQLite file in its temporary directory; with
// HOZUR_TEST_DATABASE=postgres every store is a fresh PostgreSQL database
// on the server HOZUR_TEST_POSTGRES_DSN names (default: the local server's
// postgres user), dropped when the test ends. The whole suite runs the
// same on both.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	// PostgreSQL through pgx, the driver the store itself uses.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// DefaultPostgresDSN is the server the tests use when
// HOZUR_TEST_POSTGRES_DSN is not set.
const DefaultPostgresDSN = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable" //nolint:gosec // G101: the local test server's well-known role, as .ci/run sets it

// Postgres reports whether the tests run on PostgreSQL.
func Postgres() bool { return os.Getenv("HOZUR_TEST_DATABASE") == "postgres" }

// Driver is the driver name the store and the configuration take.
func Driver() string {
	if Postgres() {
		return "postgres"
	}
	return "sqlite"
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
	made      sync.Map // database name -> struct{}
)

func serverDSN() string {
	if v := os.Getenv("HOZUR_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return DefaultPostgresDSN
}

// DSN returns the connection string of the database that stands for the
// SQLite file at path: empty on SQLite; on PostgreSQL a database of its
// own, made on first use and dropped when t ends. The same path gives the
// same database, so a test can close its store and open it again.
func DSN(t testing.TB, path string) string {
	t.Helper()
	if !Postgres() {
		return ""
	}
	dsn, name, fresh, err := database(path)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if fresh {
		t.Cleanup(func() {
			if err := drop(name); err != nil {
				t.Errorf("postgres: %v", err)
			}
		})
	}
	return dsn
}

// ProcessDSN is DSN for a database that outlives the test that makes it
// (a command-line test's subtests share one); DropAll, in TestMain, drops
// them.
func ProcessDSN(path string) (string, error) {
	if !Postgres() {
		return "", nil
	}
	dsn, _, _, err := database(path)
	return dsn, err
}

// DropAll drops every database this process made and has not dropped.
func DropAll() error {
	var errs []error
	made.Range(func(k, _ any) bool {
		if name, ok := k.(string); ok {
			errs = append(errs, drop(name))
		}
		return true
	})
	return errors.Join(errs...)
}

// database makes path's database if this process has not yet, and returns
// its connection string and name.
func database(path string) (dsn, name string, fresh bool, err error) {
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", serverDSN())
		if adminErr == nil {
			admin.SetMaxOpenConns(4)
		}
	})
	if adminErr != nil {
		return "", "", false, adminErr
	}
	sum := sha256.Sum256([]byte(path))
	name = "hozur_t_" + hex.EncodeToString(sum[:10])
	u, err := url.Parse(serverDSN())
	if err != nil {
		return "", "", false, fmt.Errorf("HOZUR_TEST_POSTGRES_DSN must be a URL: %w", err)
	}
	u.Path = "/" + name
	if _, loaded := made.LoadOrStore(name, struct{}{}); !loaded {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return "", "", false, err
		}
		// Text compares under a collation that ignores punctuation, as a
		// server in a real locale may: the schema must not depend on the
		// server's locale (paths and codes are compared byte by byte).
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+
			" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-u-ka-shifted' LOCALE 'C.UTF-8'"); err != nil {
			if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
				made.Delete(name)
				return "", "", false, err
			}
		}
		fresh = true
	}
	return u.String(), name, fresh, nil
}

func drop(name string) error {
	made.Delete(name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// Env returns the environment that points a hozur process (or a config
// loaded from the environment) at the test's database for path: nothing on
// SQLite.
func Env(t testing.TB, path string) []string {
	t.Helper()
	if !Postgres() {
		return nil
	}
	return []string{"HOZUR_DATABASE_DRIVER=postgres", "HOZUR_DATABASE_DSN=" + DSN(t, path)}
}

// Describe names the database in use, for test logs.
func Describe() string {
	if Postgres() {
		u, err := url.Parse(serverDSN())
		if err != nil {
			return "postgres"
		}
		return fmt.Sprintf("postgres on %s", u.Host)
	}
	return "sqlite"
}
