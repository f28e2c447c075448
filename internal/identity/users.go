package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- users ---

// CreateUser creates a user and returns it. The viewer must be an admin
// (auth.ManageUsers: UNAUTHENTICATED or FORBIDDEN, before any other error).
// BAD_USER_INPUT for a malformed email (input.email), a missing or too long
// name (input.name), a bad locale (input.locale), an unknown role or an
// ADMIN grant limited to a desk (input.grants.N.role / .deskId), bad
// translator locales (input.locales.N) or locales without a TRANSLATOR
// grant (input.locales); NOT_FOUND (input.grants.N.deskId) for an unknown
// desk; CONFLICT (input.email) when the email, compared case-insensitively,
// is taken.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		u, err := checkNewUser(in)
		if err != nil {
			return err
		}
		if err := checkDesks(ctx, tx, in.Grants); err != nil {
			return err
		}
		if other, err := postgres.UserByEmail(ctx, tx, u.Email); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.email", "A user with the email %q already exists (user %d).", other.Email, other.ID)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return cerr.ByConstraint(err, map[string]cerr.Rule{
				"users_email_key": {Field: "input.email", Message: fmt.Sprintf("A user with the email %q already exists.", u.Email)},
			})
		}
		out = u
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.create", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"email": out.Email, "grants": out.Grants, "locales": out.Locales}}
	})
	return out, err
}

// UpdateUserRoles replaces the grants and translator locales of user userID
// and returns the user. The viewer must be an admin (auth.ManageUsers:
// UNAUTHENTICATED or FORBIDDEN, before any other error). NOT_FOUND
// (input.userId) for an unknown user; CONFLICT (input.grants) when it would
// leave no enabled admin; otherwise the errors of CreateUser about grants
// and locales.
func (s *Service) UpdateUserRoles(ctx context.Context, userID int64, grantsIn []auth.Grant, localesIn []string) (*auth.User, error) {
	return s.updateRoles(ctx, userID, grantsIn, &localesIn)
}

// UpdateUserGrants is UpdateUserRoles keeping the user's translator
// locales (as they are once the user's row is locked), with the same
// errors, except that NOT_FOUND ("User N not found.") comes before those
// about grants and locales.
func (s *Service) UpdateUserGrants(ctx context.Context, userID int64, grantsIn []auth.Grant) (*auth.User, error) {
	return s.updateRoles(ctx, userID, grantsIn, nil)
}

// updateRoles replaces the grants of user userID, and its translator
// locales with *localesIn, or keeps them when localesIn is nil.
func (s *Service) updateRoles(ctx context.Context, userID int64, grantsIn []auth.Grant, localesIn *[]string) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		var grants []auth.Grant
		var locales []string
		var err error
		if localesIn != nil {
			if grants, locales, err = checkGrants(grantsIn, *localesIn); err != nil {
				return err
			}
		}
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		cur, err := postgres.LockUser(ctx, tx, userID)
		if localesIn == nil && cerr.Is(err, cerr.NotFound) {
			// The message User(userID) gives, which the API has always
			// returned when the locales are kept.
			return cerr.FieldErrorf(cerr.NotFound, "input.userId", "User %d not found.", userID)
		}
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if localesIn == nil {
			if grants, locales, err = checkGrants(grantsIn, cur.Locales); err != nil {
				return err
			}
		}
		if err := checkDesks(ctx, tx, grantsIn); err != nil {
			return err
		}
		if isAdmin(cur.Grants) && cur.DisabledAt == nil && !isAdmin(grants) {
			if err := lastAdmin(ctx, tx, cur.ID, "input.grants", "take the ADMIN role away"); err != nil {
				return err
			}
		}
		if slices.Equal(grantKeys(cur.Grants), grantKeys(grants)) && slices.Equal(cur.Locales, locales) {
			out = cur
			return nil
		}
		if err := postgres.SetUserGrants(ctx, tx, cur.ID, grants, locales); err != nil {
			return err
		}
		next := *cur
		next.Grants, next.Locales, next.UpdatedAt = grants, locales, tx.Now
		out = &next
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.updateRoles", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"grants": out.Grants, "locales": out.Locales}}
	})
	return out, err
}

// SetUserDisabled disables user userID (it can no longer authenticate, with
// any of its tokens) or enables it again, and returns it. Disabling a
// disabled user keeps its first disabled_at. NOT_FOUND (input.userId) for an
// unknown user; CONFLICT (input.userId) when it would leave no enabled
// admin. The viewer must be an admin (auth.ManageUsers: UNAUTHENTICATED or
// FORBIDDEN, before any other error).
func (s *Service) SetUserDisabled(ctx context.Context, userID int64, disabled bool) (*auth.User, error) {
	var out *auth.User
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		cur, err := postgres.LockUser(ctx, tx, userID)
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if (cur.DisabledAt != nil) == disabled {
			out = cur
			return nil
		}
		next := *cur
		next.DisabledAt, next.UpdatedAt = nil, tx.Now
		if disabled {
			if isAdmin(cur.Grants) {
				if err := lastAdmin(ctx, tx, cur.ID, "input.userId", "disable them"); err != nil {
					return err
				}
			}
			at := tx.Now
			next.DisabledAt = &at
		}
		if err := postgres.SetUserDisabled(ctx, tx, cur.ID, next.DisabledAt); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "user.setDisabled", SubjectType: "User", SubjectID: out.ID, After: map[string]any{"disabledAt": out.DisabledAt}}
	})
	return out, err
}

// lastAdmin returns CONFLICT on field when no enabled user other than
// userID is an admin. The caller holds the identity lock.
func lastAdmin(ctx context.Context, tx *postgres.Tx, userID int64, field, doing string) error {
	n, err := postgres.OtherEnabledAdmins(ctx, tx, userID)
	if err != nil || n > 0 {
		return err
	}
	return cerr.FieldErrorf(cerr.Conflict, field, "This user is the only enabled admin; make another user an admin before you %s.", doing)
}

// Users returns up to first users (1 to editorial.MaxPage) with IDs above after (0:
// from the start), by ID. The viewer must be an admin (auth.ManageUsers:
// UNAUTHENTICATED or FORBIDDEN, before any other error).
func (s *Service) Users(ctx context.Context, first int, after int64) ([]*auth.User, error) {
	if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
		return nil, err
	}
	if first < 1 || first > editorial.MaxPage {
		return nil, cerr.FieldErrorf(cerr.Invalid, "first", "Ask for 1 to %d users at a time.", editorial.MaxPage)
	}
	return postgres.ListUsers(ctx, s.DB, first, after)
}

// UsersByIDs returns the users with the given IDs, keyed by ID (missing IDs
// are absent), in one query.
func (s *Service) UsersByIDs(ctx context.Context, ids []int64) (map[int64]*auth.User, error) {
	return postgres.UsersByIDs(ctx, s.DB, ids)
}

// User returns user id. NOT_FOUND if there is none.
func (s *Service) User(ctx context.Context, id int64) (*auth.User, error) {
	m, err := postgres.UsersByIDs(ctx, s.DB, []int64{id})
	if err != nil {
		return nil, err
	}
	if u := m[id]; u != nil {
		return u, nil
	}
	return nil, cerr.Errorf(cerr.NotFound, "User %d not found.", id)
}

// UserByEmail returns the user with email, compared case-insensitively.
// NOT_FOUND (email) if there is none.
func (s *Service) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	u, err := postgres.UserByEmail(ctx, s.DB, strings.TrimSpace(email))
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.FieldErrorf(cerr.NotFound, "email", "No user has the email %q.", strings.TrimSpace(email))
	}
	return u, err
}
