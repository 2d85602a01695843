// Package bench measures a running Hozur at national size: it drives the
// real server over loopback HTTP with concurrent clients and times the
// registry's heavy work (scan, weekly report, import, audit verification),
// each against a target, and keeps the process's peak memory.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime/pprof"
	"strings"
	"time"

	"hozur/monitor"
	"hozur/registry"
)

// Measurement keys, in the order they run; --only selects among them.
const (
	APIList    = "api-list"
	HTMLSearch = "html-search"
	APIGet     = "api-get"
	APICreate  = "api-create"
	Scan       = "scan"
	Report     = "report"
	Verify     = "verify"
	Import     = "import"
	RSS        = "rss"
)

// Keys are every measurement, in the order they run: reads before writes,
// so the reads see the registry as it was given, and the import last: the
// full scan it starts in the background must not overlap another
// measurement.
var Keys = []string{APIList, HTMLSearch, APIGet, APICreate, Scan, Report, Verify, Import, RSS}

// Env is the system under measurement: the store and monitor the server
// was built on, and the server's handler. Locked counts the "database is
// locked" errors the server logged (see LockCounter).
type Env struct {
	Store   *registry.Store
	Monitor *monitor.Monitor
	Handler http.Handler
	Locked  func() int64
}

// Options say what to measure and for how long.
type Options struct {
	Duration    time.Duration   // per HTTP measurement
	Only        map[string]bool // nil: all
	ImportRows  int             // rows in the generated import file
	AuditEvents int             // the verify row pads the trail to this many events
	Progress    io.Writer       // one line per measurement as it starts; nil: none
	// CPUProfile, if set, receives a CPU profile of the measurements
	// (not of the copy and the sign-in before them).
	CPUProfile io.Writer
}

func (o Options) want(key string) bool { return o.Only == nil || o.Only[key] }

