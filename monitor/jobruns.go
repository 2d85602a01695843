package monitor

import (
	"context"
	"fmt"

	"hozur/registry"
)

// JobRuns lists a job's runs, newest first ("" lists every job's). Who may
// see them is the caller's check (registry.ResJob, view).
func (m *Monitor) JobRuns(ctx context.Context, name string, p registry.Page) (registry.Result[JobRun], error) {
	var res registry.Result[JobRun]
	per := p.PerPage
	if per <= 0 || per > 200 {
		per = 50
	}
	q := m.store.Read(ctx).Model(&JobRun{})
	if name != "" {
		q = q.Where("job = ?", name)
	}
	if p.Cursor != "" {
		var after int64
		if _, err := fmt.Sscanf(p.Cursor, "r%d", &after); err != nil || after <= 0 {
			return res, &registry.ValidationError{Fields: map[string]string{"cursor": "error.invalid"}}
		}
		q = q.Where("id < ?", after)
	}
	if err := q.Order("id DESC").Limit(per + 1).Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list job runs: %w", err)
	}
	if len(res.Items) > per {
		res.Items = res.Items[:per]
		res.Next = fmt.Sprintf("r%d", res.Items[per-1].ID)
	}
	return res, nil
}
