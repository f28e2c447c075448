package graph

import (
	"context"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Resolver helpers for users, desks and API tokens. They decode input and
// map results: the identity service checks who may change what (inside its
// transactions), and internal/auth says who may see a user's private fields
// (auth.Viewer.SeesUserPrivate).

const (
	typeUser  = "User"
	typeDesk  = "Desk"
	typeToken = "ApiToken"
)

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
	grants, err := grantInputs("input.roles", in.Roles)
	if err != nil {
		return nil, err
	}
	u, err := r.Identity.CreateUser(ctx, identityNewUser(in, grants))
	return u, schemaFields(err)
}

func (r *Resolver) updateUserRoles(ctx context.Context, in model.UpdateUserRolesInput) (*auth.User, error) {
	id, err := decodeID("input.userId", typeUser, in.UserID)
	if err != nil {
		return nil, err
	}
	grants, err := grantInputs("input.roles", in.Roles)
	if err != nil {
		return nil, err
	}
	var u *auth.User
	if locales, set := partialList(in.TranslatorLocales); set {
		u, err = r.Identity.UpdateUserRoles(ctx, id, grants, locales)
	} else {
		u, err = r.Identity.UpdateUserGrants(ctx, id, grants)
	}
	return u, schemaFields(err)
}

// createAPIToken creates a token for input.userId, by default for the
// viewer.
func (r *Resolver) createAPIToken(ctx context.Context, in model.CreateAPITokenInput) (*model.CreateAPITokenPayload, error) {
	owner := auth.ViewerFrom(ctx).UserID
	if id, err := optID("input.userId", typeUser, in.UserID); err != nil {
		return nil, err
	} else if id != nil {
		owner = *id
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
	id, err := decodeID("input.id", typeToken, in.ID)
	if err != nil {
		return nil, err
	}
	return r.Identity.RevokeToken(ctx, id)
}

func (r *Resolver) listUsers(ctx context.Context, first *int, after *string) (*model.UserConnection, error) {
	n, afterID, cur, err := idPage(first, after, 50)
	if err != nil {
		return nil, err
	}
	list, err := r.Identity.Users(ctx, n+1, afterID)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(u *auth.User) editorial.Cursor { return editorial.Cursor{ID: u.ID} })
	return &model.UserConnection{Nodes: list, PageInfo: info,
		Edges: edges(list, cursors, func(c string, n *auth.User) *model.UserEdge { return &model.UserEdge{Cursor: c, Node: n} })}, nil
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
			return nil, nil // no query: the anonymous caller sees no token
		}
		t, err := r.Identity.TokenByID(ctx, id)
		if cerr.Is(err, cerr.NotFound) || (t != nil && !v.SeesUserPrivate(t.UserID)) {
			return nil, nil
		}
		return nodeOrNil(t, err)
	}
	return nil, nil
}

func identityNewUser(in model.CreateUserInput, grants []auth.Grant) identity.NewUser {
	return identity.NewUser{Email: in.Email, Name: in.Name, Locale: value(in.Locale), Grants: grants, Locales: in.TranslatorLocales.Value()}
}

// deskSettings are a desk's settings for the newsroom; null for the public.
func (r *Resolver) deskSettings(ctx context.Context, deskID *int64) (*workflow.Settings, error) {
	if !auth.ViewerFrom(ctx).SeesDrafts() {
		return nil, nil
	}
	var key int64
	if deskID != nil {
		key = *deskID
	}
	s, err := load(ctx, r.loaders(ctx).settings, key)
	if err != nil {
		return nil, err
	}
	s.DeskID = deskID
	return &s, nil
}

func (r *Resolver) updateDeskSettings(ctx context.Context, in model.UpdateDeskSettingsInput) (*model.DeskSettingsPayload, error) {
	var s workflow.Settings
	desk, err := optID("input.deskId", typeDesk, in.DeskID)
	if err == nil {
		s, err = r.Identity.UpdateDeskSettings(ctx, desk, settingsChange(in))
	}
	if err != nil {
		ue, err := failed(ctx, err)
		return &model.DeskSettingsPayload{UserErrors: ue}, err
	}
	return &model.DeskSettingsPayload{Settings: &s, UserErrors: noUserErrors()}, nil
}

// settingsChange is in as the identity service takes it: a field sent as
// null is left alone, like one left out.
func settingsChange(in model.UpdateDeskSettingsInput) identity.SettingsChange {
	c := identity.SettingsChange{
		ApprovalsRequired: in.ApprovalsRequired.Value(), AssignedReviewersOnly: in.AssignedReviewersOnly.Value(),
		RequiredChangesBlockApproval: in.RequiredChangesBlockApproval.Value(), EditReopensReview: in.EditReopensReview.Value(),
		PrivateDrafts: in.PrivateDrafts.Value(),
	}
	if list, set := partialList(in.TargetLocales); set {
		c.TargetLocales = list
	}
	if list, set := partialList(in.TagCreatorRoles); set {
		c.TagCreatorRoles = list
	}
	return c
}