// Result is one row of the table.
type Result struct {
	Key      string        `json:"key"`
	Name     string        `json:"measurement"`
	Load     string        `json:"load"`
	Requests int64         `json:"requests"`
	Failed   int64         `json:"failed"`
	Locked   int64         `json:"database_locked"`
	RPS      float64       `json:"rps"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Took     time.Duration `json:"took_ns"` // one-off work: its wall time
	RSS      int64         `json:"peak_rss_bytes"`
	Target   string        `json:"target"`
	Pass     bool          `json:"pass"`
	Note     string        `json:"note,omitempty"`
}

// Targets of the national-size benchmark (issue "Scale and resilience").
const (
	targetListRPS    = 2300
	targetListP99    = 12 * time.Millisecond
	targetHTMLRPS    = 800
	targetHTMLP99    = 15 * time.Millisecond
	targetGetRPS     = 9000
	targetCreateRPS  = 2100
	targetOneOff     = 3 * time.Second
	targetRSS        = 150 << 20
	defaultImports   = 100_000
	defaultAuditPad  = 1_000_000
	benchCreateLoad  = 50
	benchReadClients = 10
)

// runner holds what the measurements share: the server on loopback, a
// token and a signed-in session, and the ids they ask for.
type runner struct {
	env     Env
	opt     Options
	base    string
	client  *http.Client
	html    *http.Client // carries the session cookie
	token   string
	agency  int64
	code    string
	account []int64
	holders []int64 // agencies that new accounts go to
	rss     *peak
	prefix  string // makes this run's new handles unique
}

// Run starts the server on a loopback port, signs in, and runs the
// selected measurements in order. The registry is changed (accounts
// created and imported, flags, a report, audit events): give it a copy.
func Run(ctx context.Context, env Env, opt Options) ([]Result, error) {
	if opt.Duration <= 0 {
		opt.Duration = 10 * time.Second
	}
	if opt.ImportRows <= 0 {
		opt.ImportRows = defaultImports
	}
	if opt.AuditEvents <= 0 {
		opt.AuditEvents = defaultAuditPad
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	srv := &http.Server{Handler: env.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(stop)
	}()
	r := &runner{env: env, opt: opt, base: "http://" + ln.Addr().String(), rss: newPeak()}
	tr := func() *http.Transport {
		return &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	}
	r.client = &http.Client{Transport: tr(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if err := r.signIn(ctx, tr()); err != nil {
		return nil, err
	}
	if err := r.pick(ctx); err != nil {
		return nil, err
	}
	steps := []struct {
		key string
		fn  func(context.Context) (Result, error)
	}{
		{APIList, r.apiList}, {HTMLSearch, r.htmlSearch}, {APIGet, r.apiGet}, {APICreate, r.apiCreate},
		{Scan, r.scan}, {Report, r.report}, {Verify, r.verify}, {Import, r.importRows},
	}
	if opt.CPUProfile != nil {
		if err := pprof.StartCPUProfile(opt.CPUProfile); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var out []Result
	for _, s := range steps {
		if !opt.want(s.key) {
			continue
		}
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "bench: %s…\n", s.key)
		}
		r.rss.reset()
		res, err := s.fn(ctx)
		if err != nil {
			return out, fmt.Errorf("bench %s: %w", s.key, err)
		}
		res.Key = s.key
		res.RSS = r.rss.sample(s.key)
		out = append(out, res)
	}
	if opt.want(RSS) {
		top, during := r.rss.max()
		out = append(out, Result{Key: RSS, Name: "peak RSS of the process", Load: "whole run", RSS: top,
			Target: "≤ 150 MB", Pass: top > 0 && top <= targetRSS, Note: "highest during " + during})
	}
	return out, nil
}

// signIn makes a user of its own: an API token for the JSON API, and a
// session signed in through the sign-in form for the pages.
func (r *runner) signIn(ctx context.Context, tr *http.Transport) error {
	st := r.env.Store
	var b [12]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:4])
	password := hex.EncodeToString(b[:])
	r.prefix = "b" + hex.EncodeToString(b[:3])
	u, err := st.CreateUser(ctx, registry.System, registry.UserInput{Username: "bench-" + suffix, Password: password,
		Role: registry.RoleAdmin, Active: true, Locale: "fa"})
	if err != nil {
		return fmt.Errorf("bench: create user: %w", err)
	}
	if r.token, _, err = st.CreateToken(ctx, registry.System, u.ID, "bench"); err != nil {
		return fmt.Errorf("bench: token: %w", err)
	}
	jar, _ := cookiejar.New(nil)
	r.html = &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := r.html.Get(r.base + "/login")
	if err != nil {
		return fmt.Errorf("bench: sign-in page: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	base, _ := url.Parse(r.base)
	var csrf string
	for _, c := range jar.Cookies(base) {
		if c.Name == "hozur_csrf" {
			csrf = c.Value
		}
	}
	form := url.Values{"username": {u.Username}, "password": {password}, "_csrf": {csrf}, "next": {"/"}}
	resp, err = r.html.PostForm(r.base+"/login", form)
	if err != nil {
		return fmt.Errorf("bench: sign in: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("bench: sign in: status %d", resp.StatusCode)
	}
	return nil
}

// pick finds what the requests ask for: the first ministry (its subtree is
// a tenth of a national registry) and a spread of account ids.
func (r *runner) pick(ctx context.Context) error {
	st := r.env.Store
	top := registry.Int64Ptr(0)
	res, err := st.Agencies(ctx, registry.System, registry.AgencyFilter{ParentID: top, Kind: registry.KindMinistry}, registry.Page{PerPage: 1})
	if err != nil {
		return fmt.Errorf("bench: agencies: %w", err)
	}
	if len(res.Items) == 0 {
		return errors.New("bench: the registry has no ministry: make it with `hozur demo`")
	}
	r.agency, r.code = res.Items[0].ID, res.Items[0].Code
	// New accounts go to agencies across the registry, as on a busy day
	// each liaison registers their own agency's.
	if err := st.Read(ctx).Raw("SELECT id FROM agencies ORDER BY id LIMIT 50").Scan(&r.holders).Error; err != nil {
		return fmt.Errorf("bench: agencies: %w", err)
	}
	var lo, hi int64
	row := st.Read(ctx).Raw("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM accounts").Row()
	if err := row.Scan(&lo, &hi); err != nil {
		return fmt.Errorf("bench: accounts: %w", err)
	}
	if hi == 0 {
		return errors.New("bench: the registry has no account: make it with `hozur demo`")
	}
	// Ids spread over the whole table, so the reads are not all answered
	// from the same few pages.
	if err := st.Read(ctx).Raw("SELECT id FROM accounts WHERE id % ? = 0 ORDER BY id LIMIT 5000", max(1, (hi-lo)/5000)).Scan(&r.account).Error; err != nil {
		return fmt.Errorf("bench: accounts: %w", err)
	}
	if len(r.account) == 0 {
		r.account = []int64{lo}
	}
	return nil
}

func (r *runner) api(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, r.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func (r *runner) loadResult(name string, l *Load) Result {
	return Result{Name: name, Load: fmt.Sprintf("c=%d", l.Clients), Requests: l.Requests, Failed: l.Failed, Locked: l.Locked,
		RPS: l.RPS(), P50: l.Percentile(0.50), P99: l.Percentile(0.99), Took: l.Elapsed}
}

func (r *runner) apiList(ctx context.Context) (Result, error) {
	path := fmt.Sprintf("/api/v1/accounts?agency_id=%d&per_page=50", r.agency)
	l := drive(ctx, r.client, benchReadClients, r.opt.Duration, http.StatusOK, func(int64) *http.Request { return r.api(http.MethodGet, path, "") })
	res := r.loadResult("API list by agency (50 a page)", l)
	res.Target = "≥ 2,300 rps, p99 ≤ 12 ms"
	res.Pass = l.Failed == 0 && res.RPS >= targetListRPS && res.P99 <= targetListP99
	return res, failures(l)
}

// htmlSearchQuery is a common family name, foreign platforms, active.
const htmlSearchQuery = "/accounts?q=%D9%85%D8%AD%D9%85%D8%AF%DB%8C&origin=foreign&status=active"

func (r *runner) htmlSearch(ctx context.Context) (Result, error) {
	l := drive(ctx, r.html, benchReadClients, r.opt.Duration, http.StatusOK, func(int64) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, r.base+htmlSearchQuery, nil)
		return req
	})
	res := r.loadResult("HTML accounts page, search + filters", l)
	res.Target = "≥ 800 rps, p99 ≤ 15 ms"
	res.Pass = l.Failed == 0 && res.RPS >= targetHTMLRPS && res.P99 <= targetHTMLP99
	res.Note = "q=محمدی, origin=foreign, status=active"
	return res, failures(l)
}

func (r *runner) apiGet(ctx context.Context) (Result, error) {
	l := drive(ctx, r.client, benchReadClients, r.opt.Duration, http.StatusOK, func(i int64) *http.Request {
		return r.api(http.MethodGet, fmt.Sprintf("/api/v1/accounts/%d", r.account[int(i)%len(r.account)]), "")
	})
	res := r.loadResult("API get one account", l)
	res.Target = "≥ 9,000 rps"
	res.Pass = l.Failed == 0 && res.RPS >= targetGetRPS
	return res, failures(l)
}

func (r *runner) apiCreate(ctx context.Context) (Result, error) {
	platforms := []string{"telegram", "instagram", "x", "eitaa", "bale"}
	before := r.locked()
	l := drive(ctx, r.client, benchCreateLoad, r.opt.Duration, http.StatusCreated, func(i int64) *http.Request {
		body := fmt.Sprintf(`{"platform":%q,"handle":"%sc%d","capacity":"institutional","agency_id":%d}`, platforms[i%5], r.prefix, i, r.holders[int(i)%len(r.holders)])
		return r.api(http.MethodPost, "/api/v1/accounts", body)
	})
	l.Locked += r.locked() - before
	res := r.loadResult("API create account with its audit row", l)
	res.Target = "≥ 2,100/s, 0 database locked"
	res.Pass = l.Failed == 0 && l.Locked == 0 && res.RPS >= targetCreateRPS
	res.Note = fmt.Sprintf("%d failed, %d database locked", l.Failed, l.Locked)
	return res, nil
}

func (r *runner) locked() int64 {
	if r.env.Locked == nil {
		return 0
	}
	return r.env.Locked()
}

// failures turns a read measurement with unexpected answers into an error:
// a figure measured on errors means nothing.
func failures(l *Load) error {
	if l.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d requests failed, first: %s", l.Failed, l.Requests, l.FirstFailure)
}

func oneOff(name string, took time.Duration) Result {
	return Result{Name: name, Load: "1 run", Requests: 1, Took: took, Target: "≤ 3 s", Pass: took <= targetOneOff}
}

// scan times the nightly scan: a full scan of a registry whose flags a
// scan has brought up to date before. A registry never scanned gets that
// first scan, which opens every flag at once, first; its time is in the
// note.
func (r *runner) scan(ctx context.Context) (Result, error) {
	var first string
	var scans int64
	if err := r.env.Store.Read(ctx).Raw("SELECT COUNT(*) FROM scans WHERE finished_at IS NOT NULL AND error = ''").Row().Scan(&scans); err != nil {
		return Result{}, err
	}
	if scans == 0 {
		start := time.Now()
		sc, err := r.env.Monitor.Scan(ctx, r.env.Store.Now(), monitor.TriggerCLI, nil)
		if err != nil {
			return Result{}, err
		}
		first = fmt.Sprintf("; the registry's first scan, opening %s flags, took %s", thousands(sc.Opened), secs(time.Since(start)))
	}
	start := time.Now()
	sc, err := r.env.Monitor.Scan(ctx, r.env.Store.Now(), monitor.TriggerCLI, nil)
	if err != nil {
		return Result{}, err
	}
	res := oneOff("full scan (nightly)", time.Since(start))
	res.Requests = sc.Evaluated
	res.Note = fmt.Sprintf("%s accounts evaluated, %d flags opened, %d resolved, %s open%s", thousands(sc.Evaluated), sc.Opened, sc.Resolved,
		thousands(sc.OpenTotal), first)
	return res, nil
}

func (r *runner) report(ctx context.Context) (Result, error) {
	cur, _ := monitor.WeekOf(r.env.Store.Now(), r.env.Store.Rules().Location)
	start := time.Now()
	d, err := r.env.Monitor.BuildReport(ctx, cur.AddDate(0, 0, -7), nil)
	if err != nil {
		return Result{}, err
	}
	html, err := monitor.RenderReportHTML(d, "fa")
	if err != nil {
		return Result{}, err
	}
	res := oneOff("weekly report (national, built and rendered)", time.Since(start))
	res.Note = fmt.Sprintf("%d accounts, %d rows by agency, %d KB of HTML", d.Headline.Accounts, len(d.ByAgency), len(html)>>10)
	return res, nil
}
