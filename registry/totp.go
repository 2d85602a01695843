package registry

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"gorm.io/gorm"

	"hozur/registry/textnorm"
	"hozur/registry/vault"
)

// A second factor at sign-in: a time-based one-time password (TOTP,
// RFC 6238) from an authenticator app, with single-use recovery codes for
// when the phone is lost. The parameters are those every authenticator app
// assumes: HMAC-SHA-1, six digits, 30-second steps; a code of the step
// before or after is accepted too, for clocks a little apart.
const (
	totpPeriod     = 30
	totpSkew       = 1
	totpDigits     = 6
	totpSecretSize = 20 // bytes, as RFC 4226 recommends: 32 base32 characters
	// RecoveryCodeCount is how many recovery codes an enrolment gives.
	RecoveryCodeCount = 10
	// recoveryCodeLen is a recovery code's length in base32 characters:
	// 60 random bits, too many to guess and few enough to type.
	recoveryCodeLen = 12
	// ChallengeLifetime is how long a sign-in waits for its code.
	ChallengeLifetime = 5 * time.Minute
)

// keyTOTP is the purpose of Hozur's own key that seals the TOTP secrets and
// keys the hashes of recovery codes.
const keyTOTP = "totp"

// UserFactor is a user's TOTP secret, sealed. ConfirmedAt is nil while the
// user has not yet shown, with a code, that their app holds it.
type UserFactor struct {
	UserID      int64 `gorm:"primaryKey;autoIncrement:false"`
	Secret      string
	ConfirmedAt *time.Time
	// LastStep is the last 30-second step a code was accepted for: the
	// same code, or an older one, is not accepted again.
	LastStep  int64
	CreatedAt time.Time
}

// TableName is the table of second factors.
func (UserFactor) TableName() string { return "user_factors" }

// RecoveryCode is one single-use recovery code, kept as a keyed hash.
type RecoveryCode struct {
	ID       int64
	UserID   int64
	CodeHash string
	UsedAt   *time.Time
}

// TableName is the table of recovery codes.
func (RecoveryCode) TableName() string { return "user_recovery_codes" }

// SignInChallenge is a sign-in half done: the password was right and a
// code is awaited. ID is the SHA-256 of the browser's cookie value.
type SignInChallenge struct {
	ID        string `gorm:"primaryKey"`
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TableName is the table of sign-ins waiting for a code.
func (SignInChallenge) TableName() string { return "signin_challenges" }

// ErrSecondFactor is returned by Login when the password was right and the
// user must also give a code: Login's first result is then the pending
// sign-in's token, for LoginCode, and no session is open yet.
var ErrSecondFactor = errors.New("second factor required")

// wrongCode is the refusal of a code: it names the field, and never says
// whether the code was old, used or simply wrong.
func wrongCode() error {
	return &ValidationError{Fields: map[string]string{"code": "totp.code_wrong"}}
}

func codeRequired() error {
	return &ValidationError{Fields: map[string]string{"code": "error.required"}}
}

// NormaliseCode reads a code as people type it: Persian or Arabic digits,
// spaces and dashes, either case.
func NormaliseCode(s string) string {
	s = textnorm.ASCIIDigits(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '‐' || r == '–' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

func isTOTPCode(code string) bool {
	if len(code) != totpDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

const recoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func isRecoveryCode(code string) bool {
	if len(code) != recoveryCodeLen {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune(recoveryAlphabet, r) {
			return false
		}
	}
	return true
}

var recoveryEncoding = base32.NewEncoding(recoveryAlphabet).WithPadding(base32.NoPadding)

// newRecoveryCode draws a recovery code: 60 random bits in lower-case
// base32 (letters and the digits 2-7, none that look alike).
func newRecoveryCode() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return recoveryEncoding.EncodeToString(b)[:recoveryCodeLen]
}

// FormatRecoveryCode groups a recovery code in fours for reading.
func FormatRecoveryCode(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, "-")
}

func secretAAD(userID int64) string { return "user_factors.secret:" + strconv.FormatInt(userID, 10) }

func recoveryField(userID int64) string {
	return "user_recovery_codes:" + strconv.FormatInt(userID, 10)
}

// codeAt is the code of a step.
func codeAt(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}) //nolint:gosec // steps are positive: seconds since 1970 over 30
}

