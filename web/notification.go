package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// notificationRow is one notification in words, with where it leads.
type notificationRow struct {
	ID         int64
	Text, Link string
	At         string
	Unread     bool
	Tag        Tag
}

var notificationColours = map[string]string{"info_requested": "tag-orange", "approved": "tag-green", "rejected": "tag-red",
	"revoked": "tag-red", "expiring": "tag-orange", "handover": "tag-blue", "erasure_held": "tag-orange", "erasure_completed": "tag-green"}

func (s *Server) notificationList(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	p := s.page(c, "notifications", "notifications.title")
	pg := pageParams(c)
	pg.WithTotal = false
	res, err := s.store.Notifications(ctx, a, false, pg)
	if err != nil {
		return err
	}
	// Name the account of each notification; one look-up per account.
	names := map[int64]string{}
	rows := make([]notificationRow, len(res.Items))
	for i, n := range res.Items {
		r := notificationRow{ID: n.ID, At: p.L.DateTime(n.CreatedAt), Unread: n.ReadAt == nil,
			Tag: Tag{notificationColours[n.Kind], p.L.T("notification.kind." + n.Kind)}}
		account := p.L.T("notification.an_account")
		if n.AccountID != nil {
			name, ok := names[*n.AccountID]
			if !ok {
				if acc, err := s.store.Account(ctx, a, *n.AccountID); err == nil {
					name = acc.Display
				}
				names[*n.AccountID] = name
			}
			if name != "" {
				account = name
			}
		}
		r.Text = p.L.T("notification."+n.Kind, "account", isolate(account), "n", n.EntityID)
		switch n.Entity {
		case "justification":
			r.Link = "/justifications/" + strconv.FormatInt(n.EntityID, 10)
		case "exemption":
			r.Link = "/exemptions/" + strconv.FormatInt(n.EntityID, 10)
		case "account":
			r.Link = "/accounts/" + strconv.FormatInt(n.EntityID, 10)
		case "erasure":
			r.Link = "/erasure-requests/" + strconv.FormatInt(n.EntityID, 10)
		}
		rows[i] = r
	}
	p.Data = map[string]any{"Rows": rows, "Nav": listNav(p, res)}
	return s.render(c, http.StatusOK, "notifications", p)
}

// notificationRead marks one notification (id) or all of the reader's as
// read.
func (s *Server) notificationRead(c echo.Context) error {
	a := actorOf(c)
	var id int64
	if v := c.FormValue("id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return registry.ErrNotFound
		}
		id = n
	}
	if err := s.store.MarkRead(c.Request().Context(), a, id); err != nil {
		return err
	}
	s.flash(c, "success", "notifications.flash_read")
	return redirectTo(c, "/notifications")
}

// isolate marks a name (a handle, a title) as a unit of its own direction
// inside a sentence, so "@handle" in a Persian sentence keeps its "@" in
// front (Unicode first-strong isolate).
func isolate(s string) string { return "\u2068" + s + "\u2069" }
