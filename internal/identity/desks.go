package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/slugs"
)

// --- desks ---

// CreateDesk creates a desk and returns it. The viewer must be an admin
// (auth.ManageUsers: UNAUTHENTICATED or FORBIDDEN, before any other error).
// BAD_USER_INPUT for a malformed slug (input.slug) or a missing or too long
// name (input.name); CONFLICT when another desk has the slug or the name
// (case-insensitively).
func (s *Service) CreateDesk(ctx context.Context, slug, name string) (*auth.Desk, error) {
	var out *auth.Desk
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageUsers, auth.Resource{}); err != nil {
			return err
		}
		slug := strings.TrimSpace(slug)
		if err := slugs.Validate(slug); err != nil {
			return cerr.FieldErrorf(cerr.Invalid, "input.slug", "%s", editorial.Sentence(err.Error()))
		}
		name, err := checkLine("input.name", "The desk name", name, editorial.MaxDeskName)
		if err != nil {
			return err
		}
		if other, err := postgres.DeskBySlug(ctx, tx, slug); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.slug", "The slug %q is already used by the desk %q.", slug, other.Name)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		if other, err := postgres.DeskByNameCI(ctx, tx, name); err == nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.name", "The name %q is already used by the desk %q.", name, other.Slug)
		} else if !cerr.Is(err, cerr.NotFound) {
			return err
		}
		d := &auth.Desk{Slug: slug, Name: name}
		if err := postgres.InsertDesk(ctx, tx, d); err != nil {
			return cerr.ByConstraint(err, map[string]cerr.Rule{
				"desks_slug_key": {Field: "input.slug", Message: fmt.Sprintf("The slug %q is already used by another desk.", d.Slug)},
				"desks_name_key": {Field: "input.name", Message: fmt.Sprintf("The name %q is already used by another desk.", d.Name)},
			})
		}
		out = d
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "desk.create", SubjectType: "Desk", SubjectID: out.ID, After: out}
	})
	return out, err
}

// Desks returns every desk, by name.
func (s *Service) Desks(ctx context.Context) ([]*auth.Desk, error) {
	return postgres.ListDesks(ctx, s.DB)
}

// DesksByIDs returns the desks with the given IDs, keyed by ID, in one query.
func (s *Service) DesksByIDs(ctx context.Context, ids []int64) (map[int64]*auth.Desk, error) {
	return postgres.DesksByIDs(ctx, s.DB, ids)
}

// DeskBySlug returns the desk with slug. NOT_FOUND (slug) if there is none.
func (s *Service) DeskBySlug(ctx context.Context, slug string) (*auth.Desk, error) {
	d, err := postgres.DeskBySlug(ctx, s.DB, strings.TrimSpace(slug))
	return d, cerr.DefaultField(err, "slug")
}

// --- bootstrap ---

// EnsureLocalAdmin makes sure someone can sign in to a new installation:
// when the users table is empty it creates the user admin@localhost ("Local
// admin") with the ADMIN role and a FULL token named "local admin", and
// returns that token with created true. Otherwise it creates nothing and
// returns "", false. It runs in one transaction under an advisory lock, so
// of several instances starting at once only one creates the admin.
func (s *Service) EnsureLocalAdmin(ctx context.Context) (token string, created bool, err error) {
	ctx = auth.WithViewer(ctx, auth.System())
	var adminID int64
	err = s.write(ctx, func(tx *postgres.Tx) error {
		token, created = "", false
		if err := postgres.LockIdentity(ctx, tx); err != nil {
			return err
		}
		exists, err := postgres.AnyUser(ctx, tx)
		if err != nil || exists {
			return err
		}
		u := &auth.User{Email: LocalAdminEmail, Name: LocalAdminName, Locale: DefaultLocale, Grants: []auth.Grant{{Role: auth.Admin}}}
		if err := postgres.InsertUser(ctx, tx, u); err != nil {
			return err
		}
		adminID = u.ID
		if token, _, err = insertToken(ctx, tx, u.ID, LocalAdminToken, nil, auth.ScopeFull); err != nil {
			return err
		}
		created = true
		return nil
	}, func() *audit.Entry {
		if !created {
			return nil
		}
		return &audit.Entry{Action: "user.create", SubjectType: "User", SubjectID: adminID, Detail: map[string]any{"localAdmin": true}}
	})
	if err != nil {
		return "", false, err
	}
	return token, created, nil
}
