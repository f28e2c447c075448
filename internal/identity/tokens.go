package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- tokens ---

// CreateToken creates an API token for user userID and returns the token,
// which is shown only now (only its hash is stored), and its description.
// expiresAt nil means it never expires. The viewer must be that user or an
// admin (auth.CreateToken: UNAUTHENTICATED or FORBIDDEN, before any other
// error). BAD_USER_INPUT for a user ID that is not positive (input.userId:
// the System viewer has no tokens), a missing or too long name
// (input.name), an unknown scope (input.scope) or an expiry not in the
// future (input.expiresAt); NOT_FOUND (input.userId) for an unknown user;
// CONFLICT (input.userId) for a disabled one.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time, scope auth.Scope) (string, *auth.Token, error) {
	var token string
	var out *auth.Token
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.CreateToken, auth.Resource{OwnerID: &userID}); err != nil {
			return err
		}
		if userID <= 0 {
			return cerr.FieldErrorf(cerr.Invalid, "input.userId", "Say whose token this is: the System viewer has no tokens of its own.")
		}
		name, err := checkLine("input.name", "The token name", name, editorial.MaxTokenName)
		if err != nil {
			return err
		}
		if !scope.Valid() {
			return cerr.FieldErrorf(cerr.Invalid, "input.scope", "%q is not a token scope: use %s or %s.", scope, auth.ScopeFull, auth.ScopeReadPublished)
		}
		if expiresAt != nil && !expiresAt.After(tx.Now) {
			return cerr.FieldErrorf(cerr.Invalid, "input.expiresAt", "The expiry time must be in the future.")
		}
		u, err := postgres.LockUser(ctx, tx, userID)
		if err != nil {
			return cerr.DefaultField(err, "input.userId")
		}
		if u.DisabledAt != nil {
			return cerr.FieldErrorf(cerr.Conflict, "input.userId", "The user is disabled; enable them before creating a token.")
		}
		token, out, err = insertToken(ctx, tx, u.ID, name, expiresAt, scope)
		return err
	}, func() *audit.Entry {
		return &audit.Entry{Action: "token.create", SubjectType: "ApiToken", SubjectID: out.ID, After: map[string]any{"userId": out.UserID, "name": out.Name, "scope": out.Scope, "expiresAt": out.ExpiresAt}}
	})
	if err != nil {
		return "", nil, err
	}
	return token, out, nil
}

func insertToken(ctx context.Context, tx *postgres.Tx, userID int64, name string, expiresAt *time.Time, scope auth.Scope) (string, *auth.Token, error) {
	token, hash, prefix, err := auth.NewToken()
	if err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	t := &auth.Token{UserID: userID, Name: name, Prefix: prefix, Scope: scope}
	if expiresAt != nil {
		at := expiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &at
	}
	if err := postgres.InsertToken(ctx, tx, t, hash); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// RevokeToken revokes token tokenID: from now on it no longer
// authenticates. It returns the token as revoked. Revoking a revoked token
// changes nothing (its first revocation time stays). The viewer must be
// signed in with a FULL token (auth.ManageOwnTokens: UNAUTHENTICATED or
// FORBIDDEN, before any other error) and be the token's user or an admin
// (auth.RevokeToken, checked on the locked token); a token the viewer may
// not revoke is, like an unknown one, NOT_FOUND (input.id).
func (s *Service) RevokeToken(ctx context.Context, tokenID int64) (*auth.Token, error) {
	var out *auth.Token
	err := s.write(ctx, func(tx *postgres.Tx) error {
		if err := check(ctx, auth.ManageOwnTokens, auth.Resource{}); err != nil {
			return err
		}
		t, err := postgres.LockToken(ctx, tx, tokenID)
		if cerr.Is(err, cerr.NotFound) {
			return errNoSuchToken()
		}
		if err != nil {
			return err
		}
		if err := check(ctx, auth.RevokeToken, auth.Resource{OwnerID: &t.UserID}); cerr.Is(err, cerr.Forbidden) {
			// Someone else's token is, to a non-admin, a token that does not exist.
			return errNoSuchToken()
		} else if err != nil {
			return err
		}
		out, err = postgres.RevokeToken(ctx, tx, t.ID)
		return cerr.DefaultField(err, "input.id")
	}, func() *audit.Entry {
		return &audit.Entry{Action: "token.revoke", SubjectType: "ApiToken", SubjectID: tokenID}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errNoSuchToken is RevokeToken's NOT_FOUND.
func errNoSuchToken() error {
	return cerr.FieldErrorf(cerr.NotFound, "input.id", "You have no API token with this ID.")
}

// TokenByID returns token id, without its hash. NOT_FOUND if there is none.
func (s *Service) TokenByID(ctx context.Context, id int64) (*auth.Token, error) {
	return postgres.TokenByID(ctx, s.DB, id)
}

// Tokens returns the tokens of user userID, newest first, without hashes.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	return postgres.TokensByUser(ctx, s.DB, userID)
}

// Messages of Authenticate's UNAUTHENTICATED errors. None repeats the token.
const (
	MsgTokenInvalid  = "The API token is not valid."
	MsgTokenExpired  = "The API token has expired."
	MsgTokenRevoked  = "The API token was revoked."
	MsgUserDisabled  = "The API token's user is disabled."
	touchGranularity = time.Minute
)

// Authenticate returns the viewer that bearer (an API token, or an
// Authorization header value "Bearer <token>") stands for. A malformed or
// unknown token, an expired or revoked one, or one whose user is disabled
// is UNAUTHENTICATED with a message saying which (MsgToken…), never echoing
// the token. It costs one SELECT; when the token was last used more than a
// minute ago it also records the use (one conditional UPDATE).
func (s *Service) Authenticate(ctx context.Context, bearer string) (*auth.Viewer, error) {
	token, ok := auth.ParseToken(bearer)
	if !ok {
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenInvalid)
	}
	tv, err := postgres.TokenViewerByHash(ctx, s.DB, auth.HashToken(token))
	if cerr.Is(err, cerr.NotFound) {
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenInvalid)
	}
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	switch t, u := &tv.Token, &tv.User; {
	case t.RevokedAt != nil:
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenRevoked)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgTokenExpired)
	case u.DisabledAt != nil:
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", MsgUserDisabled)
	case !t.Scope.Valid():
		return nil, fmt.Errorf("api token %d has unknown scope %q", t.ID, t.Scope)
	}
	if last := tv.Token.LastUsedAt; last == nil || !last.After(now.Add(-touchGranularity)) {
		if _, err := postgres.TouchToken(ctx, s.DB, tv.Token.ID, now.UTC().Truncate(time.Microsecond)); err != nil {
			return nil, err
		}
	}
	return &auth.Viewer{
		UserID:  tv.User.ID,
		Name:    tv.User.Name,
		Email:   tv.User.Email,
		Locale:  tv.User.Locale,
		Grants:  tv.User.Grants,
		Locales: tv.User.Locales,
		Scope:   tv.Token.Scope,
		TokenID: tv.Token.ID,
	}, nil
}
