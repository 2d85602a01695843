package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LoginPolicy limits sign-in attempts and session lifetimes.
type LoginPolicy struct {
	MaxAttempts int           // failures per account within Window before refusing
	Window      time.Duration // how far back failures count
	IdleTimeout time.Duration
	Lifetime    time.Duration // absolute
	// SecondFactor (security.totp): users who enrolled a second factor
	// give a code after their password, and administrators may not
	// turn theirs off.
	SecondFactor bool
}

// ipAttemptFactor: one address may fail for several accounts (an office
// behind one NAT), but not for many.
const ipAttemptFactor = 4

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Login checks a username and password and opens a session. It returns the
// session's cookie value, which is shown once and stored only as a hash.
//
// With pol.SecondFactor, a user who enrolled a second factor gets no
// session yet: Login returns ErrSecondFactor with the token of a sign-in
// waiting for a code (see LoginCode) as its first result.
func (s *Store) Login(ctx context.Context, pol LoginPolicy, username, password, ip string) (string, *Session, *User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.Now()
	attempt, err := s.bookAttempt(ctx, pol, username, ip, now)
	if err != nil {
		return "", nil, nil, err
	}
	u, err := s.UserByUsername(ctx, username)
	ok := false
	switch {
	case errors.Is(err, ErrNotFound):
		_, _ = CheckPassword(dummyHash, password)
	case err != nil:
		return "", nil, nil, err
	default:
		ok, _ = CheckPassword(u.PasswordHash, password)
		ok = ok && u.Active
	}
	if !ok {
		return "", nil, nil, ErrUnauthenticated
	}
	if pol.SecondFactor {
		has, err := s.HasFactor(ctx, u.ID)
		if err != nil {
			return "", nil, nil, fmt.Errorf("login: %w", err)
		}
		if has {
			// The password was right: its booking goes, while failed
			// codes will count against the same limit.
			var raw string
			err := s.Tx(ctx, func(ctx context.Context) error {
				if err := s.db(ctx).Delete(&loginFailure{}, attempt).Error; err != nil {
					return err
				}
				raw, err = s.beginChallenge(ctx, u.ID, now)
				return err
			})
			if err != nil {
				return "", nil, nil, fmt.Errorf("login: %w", err)
			}
			return raw, nil, u, ErrSecondFactor
		}
	}
	var raw string
	var sess *Session
	err = s.Tx(ctx, func(ctx context.Context) error {
		raw, sess, err = s.openSession(ctx, pol, u, ip, now, nil)
		return err
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	return raw, sess, u, nil
}

// bookAttempt counts the recent failures of an account and an address and
// books this attempt as one more, in one write transaction, before the
// password or code is checked: parallel attempts queue on the writer and
// each sees the ones before it. A success takes its booking back. It
// returns the booking's id, or ErrRateLimited.
func (s *Store) bookAttempt(ctx context.Context, pol LoginPolicy, username, ip string, now time.Time) (int64, error) {
	since := now.Add(-pol.Window)
	var attempt loginFailure
	limited := false
	err := s.Tx(ctx, func(ctx context.Context) error {
		var byUser, byIP int64
		if err := s.db(ctx).Model(&loginFailure{}).Where("username = ? AND at > ?", username, since).Count(&byUser).Error; err != nil {
			return err
		}
		if err := s.db(ctx).Model(&loginFailure{}).Where("ip = ? AND at > ?", ip, since).Count(&byIP).Error; err != nil {
			return err
		}
		if byUser >= int64(pol.MaxAttempts) || byIP >= int64(pol.MaxAttempts*ipAttemptFactor) {
			limited = true
			return nil
		}
		attempt = loginFailure{Username: username, IP: ip, At: now}
		if err := s.db(ctx).Create(&attempt).Error; err != nil {
			return err
		}
		// Old failures are of no use; drop them as we go.
		return s.db(ctx).Where("at < ?", now.Add(-24*time.Hour)).Delete(&loginFailure{}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	if limited {
		return 0, ErrRateLimited
	}
	return attempt.ID, nil
}

// openSession opens a session for a user who proved who they are, inside
// the caller's write: the account's failures are forgiven and the sign-in
// is audited, with change (e.g. how the second factor was given).
func (s *Store) openSession(ctx context.Context, pol LoginPolicy, u *User, ip string, now time.Time, change any) (string, *Session, error) {
	raw := RandomToken(32)
	sess := &Session{ID: hashSecret(raw), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(pol.Lifetime)}
	if err := s.db(ctx).Create(sess).Error; err != nil {
		return "", nil, err
	}
	if err := s.db(ctx).Where("username = ?", u.Username).Delete(&loginFailure{}).Error; err != nil {
		return "", nil, err
	}
	if err := s.db(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_login_at", now).Error; err != nil {
		return "", nil, err
	}
	if err := s.record(ctx, Actor{UserID: u.ID, Username: u.Username, IP: ip}, "login", "user", u.ID, change); err != nil {
		return "", nil, err
	}
	return raw, sess, nil
}

type loginFailure struct {
	ID       int64
	Username string
	IP       string `gorm:"column:ip"`
	At       time.Time
}

func (loginFailure) TableName() string { return "login_failures" }

// touchEvery limits how often a session's last-seen time is written: once a
// minute is precise enough for a 30-minute idle timeout, and it keeps page
// views from being writes.
const touchEvery = time.Minute

// SessionUser finds the live session for a cookie value and its user.
func (s *Store) SessionUser(ctx context.Context, pol LoginPolicy, raw string) (*Session, *User, error) {
	if raw == "" {
		return nil, nil, ErrUnauthenticated
	}
	var sess Session
	err := s.rdb(ctx).Where("id = ?", hashSecret(raw)).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	now := s.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > pol.IdleTimeout {
		_ = s.db(ctx).Where("id = ?", sess.ID).Delete(&Session{}).Error
		return nil, nil, ErrUnauthenticated
	}
	u, err := s.user(ctx, "id = ?", sess.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		return nil, nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, nil, err
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.db(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("last_seen_at", now).Error; err != nil {
			return nil, nil, fmt.Errorf("session: %w", err)
		}
	}
	return &sess, u, nil
}

// Logout ends a session.
func (s *Store) Logout(ctx context.Context, raw string) error {
	return s.db(ctx).Where("id = ?", hashSecret(raw)).Delete(&Session{}).Error
}

// PurgeSessions deletes expired sessions, and sign-ins that waited for a
// code in vain.
func (s *Store) PurgeSessions(ctx context.Context, pol LoginPolicy) (int64, error) {
	now := s.Now()
	res := s.db(ctx).Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-pol.IdleTimeout)).Delete(&Session{})
	if res.Error != nil {
		return 0, res.Error
	}
	if err := s.db(ctx).Where("expires_at < ?", now).Delete(&SignInChallenge{}).Error; err != nil {
		return res.RowsAffected, err
	}
	return res.RowsAffected, nil
}

// tokenPrefix marks Hozur's API tokens so that secret scanners and people
// recognise them.
const tokenPrefix = "hzr_"

// CreateToken makes a personal API token for a user and returns it; only
// its hash is kept, so this is the one time it can be seen.
func (s *Store) CreateToken(ctx context.Context, a Actor, userID int64, name string) (string, *APIToken, error) {
	if a.UserID != userID && a.Role != RoleAdmin {
		return "", nil, ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "token"
	}
	if len([]rune(name)) > 100 {
		return "", nil, &ValidationError{Fields: map[string]string{"name": "error.too_long"}}
	}
	raw := tokenPrefix + RandomToken(32)
	t := &APIToken{UserID: userID, Name: name, TokenHash: hashSecret(raw), Prefix: raw[:len(tokenPrefix)+6], CreatedAt: s.Now()}
	err := s.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.user(ctx, "id = ?", userID); err != nil {
			return err
		}
		if err := s.db(ctx).Create(t).Error; err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return s.record(ctx, a, "create", "api_token", t.ID, map[string]any{"user_id": userID, "name": name})
	})
	if err != nil {
		return "", nil, err
	}
	return raw, t, nil
}

// Tokens lists a user's tokens.
func (s *Store) Tokens(ctx context.Context, a Actor, userID int64) ([]APIToken, error) {
	if a.UserID != userID && a.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	var out []APIToken
	if err := s.rdb(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken deletes a token.
func (s *Store) RevokeToken(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		var t APIToken
		if err := s.db(ctx).Where("id = ?", id).Take(&t).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if a.UserID != t.UserID && a.Role != RoleAdmin {
			return ErrForbidden
		}
		if err := s.db(ctx).Delete(&APIToken{}, id).Error; err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return s.record(ctx, a, "delete", "api_token", id, map[string]any{"user_id": t.UserID})
	})
}

// TokenUser finds the user of an API token.
func (s *Store) TokenUser(ctx context.Context, raw string) (*User, error) {
	if !strings.HasPrefix(raw, tokenPrefix) {
		return nil, ErrUnauthenticated
	}
	var t APIToken
	err := s.rdb(ctx).Where("token_hash = ?", hashSecret(raw)).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	u, err := s.user(ctx, "id = ?", t.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > touchEvery {
		_ = s.db(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
	}
	return u, nil
}

// EnsureAdmin creates the user "admin" on first start, when there is no
// user at all. With an empty password it generates one and returns it so
// the caller can show it once.
func (s *Store) EnsureAdmin(ctx context.Context, password string) (created bool, generated string, err error) {
	var n int64
	if err := s.rdb(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return false, "", fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return false, "", nil
	}
	if password == "" {
		password = RandomToken(15)
		generated = password
	}
	_, err = s.CreateUser(ctx, System, UserInput{Username: "admin", Password: password, Role: RoleAdmin, Active: true})
	if err != nil {
		return false, "", fmt.Errorf("create admin: %w", err)
	}
	return true, generated, nil
}
