package registry

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// UserInput is what an admin supplies to create or change a user. An empty
// Password on update keeps the current one.
type UserInput struct {
	Username   string
	Password   string
	Role       Role
	AgencyID   int64
	OfficialID int64
	Locale     string
	Email      string // where reports and reminders go; optional
	Active     bool
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// MinPasswordLength follows NIST SP 800-63B for passwords set by users.
const MinPasswordLength = 10

func (s *Store) checkUser(ctx context.Context, in *UserInput, creating bool) error {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	fe := fieldErrors{}
	if !usernamePattern.MatchString(in.Username) {
		fe.add("username", "error.username")
	}
	if creating || in.Password != "" {
		if n := utf8.RuneCountInString(in.Password); n < MinPasswordLength {
			fe.add("password", "error.password_short")
		} else if n > 256 {
			fe.add("password", "error.too_long")
		}
	}
	if !in.Role.Valid() {
		fe.add("role", "error.choose")
	}
	if in.Locale != "" && in.Locale != "fa" && in.Locale != "en" {
		fe.add("locale", "error.choose")
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if in.Email != "" {
		if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email || len(in.Email) > 254 {
			fe.add("email", "error.email")
		}
	}
	switch in.Role {
	case RoleLiaison:
		if in.AgencyID == 0 {
			fe.add("agency_id", "user.liaison_agency")
		} else if _, err := s.Agency(ctx, in.AgencyID); errors.Is(err, ErrNotFound) {
			fe.add("agency_id", "error.not_found")
		}
		in.OfficialID = 0
	case RoleOfficial:
		if in.OfficialID == 0 {
			fe.add("official_id", "user.official_record")
		} else if _, err := s.official(ctx, in.OfficialID); errors.Is(err, ErrNotFound) {
			fe.add("official_id", "error.not_found")
		}
		in.AgencyID = 0
	case RoleReviewer, RoleAdmin:
		// A reviewer who holds an office themselves is linked to it, so that
		// they are never asked to decide about their own accounts.
		if in.OfficialID != 0 {
			if _, err := s.official(ctx, in.OfficialID); errors.Is(err, ErrNotFound) {
				fe.add("official_id", "error.not_found")
			}
		}
		in.AgencyID = 0
	default:
		in.AgencyID, in.OfficialID = 0, 0
	}
	return fe.err()
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// User returns one user.
func (s *Store) User(ctx context.Context, a Actor, id int64) (*User, error) {
	if !a.Can(ActionView, Target{Resource: ResUser, UserID: id}) {
		return nil, ErrForbidden
	}
	return s.user(ctx, "id = ?", id)
}

func (s *Store) user(ctx context.Context, where string, arg any) (*User, error) {
	var u User
	err := s.rdb(ctx).Where(where, arg).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return &u, nil
}

// UserByUsername returns a user by name, for the command line.
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	return s.user(ctx, "username = ?", strings.ToLower(strings.TrimSpace(username)))
}

// UserFilter narrows the user list.
type UserFilter struct {
	Q    string
	Role Role
}

// Users lists users.
func (s *Store) Users(ctx context.Context, a Actor, f UserFilter, p Page) (Result[User], error) {
	var res Result[User]
	if a.ScopeFor(ResUser).None {
		return res, ErrForbidden
	}
	base := func() *gorm.DB {
		q := s.rdb(ctx).Model(&User{})
		if f.Q != "" {
			q = q.Where("username LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(strings.TrimSpace(f.Q)))+"%")
		}
		if f.Role != "" {
			q = q.Where("role = ?", f.Role)
		}
		return q
	}
	var err error
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, base()); err != nil {
		return res, fmt.Errorf("count users: %w", err)
	}
	q, _, _, err := keyset(base(), p, map[string]sortSpec{"username": {column: "username", text: true}}, "username", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list users: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(u User) string { return encodeCursor(u.Username, u.ID) })
	return res, nil
}

// CreateUser adds a user.
func (s *Store) CreateUser(ctx context.Context, a Actor, in UserInput) (*User, error) {
	if !a.Can(ActionCreate, Target{Resource: ResUser}) {
		return nil, ErrForbidden
	}
	if err := s.checkUser(ctx, &in, true); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.UserByUsername(ctx, in.Username); err == nil {
			return &ConflictError{Key: "user.duplicate", Field: "username"}
		}
		now := s.Now()
		u = &User{Username: in.Username, PasswordHash: hash, Role: in.Role, AgencyID: idPtr(in.AgencyID), OfficialID: idPtr(in.OfficialID),
			Locale: in.Locale, Email: in.Email, Active: in.Active, CreatedAt: now, UpdatedAt: now}
		if err := s.db(ctx).Create(u).Error; err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return s.record(ctx, a, "create", "user", u.ID, map[string]any{"username": u.Username, "role": u.Role, "agency_id": in.AgencyID, "official_id": in.OfficialID})
	})
	return u, err
}

