package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/workflow"
)

// The operator commands for users, desks and tokens (`copydesk user …`,
// `copydesk desk …`, `copydesk token …`). Each opens the configured
// database as `copydesk demo load` does, applies pending migrations, and
// runs one identity-service call. They act as copydesk's System viewer
// (auth.System(), an admin), so the service's permission checks pass and
// the audit trail names "copydesk".

// CLITokenName is the name of the token `copydesk user add` creates.
const CLITokenName = "cli"

// NewUserRequest is what `copydesk user add` asks for.
type NewUserRequest struct {
	Email, Name string
	Locale      string      // the user's own locale; empty: identity.DefaultLocale
	Roles       []auth.Role // granted on DeskSlug, or on every desk when it is empty
	DeskSlug    string
	Locales     []string // translator locales
}

// withIdentity opens the database, applies migrations and calls fn with a
// System context.
func withIdentity(ctx context.Context, cfg Config, log *slog.Logger, fn func(context.Context, *identity.Service) error) error {
	return withMigrated(ctx, cfg, log, func(db *postgres.DB) error {
		return fn(auth.WithViewer(ctx, auth.System()), identity.New(db))
	})
}

// AddUser runs `copydesk user add`: it creates the user and a FULL API token
// named CLITokenName, in one transaction, and returns the token.
func AddUser(ctx context.Context, cfg Config, req NewUserRequest, log *slog.Logger) (string, error) {
	var token string
	err := withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		var deskID *int64
		desks := map[int64]*auth.Desk{}
		if req.DeskSlug != "" {
			d, err := s.DeskBySlug(ctx, req.DeskSlug)
			if cerr.Is(err, cerr.NotFound) {
				return unknownDesk(ctx, s, req.DeskSlug)
			}
			if err != nil {
				return err
			}
			deskID, desks[d.ID] = &d.ID, d
		}
		in := identity.NewUser{Email: req.Email, Name: req.Name, Locale: req.Locale, Locales: req.Locales}
		for _, r := range req.Roles {
			in.Grants = append(in.Grants, auth.Grant{Role: r, DeskID: deskID})
		}
		return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
			joined := postgres.WithTx(ctx, tx)
			u, err := s.CreateUser(joined, in)
			if err != nil {
				return cliError(err)
			}
			tok, t, err := s.CreateToken(joined, u.ID, CLITokenName, nil, auth.ScopeFull)
			if err != nil {
				return cliError(err)
			}
			token = tok
			log.Info("user created", "id", u.ID, "email", u.Email, "roles", grantsText(u.Grants, desks), "token_id", t.ID)
			return nil
		})
	})
	return token, err
}

// unknownDesk is the error for a --desk that does not exist: it lists the
// desks there are.
func unknownDesk(ctx context.Context, s *identity.Service, slug string) error {
	desks, err := s.Desks(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("--desk: no desk has the slug %q; ", slug)
	if len(desks) == 0 {
		msg += "there are no desks yet"
	} else {
		names := make([]string, len(desks))
		for i, d := range desks {
			names[i] = fmt.Sprintf("%s (%s)", d.Slug, d.Name)
		}
		msg += "existing desks: " + strings.Join(names, ", ")
	}
	return errors.New(msg + ". Create one with `copydesk desk add --slug SLUG --name NAME`.")
}

// ListUsers runs `copydesk user list`: a table of every user.
func ListUsers(ctx context.Context, cfg Config, out io.Writer, log *slog.Logger) error {
	return withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		var users []*auth.User
		for after := int64(0); ; {
			page, err := s.Users(ctx, editorial.MaxPage, after)
			if err != nil {
				return err
			}
			users = append(users, page...)
			if len(page) < editorial.MaxPage {
				break
			}
			after = page[len(page)-1].ID
		}
		var deskIDs []int64
		for _, u := range users {
			for _, g := range u.Grants {
				if g.DeskID != nil {
					deskIDs = append(deskIDs, *g.DeskID)
				}
			}
		}
		desks, err := s.DesksByIDs(ctx, deskIDs)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLES\tLOCALES\tCREATED\tSTATUS")
		for _, u := range users {
			status := "active"
			if u.DisabledAt != nil {
				status = "disabled " + u.DisabledAt.UTC().Format(time.DateOnly)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, oneLine(u.Name), dash(grantsText(u.Grants, desks)),
				dash(strings.Join(u.Locales, ",")), u.CreatedAt.UTC().Format(time.DateTime), status)
		}
		return w.Flush()
	})
}

