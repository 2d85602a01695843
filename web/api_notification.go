package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// notificationBody is one of the token's user's notifications.
type notificationBody struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind" enum:"-" doc:"what happened: info_requested, approved, rejected, revoked, expiring, handover, erasure_held, erasure_completed"`
	Entity    string     `json:"entity" doc:"the kind of record it is about, e.g. justification"`
	EntityID  int64      `json:"entity_id"`
	AccountID *int64     `json:"account_id" doc:"the account it concerns"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at" doc:"null while unread"`
}

func notificationBodyOf(n registry.Notification) notificationBody {
	return notificationBody{ID: n.ID, Kind: n.Kind, Entity: n.Entity, EntityID: n.EntityID, AccountID: n.AccountID, CreatedAt: n.CreatedAt.UTC(), ReadAt: timeOut(n.ReadAt)}
}

// notificationReadIn marks one notification, or all, as read.
type notificationReadIn struct {
	ID *int64 `json:"id" doc:"the notification to mark read; left out: all of them"`
}

// notificationReadBody answers a read: what is left unread.
type notificationReadBody struct {
	Unread int64 `json:"unread" doc:"the token's user's unread notifications"`
}

func (s *Server) apiNotificationList(c echo.Context) error {
	q := s.apiQuery(c)
	unread := q.boolean("unread")
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Notifications(c.Request().Context(), actorOf(c), unread != nil && *unread, p)
	if err != nil {
		return err
	}
	return writeList(c, res, notificationBodyOf)
}

func (s *Server) apiNotificationRead(c echo.Context) error {
	var b notificationReadIn
	if c.Request().ContentLength != 0 { // no body at all reads as {}
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	id := pick(b.ID, 0)
	if b.ID != nil && id <= 0 {
		return fieldsErr(map[string]string{"id": "error.invalid"})
	}
	a := actorOf(c)
	ctx := c.Request().Context()
	if err := s.store.MarkRead(ctx, a, id); err != nil {
		return err
	}
	n, err := s.store.UnreadCount(ctx, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, notificationReadBody{Unread: n})
}