// matchStep returns the step, within the skew around now and later than
// after, whose code is code; 0 when there is none.
func matchStep(secret, code string, now time.Time, after int64) (int64, error) {
	cur := now.Unix() / totpPeriod
	var found int64
	for st := cur - totpSkew; st <= cur+totpSkew; st++ {
		want, err := codeAt(secret, st)
		if err != nil {
			return 0, fmt.Errorf("totp: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && st > after {
			found = st
		}
	}
	return found, nil
}

// FactorStatus is what a user's page says of their second factor.
type FactorStatus struct {
	Enrolled     bool
	Pending      bool // a secret waits for its first code
	ConfirmedAt  *time.Time
	RecoveryLeft int64
}

// FactorStatus reads a user's second factor.
func (s *Store) FactorStatus(ctx context.Context, userID int64) (FactorStatus, error) {
	var st FactorStatus
	var f UserFactor
	err := s.rdb(ctx).Where("user_id = ?", userID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("second factor: %w", err)
	}
	st.Enrolled, st.Pending, st.ConfirmedAt = f.ConfirmedAt != nil, f.ConfirmedAt == nil, f.ConfirmedAt
	if st.Enrolled {
		if err := s.rdb(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&st.RecoveryLeft).Error; err != nil {
			return st, fmt.Errorf("recovery codes: %w", err)
		}
	}
	return st, nil
}

// HasFactor reports whether a user has a confirmed second factor.
func (s *Store) HasFactor(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := s.rdb(ctx).Model(&UserFactor{}).Where("user_id = ? AND confirmed_at IS NOT NULL", userID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("second factor: %w", err)
	}
	return n > 0, nil
}

// BeginTOTP gives the signed-in user a secret for their authenticator app,
// kept until they confirm it with a code; asked again before that, it
// gives the same one, so a page reloaded does not undo a scan.
func (s *Store) BeginTOTP(ctx context.Context, a Actor) (string, error) {
	if a.UserID == 0 {
		return "", ErrForbidden
	}
	key, err := s.systemKey(ctx, keyTOTP)
	if err != nil {
		return "", err
	}
	var secret string
	err = s.Tx(ctx, func(ctx context.Context) error {
		var f UserFactor
		err := s.db(ctx).Where("user_id = ?", a.UserID).Take(&f).Error
		switch {
		case err == nil && f.ConfirmedAt != nil:
			return &ConflictError{Key: "totp.already_enrolled"}
		case err == nil:
			secret, err = key.Open(f.Secret, secretAAD(a.UserID))
			return err
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		raw := make([]byte, totpSecretSize)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
		sealed, err := key.Seal(secret, secretAAD(a.UserID))
		if err != nil {
			return err
		}
		return s.db(ctx).Create(&UserFactor{UserID: a.UserID, Secret: sealed, CreatedAt: s.Now()}).Error
	})
	if err != nil {
		return "", fmt.Errorf("begin second factor: %w", err)
	}
	return secret, nil
}

// ConfirmTOTP turns the signed-in user's second factor on, once a code
// shows their app holds the secret, and returns their recovery codes: only
// their hashes are kept, so this is the one time they can be seen.
func (s *Store) ConfirmTOTP(ctx context.Context, a Actor, code string) ([]string, error) {
	if a.UserID == 0 {
		return nil, ErrForbidden
	}
	code = NormaliseCode(code)
	if code == "" {
		return nil, codeRequired()
	}
	if !isTOTPCode(code) {
		return nil, wrongCode()
	}
	key, err := s.systemKey(ctx, keyTOTP)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.Tx(ctx, func(ctx context.Context) error {
		var f UserFactor
		err := s.db(ctx).Where("user_id = ?", a.UserID).Take(&f).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return &ConflictError{Key: "totp.not_started"}
		} else if err != nil {
			return err
		}
		if f.ConfirmedAt != nil {
			return &ConflictError{Key: "totp.already_enrolled"}
		}
		secret, err := key.Open(f.Secret, secretAAD(a.UserID))
		if err != nil {
			return err
		}
		now := s.Now()
		step, err := matchStep(secret, code, now, 0)
		if err != nil {
			return err
		}
		if step == 0 {
			return wrongCode()
		}
		if err := s.db(ctx).Model(&UserFactor{}).Where("user_id = ?", a.UserID).
			Updates(map[string]any{"confirmed_at": now, "last_step": step}).Error; err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, key, a.UserID); err != nil {
			return err
		}
		return s.record(ctx, a, "totp_enrol", "user", a.UserID, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// newRecoveryCodes replaces a user's recovery codes with fresh ones.
func (s *Store) newRecoveryCodes(ctx context.Context, key *vault.Key, userID int64) ([]string, error) {
	if err := s.db(ctx).Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return nil, fmt.Errorf("recovery codes: %w", err)
	}
	codes := make([]string, RecoveryCodeCount)
	rows := make([]RecoveryCode, RecoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
		rows[i] = RecoveryCode{UserID: userID, CodeHash: key.Index(recoveryField(userID), codes[i])}
	}
	if err := s.db(ctx).Create(&rows).Error; err != nil {
		return nil, fmt.Errorf("recovery codes: %w", err)
	}
	for i := range codes {
		codes[i] = FormatRecoveryCode(codes[i])
	}
	return codes, nil
}

// checkFactor checks a code, already normalised, against a user's
// confirmed factor inside the caller's write, and spends it: a TOTP code's
// step becomes the last one accepted, a recovery code is marked used. It
// returns how the user proved themselves: "totp" or "recovery_code".
func (s *Store) checkFactor(ctx context.Context, key *vault.Key, userID int64, code string) (string, error) {
	var f UserFactor
	err := s.db(ctx).Where("user_id = ? AND confirmed_at IS NOT NULL", userID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", wrongCode()
	} else if err != nil {
		return "", err
	}
	switch {
	case isTOTPCode(code):
		secret, err := key.Open(f.Secret, secretAAD(userID))
		if err != nil {
			return "", err
		}
		step, err := matchStep(secret, code, s.Now(), f.LastStep)
		if err != nil {
			return "", err
		}
		if step == 0 {
			return "", wrongCode()
		}
		res := s.db(ctx).Model(&UserFactor{}).Where("user_id = ? AND last_step < ?", userID, step).Update("last_step", step)
		if res.Error != nil {
			return "", res.Error
		}
		if res.RowsAffected == 0 {
			return "", wrongCode()
		}
		return "totp", nil
	case isRecoveryCode(code):
		res := s.db(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, key.Index(recoveryField(userID), code)).
			Update("used_at", s.Now())
		if res.Error != nil {
			return "", res.Error
		}
		if res.RowsAffected == 0 {
			return "", wrongCode()
		}
		return "recovery_code", nil
	}
	return "", wrongCode()
}

// beginChallenge records a sign-in whose password was right and that waits
// for a code, inside the caller's write, and returns its token.
func (s *Store) beginChallenge(ctx context.Context, userID int64, now time.Time) (string, error) {
	if err := s.db(ctx).Where("expires_at < ?", now).Delete(&SignInChallenge{}).Error; err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	raw := RandomToken(32)
	ch := SignInChallenge{ID: hashSecret(raw), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ChallengeLifetime)}
	if err := s.db(ctx).Create(&ch).Error; err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	return raw, nil
}

// Challenge finds the user a pending sign-in is for; ErrUnauthenticated
// when it is unknown or past its five minutes.
func (s *Store) Challenge(ctx context.Context, raw string) (*User, error) {
	if raw == "" {
		return nil, ErrUnauthenticated
	}
	var ch SignInChallenge
	err := s.rdb(ctx).Where("id = ?", hashSecret(raw)).Take(&ch).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && s.Now().After(ch.ExpiresAt)) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("sign-in challenge: %w", err)
	}
	u, err := s.user(ctx, "id = ?", ch.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		return nil, ErrUnauthenticated
	}
	return u, err
}

