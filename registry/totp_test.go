package registry

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"hozur/registry/textnorm"
	"hozur/registry/vault"
)

var totpPolicy = LoginPolicy{MaxAttempts: 3, Window: 15 * time.Minute, IdleTimeout: 30 * time.Minute, Lifetime: 12 * time.Hour, SecondFactor: true}

// code is what an authenticator app shows at t, computed by the library's
// own TOTP function, not by the store's.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otherCode is a six-digit code that none of the steps around at accepts.
func otherCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	taken := map[string]bool{}
	for d := -2; d <= 2; d++ {
		taken[code(t, secret, at.Add(time.Duration(d)*totpPeriod*time.Second))] = true
	}
	for _, c := range []string{"000000", "123456", "999999", "424242"} {
		if !taken[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func isWrongCode(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve) && ve.Fields["code"] == "totp.code_wrong"
}

// enrol gives a user a confirmed factor and returns its secret and
// recovery codes.
func enrol(t *testing.T, s *Store, u *User) (string, []string) {
	t.Helper()
	a := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	secret := must[string](t)(s.BeginTOTP(ctxb(), a))
	codes := must[[]string](t)(s.ConfirmTOTP(ctxb(), a, code(t, secret, s.Now())))
	return secret, codes
}

func auditActions(t *testing.T, s *Store, userID int64) []string {
	t.Helper()
	var out []string
	if err := s.Read(ctxb()).Raw("SELECT action FROM audit_events WHERE entity = 'user' AND entity_id = ? ORDER BY id", userID).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTOTPEnrol(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	a := Actor{UserID: u.ID, Username: u.Username, Role: u.Role}

	secret := must[string](t)(s.BeginTOTP(ctxb(), a))
	if len(secret) != 32 || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("secret %q is not 160 bits of base32", secret)
	}
	if again := must[string](t)(s.BeginTOTP(ctxb(), a)); again != secret {
		t.Error("asking again before confirming gave another secret: a scanned code would stop working")
	}
	if has := must[bool](t)(s.HasFactor(ctxb(), u.ID)); has {
		t.Error("an unconfirmed secret counts as a factor")
	}
	// Nobody else enrols for the user.
	if _, err := s.BeginTOTP(ctxb(), System); !errors.Is(err, ErrForbidden) {
		t.Errorf("system enrols: %v", err)
	}

	for name, bad := range map[string]string{"wrong": otherCode(t, secret, c.now()), "too short": "12345", "letters": "abcdef",
		"two steps ahead": code(t, secret, c.now().Add(2*totpPeriod*time.Second))} {
		if _, err := s.ConfirmTOTP(ctxb(), a, bad); !isWrongCode(err) {
			t.Errorf("confirm with a %s code: %v", name, err)
		}
	}
	if _, err := s.ConfirmTOTP(ctxb(), a, "  "); err == nil || isWrongCode(err) {
		t.Errorf("confirm with no code: %v, want 'required'", err)
	}
	// Persian digits, as a Persian keyboard types them.
	codes := must[[]string](t)(s.ConfirmTOTP(ctxb(), a, textnorm.PersianDigits(code(t, secret, c.now()))))
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d recovery codes, want %d", len(codes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for _, rc := range codes {
		if len(rc) != 14 || seen[rc] || !isRecoveryCode(NormaliseCode(rc)) {
			t.Errorf("recovery code %q: malformed or repeated", rc)
		}
		seen[rc] = true
	}
	st := must[FactorStatus](t)(s.FactorStatus(ctxb(), u.ID))
	if !st.Enrolled || st.Pending || st.RecoveryLeft != RecoveryCodeCount || st.ConfirmedAt == nil {
		t.Errorf("status after confirming: %+v", st)
	}
	if _, err := s.BeginTOTP(ctxb(), a); err == nil {
		t.Error("enrolling twice is allowed")
	}
	if got := auditActions(t, s, u.ID); !equalStrings(got, []string{"create", "totp_enrol"}) {
		t.Errorf("audit %v", got)
	}
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// TestTOTPSealedAtRest: the secret is sealed with Hozur's own key, bound to
// the user; neither the table nor the database's files hold it, and a
// sealed secret copied to another user does not open.
func TestTOTPSealedAtRest(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	s, err := Open(Options{Path: filepath.Join(dir, "hozur.db"), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctxb()); err != nil {
		t.Fatal(err)
	}
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	secret, codes := enrol(t, s, u)
	var stored string
	if err := s.Read(ctxb()).Raw("SELECT secret FROM user_factors WHERE user_id = ?", u.ID).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if !vault.IsSealed(stored) || strings.Contains(stored, secret) {
		t.Errorf("stored secret %q is not sealed", stored)
	}
	var hashes []string
	if err := s.Read(ctxb()).Raw("SELECT code_hash FROM user_recovery_codes WHERE user_id = ?", u.ID).Scan(&hashes).Error; err != nil {
		t.Fatal(err)
	}
	if len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d recovery hashes", len(hashes))
	}
	var ckpt struct{ Busy, Log, Checkpointed int }
	if err := s.Write(ctxb()).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&ckpt).Error; err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "hozur.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		needles := []string{secret, strings.ToLower(secret)}
		for _, rc := range codes {
			needles = append(needles, rc, NormaliseCode(rc))
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(f), n)
			}
		}
	}
	// Bound to the user: another user's row with this sealed value does
	// not open.
	v := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "omid", Password: "a long password", Role: RoleReviewer, Active: true}))
	key := must[*vault.Key](t)(s.systemKey(ctxb(), keyTOTP))
	if _, err := key.Open(stored, secretAAD(v.ID)); !errors.Is(err, vault.ErrTampered) {
		t.Errorf("a secret moved to another user opens: %v", err)
	}
}

