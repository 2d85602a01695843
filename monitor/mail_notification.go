package monitor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"hozur/registry"
)

// MailedNotificationKinds are the notifications that are also e-mailed: the
// decisions and questions someone has to act on.
var MailedNotificationKinds = []string{"info_requested", "approved", "rejected", "revoked"}

// notificationWindow bounds how far back SendNotifications looks, so that
// turning e-mail on does not mail the whole history.
const notificationWindow = 7 * 24 * time.Hour

// SendNotifications mails each decision notification (approved, rejected,
// revoked, info_requested) of the last seven days that has not been mailed
// yet, to its user's address, once.
func (m *Monitor) SendNotifications(ctx context.Context, now time.Time) error {
	mm := m.Mailer()
	if mm == nil {
		return nil
	}
	var rows []struct {
		ID    int64
		Email string
	}
	err := m.store.Read(ctx).Table("notifications").Select("notifications.id, users.email").
		Joins("JOIN users ON users.id = notifications.user_id").
		Where("notifications.kind IN ? AND users.active AND users.email <> '' AND notifications.created_at >= ? AND notifications.created_at <= ?",
			MailedNotificationKinds, now.Add(-notificationWindow).UTC(), now.UTC()).
		Order("notifications.id").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("notifications to mail: %w", err)
	}
	cands := make([]candidate, 0, len(rows))
	for _, n := range rows {
		addr := strings.ToLower(n.Email)
		cands = append(cands, candidate{Key: fmt.Sprintf("%s:%d:%s", MailNotification, n.ID, addr), Kind: MailNotification, Recipient: addr})
	}
	if len(cands) == 0 {
		return nil
	}
	r := m.newMailRun(mm, now)
	defer r.close("notifications")
	return r.dispatch(ctx, cands)
}

// composeNotification builds "notification:<id>:<recipient>". The mail
// states the decision and links to the page; the notes and statements stay
// in the registry.
func (r *mailRun) composeNotification(ctx context.Context, key string) (outMessage, error) {
	parts := strings.SplitN(key, ":", 3)
	if len(parts) != 3 {
		return outMessage{}, fmt.Errorf("notification key %q: %w", key, errObsolete)
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return outMessage{}, fmt.Errorf("notification key %q: %w", key, errObsolete)
	}
	var n registry.Notification
	err = r.m.store.Read(ctx).Where("id = ?", id).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && n.AccountID == nil) {
		return outMessage{}, fmt.Errorf("notification %d: %w", id, errObsolete)
	}
	if err != nil {
		return outMessage{}, fmt.Errorf("notification %d: %w", id, err)
	}
	acc, err := r.m.mailAccount(ctx, *n.AccountID)
	if err != nil {
		return outMessage{}, err
	}
	tz := r.m.set.Location
	handle := isolate(acc.Display)
	what := fmt.Sprintf("%s در %s", handle, acc.PlatformName)
	l := letter{LinkText: "دیدن در سامانهٔ حضور", Facts: []fact{{"حساب", what}, {"دارنده", acc.holder()}}}
	page := "/justifications/" + strconv.FormatInt(n.EntityID, 10)
	if n.Entity == "exemption" {
		page = "/exemptions/" + strconv.FormatInt(n.EntityID, 10)
	}
	closure := func() {
		if acc.ClosureDeadline != nil {
			l.Facts = append(l.Facts, fact{"مهلت بستن حساب", faDate(*acc.ClosureDeadline, tz)})
		}
	}
	switch n.Kind {
	case "approved":
		l.Subject = "توجیه حساب " + what + " پذیرفته شد"
		l.Paragraphs = []string{"توجیه این حساب پذیرفته شد و حساب معافیت دارد."}
		var ex registry.Exemption
		err := r.m.store.Read(ctx).Where("justification_id = ? AND revoked_at IS NULL", n.EntityID).Order("id DESC").Take(&ex).Error
		switch {
		case err == nil:
			l.Facts = append(l.Facts, fact{"معافیت", "از " + faDate(ex.ValidFrom, tz) + " تا پایان " + faDate(ex.ValidUntil, tz)})
			if ex.Conditions != "" {
				l.Paragraphs = append(l.Paragraphs, "این معافیت شرط‌هایی دارد؛ آن‌ها را در سامانه ببینید.")
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return outMessage{}, fmt.Errorf("exemption of justification %d: %w", n.EntityID, err)
		}
		l.Paragraphs = append(l.Paragraphs, "اگر حضور پس از پایان معافیت همچنان ضروری باشد، پیش از پایان آن درخواست تمدید ثبت کنید.")
	case "rejected":
		l.Subject = "توجیه حساب " + what + " رد شد"
		closure()
		l.Paragraphs = []string{"توجیه این حساب رد شد و حساب باید تا پایان مهلت بسته شود.",
			"دلیل تصمیم را در سامانه ببینید. پس از بستن حساب، بسته شدن آن را در سامانه ثبت کنید."}
	case "revoked":
		l.Subject = "معافیت حساب " + what + " لغو شد"
		closure()
		l.Paragraphs = []string{"معافیت این حساب لغو شد و حساب باید تا پایان مهلت بسته شود.",
			"دلیل لغو را در سامانه ببینید. پس از بستن حساب، بسته شدن آن را در سامانه ثبت کنید."}
	case "info_requested":
		l.Subject = "پرسش دربارهٔ توجیه حساب " + what
		l.Paragraphs = []string{"کارشناس نظارت دربارهٔ توجیه این حساب پرسشی کرده است.",
			"پرسش را در سامانه ببینید و به آن پاسخ دهید؛ تا پاسخ ندهید، بررسی توجیه پیش نمی‌رود."}
	default:
		return outMessage{}, fmt.Errorf("notification %d of kind %s: %w", id, n.Kind, errObsolete)
	}
	l.Link = r.mm.link(page)
	htmlBody, text, err := l.render()
	if err != nil {
		return outMessage{}, err
	}
	return outMessage{Key: key, To: parts[2], Subject: l.Subject, Text: text, HTML: htmlBody}, nil
}
