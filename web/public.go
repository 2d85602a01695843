package web

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"hozur/registry"
)

// Public verification: /verify and /api/v1/public/*, open to anyone without
// a sign-in or a token. Both answer from the same store calls, which never
// read a personal or closed account (see registry/public.go).

// publicGuards are the middleware of the public routes, one for the page
// and one for the API: 404 while public.verify is off, then a limit per
// client IP that the page and the API share.
func (s *Server) publicGuards() (page, api echo.MiddlewareFunc) {
	cfg := s.cfg.Public
	perMinute, burst := max(cfg.RateLimit, 1), max(cfg.RateBurst, 1)
	// A client forgotten before its bucket has refilled would come back
	// with a full one: remember it at least as long as a refill takes.
	expiry := max(3*time.Minute, time.Duration(burst)*time.Minute/time.Duration(perMinute))
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(perMinute) / 60), Burst: burst, ExpiresIn: expiry})
	// One request's worth of the bucket refills in this many seconds.
	retry := strconv.Itoa(max(1, (60+perMinute-1)/perMinute))
	guard := func(deny func(c echo.Context) error) echo.MiddlewareFunc {
		limit := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Store:               store,
			IdentifierExtractor: func(c echo.Context) (string, error) { return clientKey(c.RealIP()), nil },
			DenyHandler: func(c echo.Context, _ string, _ error) error {
				c.Response().Header().Set("Retry-After", retry)
				return deny(c)
			},
		})
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			limited := limit(next)
			return func(c echo.Context) error {
				if !cfg.Verify {
					return echo.ErrNotFound
				}
				return limited(c)
			}
		}
	}
	return guard(s.verifyRateLimited), guard(func(echo.Context) error {
		return apiError(http.StatusTooManyRequests, "rate_limited", "verify.rate_limited")
	})
}

// publicText is what the store is asked about: the pasted text, or
// "platform:handle" when a platform was chosen for a bare handle.
func publicText(q, platform string) string {
	if platform == "" {
		return q
	}
	return platform + ":" + q
}

// publicPlatform checks a chosen platform code; "" is none chosen.
func (s *Server) publicPlatform(c echo.Context, code string) (string, bool, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		return "", true, nil
	}
	if _, err := s.store.PlatformByCode(c.Request().Context(), code); errors.Is(err, registry.ErrNotFound) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	return code, true, nil
}

// publicErrorKey is the message key of a refused text. The public are
// told plainly that the link is not of a platform the registry covers,
// not to ask an administrator.
func publicErrorKey(key string) string {
	if key == "link.unknown_platform" {
		return "verify.unknown_platform"
	}
	return key
}

// clientKey is whom a rate limit counts: an IPv4 address, or an IPv6
// client's /64, since one IPv6 host commonly holds a whole /64 and could
// otherwise take a fresh allowance with every address.
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Is4() || addr.Is4In6() {
		return ip
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
