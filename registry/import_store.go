package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"hozur/registry/vault"
)

// Import states.
const (
	ImportChecked  = "checked"  // uploaded and checked, waiting to be applied
	ImportApplied  = "applied"  // written
	ImportRejected = "rejected" // an apply found bad rows and wrote nothing
)

// ImportUpload is an uploaded file between its check and its apply, and
// afterwards the record of what it did.
type ImportUpload struct {
	ID        int64
	UserID    int64
	Kind      string
	FileName  string
	Encoding  string
	Data      []byte `gorm:"column:data"`
	State     string
	Rows      int
	BadRows   int
	Result    string // ImportResult as JSON
	CreatedAt time.Time
	AppliedAt *time.Time
	// Size is the kept file's length, 0 once it is dropped; read by
	// ImportUploadInfo and ImportUploads, which leave the file out.
	Size int64 `gorm:"->"`
}

// TableName names the table.
func (ImportUpload) TableName() string { return "imports" }

// Outcome decodes the stored result.
func (u *ImportUpload) Outcome() (*ImportResult, error) {
	var r ImportResult
	if u.Result == "" {
		return &r, nil
	}
	if err := json.Unmarshal([]byte(u.Result), &r); err != nil {
		return nil, fmt.Errorf("import %d: result: %w", u.ID, err)
	}
	return &r, nil
}

// importKeep is how long an upload's file is kept for its apply.
const importKeep = 24 * time.Hour

// SaveImport keeps an uploaded file with its check's result, for the
// person who uploaded it to apply.
func (s *Store) SaveImport(ctx context.Context, a Actor, kind, name, enc string, data []byte, res *ImportResult) (*ImportUpload, error) {
	if err := s.mayImport(a, kind); err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("save import: %w", err)
	}
	// The file holds personal data (e-mail addresses, handles) for as long
	// as it waits to be applied: it is kept sealed, like the registry's own.
	k, err := s.systemKey(ctx, keyUpload)
	if err != nil {
		return nil, err
	}
	sealed, err := k.Seal(string(data), aadUpload)
	if err != nil {
		return nil, err
	}
	u := &ImportUpload{UserID: a.UserID, Kind: kind, FileName: name, Encoding: enc, Data: []byte(sealed), State: ImportChecked, Rows: res.Rows,
		BadRows: res.Bad, Result: string(b), CreatedAt: s.Now()}
	if err := s.db(ctx).Create(u).Error; err != nil {
		return nil, fmt.Errorf("save import: %w", err)
	}
	return u, nil
}

// ImportUploadOf returns an upload; only its uploader sees it.
func (s *Store) ImportUploadOf(ctx context.Context, a Actor, id int64) (*ImportUpload, error) {
	var u ImportUpload
	err := s.rdb(ctx).Where("id = ? AND user_id = ?", id, a.UserID).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("import %d: %w", id, err)
	}
	if u.Data != nil && vault.IsSealed(string(u.Data)) {
		k, err := s.systemKey(ctx, keyUpload)
		if err != nil {
			return nil, err
		}
		plain, err := k.Open(string(u.Data), aadUpload)
		if err != nil {
			return nil, fmt.Errorf("import %d: %w", id, err)
		}
		u.Data = []byte(plain)
	}
	return &u, nil
}

// aadUpload binds a sealed upload to its column.
const aadUpload = "imports.data"

// uploadInfoColumns are an upload's columns with its file's size instead
// of the file.
// The size of a sealed file is that of the file: "v1." and unpadded
// base64 of nonce (12 bytes), the file and the tag (16 bytes).
const uploadInfoColumns = `id, user_id, kind, file_name, encoding, state, rows, bad_rows, result, created_at, applied_at,
CASE WHEN data IS NULL THEN 0 WHEN substr(CAST(data AS TEXT), 1, 3) = 'v1.' THEN (length(data) - 3) * 6 / 8 - 28 ELSE length(data) END AS size`

