package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeUnknown is the route label of requests that matched no route, so
// that scanners probing random paths add one series, not one per path.
const routeUnknown = "unknown"

// metrics is the server's own Prometheus registry (not the global one, so
// that servers in one process keep apart) and its request histogram.
type metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
	routes  map[string]bool // the registered route patterns
	handler http.Handler
}

func newMetrics(mon interface{ Collectors() []prometheus.Collector }) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), routes: map[string]bool{}}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hozur_http_request_duration_seconds",
		Help: "Time to answer HTTP requests, by route pattern (e.g. /accounts/:id), method and status class (2xx, 3xx, 4xx, 5xx).",
		// From a cached page to a large export.
		Buckets: []float64{0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.latency)
	m.reg.MustRegister(mon.Collectors()...)
	// One failing collector (the database is down) leaves the others'
	// figures served; the failure is in the answer's status and the log.
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second})
	return m
}

// learnRoutes records the route patterns, after every route is registered.
// The catch-alls that answer "not found" (echo adds "/*" to a group with
// middleware; the API has its own) count as unknown.
func (m *metrics) learnRoutes(e *echo.Echo) {
	for _, r := range e.Routes() {
		m.routes[r.Path] = true
	}
	delete(m.routes, "")
	delete(m.routes, "/*")
	delete(m.routes, "/api/v1/*")
}

// observe counts one answered request. Its labels are bounded: the route
// pattern, never the URL; a known method or "other"; the status class.
func (m *metrics) observe(c echo.Context, took time.Duration) {
	route := c.Path()
	if !m.routes[route] {
		route = routeUnknown
	}
	m.latency.WithLabelValues(route, methodLabel(c.Request().Method), statusClass(c.Response().Status)).Observe(took.Seconds())
}

func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// metricsPage serves the Prometheus exposition, unless metrics.enabled is
// off (404). With metrics.token set, the
// scraper must send it as a bearer token; without one, only clients on the
// loopback address are served, and not through a proxy (a proxy on the
// same host would make every visitor look local).
func (s *Server) metricsPage(c echo.Context) error {
	if !s.cfg.Metrics.Enabled {
		return echo.ErrNotFound
	}
	if !s.metricsAllowed(c.Request()) {
		if s.cfg.Metrics.Token != "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="hozur-metrics"`)
			return c.String(http.StatusUnauthorized, "a bearer token is required\n")
		}
		return c.String(http.StatusForbidden, "metrics are served to loopback clients only; set metrics.token to scrape from elsewhere\n")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if want := s.cfg.Metrics.Token; want != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return false
		}
		// Hashing first makes the comparison's time independent of the
		// tokens' lengths too.
		g, w := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(want))
		return subtle.ConstantTimeCompare(g[:], w[:]) == 1
	}
	// Behind a proxy (trusted_proxies set) a request from loopback may be
	// anyone's, passed on by a proxy on this host: only the token opens.
	if len(s.cfg.Security.TrustedProxies) > 0 {
		return false
	}
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
