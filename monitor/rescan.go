package monitor

import (
	"context"
	"sync"
)

// rescanGroup lets the writes that commit while a rescan runs share the
// next one: one rescan over all their accounts instead of one each. A
// rescan of fifty accounts costs about what a rescan of one does (a few
// set-based queries and one reconciling transaction), so under a burst of
// writes the monitor keeps up at the writes' pace. Each write still waits
// for a rescan that covers its accounts, so the flags are current when its
// answer goes out.
type rescanGroup struct {
	mu   sync.Mutex   // guards next
	run  sync.Mutex   // one batch runs at a time
	next *rescanBatch // the batch still taking accounts; nil when none
}

// rescanBatch is the accounts of the writes that wait for the same rescan.
type rescanBatch struct {
	ids  []int64
	ran  bool // under run
	err  error
	done chan struct{}
}

// rescanShared re-evaluates accountIDs together with those of the other
// writes waiting at the same time, and returns when that is done.
func (m *Monitor) rescanShared(ctx context.Context, accountIDs []int64) error {
	g := &m.rescans
	g.mu.Lock()
	b := g.next
	if b == nil {
		b = &rescanBatch{done: make(chan struct{})}
		g.next = b
	}
	b.ids = append(b.ids, accountIDs...)
	g.mu.Unlock()

	g.run.Lock()
	if !b.ran {
		// The first of the batch to get here closes it (later writes start
		// the next one) and runs it for all.
		g.mu.Lock()
		if g.next == b {
			g.next = nil
		}
		ids := b.ids
		g.mu.Unlock()
		b.err = m.RescanAccounts(ctx, m.store.Now(), ids)
		b.ran = true
		close(b.done)
	}
	g.run.Unlock()
	<-b.done
	return b.err
}
