package monitor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hozur/registry"
)

// mailReport is a stored report ready to mail: its HTML and its workbook.
type mailReport struct {
	Title    string
	HTML     string
	Text     string
	XLSX     []byte
	FileName string
}

// SendWeeklyReports mails the reports of the last week that ended by now:
// the national report to each of the oversight office's addresses, and to
// each active liaison with an address the cut of their own agency. The
// body is the stored report's HTML; its XLSX workbook is attached. Each
// report goes to each address once, however often the job runs.
func (m *Monitor) SendWeeklyReports(ctx context.Context, now time.Time) error {
	mm := m.Mailer()
	if mm == nil {
		return nil
	}
	tz := m.set.Location
	cur, _ := WeekOf(now, tz)
	week := WeekID(cur.AddDate(0, 0, -7), tz)
	var cands []candidate
	for _, addr := range mm.Office() {
		cands = append(cands, candidate{Key: fmt.Sprintf("%s:%s:national:%s", MailReport, week, addr), Kind: MailReport, Recipient: addr})
	}
	var liaisons []struct {
		AgencyID int64
		Email    string
	}
	if err := m.store.Read(ctx).Table("users").Select("agency_id, email").
		Where("role = ? AND active AND email <> '' AND agency_id IS NOT NULL", registry.RoleLiaison).
		Order("agency_id, id").Scan(&liaisons).Error; err != nil {
		return fmt.Errorf("report recipients: %w", err)
	}
	for _, l := range liaisons {
		addr := strings.ToLower(l.Email)
		cands = append(cands, candidate{Key: fmt.Sprintf("%s:%s:%d:%s", MailReport, week, l.AgencyID, addr), Kind: MailReport, Recipient: addr})
	}
	if len(cands) == 0 {
		return nil
	}
	r := m.newMailRun(mm, now)
	defer r.close("weekly_report")
	return r.dispatch(ctx, cands)
}

// composeReport builds "report:<week>:<national|agency id>:<recipient>".
func (r *mailRun) composeReport(ctx context.Context, key string) (outMessage, error) {
	parts := strings.SplitN(key, ":", 4)
	if len(parts) != 4 {
		return outMessage{}, fmt.Errorf("report key %q: %w", key, errObsolete)
	}
	tz := r.m.set.Location
	start, err := time.ParseInLocation(time.DateOnly, parts[1], tz)
	if err != nil {
		return outMessage{}, fmt.Errorf("report key %q: %w", key, errObsolete)
	}
	var agencyID *int64
	if parts[2] != "national" {
		id, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return outMessage{}, fmt.Errorf("report key %q: %w", key, errObsolete)
		}
		agencyID = &id
	}
	rep, err := r.report(ctx, start, agencyID, parts[1]+":"+parts[2])
	if err != nil {
		return outMessage{}, err
	}
	return outMessage{Key: key, To: parts[3], Subject: rep.Title, Text: rep.Text, HTML: rep.HTML,
		Attach: []attachment{{Name: rep.FileName, Type: xlsxType, Data: rep.XLSX}}}, nil
}

// report is a week's stored report (building it on first request), with
// its workbook rendered once per run.
func (r *mailRun) report(ctx context.Context, start time.Time, agencyID *int64, cacheKey string) (*mailReport, error) {
	if rep, ok := r.reports[cacheKey]; ok {
		return rep, nil
	}
	if agencyID != nil {
		if _, err := r.m.store.Agency(ctx, *agencyID); errors.Is(err, registry.ErrNotFound) {
			return nil, fmt.Errorf("agency %d: %w", *agencyID, errObsolete)
		}
	}
	stored, err := r.m.Report(ctx, start, agencyID)
	if err != nil {
		return nil, fmt.Errorf("weekly report %s: %w", cacheKey, err)
	}
	d, err := stored.Parsed()
	if err != nil {
		return nil, err
	}
	xlsx, err := ReportXLSX(d)
	if err != nil {
		return nil, fmt.Errorf("weekly report %s: xlsx: %w", cacheKey, err)
	}
	name := "hozur-report-" + d.WeekStart
	if d.Agency != nil && d.Agency.Code != "" {
		name += "-" + strings.ToLower(d.Agency.Code)
	}
	text := stored.Title + "\n\nجدول‌های این گزارش در پیوست (" + name + ".xlsx) نیز آمده است.\n\n" + plainText(stored.HTML)
	rep := &mailReport{Title: stored.Title, HTML: stored.HTML, Text: text, XLSX: xlsx, FileName: name + ".xlsx"}
	r.reports[cacheKey] = rep
	return rep, nil
}
