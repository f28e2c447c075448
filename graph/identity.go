package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
)

// Resolver helpers for users, desks and API tokens. Who may do what is
// decided by internal/auth's rules; these functions only ask.

const (
	typeUser  = "User"
	typeDesk  = "Desk"
	typeToken = "ApiToken"
)

// selfOrAdmin reports whether the viewer is user id or an admin: they may
// see the user's email and tokens.
func selfOrAdmin(v *auth.Viewer, id int64) bool {
	return v.IsAuthenticated() && v.Scope == auth.ScopeFull && (v.UserID == id || v.HasRole(auth.Admin, nil))
}

func grantInputs(field string, list []*model.RoleGrantInput) ([]auth.Grant, error) {
	out := make([]auth.Grant, len(list))
	for i, g := range list {
		desk, err := optID(indexPath(field, i, "deskId"), typeDesk, g.DeskID)
		if err != nil {
			return nil, err
		}
		out[i] = auth.Grant{Role: g.Role, DeskID: desk}
	}
	return out, nil
}

// schemaFields renames the identity service's input paths to the schema's.
func schemaFields(err error) error {
	return renameField(renameField(err, "input.grants", "input.roles"), "input.locales", "input.translatorLocales")
}

func (r *Resolver) createUser(ctx context.Context, in model.CreateUserInput) (*auth.User, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageUsers, auth.Resource{}); err != nil {
		return nil, err
	}
	grants, err := grantInputs("input.roles", in.Roles)
	if err != nil {
		return nil, err
	}
	u, err := r.Identity.CreateUser(ctx, identityNewUser(in, grants))
	return u, schemaFields(err)
}

func (r *Resolver) updateUserRoles(ctx context.Context, in model.UpdateUserRolesInput) (*auth.User, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageUsers, auth.Resource{}); err != nil {
		return nil, err
	}
	id, err := decodeID("input.userId", typeUser, in.UserID)
	if err != nil {
		return nil, err
	}
	grants, err := grantInputs("input.roles", in.Roles)
	if err != nil {
		return nil, err
	}
	locales, set := partialList(in.TranslatorLocales)
	if !set {
		u, err := r.Identity.User(ctx, id)
		if err != nil {
			return nil, cerr.FieldErrorf(cerr.Code(err), "input.userId", "%s", cerr.Message(err))
		}
		locales = u.Locales
	}
	u, err := r.Identity.UpdateUserRoles(ctx, id, grants, locales)
	return u, schemaFields(err)
}

func (r *Resolver) createAPIToken(ctx context.Context, in model.CreateAPITokenInput) (*model.CreateAPITokenPayload, error) {
	v := auth.ViewerFrom(ctx)
	if err := auth.Check(v, auth.ManageOwnTokens, auth.Resource{}); err != nil {
		return nil, err
	}
	owner := v.UserID
	if id, err := optID("input.userId", typeUser, in.UserID); err != nil {
		return nil, err
	} else if id != nil && *id != v.UserID {
		if err := auth.Check(v, auth.ManageUsers, auth.Resource{}); err != nil {
			return nil, err
		}
		owner = *id
	}
	if owner <= 0 {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.userId", "Say whose token this is: the System viewer has no tokens of its own.")
	}
	scope := auth.ScopeFull
	if s := opt(in.Scope); s != nil {
		scope = *s
	}
	secret, t, err := r.Identity.CreateToken(ctx, owner, in.Name, opt(in.ExpiresAt), scope)
	if err != nil {
		return nil, err
	}
	return &model.CreateAPITokenPayload{Token: t, Secret: &secret, UserErrors: noUserErrors()}, nil
}

func (r *Resolver) revokeAPIToken(ctx context.Context, in model.RevokeAPITokenInput) (*auth.Token, error) {
	v := auth.ViewerFrom(ctx)
	if err := auth.Check(v, auth.ManageOwnTokens, auth.Resource{}); err != nil {
		return nil, err
	}
	id, err := decodeID("input.id", typeToken, in.ID)
	if err != nil {
		return nil, err
	}
	t, err := r.Identity.TokenByID(ctx, id)
	if err != nil || t == nil || (t.UserID != v.UserID && !v.HasRole(auth.Admin, nil)) {
		if err == nil || cerr.Is(err, cerr.NotFound) {
			// Someone else's token is, to a non-admin, a token that does not exist.
			return nil, cerr.FieldErrorf(cerr.NotFound, "input.id", "You have no API token with this ID.")
		}
		return nil, err
	}
	if err := r.Identity.RevokeToken(ctx, id); err != nil {
		return nil, err
	}
	return r.Identity.TokenByID(ctx, id)
}

func (r *Resolver) listUsers(ctx context.Context, first *int, after *string) (*model.UserConnection, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageUsers, auth.Resource{}); err != nil {
		return nil, err
	}
	n, err := pageSize(first, 50)
	if err != nil {
		return nil, err
	}
	cur, err := decodeCursor(after)
	if err != nil {
		return nil, err
	}
	var afterID int64
	if cur != nil {
		afterID = cur.ID
	}
	list, err := r.Identity.Users(ctx, n+1, afterID)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(u *auth.User) editorial.Cursor { return editorial.Cursor{ID: u.ID} })
	conn := &model.UserConnection{Nodes: list, PageInfo: info, Edges: make([]*model.UserEdge, len(list))}
	for i, u := range list {
		conn.Edges[i] = &model.UserEdge{Cursor: cursors[i], Node: u}
	}
	return conn, nil
}

// user returns a user for the newsroom; the public sees no users.
func (r *Resolver) user(ctx context.Context, id *int64) (*auth.User, error) {
	if id == nil || !auth.ViewerFrom(ctx).SeesDrafts() {
		return nil, nil
	}
	return load(ctx, r.loaders(ctx).users, *id)
}

func (r *Resolver) desk(ctx context.Context, id *int64) (*auth.Desk, error) {
	if id == nil {
		return nil, nil
	}
	return load(ctx, r.loaders(ctx).desks, *id)
}

// identityNode resolves node(id:) for users, desks and tokens.
func (r *Resolver) identityNode(ctx context.Context, typ string, id int64) (model.Node, error) {
	v := auth.ViewerFrom(ctx)
	switch typ {
	case typeUser:
		return nodeOrNil(r.user(ctx, &id))
	case typeDesk:
		return nodeOrNil(r.desk(ctx, &id))
	case typeToken:
		if !v.IsAuthenticated() {
			return nil, nil
		}
		t, err := r.Identity.TokenByID(ctx, id)
		if cerr.Is(err, cerr.NotFound) || (t != nil && !selfOrAdmin(v, t.UserID)) {
			return nil, nil
		}
		return nodeOrNil(t, err)
	}
	return nil, nil
}

func identityNewUser(in model.CreateUserInput, grants []auth.Grant) identity.NewUser {
	return identity.NewUser{Email: in.Email, Name: in.Name, Locale: value(in.Locale), Grants: grants, Locales: in.TranslatorLocales.Value()}
}
