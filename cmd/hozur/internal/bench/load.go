package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Load is what one HTTP measurement saw: every request sent, those that
// did not get the expected status, and the latency of each one answered.
type Load struct {
	Clients  int
	Requests int64
	Failed   int64
	Locked   int64 // answers that said "database is locked"
	Elapsed  time.Duration
	// FirstFailure is the status and the start of the body of the first
	// unexpected answer, for the operator.
	FirstFailure string
	lat          []time.Duration
}

// RPS is the answered requests a second.
func (l *Load) RPS() float64 {
	if l.Elapsed <= 0 {
		return 0
	}
	return float64(l.Requests-l.Failed) / l.Elapsed.Seconds()
}

// Percentile is the latency below which p of the requests were answered
// (p in 0..1), by the nearest-rank method.
func (l *Load) Percentile(p float64) time.Duration { return percentile(l.lat, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// drive sends requests from clients goroutines for d (or until ctx ends):
// request i comes from mk(i); an answer with another status than want
// counts as failed. Each client keeps its own latencies, merged at the end,
// so the clients share nothing but a counter while they run.
func drive(ctx context.Context, client *http.Client, clients int, d time.Duration, want int, mk func(i int64) *http.Request) *Load {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu   sync.Mutex
		next int64
		out  = &Load{Clients: clients}
		wg   sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			var sent, failed, locked int64
			var first string
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				req := mk(i)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break // the time is up: this request does not count
					}
					sent++
					failed++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				took := time.Since(t0)
				sent++
				if strings.Contains(string(body), "database is locked") {
					locked++
				}
				if resp.StatusCode != want {
					failed++
					if first == "" {
						first = fmt.Sprintf("%d %.200s", resp.StatusCode, body)
					}
					continue
				}
				lat = append(lat, took)
			}
			mu.Lock()
			out.Requests += sent
			out.Failed += failed
			out.Locked += locked
			out.lat = append(out.lat, lat...)
			if out.FirstFailure == "" {
				out.FirstFailure = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = time.Since(start)
	slices.Sort(out.lat)
	return out
}
