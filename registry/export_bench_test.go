package registry_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hozur/registry"
	"hozur/registry/demo"
	"hozur/registry/sheet"
)

// The export benchmark's registry: HOZUR_BENCH_EXPORT_ACCOUNTS accounts
// (default 100,000) made once by the demo generator, in HOZUR_BENCH_DB if
// set (kept between runs) or a temporary file.
var (
	exportBenchOnce  sync.Once
	exportBenchStore *registry.Store
	exportBenchErr   error
)

func exportBenchRegistry(b *testing.B) *registry.Store {
	b.Helper()
	exportBenchOnce.Do(func() {
		ctx := context.Background()
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("HOZUR_BENCH_EXPORT_ACCOUNTS")); err == nil && v > 0 {
			n = v
		}
		path := os.Getenv("HOZUR_BENCH_DB")
		if path == "" {
			dir, err := os.MkdirTemp("", "hozur-export-bench")
			if err != nil {
				exportBenchErr = err
				return
			}
			path = filepath.Join(dir, "hozur.db")
		}
		st, err := registry.Open(registry.Options{Path: path})
		if err != nil {
			exportBenchErr = err
			return
		}
		if _, err := st.Migrate(ctx); err != nil {
			exportBenchErr = err
			return
		}
		if c, err := st.Counts(ctx, registry.System); err != nil {
			exportBenchErr = err
			return
		} else if c.Accounts == 0 {
			if _, err := demo.Generate(ctx, st, demo.Options{Accounts: n, Seed: 1}); err != nil {
				exportBenchErr = err
				return
			}
		}
		exportBenchStore = st
	})
	if exportBenchErr != nil {
		b.Fatal(exportBenchErr)
	}
	return exportBenchStore
}

// BenchmarkExportAccounts writes every account of the registry, as CSV and
// as XLSX, and reports the rows a second and the largest Go heap seen while
// it ran: an export that streams holds one batch, not the registry.
func BenchmarkExportAccounts(b *testing.B) {
	st := exportBenchRegistry(b)
	for _, format := range []string{sheet.FormatCSV, sheet.FormatXLSX} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			peak := watchHeap()
			for b.Loop() {
				var w sheet.Writer
				var err error
				if format == sheet.FormatXLSX {
					w, err = sheet.NewXLSX(io.Discard, "Accounts", false)
				} else {
					w, err = sheet.NewCSV(io.Discard)
				}
				if err != nil {
					b.Fatal(err)
				}
				if rows, err = st.Export(context.Background(), registry.System, w, registry.ExportOptions{Kind: registry.ExchangeAccounts}); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// watchHeap samples the heap in use until the returned function is called,
// which answers the largest sample.
func watchHeap() func() uint64 {
	done := make(chan struct{})
	var peak atomic.Uint64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}
