package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/demo"
)

// The benchmarks run against HOZUR_BENCH_DB, a database made with
// `hozur demo --data DIR --accounts 1000000` (DIR/hozur.db), or else a
// 20,000-account demo registry made on the fly. Each one drives a real
// server over loopback HTTP with 10 concurrent clients and reports
// requests per second and the p50 and p99 latency.
//
//	go test ./web/ -run '^$' -bench . -benchtime 20000x
//	HOZUR_BENCH_DB=/tmp/bench/hozur.db go test ./web/ -run '^$' -bench . -benchtime 20000x

type benchEnv struct {
	ts      *httptest.Server
	token   string
	cookie  *http.Cookie
	agency  int64  // a ministry: the list by agency covers its subtree
	code    string // its code, for the HTML filter
	account int64
	client  *http.Client
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

func setupBench(b *testing.B) *benchEnv {
	benchOnce.Do(func() { benchE, benchErr = newBenchEnv() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchE
}

func newBenchEnv() (*benchEnv, error) {
	ctx := context.Background()
	path := os.Getenv("HOZUR_BENCH_DB")
	if path == "" {
		dir, err := os.MkdirTemp("", "hozur-bench")
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "hozur.db")
	}
	st, err := registry.Open(registry.Options{Path: path})
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	n, err := st.Counts(ctx, registry.System)
	if err != nil {
		return nil, err
	}
	if n.Accounts == 0 {
		if _, err := demo.Generate(ctx, st, demo.Options{Accounts: 20000, Seed: 1}); err != nil {
			return nil, err
		}
	}
	u, err := st.UserByUsername(ctx, "bench")
	if err != nil {
		u, err = st.CreateUser(ctx, registry.System, registry.UserInput{Username: "bench", Password: testPassword, Role: registry.RoleReviewer, Active: true})
		if err != nil {
			return nil, err
		}
	}
	token, _, err := st.CreateToken(ctx, registry.System, u.ID, "bench")
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	raw, _, _, err := st.Login(ctx, srv.policy, "bench", testPassword, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{ts: httptest.NewServer(srv.Handler()), token: token, cookie: &http.Cookie{Name: sessionCookie, Value: raw},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	top := registry.Int64Ptr(0)
	res, err := st.Agencies(ctx, registry.System, registry.AgencyFilter{ParentID: top, Kind: registry.KindMinistry}, registry.Page{PerPage: 1})
	if err != nil || len(res.Items) == 0 {
		return nil, fmt.Errorf("no ministry in the bench database: %w", err)
	}
	e.agency, e.code = res.Items[0].ID, res.Items[0].Code
	acc, err := st.Accounts(ctx, registry.System, registry.AccountFilter{}, registry.Page{PerPage: 1})
	if err != nil || len(acc.Items) == 0 {
		return nil, fmt.Errorf("no account in the bench database: %w", err)
	}
	e.account = acc.Items[0].ID / 2
	if e.account == 0 {
		e.account = acc.Items[0].ID
	}
	return e, nil
}

// load sends b.N requests from `clients` goroutines and reports throughput
// and latency percentiles. Every response must be 200.
func (e *benchEnv) load(b *testing.B, clients int, mk func(i int) *http.Request) {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				t0 := time.Now()
				resp, err := e.client.Do(mk(i))
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func (e *benchEnv) apiReq(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, e.ts.URL+path, nil)
	r.Header.Set("Authorization", "Bearer "+e.token)
	return r
}

func BenchmarkAPIListAccountsByAgency(b *testing.B) {
	e := setupBench(b)
	path := fmt.Sprintf("/api/v1/accounts?agency_id=%d&per_page=50", e.agency)
	e.load(b, 10, func(int) *http.Request { return e.apiReq(path) })
}

func BenchmarkAPIGetAccount(b *testing.B) {
	e := setupBench(b)
	e.load(b, 10, func(i int) *http.Request {
		return e.apiReq(fmt.Sprintf("/api/v1/accounts/%d", e.account+int64(i%1000)))
	})
}

func BenchmarkHTMLAccountsByAgency(b *testing.B) {
	e := setupBench(b)
	e.load(b, 10, func(int) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/accounts?agency="+e.code, nil)
		r.AddCookie(e.cookie)
		return r
	})
}

func BenchmarkHTMLAccountsSearchAndFilter(b *testing.B) {
	e := setupBench(b)
	e.load(b, 10, func(int) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/accounts?q=%D9%85%D8%AD%D9%85%D8%AF%DB%8C&origin=foreign&status=active", nil)
		r.AddCookie(e.cookie)
		return r
	})
}
