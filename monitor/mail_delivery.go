package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm/clause"
)

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Delivery kinds.
const (
	MailReport       = "report"
	MailReminder     = "reminder"
	MailNotification = "notification"
)

// Delivery is one message to one recipient. Its Key names the message (what
// and to whom) and is unique, so a job that runs twice finds the row of the
// first run and sends nothing again.
type Delivery struct {
	ID            int64
	Key           string
	Kind          string
	Recipient     string
	Subject       string
	Status        string
	Attempts      int
	LastError     string
	NextAttemptAt *time.Time
	SentAt        *time.Time
	CreatedAt     time.Time
}

// TableName names the table.
func (Delivery) TableName() string { return "deliveries" }

// mailBackoff is the wait after each failed attempt; a failure after the
// last wait gives the delivery up.
var mailBackoff = []time.Duration{5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}

// mailClaim is how long a delivery being sent is held from RetryPending:
// if the process dies between recording and sending, the message goes out
// on a retry after this long, never twice while a sender holds it.
const mailClaim = time.Hour

// errObsolete marks a delivery whose subject is gone (a revoked exemption,
// a deleted notification): it is dropped, not retried.
var errObsolete = errors.New("no longer applies")

// candidate is a message a job means to send, named by its delivery key.
type candidate struct {
	Key, Kind, Recipient string
}

// mailRun is one run of a mail job: its session with the server and what
// it has rendered, so a report goes through the XLSX renderer once however
// many recipients it has.
type mailRun struct {
	m       *Monitor
	mm      *Mailer
	now     time.Time
	sess    *mailSession
	reports map[string]*mailReport
	sent    int
	failed  int
}

func (m *Monitor) newMailRun(mm *Mailer, now time.Time) *mailRun {
	return &mailRun{m: m, mm: mm, now: now, sess: mm.session(), reports: map[string]*mailReport{}}
}

func (r *mailRun) close(job string) {
	r.sess.close()
	if r.sent+r.failed > 0 {
		r.m.log.Info("mail sent", "job", job, "sent", r.sent, "failed", r.failed)
	}
}

// compose builds the message a delivery key names.
func (r *mailRun) compose(ctx context.Context, key string) (outMessage, error) {
	kind, _, _ := strings.Cut(key, ":")
	switch kind {
	case MailReport:
		return r.composeReport(ctx, key)
	case MailReminder:
		return r.composeReminder(ctx, key)
	case MailNotification:
		return r.composeNotification(ctx, key)
	}
	return outMessage{}, fmt.Errorf("delivery %q: %w", kind, errObsolete)
}

