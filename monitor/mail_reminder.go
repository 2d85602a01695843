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

// ReminderDays are how many days before an exemption ends its reminders go.
var ReminderDays = []int{30, 7, 1}

// mailDay is the midnight starting t's day in tz.
func mailDay(t time.Time, tz *time.Location) time.Time {
	t = t.In(tz)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, tz)
}

// calendarDays counts the days in tz from a's day to b's day.
func calendarDays(a, b time.Time, tz *time.Location) int {
	a, b = a.In(tz), b.In(tz)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// mailAccount is what a message says about an account.
type mailAccount struct {
	ID              int64
	Display         string
	Capacity        string
	Status          string
	AgencyID        int64
	OfficialID      *int64
	ClosureDeadline *time.Time
	PlatformName    string
	AgencyName      string
	AgencyPath      string
	OfficialName    string
}

const mailAccountColumns = `accounts.id, accounts.display, accounts.capacity, accounts.status, accounts.agency_id, accounts.official_id, accounts.closure_deadline,
platforms.name AS platform_name, agencies.name AS agency_name, agencies.path AS agency_path,
COALESCE(officials.name, '') AS official_name`

const mailAccountJoins = `JOIN platforms ON platforms.id = accounts.platform_id JOIN agencies ON agencies.id = accounts.agency_id
LEFT JOIN officials ON officials.id = accounts.official_id`

func (m *Monitor) mailAccount(ctx context.Context, id int64) (*mailAccount, error) {
	var a mailAccount
	err := m.store.Read(ctx).Table("accounts").Select(mailAccountColumns).Joins(mailAccountJoins).Where("accounts.id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("account %d: %w", id, errObsolete)
	}
	if err != nil {
		return nil, fmt.Errorf("account %d: %w", id, err)
	}
	// A personal handle is sealed: the store opens it.
	err = m.store.OpenAccounts(ctx, []registry.AccountText{{Capacity: a.Capacity, OfficialID: a.OfficialID, Display: &a.Display}})
	if err != nil {
		return nil, fmt.Errorf("account %d: %w", id, err)
	}
	return &a, nil
}

// holder names who holds the account: the official, else the agency.
func (a *mailAccount) holder() string {
	if a.OfficialName != "" {
		return a.OfficialName + "، " + a.AgencyName
	}
	return a.AgencyName
}

// responsible lists the e-mail addresses of the people answerable for each
// account: its official (the record's address and the official's users)
// and the liaisons of its agency and the agencies above it. Two queries,
// whatever the number of accounts.
func (m *Monitor) responsible(ctx context.Context, accounts []*mailAccount) (map[int64][]string, error) {
	officials, agencies := map[int64]bool{}, map[int64]bool{}
	for _, a := range accounts {
		if a.OfficialID != nil {
			officials[*a.OfficialID] = true
		}
		for _, id := range registry.AncestryOf(a.AgencyPath) {
			if id != nil {
				agencies[*id] = true
			}
		}
	}
	var users []registry.User
	q := m.store.Read(ctx).Select("id, role, agency_id, official_id, email").
		Where("active AND email <> '' AND role = ? AND agency_id IN ?", registry.RoleLiaison, keysOf(agencies))
	if len(officials) > 0 {
		q = q.Or("active AND email <> '' AND role = ? AND official_id IN ?", registry.RoleOfficial, keysOf(officials))
	}
	if err := q.Find(&users).Error; err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	// The officials' own addresses are sealed: the store opens them.
	emails, err := m.store.OfficialEmails(ctx, keysOf(officials))
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	byAgency, byOfficial := map[int64][]string{}, map[int64][]string{}
	for _, u := range users {
		switch {
		case u.Role == registry.RoleLiaison && u.AgencyID != nil:
			byAgency[*u.AgencyID] = append(byAgency[*u.AgencyID], u.Email)
		case u.Role == registry.RoleOfficial && u.OfficialID != nil:
			byOfficial[*u.OfficialID] = append(byOfficial[*u.OfficialID], u.Email)
		}
	}
	out := map[int64][]string{}
	for _, a := range accounts {
		var to []string
		if a.OfficialID != nil {
			to = append(to, emails[*a.OfficialID])
			to = append(to, byOfficial[*a.OfficialID]...)
		}
		for _, id := range registry.AncestryOf(a.AgencyPath) {
			if id != nil {
				to = append(to, byAgency[*id]...)
			}
		}
		out[a.ID] = addresses(to)
	}
	return out, nil
}

// addresses lower-cases, drops empties and repeats, keeping the order.
func addresses(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range in {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func keysOf(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	if len(out) == 0 {
		out = append(out, 0) // "IN ()" is not SQL
	}
	return out
}

// reminderRow is an exemption a reminder may be due for.
type reminderRow struct {
	ID         int64
	AccountID  int64
	ValidUntil time.Time
}

// SendReminders mails a reminder for each exemption that ends in exactly
// 30, 7 or 1 days (calendar days in the rules' time zone, counted from
// now's day to the exemption's last day) and is not revoked, superseded by
// a later exemption, or on a closed account: to the official and the
// liaisons of the account's agency and of the agencies above it. A
// reminder goes once per exemption, threshold and recipient, however often
// the job runs.
func (m *Monitor) SendReminders(ctx context.Context, now time.Time) error {
	mm := m.Mailer()
	if mm == nil {
		return nil
	}
	tz := m.set.Location
	today := mailDay(now, tz)
	q := m.store.Read(ctx).Table("exemptions").Select("exemptions.id, exemptions.account_id, exemptions.valid_until").
		Joins("JOIN accounts ON accounts.id = exemptions.account_id").
		Where("exemptions.revoked_at IS NULL AND accounts.status <> ?", registry.StatusClosed).
		Where(`NOT EXISTS (SELECT 1 FROM exemptions later WHERE later.account_id = exemptions.account_id AND later.revoked_at IS NULL
			AND later.valid_until > exemptions.valid_until)`)
	var window []string
	var args []any
	for _, d := range ReminderDays {
		from := time.Date(today.Year(), today.Month(), today.Day()+d, 0, 0, 0, 0, tz)
		to := time.Date(today.Year(), today.Month(), today.Day()+d+1, 0, 0, 0, 0, tz)
		window = append(window, "(exemptions.valid_until >= ? AND exemptions.valid_until < ?)")
		args = append(args, from.UTC(), to.UTC())
	}
	var rows []reminderRow
	if err := q.Where("("+strings.Join(window, " OR ")+")", args...).Order("exemptions.id").Scan(&rows).Error; err != nil {
		return fmt.Errorf("reminders: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	accounts := make([]*mailAccount, 0, len(rows))
	byID := map[int64]*mailAccount{}
	for _, e := range rows {
		if byID[e.AccountID] != nil {
			continue
		}
		a, err := m.mailAccount(ctx, e.AccountID)
		if err != nil {
			return err
		}
		byID[a.ID] = a
		accounts = append(accounts, a)
	}
	to, err := m.responsible(ctx, accounts)
	if err != nil {
		return err
	}
	var cands []candidate
	for _, e := range rows {
		days := calendarDays(now, e.ValidUntil, tz)
		if !isReminderDay(days) {
			continue
		}
		for _, addr := range to[e.AccountID] {
			cands = append(cands, candidate{Key: fmt.Sprintf("%s:%d:%d:%s", MailReminder, e.ID, days, addr), Kind: MailReminder, Recipient: addr})
		}
	}
	r := m.newMailRun(mm, now)
	defer r.close("reminders")
	return r.dispatch(ctx, cands)
}

func isReminderDay(d int) bool {
	for _, x := range ReminderDays {
		if d == x {
			return true
		}
	}
	return false
}

// composeReminder builds "reminder:<exemption>:<days>:<recipient>". On a
// retry the days left are counted again from the retry's day.
func (r *mailRun) composeReminder(ctx context.Context, key string) (outMessage, error) {
	parts := strings.SplitN(key, ":", 4)
	if len(parts) != 4 {
		return outMessage{}, fmt.Errorf("reminder key %q: %w", key, errObsolete)
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return outMessage{}, fmt.Errorf("reminder key %q: %w", key, errObsolete)
	}
	var ex registry.Exemption
	err = r.m.store.Read(ctx).Where("id = ?", id).Take(&ex).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return outMessage{}, fmt.Errorf("exemption %d: %w", id, errObsolete)
	}
	if err != nil {
		return outMessage{}, fmt.Errorf("exemption %d: %w", id, err)
	}
	tz := r.m.set.Location
	days := calendarDays(r.now, ex.ValidUntil, tz)
	if ex.RevokedAt != nil || days < 0 {
		return outMessage{}, fmt.Errorf("exemption %d: %w", id, errObsolete)
	}
	acc, err := r.m.mailAccount(ctx, ex.AccountID)
	if err != nil {
		return outMessage{}, err
	}
	if acc.Status == registry.StatusClosed {
		return outMessage{}, fmt.Errorf("account %d closed: %w", acc.ID, errObsolete)
	}
	handle := isolate(acc.Display)
	when := "تا " + mailNum(days) + " روز دیگر"
	if days == 0 {
		when = "امروز"
	}
	l := letter{
		Subject: fmt.Sprintf("معافیت حساب %s در %s %s پایان می‌یابد", handle, acc.PlatformName, when),
		Facts: []fact{{"حساب", handle + " در " + acc.PlatformName}, {"دارنده", acc.holder()},
			{"پایان معافیت", faDate(ex.ValidUntil, tz) + " (" + strings.TrimPrefix(when, "تا ") + ")"}},
		Paragraphs: []string{
			"اگر حضور در این سکو همچنان برای انجام وظیفه ضروری است، پیش از پایان معافیت درخواست تمدید (توجیه تازه) ثبت کنید تا کارشناس نظارت آن را بررسی کند.",
			"اگر ضرورتی ندارد، حساب را ببندید و بسته شدن آن را در سامانهٔ حضور ثبت کنید. حسابی که پس از پایان معافیت بی‌معافیت بماند در گزارش نظارت می‌آید.",
			"اگر درخواست تمدید را پیش‌تر ثبت کرده‌اید، این پیام را نادیده بگیرید.",
		},
		Link:     r.mm.link("/justifications/new?account_id=" + strconv.FormatInt(acc.ID, 10)),
		LinkText: "ثبت درخواست تمدید",
	}
	htmlBody, text, err := l.render()
	if err != nil {
		return outMessage{}, err
	}
	return outMessage{Key: key, To: parts[3], Subject: l.Subject, Text: text, HTML: htmlBody}, nil
}
