package bench

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"hozur/registry"
	"hozur/registry/sheet"
)

// importRows imports a generated file of new accounts, as an upload does:
// reading the CSV, checking every row, writing them with their audit
// events in one transaction, and the monitor's look at the new holders.
// Nine in ten are institutional (by agency code), the rest office and
// personal accounts of officials named by their (sealed) employee codes.
func (r *runner) importRows(ctx context.Context) (Result, error) {
	data, err := r.importFile(ctx, r.opt.ImportRows)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	tab, err := sheet.Read(bytes.NewReader(data), "accounts.csv", sheet.Options{MaxRows: r.opt.ImportRows + 1, MaxBytes: int64(len(data)) + 1})
	if err != nil {
		return Result{}, err
	}
	// When each stage began, for the note: reading the file, checking the
	// rows, writing them, and committing with the audit events.
	var checkAt, writeAt, wroteAt time.Time
	progress := func(stage string, done, total int) {
		now := time.Now()
		switch {
		case stage == registry.StageCheck && checkAt.IsZero():
			checkAt = now
		case stage == registry.StageWrite && writeAt.IsZero():
			writeAt = now
		}
		if stage == registry.StageWrite && done == total {
			wroteAt = now
		}
	}
	res, err := r.env.Store.Import(ctx, registry.System, tab, registry.ImportOptions{Kind: registry.ExchangeAccounts, Progress: progress})
	if err != nil {
		if res != nil && len(res.Issues) > 0 {
			return Result{}, fmt.Errorf("%w: %d bad rows, first: %+v", err, res.Bad, res.Issues[:min(3, len(res.Issues))])
		}
		return Result{}, err
	}
	took := time.Since(start)
	if res.Created != r.opt.ImportRows {
		return Result{}, fmt.Errorf("import created %d of %d rows", res.Created, r.opt.ImportRows)
	}
	out := oneOff(fmt.Sprintf("import of %s new accounts (CSV)", thousands(int64(r.opt.ImportRows))), took)
	out.Requests = int64(r.opt.ImportRows)
	out.RPS = float64(r.opt.ImportRows) / took.Seconds()
	out.Note = fmt.Sprintf("%.0f rows/s", out.RPS)
	if !checkAt.IsZero() && !writeAt.IsZero() && !wroteAt.IsZero() {
		out.Note += fmt.Sprintf(" (read %s, check %s, write %s, audit and commit %s)", secs(checkAt.Sub(start)), secs(writeAt.Sub(checkAt)),
			secs(wroteAt.Sub(writeAt)), secs(start.Add(took).Sub(wroteAt)))
	}
	// A large import has the monitor scan the whole registry in the
	// background once it is in: wait for that scan, so that it does not
	// run under the next measurement, and tell its time.
	if after, ok, err := r.waitWriteScan(ctx, start); err != nil {
		return out, err
	} else if ok {
		out.Note += fmt.Sprintf("; the full scan it started in the background ended %s after the import", secs(after-took))
	}
	return out, nil
}

// waitWriteScan waits (up to ten minutes) for the background scan that a
// write started after since to finish, and returns when it did, counted
// from since. None seen within two seconds: none was started (the scan
// starts as the import commits).
func (r *runner) waitWriteScan(ctx context.Context, since time.Time) (time.Duration, bool, error) {
	db := r.env.Store.Read(ctx)
	seen, waiting := false, time.Now()
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var running, finished int64
		err := db.Raw("SELECT COUNT(CASE WHEN finished_at IS NULL THEN 1 END), COUNT(finished_at) FROM scans WHERE trigger = ? AND started_at >= ?",
			"write", since.UTC().Truncate(time.Second)).Row().Scan(&running, &finished)
		if err != nil {
			return 0, false, err
		}
		seen = seen || running > 0 || finished > 0
		if seen && running == 0 {
			return time.Since(since), true, nil
		}
		if !seen && time.Since(waiting) > 2*time.Second {
			return 0, false, nil
		}
	}
	return 0, seen, fmt.Errorf("the scan after the import did not end within ten minutes")
}