// uploadInfoColumnsPG are uploadInfoColumns on PostgreSQL, whose bytes
// are not text.
const uploadInfoColumnsPG = `id, user_id, kind, file_name, encoding, state, rows, bad_rows, result, created_at, applied_at,
CASE WHEN data IS NULL THEN 0 WHEN substr(data, 1, 3) = CAST('v1.' AS BYTEA) THEN (length(data) - 3) * 6 / 8 - 28 ELSE length(data) END AS size`

func (s *Store) uploadInfoColumns() string {
	if s.Postgres() {
		return uploadInfoColumnsPG
	}
	return uploadInfoColumns
}

// ImportUploadInfo returns an upload without its file, which may be tens of
// megabytes: for pages that show an upload's state, polled while it is
// applied. Size tells whether the file is still kept. Only its uploader
// sees it.
func (s *Store) ImportUploadInfo(ctx context.Context, a Actor, id int64) (*ImportUpload, error) {
	var u ImportUpload
	err := s.rdb(ctx).Select(s.uploadInfoColumns()).Where("id = ? AND user_id = ?", id, a.UserID).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("import %d: %w", id, err)
	}
	return &u, nil
}

// ImportUploads lists the actor's recent uploads, newest first, without
// their files.
func (s *Store) ImportUploads(ctx context.Context, a Actor, limit int) ([]ImportUpload, error) {
	var out []ImportUpload
	err := s.rdb(ctx).Select(s.uploadInfoColumns()).Where("user_id = ?", a.UserID).Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	return out, nil
}

// FinishImport records an apply's outcome and drops the file: once applied
// it is in the registry, and a copy would be personal data kept twice.
func (s *Store) FinishImport(ctx context.Context, a Actor, id int64, res *ImportResult) error {
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	upd := map[string]any{"state": ImportRejected, "result": string(b), "bad_rows": res.Bad}
	if res.Applied {
		now := s.Now()
		upd = map[string]any{"state": ImportApplied, "result": string(b), "bad_rows": res.Bad, "data": nil, "applied_at": &now}
	}
	err = s.db(ctx).Model(&ImportUpload{}).Where("id = ? AND user_id = ?", id, a.UserID).Updates(upd).Error
	if err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	return nil
}

// PurgeImports drops the files of uploads older than a day that were never
// applied; the records stay. It returns how many files it dropped.
func (s *Store) PurgeImports(ctx context.Context, now time.Time) (int64, error) {
	res := s.db(ctx).Model(&ImportUpload{}).Where("data IS NOT NULL AND created_at < ?", now.Add(-importKeep).UTC()).Update("data", nil)
	if res.Error != nil {
		return 0, fmt.Errorf("purge imports: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ImportRunning marks an upload being applied (see ClaimImport).
const ImportRunning = "running"

// ClaimImport marks an upload as being applied, if it is waiting to be:
// of two requests to apply one upload, one wins.
func (s *Store) ClaimImport(ctx context.Context, a Actor, id int64) (bool, error) {
	res := s.db(ctx).Model(&ImportUpload{}).Where("id = ? AND user_id = ? AND state IN ? AND data IS NOT NULL", id, a.UserID,
		[]string{ImportChecked, ImportRejected}).Update("state", ImportRunning)
	if res.Error != nil {
		return false, fmt.Errorf("claim import: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseImports puts uploads left running (by a run that failed, or a
// process that stopped mid-run: nothing of theirs was written, the apply
// being one transaction) back to waiting; id 0 releases every one, at
// start-up.
func (s *Store) ReleaseImports(ctx context.Context, id int64) error {
	q := s.db(ctx).Model(&ImportUpload{}).Where("state = ?", ImportRunning)
	if id != 0 {
		q = q.Where("id = ?", id)
	}
	if err := q.Update("state", ImportChecked).Error; err != nil {
		return fmt.Errorf("release imports: %w", err)
	}
	return nil
}
