package bench

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
)

// LockCounter is a slog.Handler that counts the records mentioning
// "database is locked" (SQLite's SQLITE_BUSY) and passes every record on:
// the server hides internal errors from its answers but logs them, so the
// log is where a locked database shows.
type LockCounter struct {
	next  slog.Handler
	count *atomic.Int64
}

// NewLockCounter wraps next.
func NewLockCounter(next slog.Handler) *LockCounter {
	return &LockCounter{next: next, count: new(atomic.Int64)}
}

// Count is how many such records were logged.
func (h *LockCounter) Count() int64 { return h.count.Load() }

// Enabled always lets errors through, whatever next's level, so none is
// missed.
func (h *LockCounter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.next.Enabled(ctx, l)
}

// Handle counts the record if it mentions a locked database.
func (h *LockCounter) Handle(ctx context.Context, r slog.Record) error {
	locked := strings.Contains(r.Message, "database is locked")
	r.Attrs(func(a slog.Attr) bool {
		if strings.Contains(a.Value.String(), "database is locked") {
			locked = true
			return false
		}
		return true
	})
	if locked {
		h.count.Add(1)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

// WithAttrs keeps counting into the same counter.
func (h *LockCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &LockCounter{next: h.next.WithAttrs(as), count: h.count}
}

// WithGroup keeps counting into the same counter.
func (h *LockCounter) WithGroup(name string) slog.Handler {
	return &LockCounter{next: h.next.WithGroup(name), count: h.count}
}
