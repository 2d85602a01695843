// Package web is Hozur's HTTP face: the server-rendered pages, the JSON API
// and the middleware that signs people in and checks their requests.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
	"hozur/web/locale"
)

// Server serves the UI and the API.
type Server struct {
	cfg     config.Config
	store   *registry.Store
	mon     *monitor.Monitor   // the rules, flags and scans
	jobs    *monitor.Scheduler // the scheduled jobs; cmd starts it
	log     *slog.Logger
	catalog *locale.Catalog
	views   *views
	assets  *assets
	tz      *time.Location
	policy  registry.LoginPolicy
	echo    *echo.Echo
	imports *importRuns // the imports being applied in the background
	metrics *metrics    // Prometheus: this server's own registry
}

// New builds the server. Templates and catalogs are parsed here, so a broken
// template stops the start, not a request. A nil monitor gets one made from
// cfg. The jobs are registered, not started: see Scheduler.
func New(cfg config.Config, store *registry.Store, mon *monitor.Monitor, log *slog.Logger) (*Server, error) {
	if mon == nil {
		mon = monitor.New(store, monitor.SettingsFrom(cfg), log)
	}
	jobs, err := monitor.NewScheduler(mon, monitor.SchedulerOptionsFrom(cfg))
	if err != nil {
		return nil, err
	}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	v, err := loadViews(as)
	if err != nil {
		return nil, err
	}
	// Records logged with a request's context carry its id.
	log = slog.New(requestLogHandler{log.Handler()})
	s := &Server{cfg: cfg, store: store, mon: mon, jobs: jobs, log: log, catalog: cat, views: v, assets: as, tz: cfg.Location(),
		policy: registry.LoginPolicy{MaxAttempts: cfg.Security.LoginMaxAttempts, Window: cfg.Security.LoginWindow,
			IdleTimeout: cfg.Session.IdleTimeout, Lifetime: cfg.Session.Lifetime}, imports: newImportRuns(), metrics: newMetrics(mon)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(cfg.Security.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.routes()
	s.metrics.learnRoutes(e)
	return s, nil
}

// ipExtractor trusts X-Forwarded-For only from the configured proxies;
// otherwise the peer address is the client, so per-IP limits cannot be
// dodged with a forged header.
func ipExtractor(cidrs []string) echo.IPExtractor {
	if len(cidrs) == 0 {
		return echo.ExtractIPDirect()
	}
	var opts []echo.TrustOption
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	for _, c := range cidrs {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(c)); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Handler is the whole site as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router, for tests that list the routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// How long shutdown waits: for the requests in flight, then for the jobs
// running. Past these, what is left is cut short.
const (
	shutdownRequests = 15 * time.Second
	shutdownJobs     = 30 * time.Second
)

// Run listens on addr and serves until ctx ends; see Serve.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then shuts down in order: it stops
// accepting connections and lets the requests in flight finish, lets the
// imports being applied finish their transaction, then stops the
// scheduler and waits for the jobs running and the scans writes started.
// When it returns, nothing uses the store any more: the caller closes it.
// With tls.cert_file and tls.key_file it serves HTTPS, TLS 1.2 at least.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var errs []error
	if srv, err := s.httpServer(); err != nil {
		_ = ln.Close()
		errs = append(errs, err)
	} else {
		errs = s.serveUntil(ctx, srv, ln)
	}
	s.imports.wait()
	stop, cancel := context.WithTimeout(context.Background(), shutdownJobs)
	defer cancel()
	if err := s.jobs.Stop(stop); err != nil {
		s.log.Warn("jobs still running at shutdown were cancelled", slog.Any("error", err))
	}
	// A full scan a write started (a group exemption, a large import)
	// finishes before the store closes.
	s.mon.Wait()
	s.log.Info("stopped")
	return errors.Join(errs...)
}

func (s *Server) httpServer() (*http.Server, error) {
	srv := &http.Server{Handler: s.echo, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	if t := s.cfg.TLS; t.Enabled() {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file, tls.key_file: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	return srv, nil
}

// serveUntil serves until ctx ends, then stops accepting and waits for
// the requests in flight.
func (s *Server) serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) []error {
	scheme := "http"
	if srv.TLSConfig != nil {
		scheme = "https"
	}
	s.log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("scheme", scheme))
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
			return
		}
		errc <- srv.Serve(ln)
	}()
	var errs []error
	select {
	case err := <-errc:
		errs = append(errs, err) // the listener failed: stop the rest all the same
	case <-ctx.Done():
		s.log.Info("shutting down: finishing the requests in flight")
		shut, cancel := context.WithTimeout(context.Background(), shutdownRequests)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
			_ = srv.Close()
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errs
}
