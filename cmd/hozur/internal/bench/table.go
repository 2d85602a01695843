package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteTable prints the results as a markdown table, one row per
// measurement, and the rows' notes under it.
func WriteTable(w io.Writer, rows []Result) {
	fmt.Fprintln(w, "| measurement | load | requests | rps | p50 | p99 | time | peak RSS | target | result |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---|---|")
	var notes []string
	for _, r := range rows {
		req, rps, p50, p99, took := "—", "—", "—", "—", "—"
		if r.Requests > 0 {
			req = thousands(r.Requests)
		}
		if r.RPS > 0 {
			rps = thousands(int64(r.RPS + 0.5))
		}
		if r.P50 > 0 {
			p50, p99 = ms(r.P50), ms(r.P99)
		}
		if r.Took > 0 {
			took = secs(r.Took)
		}
		result := "pass"
		if !r.Pass {
			result = "**miss**"
		}
		name := r.Name
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("%d. %s: %s", len(notes)+1, r.Key, r.Note))
			name += fmt.Sprintf(" (%d)", len(notes))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, r.Load, req, rps, p50, p99, took, mb(r.RSS), r.Target, result)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
}

// Size is the growth measurements on a registry of one size.
type Size struct {
	Accounts int64         `json:"accounts"`
	Scan     time.Duration `json:"scan_ns"`
	Import   time.Duration `json:"import_ns"`
	Report   time.Duration `json:"report_ns"`
	ListP99  time.Duration `json:"list_p99_ns"`
}

// SizeOf picks the growth figures out of a run's results.
func SizeOf(accounts int64, rows []Result) Size {
	s := Size{Accounts: accounts}
	for _, r := range rows {
		switch r.Key {
		case Scan:
			s.Scan = r.Took
		case Import:
			s.Import = r.Took
		case Report:
			s.Report = r.Took
		case APIList:
			s.ListP99 = r.P99
		}
	}
	return s
}

// Ratio is how much one step of growth cost against the registry's growth.
type Ratio struct {
	From, To int64
	Accounts float64 `json:"accounts"`
	Scan     float64 `json:"scan"`
	Import   float64 `json:"import"`
	Report   float64 `json:"report"`
	ListP99  float64 `json:"list_p99"`
	// Pass: scan, import and report grew no faster than the registry, and
	// (from the smallest to the largest) the list's p99 within 1.5 times.
	Pass bool `json:"pass"`
}

// Ratios compares each size with the one before, and the largest with the
// smallest.
func Ratios(sizes []Size) []Ratio {
	var out []Ratio
	pair := func(a, b Size, p99 bool) Ratio {
		f := func(x, y time.Duration) float64 {
			if x <= 0 {
				return 0
			}
			return float64(y) / float64(x)
		}
		r := Ratio{From: a.Accounts, To: b.Accounts, Accounts: float64(b.Accounts) / float64(max(a.Accounts, 1)),
			Scan: f(a.Scan, b.Scan), Import: f(a.Import, b.Import), Report: f(a.Report, b.Report), ListP99: f(a.ListP99, b.ListP99)}
		r.Pass = r.Scan <= r.Accounts && r.Import <= r.Accounts && r.Report <= r.Accounts && (!p99 || r.ListP99 <= 1.5)
		return r
	}
	for i := 1; i < len(sizes); i++ {
		out = append(out, pair(sizes[i-1], sizes[i], false))
	}
	if len(sizes) > 2 {
		out = append(out, pair(sizes[0], sizes[len(sizes)-1], true))
	} else if len(out) == 1 {
		out[0] = pair(sizes[0], sizes[1], true)
	}
	return out
}

// WriteGrowth prints the figures by size and the growth ratios against
// the conditions: no worse than linear for scan, import and report; the
// list's p99 within 1.5 times from the smallest registry to the largest.
func WriteGrowth(w io.Writer, sizes []Size) {
	fmt.Fprintln(w, "| accounts | scan | import | report | API list p99 |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, s := range sizes {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", thousands(s.Accounts), secs(s.Scan), secs(s.Import), secs(s.Report), ms(s.ListP99))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| growth | accounts × | scan × | import × | report × | list p99 × | condition | result |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|---|")
	for i, r := range Ratios(sizes) {
		cond := "scan, import, report ≤ accounts ×"
		if i == len(sizes)-1 || len(sizes) == 2 {
			cond += "; list p99 ≤ 1.5×"
		}
		result := "pass"
		if !r.Pass {
			result = "**miss**"
		}
		fmt.Fprintf(w, "| %s → %s | %.1f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", thousands(r.From), thousands(r.To), r.Accounts,
			r.Scan, r.Import, r.Report, r.ListP99, cond, result)
	}
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func secs(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mb(b int64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%d MB", (b+(1<<19))>>20)
}