func TestTOTPSignIn(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleAdmin, Active: true}))
	secret, _ := enrol(t, s, u)
	step := func(d int) time.Time { return c.now().Add(time.Duration(d) * totpPeriod * time.Second) }

	// Without the policy's second factor, the password is enough.
	if _, sess, _, err := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.1"); err != nil || sess == nil {
		t.Fatalf("sign-in with the second factor off: %v", err)
	}

	signIn := func() string {
		t.Helper()
		raw, sess, who, err := s.Login(ctxb(), totpPolicy, "sara", "a long password", "10.0.0.1")
		if !errors.Is(err, ErrSecondFactor) || sess != nil || raw == "" || who == nil || who.ID != u.ID {
			t.Fatalf("password step: %v, session %v", err, sess)
		}
		// Half signed in is not signed in.
		if _, _, err := s.SessionUser(ctxb(), totpPolicy, raw); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("the pending sign-in's token works as a session: %v", err)
		}
		return raw
	}

	// The next step's code (a phone clock a little ahead) opens a session.
	ch := signIn()
	raw, sess, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, step(1)), "10.0.0.1")
	if err != nil || sess == nil || raw == ch {
		t.Fatalf("right code: %v", err)
	}
	if _, who, err := s.SessionUser(ctxb(), totpPolicy, raw); err != nil || who.ID != u.ID {
		t.Fatalf("session after the code: %v", err)
	}
	// The challenge is spent.
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, step(1)), "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a used challenge: %v", err)
	}

	// Replay: the same code, or one of an earlier step, is refused.
	ch = signIn()
	for name, old := range map[string]string{"same": code(t, secret, step(1)), "current": code(t, secret, step(0)), "previous": code(t, secret, step(-1))} {
		if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, old, "10.0.0.1"); !isWrongCode(err) {
			t.Errorf("replayed %s code: %v", name, err)
		}
	}
	// Those three wrong codes used the account's attempts: the limit holds
	// for codes as for passwords, even for the right code, and for the
	// password too.
	c.advance(3 * totpPeriod * time.Second)
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, step(0)), "10.0.0.1"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("after %d wrong codes: %v", totpPolicy.MaxAttempts, err)
	}
	if _, _, _, err := s.Login(ctxb(), totpPolicy, "sara", "a long password", "10.0.0.9"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("password after wrong codes: %v", err)
	}
	c.advance(totpPolicy.Window)

	// The previous step's code (a phone a little behind) is accepted.
	ch = signIn()
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, step(-1)), "10.0.0.1"); err != nil {
		t.Errorf("previous step's code: %v", err)
	}
	ch = signIn()
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, step(-1)), "10.0.0.1"); !isWrongCode(err) {
		t.Errorf("previous step's code twice: %v", err)
	}
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, otherCode(t, secret, c.now()), "10.0.0.1"); !isWrongCode(err) {
		t.Errorf("wrong code: %v", err)
	}
	// Five minutes later the pending sign-in is gone.
	c.advance(ChallengeLifetime + time.Second)
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, c.now()), "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired challenge: %v", err)
	}
	if _, err := s.Challenge(ctxb(), "not a challenge"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("unknown challenge: %v", err)
	}
	// A password changed meanwhile ends the sign-ins waiting for a code.
	ch = signIn()
	if _, err := s.UpdateUser(ctxb(), System, u.ID, UserInput{Username: u.Username, Password: "another long password", Role: u.Role, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, code(t, secret, c.now()), "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a code for a sign-in begun with the old password: %v", err)
	}
	var logins int64
	if err := s.Read(ctxb()).Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'login' AND change LIKE '%\"second_factor\":\"totp\"%'").Scan(&logins).Error; err != nil {
		t.Fatal(err)
	}
	if logins != 2 {
		t.Errorf("%d sign-ins audited with their second factor, want 2", logins)
	}
}