// dispatch records the candidates not recorded before and sends them. A
// row is written before its message goes; only rows this call inserted are
// sent here, so a second run, or a run racing this one, sends nothing again.
func (r *mailRun) dispatch(ctx context.Context, cands []candidate) error {
	fresh, err := r.unrecorded(ctx, cands)
	if err != nil {
		return err
	}
	var errs []error
	type queued struct {
		d   Delivery
		msg outMessage
	}
	var todo []queued
	for _, c := range fresh {
		msg, err := r.compose(ctx, c.Key)
		if errors.Is(err, errObsolete) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		claim := r.now.Add(mailClaim)
		todo = append(todo, queued{d: Delivery{Key: c.Key, Kind: c.Kind, Recipient: c.Recipient, Subject: msg.Subject, Status: DeliveryPending,
			NextAttemptAt: &claim, CreatedAt: r.now}, msg: msg})
	}
	inserted := make([]bool, len(todo))
	err = r.m.store.Tx(ctx, func(ctx context.Context) error {
		for i := range todo {
			res := r.m.store.Write(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&todo[i].d)
			if res.Error != nil {
				return fmt.Errorf("record delivery: %w", res.Error)
			}
			inserted[i] = res.RowsAffected == 1
		}
		return nil
	})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for i, q := range todo {
		if !inserted[i] {
			continue
		}
		if err := r.send(ctx, q.d, q.msg); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unrecorded keeps the candidates whose key has no delivery yet, each once.
func (r *mailRun) unrecorded(ctx context.Context, cands []candidate) ([]candidate, error) {
	seen := map[string]bool{}
	var keys []string
	for _, c := range cands {
		if !seen[c.Key] {
			seen[c.Key] = true
			keys = append(keys, c.Key)
		}
	}
	have := map[string]bool{}
	for i := 0; i < len(keys); i += 500 {
		var found []string
		if err := r.m.store.Read(ctx).Model(&Delivery{}).Where("key IN ?", keys[i:min(i+500, len(keys))]).Pluck("key", &found).Error; err != nil {
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		for _, k := range found {
			have[k] = true
		}
	}
	out := make([]candidate, 0, len(keys))
	for _, c := range cands {
		if seen[c.Key] && !have[c.Key] {
			out = append(out, c)
			seen[c.Key] = false
		}
	}
	return out, nil
}

// send sends one recorded delivery and records the outcome. A failed send
// is not the job's error: it is recorded for RetryPending.
func (r *mailRun) send(ctx context.Context, d Delivery, msg outMessage) error {
	return r.record(ctx, d, r.sess.send(ctx, msg, r.now))
}

// record notes an attempt at a delivery: sent, or failed and due again
// after the next wait, or given up after the last.
func (r *mailRun) record(ctx context.Context, d Delivery, sendErr error) error {
	attempts := d.Attempts + 1
	r.m.metrics().observeMail(d.Kind, sendErr)
	upd := map[string]any{"attempts": attempts}
	if sendErr == nil {
		r.sent++
		upd["status"], upd["sent_at"], upd["next_attempt_at"], upd["last_error"] = DeliverySent, r.now, nil, ""
	} else {
		r.failed++
		upd["last_error"] = clip(sendErr.Error(), 500)
		if attempts > len(mailBackoff) {
			upd["status"], upd["next_attempt_at"] = DeliveryFailed, nil
		} else {
			upd["status"], upd["next_attempt_at"] = DeliveryPending, r.now.Add(mailBackoff[attempts-1])
		}
		r.m.log.Warn("mail not sent", "kind", d.Kind, "delivery_id", d.ID, "recipient_domain", domainOf(d.Recipient),
			"attempt", attempts, "gave_up", attempts > len(mailBackoff), "reason", errorSummary(sendErr))
	}
	// The outcome must be kept even when the job's context ends now: a sent
	// message left "pending" would go out again.
	wctx := context.WithoutCancel(ctx)
	if err := r.m.store.Write(wctx).Model(&Delivery{}).Where("id = ?", d.ID).Updates(upd).Error; err != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
	return nil
}

// RetryPending sends again the deliveries that failed and whose next
// attempt is due: after 5 minutes, 30 minutes, 2 hours and 12 hours; the
// fifth failure gives up (status failed).
func (m *Monitor) RetryPending(ctx context.Context, now time.Time) error {
	mm := m.Mailer()
	if mm == nil {
		return nil
	}
	r := m.newMailRun(mm, now)
	defer r.close("retry")
	var errs []error
	done := map[int64]bool{}
	for {
		var due []Delivery
		if err := m.store.Read(ctx).Where("status = ? AND next_attempt_at <= ?", DeliveryPending, now.UTC()).
			Order("next_attempt_at, id").Limit(200).Find(&due).Error; err != nil {
			return fmt.Errorf("pending deliveries: %w", err)
		}
		progress := false
		for _, d := range due {
			if done[d.ID] {
				continue
			}
			done[d.ID], progress = true, true
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, err)...)
			}
			claimed, err := m.claim(ctx, d.ID, now)
			if err != nil {
				return errors.Join(append(errs, err)...)
			}
			if !claimed {
				continue
			}
			msg, err := r.compose(ctx, d.Key)
			switch {
			case errors.Is(err, errObsolete):
				if err := m.store.Write(ctx).Model(&Delivery{}).Where("id = ?", d.ID).
					Updates(map[string]any{"status": DeliveryFailed, "next_attempt_at": nil, "last_error": "cancelled: " + err.Error()}).Error; err != nil {
					errs = append(errs, fmt.Errorf("record delivery %d: %w", d.ID, err))
				}
				continue
			case err != nil:
				// Counted as an attempt, so a message that cannot be built
				// is given up in the end rather than tried for ever.
				errs = append(errs, err)
				if err := r.record(ctx, d, err); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			if err := r.send(ctx, d, msg); err != nil {
				errs = append(errs, err)
			}
		}
		if !progress {
			break
		}
	}
	return errors.Join(errs...)
}

// claim holds a due delivery for this run; false when another run has it.
func (m *Monitor) claim(ctx context.Context, id int64, now time.Time) (bool, error) {
	res := m.store.Write(ctx).Model(&Delivery{}).Where("id = ? AND status = ? AND next_attempt_at <= ?", id, DeliveryPending, now.UTC()).
		Update("next_attempt_at", now.Add(mailClaim).UTC())
	if res.Error != nil {
		return false, fmt.Errorf("claim delivery %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
