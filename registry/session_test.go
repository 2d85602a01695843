package registry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var testPolicy = LoginPolicy{MaxAttempts: 3, Window: 15 * time.Minute, IdleTimeout: 30 * time.Minute, Lifetime: 12 * time.Hour}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("رمز عبور طولانی")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if ok, _ := CheckPassword(h, "رمز عبور طولانی"); !ok {
		t.Error("right password refused")
	}
	if ok, _ := CheckPassword(h, "رمز عبور طولانی "); ok {
		t.Error("wrong password accepted")
	}
	h2, _ := HashPassword("رمز عبور طولانی")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestLoginSessions(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "Sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	if u.Username != "sara" {
		t.Errorf("username %q, want lower-case", u.Username)
	}
	raw, sess, _, err := s.Login(ctxb(), testPolicy, "SARA", "a long password", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == raw || sess.ID != hashSecret(raw) {
		t.Error("the session id stored is not the hash of the cookie value")
	}
	raw2, _, _, err := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.1")
	if err != nil || raw2 == raw {
		t.Fatalf("second login: same session id or %v", err)
	}
	// Idle timeout: active use keeps it alive, silence ends it.
	for range 5 {
		c.advance(20 * time.Minute)
		if _, _, err := s.SessionUser(ctxb(), testPolicy, raw); err != nil {
			t.Fatalf("session ended while in use: %v", err)
		}
	}
	c.advance(31 * time.Minute)
	if _, _, err := s.SessionUser(ctxb(), testPolicy, raw); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("idle session: %v", err)
	}
	// Absolute lifetime: ends even in use.
	raw3, _, _, _ := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.1")
	for range 37 {
		c.advance(20 * time.Minute)
		_, _, err = s.SessionUser(ctxb(), testPolicy, raw3)
	}
	if !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("session past its lifetime: %v", err)
	}
	// Logout ends it.
	raw4, _, _, _ := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.1")
	if err := s.Logout(ctxb(), raw4); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctxb(), testPolicy, raw4); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after logout: %v", err)
	}
	// A password change ends every session of the user.
	raw5, _, _, _ := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.1")
	if err := s.SetPassword(ctxb(), System, "sara", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctxb(), testPolicy, raw5); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after password change: %v", err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	for range 3 {
		if _, _, _, err := s.Login(ctxb(), testPolicy, "sara", "wrong", "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	// Per account: even the right password is refused for a while.
	if _, _, _, err := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.2"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("after 3 failures: %v", err)
	}
	c.advance(16 * time.Minute)
	if _, _, _, err := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.0.0.2"); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// Per address: many usernames from one address.
	for i := range 12 {
		_, _, _, _ = s.Login(ctxb(), testPolicy, "nobody"+string(rune('a'+i)), "x", "10.9.9.9")
	}
	if _, _, _, err := s.Login(ctxb(), testPolicy, "sara", "a long password", "10.9.9.9"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("address with 12 failures: %v", err)
	}
	// An inactive user cannot sign in.
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "gone", Password: "a long password", Role: RoleAuditor, Active: false}))
	if _, _, _, err := s.Login(ctxb(), testPolicy, u.Username, "a long password", "10.0.0.3"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("inactive user: %v", err)
	}
}

func TestTokens(t *testing.T) {
	s := openTest(t, nil)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "bot", Password: "a long password", Role: RoleAuditor, Active: true}))
	other := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "other", Password: "a long password", Role: RoleAuditor, Active: true}))
	raw, tok, err := s.CreateToken(ctxb(), Actor{UserID: u.ID, Role: RoleAuditor}, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "hzr_") || strings.Contains(tok.TokenHash, raw) || !strings.HasPrefix(raw, tok.Prefix) {
		t.Errorf("token %q prefix %q", raw, tok.Prefix)
	}
	got, err := s.TokenUser(ctxb(), raw)
	if err != nil || got.ID != u.ID {
		t.Fatalf("TokenUser: %v %v", got, err)
	}
	if _, err := s.TokenUser(ctxb(), raw+"x"); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("altered token: %v", err)
	}
	if _, _, err := s.CreateToken(ctxb(), Actor{UserID: other.ID, Role: RoleAuditor}, u.ID, "steal"); !errors.Is(err, ErrForbidden) {
		t.Errorf("token for someone else: %v", err)
	}
	if err := s.RevokeToken(ctxb(), Actor{UserID: u.ID, Role: RoleAuditor}, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenUser(ctxb(), raw); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("revoked token: %v", err)
	}
}

func TestEnsureAdminAndLastAdmin(t *testing.T) {
	s := openTest(t, nil)
	created, gen, err := s.EnsureAdmin(ctxb(), "")
	if err != nil || !created || len(gen) < 16 {
		t.Fatalf("EnsureAdmin: %v %q %v", created, gen, err)
	}
	if created, _, _ := s.EnsureAdmin(ctxb(), "whatever pw"); created {
		t.Error("a second admin was created")
	}
	admin := must[*User](t)(s.UserByUsername(ctxb(), "admin"))
	_, err = s.UpdateUser(ctxb(), System, admin.ID, UserInput{Username: "admin", Role: RoleAuditor, Active: true})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Key != "user.last_admin" {
		t.Errorf("demoting the last admin: %v", err)
	}
}

func TestLoginLimitHoldsUnderConcurrency(t *testing.T) {
	s := openTest(t, nil)
	must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "sara", Password: "a long password", Role: RoleReviewer, Active: true}))
	errs := make(chan error, 12)
	for range 12 {
		go func() {
			_, _, _, err := s.Login(ctxb(), testPolicy, "sara", "wrong", "10.0.0.1")
			errs <- err
		}()
	}
	checked := 0
	for range 12 {
		if err := <-errs; errors.Is(err, ErrUnauthenticated) {
			checked++
		} else if !errors.Is(err, ErrRateLimited) {
			t.Fatal(err)
		}
	}
	if checked != testPolicy.MaxAttempts {
		t.Errorf("%d passwords were checked in parallel, want at most %d", checked, testPolicy.MaxAttempts)
	}
}
