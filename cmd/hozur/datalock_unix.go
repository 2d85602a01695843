//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"hozur/config"
)

// lockFileName is the advisory lock a server holds beside its SQLite
// database while it runs, so that `hozur restore` does not pull the
// database from under it.
const lockFileName = "hozur.lock"

// lockDatabase takes the database's advisory lock (flock on hozur.lock in
// the database's directory), without waiting: an error names the process
// holding it. The lock goes with the process, however it ends; release
// drops it earlier. With PostgreSQL there is nothing to lock.
func lockDatabase(cfg config.Config) (release func(), err error) {
	if cfg.Database.Driver != "sqlite" {
		return func() {}, nil
	}
	dir := filepath.Dir(cfg.SQLitePath())
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) //nolint:gosec // G304: in the data directory
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil { //nolint:gosec // G115: a descriptor fits an int
		b, _ := os.ReadFile(path) //nolint:gosec // G304: in the data directory
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if pid := strings.TrimSpace(string(b)); pid != "" {
				holder = "process " + pid
			}
			return nil, fmt.Errorf("the database in %s is in use by %s (a running `hozur serve`, or a restore): stop it first", dir, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Who holds it, for the message above; the lock is what counts.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:gosec // G115: a descriptor fits an int
		_ = f.Close()
	}, nil
}

// chownTarget is who should own the files restore writes into dir when it
// runs as euid: the owner of dir, when restore runs as root and dir
// belongs to another user (the service's); ok false means leave them.
func chownTarget(euid int, dir string) (uid, gid int, ok bool, err error) {
	if euid != 0 {
		return 0, 0, false, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return 0, 0, false, err
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix || st.Uid == 0 {
		return 0, 0, false, nil
	}
	return int(st.Uid), int(st.Gid), true, nil
}

// chownRestored gives the restored database at live, and the lock file
// beside it, to the owner of the data directory when restore runs as
// root (`sudo hozur restore`): a server running as that user must be able
// to open them.
func chownRestored(live string) error {
	dir := filepath.Dir(live)
	uid, gid, ok, err := chownTarget(os.Geteuid(), dir)
	if err != nil || !ok {
		return err
	}
	for _, p := range []string{live, filepath.Join(dir, lockFileName)} {
		if err := os.Lchown(p, uid, gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("give %s to the data directory's owner (uid %d): %w", p, uid, err)
		}
	}
	return nil
}