func TestTOTPRecoveryCodes(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	_, codes := enrol(t, s, u)
	login := func(rc string) error {
		t.Helper()
		ch, _, _, err := s.Login(ctxb(), totpPolicy, "sara", "a long password", "10.0.0.1")
		if !errors.Is(err, ErrSecondFactor) {
			t.Fatalf("password step: %v", err)
		}
		_, _, _, err = s.LoginCode(ctxb(), totpPolicy, ch, rc, "10.0.0.1")
		return err
	}
	// Typed in capitals, without its dashes: still the code.
	if err := login(strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	if err := login(codes[3]); !isWrongCode(err) {
		t.Errorf("recovery code used twice: %v", err)
	}
	if err := login("abcd-efgh-ijkl"); !isWrongCode(err) {
		t.Errorf("made-up recovery code: %v", err)
	}
	if err := login(codes[4]); err != nil {
		t.Errorf("another recovery code: %v", err)
	}
	if st := must[FactorStatus](t)(s.FactorStatus(ctxb(), u.ID)); st.RecoveryLeft != RecoveryCodeCount-2 {
		t.Errorf("%d recovery codes left, want %d", st.RecoveryLeft, RecoveryCodeCount-2)
	}
	var change string
	if err := s.Read(ctxb()).Raw("SELECT change FROM audit_events WHERE action = 'totp_recovery_used' ORDER BY id DESC LIMIT 1").Scan(&change).Error; err != nil {
		t.Fatal(err)
	}
	if change != `{"left":8}` {
		t.Errorf("recovery audit %q", change)
	}
	// Another user's code is not this user's.
	v := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "omid", Password: "a long password", Role: RoleReviewer, Active: true}))
	enrol(t, s, v)
	ch, _, _, _ := s.Login(ctxb(), totpPolicy, "omid", "a long password", "10.0.0.2")
	if _, _, _, err := s.LoginCode(ctxb(), totpPolicy, ch, codes[5], "10.0.0.2"); !isWrongCode(err) {
		t.Errorf("another user's recovery code: %v", err)
	}
}

func TestTOTPDisableAndReset(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	admin := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "root", Password: "a long password", Role: RoleAdmin, Active: true}))
	rev := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	adminSecret, _ := enrol(t, s, admin)
	revSecret, _ := enrol(t, s, rev)
	aAdmin := Actor{UserID: admin.ID, Username: admin.Username, Role: RoleAdmin, IP: "10.0.0.1"}
	aRev := Actor{UserID: rev.ID, Username: rev.Username, Role: RoleReviewer, IP: "10.0.0.2"}
	c.advance(totpPeriod * time.Second)

	var ce *ConflictError
	if err := s.DisableTOTP(ctxb(), aAdmin, totpPolicy, code(t, adminSecret, c.now())); !errors.As(err, &ce) || ce.Key != "totp.admin_required" {
		t.Errorf("admin turns off a required factor: %v", err)
	}
	if err := s.DisableTOTP(ctxb(), aRev, totpPolicy, otherCode(t, revSecret, c.now())); !isWrongCode(err) {
		t.Errorf("disable with a wrong code: %v", err)
	}
	if err := s.DisableTOTP(ctxb(), aRev, totpPolicy, code(t, revSecret, c.now())); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if has := must[bool](t)(s.HasFactor(ctxb(), rev.ID)); has {
		t.Error("factor still there after disabling")
	}
	revSession, sess, _, err := s.Login(ctxb(), totpPolicy, "sara", "a long password", "10.0.0.2")
	if err != nil || sess == nil {
		t.Errorf("sign-in after disabling: %v", err)
	}
	revSecret, _ = enrol(t, s, rev)

	// Reset: an admin's, for another user, audited.
	if err := s.ResetTOTP(ctxb(), aRev, admin.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("reviewer resets: %v", err)
	}
	if err := s.ResetTOTP(ctxb(), aAdmin, admin.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("admin resets their own: %v", err)
	}
	if err := s.ResetTOTP(ctxb(), aAdmin, rev.ID); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if has := must[bool](t)(s.HasFactor(ctxb(), rev.ID)); has {
		t.Error("factor still there after reset")
	}
	if _, _, err := s.SessionUser(ctxb(), totpPolicy, revSession); err == nil {
		t.Error("the user's session outlived the reset of their factor")
	}
	if err := s.ResetTOTP(ctxb(), System, rev.ID); !errors.As(err, &ce) || ce.Key != "totp.not_enrolled" {
		t.Errorf("reset with no factor: %v", err)
	}
	if err := s.ResetTOTP(ctxb(), System, admin.ID); err != nil {
		t.Errorf("the command line resets an admin's: %v", err)
	}
	if got := auditActions(t, s, rev.ID); !equalStrings(got, []string{"create", "totp_enrol", "totp_disable", "login", "totp_enrol", "totp_reset"}) {
		t.Errorf("audit %v", got)
	}
	_ = revSecret
}
