package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// publicAccountBody is a registered institutional or office account as
// anyone may see it: never its holder official, status or source.
type publicAccountBody struct {
	ID       int64              `json:"id" doc:"the account's number, the cursor of /public/accounts"`
	Platform publicPlatformBody `json:"platform"`
	Handle   string             `json:"handle" doc:"the handle as people write it"`
	URL      string             `json:"url" doc:"canonical link to the account"`
	Capacity string             `json:"capacity" enum:"public_capacity" doc:"institutional: the agency's own; office: a post's, passed on to each holder"`
	Agency   publicAgencyBody   `json:"agency" doc:"the agency; for an office account, the agency of the office"`
	Since    jsonDate           `json:"since" doc:"the day the account was opened, or else the day it was registered"`
	Verified bool               `json:"verified" doc:"verified by the oversight office"`
}

// publicPlatformBody names a public account's platform.
type publicPlatformBody struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// publicAgencyBody names a public account's agency.
type publicAgencyBody struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// publicVerifyBody answers whether a link is a registered account.
type publicVerifyBody struct {
	Registered bool               `json:"registered" doc:"false for anything else: personal, closed and unknown accounts alike"`
	Account    *publicAccountBody `json:"account,omitempty" doc:"only when registered"`
}

// publicListBody is one page of the public accounts.
type publicListBody struct {
	Items []publicAccountBody `json:"items"`
	Next  *int64              `json:"next" doc:"pass as after for the next page; null on the last page"`
}

func (s *Server) publicBody(pa registry.PublicAccount) publicAccountBody {
	return publicAccountBody{ID: pa.ID, Platform: publicPlatformBody{Code: pa.PlatformCode, Name: pa.PlatformName, NameEn: pa.PlatformNameEn},
		Handle: pa.Handle, URL: pa.URL, Capacity: pa.Capacity, Agency: publicAgencyBody{Code: pa.AgencyCode, Name: pa.AgencyName, NameEn: pa.AgencyNameEn},
		Since: *dateOut(&pa.Since, s.tz), Verified: pa.Verified}
}

// apiPublicVerify answers GET /api/v1/public/verify?url=…[&platform=…].
func (s *Server) apiPublicVerify(c echo.Context) error {
	platform, ok, err := s.publicPlatform(c, c.QueryParam("platform"))
	if err != nil {
		return err
	}
	if !ok {
		return &registry.ValidationError{Fields: map[string]string{"platform": "error.not_found"}}
	}
	pa, err := s.store.PublicVerify(c.Request().Context(), publicText(strings.TrimSpace(c.QueryParam("url")), platform))
	var ve *registry.ValidationError
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return c.JSON(http.StatusOK, publicVerifyBody{})
	case errors.As(err, &ve):
		return &registry.ValidationError{Fields: map[string]string{"url": publicErrorKey(ve.Fields["url"])}}
	case err != nil:
		return err
	}
	b := s.publicBody(*pa)
	return c.JSON(http.StatusOK, publicVerifyBody{Registered: true, Account: &b})
}

// apiPublicAccounts answers GET /api/v1/public/accounts?after=&limit=, with
// an ETag so that a mirror polling the list pays only for changes.
func (s *Server) apiPublicAccounts(c echo.Context) error {
	q := s.apiQuery(c)
	var after int64
	if v := q.str("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			q.bad["after"] = "error.invalid"
		}
		after = n
	}
	limit := q.intIn("limit", 1, 500)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.PublicAccounts(c.Request().Context(), after, limit)
	if err != nil {
		return err
	}
	body := publicListBody{Items: make([]publicAccountBody, 0, len(items))}
	for _, pa := range items {
		body.Items = append(body.Items, s.publicBody(pa))
	}
	if next != 0 {
		body.Next = &next
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSONBlob(http.StatusOK, b)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