// UpdateUser changes a user. Deactivating a user or changing their password
// or role ends their sessions.
func (s *Store) UpdateUser(ctx context.Context, a Actor, id int64, in UserInput) (*User, error) {
	if !a.Can(ActionUpdate, Target{Resource: ResUser, UserID: id}) {
		return nil, ErrForbidden
	}
	if err := s.checkUser(ctx, &in, false); err != nil {
		return nil, err
	}
	var hash string
	if in.Password != "" {
		var err error
		if hash, err = HashPassword(in.Password); err != nil {
			return nil, err
		}
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.user(ctx, "id = ?", id)
		if err != nil {
			return err
		}
		if other, err := s.UserByUsername(ctx, in.Username); err == nil && other.ID != id {
			return &ConflictError{Key: "user.duplicate", Field: "username"}
		}
		if cur.Role == RoleAdmin && (in.Role != RoleAdmin || !in.Active) {
			if err := s.keepOneAdmin(ctx, id); err != nil {
				return err
			}
		}
		upd := map[string]any{"username": in.Username, "role": in.Role, "agency_id": idPtr(in.AgencyID), "official_id": idPtr(in.OfficialID),
			"locale": in.Locale, "email": in.Email, "active": in.Active, "updated_at": s.Now()}
		if hash != "" {
			upd["password_hash"] = hash
		}
		if err := s.db(ctx).Model(&User{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if hash != "" || !in.Active || in.Role != cur.Role || ptrVal(cur.AgencyID) != ptrVal(idPtr(in.AgencyID)) || ptrVal(cur.OfficialID) != ptrVal(idPtr(in.OfficialID)) {
			// Sessions, and sign-ins waiting for their second factor.
			for _, m := range []any{&Session{}, &SignInChallenge{}} {
				if err := s.db(ctx).Where("user_id = ?", id).Delete(m).Error; err != nil {
					return fmt.Errorf("end sessions: %w", err)
				}
			}
		}
		before := map[string]any{"username": cur.Username, "role": cur.Role, "agency_id": ptrVal(cur.AgencyID), "official_id": ptrVal(cur.OfficialID), "active": cur.Active, "locale": cur.Locale, "email": cur.Email}
		after := map[string]any{"username": in.Username, "role": in.Role, "agency_id": ptrVal(idPtr(in.AgencyID)), "official_id": ptrVal(idPtr(in.OfficialID)), "active": in.Active, "locale": in.Locale, "email": in.Email}
		ch := diff(before, after)
		if hash != "" {
			ch["password"] = [2]any{"", "changed"}
		}
		return s.record(ctx, a, "update", "user", id, ch)
	})
	if err != nil {
		return nil, err
	}
	return s.user(ctx, "id = ?", id)
}

func (s *Store) keepOneAdmin(ctx context.Context, except int64) error {
	var n int64
	if err := s.db(ctx).Model(&User{}).Where("role = ? AND active AND id <> ?", RoleAdmin, except).Count(&n).Error; err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n == 0 {
		return &ConflictError{Key: "user.last_admin", Field: "role"}
	}
	return nil
}

// DeleteUser removes a user, their sessions and tokens.
func (s *Store) DeleteUser(ctx context.Context, a Actor, id int64) error {
	if !a.Can(ActionDelete, Target{Resource: ResUser, UserID: id}) {
		return ErrForbidden
	}
	return s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.user(ctx, "id = ?", id)
		if err != nil {
			return err
		}
		if cur.Role == RoleAdmin {
			if err := s.keepOneAdmin(ctx, id); err != nil {
				return err
			}
		}
		if err := s.db(ctx).Delete(&User{}, id).Error; err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return s.record(ctx, a, "delete", "user", id, map[string]any{"username": cur.Username})
	})
}

// SetLocale remembers a user's language.
func (s *Store) SetLocale(ctx context.Context, userID int64, locale string) error {
	if locale != "fa" && locale != "en" {
		return &ValidationError{Fields: map[string]string{"locale": "error.choose"}}
	}
	return s.db(ctx).Model(&User{}).Where("id = ?", userID).Update("locale", locale).Error
}

// SetPassword sets a user's password, for the command line.
func (s *Store) SetPassword(ctx context.Context, a Actor, username, password string) error {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return err
	}
	in := UserInput{Username: u.Username, Password: password, Role: u.Role, AgencyID: ptrInt(u.AgencyID), OfficialID: ptrInt(u.OfficialID), Locale: u.Locale, Email: u.Email, Active: u.Active}
	_, err = s.UpdateUser(ctx, a, u.ID, in)
	return err
}

func ptrInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// ActorFor builds the actor for a signed-in user.
func (s *Store) ActorFor(ctx context.Context, u *User) (Actor, error) {
	a := Actor{UserID: u.ID, Username: u.Username, Role: u.Role, OfficialID: ptrInt(u.OfficialID), AgencyID: ptrInt(u.AgencyID)}
	if a.AgencyID != 0 {
		ag, err := s.Agency(ctx, a.AgencyID)
		if err != nil {
			return a, fmt.Errorf("liaison agency: %w", err)
		}
		a.AgencyPath = ag.Path
	}
	return a, nil
}