// LoginCode finishes a sign-in that Login left waiting for a code (or a
// recovery code) and opens the session, under a new id. A wrong code
// counts as a failed sign-in of the account and the address, like a wrong
// password, so codes cannot be guessed faster than passwords.
func (s *Store) LoginCode(ctx context.Context, pol LoginPolicy, challenge, code, ip string) (string, *Session, *User, error) {
	u, err := s.Challenge(ctx, challenge)
	if err != nil {
		return "", nil, nil, err
	}
	code = NormaliseCode(code)
	if code == "" {
		return "", nil, nil, codeRequired()
	}
	now := s.Now()
	if _, err := s.bookAttempt(ctx, pol, u.Username, ip, now); err != nil {
		return "", nil, nil, err
	}
	key, err := s.systemKey(ctx, keyTOTP)
	if err != nil {
		return "", nil, nil, err
	}
	var raw string
	var sess *Session
	err = s.Tx(ctx, func(ctx context.Context) error {
		how, err := s.checkFactor(ctx, key, u.ID, code)
		if err != nil {
			return err
		}
		// One code, one session: a challenge used meanwhile is gone.
		res := s.db(ctx).Where("id = ?", hashSecret(challenge)).Delete(&SignInChallenge{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrUnauthenticated
		}
		a := Actor{UserID: u.ID, Username: u.Username, IP: ip}
		if how == "recovery_code" {
			var left int64
			if err := s.db(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", u.ID).Count(&left).Error; err != nil {
				return err
			}
			if err := s.record(ctx, a, "totp_recovery_used", "user", u.ID, map[string]any{"left": left}); err != nil {
				return err
			}
		}
		raw, sess, err = s.openSession(ctx, pol, u, ip, now, map[string]any{"second_factor": how})
		return err
	})
	if err != nil {
		return "", nil, nil, err
	}
	return raw, sess, u, nil
}

// DisableTOTP turns the signed-in user's second factor off, on a current
// code or a recovery code. An administrator may not while the second
// factor is required of administrators (pol.SecondFactor).
func (s *Store) DisableTOTP(ctx context.Context, a Actor, pol LoginPolicy, code string) error {
	if a.UserID == 0 {
		return ErrForbidden
	}
	u, err := s.user(ctx, "id = ?", a.UserID)
	if err != nil {
		return err
	}
	if pol.SecondFactor && u.Role == RoleAdmin {
		return &ConflictError{Key: "totp.admin_required"}
	}
	code = NormaliseCode(code)
	if code == "" {
		return codeRequired()
	}
	now := s.Now()
	attempt, err := s.bookAttempt(ctx, pol, u.Username, a.IP, now)
	if err != nil {
		return err
	}
	key, err := s.systemKey(ctx, keyTOTP)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.checkFactor(ctx, key, u.ID, code); err != nil {
			return err
		}
		if err := s.db(ctx).Delete(&loginFailure{}, attempt).Error; err != nil {
			return err
		}
		if err := s.dropFactor(ctx, u.ID); err != nil {
			return err
		}
		return s.record(ctx, a, "totp_disable", "user", u.ID, nil)
	})
}

