package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"hozur/registry/link"
	"hozur/registry/textnorm"
)

// PlatformInput is what an admin supplies to create or change a platform.
type PlatformInput struct {
	Code     string
	Name     string
	NameEn   string
	Origin   string
	Category string
	Hosts    string // space- or comma-separated
	Active   bool
}

var (
	platformCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	hostPattern  = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

func (in *PlatformInput) normalise() {
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	in.Name = textnorm.Display(in.Name)
	in.NameEn = strings.Join(strings.Fields(in.NameEn), " ")
	hosts := strings.FieldsFunc(strings.ToLower(in.Hosts), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	for i, h := range hosts {
		hosts[i] = strings.TrimPrefix(h, "www.")
	}
	slices.Sort(hosts)
	in.Hosts = strings.Join(slices.Compact(hosts), " ")
}

func (in PlatformInput) validate() fieldErrors {
	fe := fieldErrors{}
	switch {
	case in.Code == "":
		fe.add("code", "error.required")
	case !platformCode.MatchString(in.Code):
		fe.add("code", "error.platform_code")
	}
	checkText(fe, "name", in.Name, true, 100)
	checkText(fe, "name_en", in.NameEn, true, 100)
	if !slices.Contains(Origins, in.Origin) {
		fe.add("origin", "error.choose")
	}
	if !slices.Contains(PlatformCategories, in.Category) {
		fe.add("category", "error.choose")
	}
	if in.Hosts == "" {
		fe.add("hosts", "error.required")
	}
	for _, h := range strings.Fields(in.Hosts) {
		if !hostPattern.MatchString(h) {
			fe.add("hosts", "error.host")
		}
	}
	return fe
}

// platformCache holds the platform list, which every account write and URL
// recognition needs and which changes rarely.
// Entries expire after a minute so that another instance's edit shows up.
type platformCache struct {
	mu     sync.RWMutex
	list   []Platform
	loaded time.Time
}

func (s *Store) cache() *platformCache { return &s.plat }

// Platforms lists every platform, domestic first.
func (s *Store) Platforms(ctx context.Context) ([]Platform, error) {
	c := s.cache()
	c.mu.RLock()
	list, loaded := c.list, c.loaded
	c.mu.RUnlock()
	if list != nil && time.Since(loaded) < time.Minute {
		return list, nil
	}
	if err := s.rdb(ctx).Order("origin, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list platforms: %w", err)
	}
	c.mu.Lock()
	c.list, c.loaded = list, time.Now()
	c.mu.Unlock()
	return list, nil
}

func (s *Store) forgetPlatforms() {
	c := s.cache()
	c.mu.Lock()
	c.list = nil
	c.mu.Unlock()
}

// Platform returns one platform.
func (s *Store) Platform(ctx context.Context, id int64) (*Platform, error) {
	list, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id {
			p := list[i]
			return &p, nil
		}
	}
	return nil, ErrNotFound
}

// PlatformByCode returns the platform with a code.
func (s *Store) PlatformByCode(ctx context.Context, code string) (*Platform, error) {
	list, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Code == code {
			p := list[i]
			return &p, nil
		}
	}
	return nil, ErrNotFound
}

func linkPlatforms(list []Platform) []link.Platform {
	out := make([]link.Platform, 0, len(list))
	for _, p := range list {
		out = append(out, link.Platform{Code: p.Code, Hosts: strings.Fields(p.Hosts)})
	}
	return out
}

// CreatePlatform adds a platform.
func (s *Store) CreatePlatform(ctx context.Context, a Actor, in PlatformInput) (*Platform, error) {
	if !a.MayEver(ActionCreate, ResPlatform) {
		return nil, ErrForbidden
	}
	in.normalise()
	if err := in.validate().err(); err != nil {
		return nil, err
	}
	if !a.Can(ActionCreate, Target{Resource: ResPlatform}) {
		return nil, ErrForbidden
	}
	var p *Platform
	err := s.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.PlatformByCode(ctx, in.Code); err == nil {
			return &ConflictError{Key: "platform.duplicate_code", Field: "code"}
		}
		now := s.Now()
		p = &Platform{Code: in.Code, Name: in.Name, NameEn: in.NameEn, Origin: in.Origin, Category: in.Category, Hosts: in.Hosts, Active: in.Active, CreatedAt: now, UpdatedAt: now}
		if err := s.db(ctx).Create(p).Error; err != nil {
			return fmt.Errorf("create platform: %w", err)
		}
		return s.record(ctx, a, "create", "platform", p.ID, in)
	})
	s.forgetPlatforms()
	return p, err
}

// UpdatePlatform changes a platform. The code is fixed once accounts use it.
func (s *Store) UpdatePlatform(ctx context.Context, a Actor, id int64, in PlatformInput) (*Platform, error) {
	if !a.MayEver(ActionUpdate, ResPlatform) {
		return nil, ErrForbidden
	}
	in.normalise()
	if err := in.validate().err(); err != nil {
		return nil, err
	}
	if !a.Can(ActionUpdate, Target{Resource: ResPlatform}) {
		return nil, ErrForbidden
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		var cur Platform
		if err := s.db(ctx).Where("id = ?", id).Take(&cur).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("update platform: %w", err)
		}
		if in.Code != cur.Code {
			var n int64
			if err := s.db(ctx).Model(&Platform{}).Where("code = ?", in.Code).Count(&n).Error; err != nil {
				return fmt.Errorf("update platform: %w", err)
			}
			if n > 0 {
				return &ConflictError{Key: "platform.duplicate_code", Field: "code"}
			}
			if err := s.db(ctx).Model(&Account{}).Where("platform_id = ?", id).Limit(1).Count(&n).Error; err != nil {
				return fmt.Errorf("update platform: %w", err)
			}
			if n > 0 {
				return &ConflictError{Key: "platform.code_in_use", Field: "code"}
			}
		}
		upd := map[string]any{"code": in.Code, "name": in.Name, "name_en": in.NameEn, "origin": in.Origin, "category": in.Category, "hosts": in.Hosts, "active": in.Active, "updated_at": s.Now()}
		if err := s.db(ctx).Model(&Platform{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update platform: %w", err)
		}
		before := map[string]any{"code": cur.Code, "name": cur.Name, "name_en": cur.NameEn, "origin": cur.Origin, "category": cur.Category, "hosts": cur.Hosts, "active": cur.Active}
		return s.record(ctx, a, "update", "platform", id, diff(before, upd))
	})
	s.forgetPlatforms()
	if err != nil {
		return nil, err
	}
	return s.Platform(ctx, id)
}

// DeletePlatform removes a platform no account is on.
func (s *Store) DeletePlatform(ctx context.Context, a Actor, id int64) error {
	if !a.Can(ActionDelete, Target{Resource: ResPlatform}) {
		return ErrForbidden
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		var n int64
		if err := s.db(ctx).Model(&Account{}).Where("platform_id = ?", id).Limit(1).Count(&n).Error; err != nil {
			return fmt.Errorf("delete platform: %w", err)
		}
		if n > 0 {
			return &ConflictError{Key: "platform.in_use"}
		}
		res := s.db(ctx).Delete(&Platform{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete platform: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.record(ctx, a, "delete", "platform", id, nil)
	})
	s.forgetPlatforms()
	return err
}