func (r *runner) importFile(ctx context.Context, rows int) ([]byte, error) {
	st := r.env.Store
	var agencies []struct {
		ID   int64
		Code string
	}
	if err := st.Read(ctx).Raw("SELECT id, code FROM agencies ORDER BY id").Scan(&agencies).Error; err != nil {
		return nil, err
	}
	codeOf := make(map[int64]string, len(agencies))
	for _, a := range agencies {
		codeOf[a.ID] = a.Code
	}
	type emp struct{ agency, code string }
	var emps []emp
	for cursor := ""; len(emps) < 5000; {
		page, err := st.Officials(ctx, registry.System, registry.OfficialFilter{}, registry.Page{PerPage: 200, Sort: "id", Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Items {
			if o.EmployeeCode != "" {
				emps = append(emps, emp{agency: codeOf[o.AgencyID], code: o.EmployeeCode})
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(agencies) == 0 {
		return nil, fmt.Errorf("no agency to import accounts into")
	}
	var buf bytes.Buffer
	w, err := sheet.NewCSV(&buf)
	if err != nil {
		return nil, err
	}
	platforms := []string{"telegram", "instagram", "x", "eitaa", "bale"}
	_ = w.Write([]string{"platform", "handle", "capacity", "agency_code", "official_employee_code", "status", "opened_on"})
	for i := range rows {
		p, h := platforms[i%len(platforms)], fmt.Sprintf("%si%07d", r.prefix, i)
		if len(emps) > 0 && (i%10 == 0 || i%10 == 1) {
			e := emps[(i/10)%len(emps)]
			capacity := registry.CapacityOffice
			if i%10 == 1 {
				capacity = registry.CapacityPersonal
			}
			_ = w.Write([]string{p, h, capacity, e.agency, e.code, "active", "1402/01/21"})
			continue
		}
		_ = w.Write([]string{p, h, registry.CapacityInstitutional, agencies[(i*7919)%len(agencies)].Code, "", "active", "2023-04-10"})
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// verify walks the audit chain. A trail shorter than opt.AuditEvents is
// first lengthened, on this copy only, with synthetic events (an update of
// an account's note, set-based) that are then chained as a bulk load's are:
// the walk's cost depends on the number of events, not on what they say.
func (r *runner) verify(ctx context.Context) (Result, error) {
	st := r.env.Store
	var have int64
	if err := st.Read(ctx).Raw("SELECT COUNT(*) FROM audit_events").Row().Scan(&have); err != nil {
		return Result{}, err
	}
	added := int64(r.opt.AuditEvents) - have
	if added > 0 {
		if err := r.padAudit(ctx, added); err != nil {
			return Result{}, fmt.Errorf("lengthen the audit trail: %w", err)
		}
	}
	start := time.Now()
	rep, err := st.VerifyAudit(ctx, nil)
	if err != nil {
		return Result{}, err
	}
	took := time.Since(start)
	if !rep.OK() {
		return Result{}, fmt.Errorf("the audit trail does not verify at event %d: %s", rep.Break.EventID, rep.Break.Reason)
	}
	res := oneOff(fmt.Sprintf("audit-chain verify over %s events", thousands(int64(rep.Events))), took)
	res.Requests = int64(rep.Events)
	res.RPS = float64(rep.Events) / took.Seconds()
	res.Note = fmt.Sprintf("%.0f events/s", res.RPS)
	if added > 0 {
		res.Note += fmt.Sprintf("; %s synthetic events appended to the copy first", thousands(added))
	}
	if rep.Events < defaultAuditPad {
		res.Note += "; fewer than 1,000,000 events"
	}
	return res, nil
}

// padAudit appends n events in batches of set-based inserts, each batch
// chained before the next, in its own transaction.
func (r *runner) padAudit(ctx context.Context, n int64) error {
	st := r.env.Store
	const batch = 200_000
	at := st.Now()
	for n > 0 {
		k := min(n, batch)
		err := st.Tx(ctx, func(ctx context.Context) error {
			// A recursive count gives k rows without depending on any table's size.
			return st.Write(ctx).Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO audit_events (at, actor, action, entity, entity_id, change) SELECT ?, 'system', 'update', 'account', i, '{"note":["","bench"]}' FROM n`, k, at).Error
		})
		if err != nil {
			return err
		}
		if _, err := st.ChainAudit(ctx); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// thousands writes n with comma separators: 1,000,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