// ResetTOTP removes another user's second factor, for one who lost their
// phone and their recovery codes: an administrator's decision, audited. At
// their next sign-in the password alone lets them in, and an administrator
// is sent to enrol again. One's own factor is turned off with a code.
func (s *Store) ResetTOTP(ctx context.Context, a Actor, userID int64) error {
	if !a.Can(ActionUpdate, Target{Resource: ResUser, UserID: userID}) || (a.UserID != 0 && a.UserID == userID) {
		return ErrForbidden
	}
	return s.Tx(ctx, func(ctx context.Context) error {
		u, err := s.user(ctx, "id = ?", userID)
		if err != nil {
			return err
		}
		var n int64
		if err := s.db(ctx).Model(&UserFactor{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return &ConflictError{Key: "totp.not_enrolled"}
		}
		if err := s.dropFactor(ctx, userID); err != nil {
			return err
		}
		// A reset may follow a lost or stolen phone: whoever is signed in
		// as the user signs in again.
		if err := s.db(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return s.record(ctx, a, "totp_reset", "user", userID, map[string]any{"username": u.Username})
	})
}

// dropFactor removes a user's factor, recovery codes and pending sign-ins.
func (s *Store) dropFactor(ctx context.Context, userID int64) error {
	for _, m := range []any{&UserFactor{}, &RecoveryCode{}, &SignInChallenge{}} {
		if err := s.db(ctx).Where("user_id = ?", userID).Delete(m).Error; err != nil {
			return fmt.Errorf("remove second factor: %w", err)
		}
	}
	return nil
}