// grantsText writes grants as "ADMIN, EDITOR@politics" (the desk's slug, or
// its ID when desks does not have it).
func grantsText(grants []auth.Grant, desks map[int64]*auth.Desk) string {
	parts := make([]string, len(grants))
	for i, g := range grants {
		parts[i] = string(g.Role)
		if g.DeskID != nil {
			if d := desks[*g.DeskID]; d != nil {
				parts[i] += "@" + d.Slug
			} else {
				parts[i] += fmt.Sprintf("@desk%d", *g.DeskID)
			}
		}
	}
	return strings.Join(parts, ",")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var spaces = regexp.MustCompile(`\s+`)

func oneLine(s string) string { return spaces.ReplaceAllString(s, " ") }

// NewTokenRequest is what `copydesk token create` asks for.
type NewTokenRequest struct {
	Email         string
	Name          string        // empty: CLITokenName
	ExpiresIn     time.Duration // 0: never expires
	ReadPublished bool          // a READ_PUBLISHED token instead of a FULL one
}

// CreateToken runs `copydesk token create` and returns the new token.
func CreateToken(ctx context.Context, cfg Config, req NewTokenRequest, log *slog.Logger) (string, error) {
	if req.ExpiresIn < 0 {
		return "", errors.New("--expires: give a positive duration, e.g. 720h")
	}
	var token string
	err := withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		u, err := s.UserByEmail(ctx, req.Email)
		if err != nil {
			return cliError(err)
		}
		name := req.Name
		if name == "" {
			name = CLITokenName
		}
		var expires *time.Time
		if req.ExpiresIn > 0 {
			at := s.DB.Now().Add(req.ExpiresIn)
			expires = &at
		}
		scope := auth.ScopeFull
		if req.ReadPublished {
			scope = auth.ScopeReadPublished
		}
		tok, t, err := s.CreateToken(ctx, u.ID, name, expires, scope)
		if err != nil {
			return cliError(err)
		}
		token = tok
		log.Info("token created", "id", t.ID, "user", u.Email, "scope", t.Scope, "expires_at", t.ExpiresAt)
		return nil
	})
	return token, err
}

// ListTokens runs `copydesk token list`: the tokens of one user, newest first.
func ListTokens(ctx context.Context, cfg Config, email string, out io.Writer, log *slog.Logger) error {
	return withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		u, err := s.UserByEmail(ctx, email)
		if err != nil {
			return cliError(err)
		}
		list, err := s.Tokens(ctx, u.ID)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tPREFIX\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
		for _, t := range list {
			status := "active"
			switch {
			case t.RevokedAt != nil:
				status = "revoked"
			case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
				status = "expired"
			}
			fmt.Fprintf(w, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", t.ID, oneLine(t.Name), auth.TokenPrefix+t.Prefix, t.Scope,
				t.CreatedAt.UTC().Format(time.DateTime), timeOr(t.ExpiresAt, "never"), timeOr(t.LastUsedAt, "never"), status)
		}
		return w.Flush()
	})
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.DateTime)
}

// RevokeToken runs `copydesk token revoke` and writes what it revoked to out.
func RevokeToken(ctx context.Context, cfg Config, id int64, out io.Writer, log *slog.Logger) error {
	return withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		t, err := s.TokenByID(ctx, id)
		if cerr.Is(err, cerr.NotFound) {
			return fmt.Errorf("--id: there is no token %d (`copydesk token list --email EMAIL` lists a user's tokens)", id)
		}
		if err != nil {
			return err
		}
		if _, err := s.RevokeToken(ctx, id); err != nil {
			return cliError(err)
		}
		owner := fmt.Sprintf("user %d", t.UserID)
		if m, err := s.UsersByIDs(ctx, []int64{t.UserID}); err == nil && m[t.UserID] != nil {
			owner = m[t.UserID].Email
		}
		verb := "revoked"
		if t.RevokedAt != nil {
			verb = "already revoked"
		}
		fmt.Fprintf(out, "%s token %d %q (%s%s…) of %s\n", verb, t.ID, t.Name, auth.TokenPrefix, t.Prefix, owner)
		return nil
	})
}

// AddDesk runs `copydesk desk add` and returns the new desk.
func AddDesk(ctx context.Context, cfg Config, slug, name string, log *slog.Logger) (*auth.Desk, error) {
	var out *auth.Desk
	err := withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		d, err := s.CreateDesk(ctx, slug, name)
		if err != nil {
			return cliError(err)
		}
		out = d
		log.Info("desk created", "id", d.ID, "slug", d.Slug)
		return nil
	})
	return out, err
}

// ListDesks runs `copydesk desk list`.
func ListDesks(ctx context.Context, cfg Config, out io.Writer, log *slog.Logger) error {
	return withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		desks, err := s.Desks(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSLUG\tNAME\tCREATED")
		for _, d := range desks {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", d.ID, d.Slug, oneLine(d.Name), d.CreatedAt.UTC().Format(time.DateTime))
		}
		return w.Flush()
	})
}

