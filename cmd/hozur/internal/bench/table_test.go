package bench

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	lat := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0.99, 10}, {0.1, 1}, {1, 10}, {0, 1}} {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("no latencies: not 0")
	}
}

// TestRatios: a step passes when scan, import and report grew no faster
// than the registry, and the whole range also needs the list's p99 within
// 1.5 times.
func TestRatios(t *testing.T) {
	s := func(n int64, scan, imp, rep, p99 time.Duration) Size {
		return Size{Accounts: n, Scan: scan, Import: imp, Report: rep, ListP99: p99}
	}
	r := Ratios([]Size{
		s(10_000, 10, 10, 10, 10),
		s(100_000, 100, 90, 50, 12),      // linear scan: passes
		s(1_000_000, 1100, 900, 500, 16), // scan 11x for 10x: misses
	})
	if len(r) != 3 {
		t.Fatalf("%d ratios", len(r))
	}
	if !r[0].Pass || r[1].Pass {
		t.Errorf("steps: %+v", r)
	}
	if r[2].From != 10_000 || r[2].To != 1_000_000 || r[2].Accounts != 100 || r[2].ListP99 != 1.6 || r[2].Pass {
		t.Errorf("whole range: %+v", r[2])
	}
	var b strings.Builder
	WriteGrowth(&b, []Size{s(10_000, 10, 10, 10, 10), s(100_000, 100, 90, 50, 12)})
	if !strings.Contains(b.String(), "| 10,000 → 100,000 | 10.0 | 10.00 | 9.00 | 5.00 | 1.20 |") {
		t.Errorf("growth table:\n%s", b.String())
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1099992: "1,099,992", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