// DeskSettings runs `copydesk desk settings`: it applies c to the settings
// of the desk with slug deskSlug ("": of reports on no desk) when c
// changes anything, then prints the settings.
func DeskSettings(ctx context.Context, cfg Config, deskSlug string, c identity.SettingsChange, change bool, out io.Writer, log *slog.Logger) error {
	return withIdentity(ctx, cfg, log, func(ctx context.Context, s *identity.Service) error {
		var deskID *int64
		name := "reports on no desk"
		if deskSlug != "" {
			d, err := s.DeskBySlug(ctx, deskSlug)
			if err != nil {
				return unknownDesk(ctx, s, deskSlug)
			}
			deskID, name = &d.ID, "desk "+d.Slug
		}
		var st workflow.Settings
		var err error
		if change {
			if st, err = s.UpdateDeskSettings(ctx, deskID, c); err != nil {
				return flagError(err, settingsFlags)
			}
			log.Info("desk settings changed", "desk", name)
		} else if st, err = s.DeskSettings(ctx, deskID); err != nil {
			return err
		}
		roles := make([]string, len(st.TagCreatorRoles))
		for i, r := range st.TagCreatorRoles {
			roles[i] = string(r)
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "settings of\t%s\n", name)
		fmt.Fprintf(w, "approvals-required\t%d\n", st.ApprovalsRequired)
		fmt.Fprintf(w, "assigned-reviewers-only\t%t\n", st.AssignedReviewersOnly)
		fmt.Fprintf(w, "required-changes-block\t%t\n", st.RequiredChangesBlockApproval)
		fmt.Fprintf(w, "edit-reopens-review\t%t\n", st.EditReopensReview)
		fmt.Fprintf(w, "private-drafts\t%t\n", st.PrivateDrafts)
		fmt.Fprintf(w, "target-locales\t%s\n", strings.Join(st.TargetLocales, ","))
		fmt.Fprintf(w, "tag-creators\t%s\n", strings.Join(roles, ","))
		return w.Flush()
	})
}

var settingsFlags = []flagFor{
	{"input.approvalsRequired", "--approvals-required"},
	{"input.targetLocales", "--target-locales"},
	{"input.tagCreatorRoles", "--tag-creators"},
	{"input.deskId", "--desk"},
}

// flagFor maps an input path prefix to the CLI flag that sets it.
type flagFor struct{ prefix, flag string }

// cliFlags maps the input paths of identity errors to the CLI flags that
// set them (longest prefix first).
var cliFlags = []flagFor{
	{"input.grants", "--role/--desk"},
	{"input.locales", "--locale"},
	{"input.locale", "--user-locale"},
	{"input.email", "--email"},
	{"input.name", "--name"},
	{"input.slug", "--slug"},
	{"input.expiresAt", "--expires"},
	{"input.id", "--id"},
	{"email", "--email"},
}

// cliError rewrites a coded identity error as "--flag: message" for the
// terminal; other errors pass through.
func cliError(err error) error { return flagError(err, cliFlags) }

// flagError rewrites a coded error as "--flag: message", the flag found
// in flags by the error's input path, or as its message alone; other
// errors pass through.
func flagError(err error, flags []flagFor) error {
	e := cerr.As(err)
	if e == nil || e.Code == cerr.Internal {
		return err
	}
	for _, f := range flags {
		if e.Field == f.prefix || strings.HasPrefix(e.Field, f.prefix+".") {
			return fmt.Errorf("%s: %s", f.flag, e.Message)
		}
	}
	return errors.New(e.Message)
}

// bootstrapAdmin creates the local admin on an empty database
// (identity.Service.EnsureLocalAdmin) and, when it did, prints its token
// once to cfg.Stderr (os.Stderr when nil) with how to use it.
func bootstrapAdmin(ctx context.Context, cfg Config, db *postgres.DB, log *slog.Logger) error {
	token, created, err := identity.New(db).EnsureLocalAdmin(ctx)
	if err != nil {
		if cfg.NoMigrate {
			log.Warn("cannot create the local admin; is the schema migrated?", "err", err)
			return nil
		}
		return fmt.Errorf("create the local admin: %w", err)
	}
	if !created {
		return nil
	}
	log.Info("local admin created; its API token is printed below, once", "email", identity.LocalAdminEmail)
	w := cfg.Stderr
	if w == nil {
		w = os.Stderr
	}
	base := explorerBase(cfg.Addr)
	const rule = "================================================================================"
	fmt.Fprintf(w, `
%[1]s
copydesk created a local admin (%[2]s) and an API token for it.
The token is shown only this once; keep it somewhere safe:

    %[3]s

In the explorer (%[4]s/), open the Headers pane at the bottom and enter:

    {"Authorization": "Bearer %[3]s"}

From a script:

    curl -H 'Authorization: Bearer %[3]s' -H 'Content-Type: application/json' \
         -d '{"query": "{ serverInfo { version } }"}' %[4]s/graphql

Lost it? 'copydesk token create --email %[2]s' prints a new one, also
while this server runs (give it the server's --data-dir or DATABASE_URL).
%[1]s

`, rule, identity.LocalAdminEmail, token, base)
	return nil
}

// explorerBase returns the server's URL for the listen address addr, as a
// browser on this machine would reach it ("http://127.0.0.1:8080").
func explorerBase(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	switch {
	case err != nil || port == "0" || port == "":
		return "http://127.0.0.1:PORT" // the port is chosen at start-up; the server logs it
	case host == "" || host == "0.0.0.0" || host == "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
