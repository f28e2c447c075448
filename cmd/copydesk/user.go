package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
)

// The operator commands for users, API tokens and desks. Commands that
// create a token print the token, and nothing else, on stdout (logs go to
// stderr), so `TOKEN=$(copydesk token create --email …)` works.

const userUsage = `Manage users.

Usage:
  copydesk user add --email E --name N --role R [--role R2 …] [--desk SLUG] [--locale L …]
                    create a user and a FULL API token; print the token
  copydesk user list
                    print every user with their roles, desks and locales

Run 'copydesk user add --help' for its flags.
`

const tokenUsage = `Manage API tokens.

Usage:
  copydesk token create --email E [--name N] [--expires 720h] [--read-published]
                    create a token for the user; print the token
  copydesk token list --email E
                    print the user's tokens (never the tokens themselves)
  copydesk token revoke --id N
                    revoke a token: it stops working at once

Run 'copydesk token create --help' for its flags.
`

const deskUsage = `Manage desks (the newsroom's sections; roles may be limited to one).

Usage:
  copydesk desk add --slug S --name N
  copydesk desk list
  copydesk desk settings (--desk SLUG | --no-desk) [--approvals-required N] [--assigned-reviewers-only=BOOL]
                         [--required-changes-block=BOOL] [--edit-reopens-review=BOOL] [--private-drafts=BOOL]
                         [--target-locales L,L] [--tag-creators ROLE,ROLE]
                    print a desk's editorial settings (or those of reports on no desk), changing
                    those given first; every server instance applies them at once
`

// subcommand splits args into a subcommand and its arguments. With none, or
// with help asked for, it prints usage and returns flag.ErrHelp (exit 0) or
// an error (exit 1).
func subcommand(args []string, usage string, stderr io.Writer, known ...string) (string, []string, error) {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return "", nil, fmt.Errorf("say %s", strings.Join(known, " or "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, usage)
		return "", nil, flag.ErrHelp
	}
	for _, k := range known {
		if args[0] == k {
			return k, args[1:], nil
		}
	}
	fmt.Fprint(stderr, usage)
	return "", nil, fmt.Errorf("unknown subcommand %q: say %s", args[0], strings.Join(known, " or "))
}

// parseOnly parses args and refuses positional arguments.
func parseOnly(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (every value is given with a flag)", fs.Arg(0))
	}
	return nil
}

// listFlag is a flag that may be repeated; each value may also hold several
// items separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

func required(name, value string) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("--%s is required", name)
	}
	return nil
}

func userCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(args, userUsage, stderr, "add", "list")
	if err != nil {
		return err
	}
	var c common
	switch sub {
	case "add":
		fs := newFlagSet("user add", "Create a user and a FULL API token for them (named \""+app.CLITokenName+"\"), and print the token, and nothing else, on stdout.", stderr)
		c.register(fs)
		email := fs.String("email", "", "the user's email address (required; unique, compared case-insensitively)")
		name := fs.String("name", "", "the user's display name (required)")
		userLocale := fs.String("user-locale", "", "the user's own locale, BCP 47 (default en)")
		desk := fs.String("desk", "", "limit the roles to the desk with this slug (default: every desk); see 'copydesk desk list'")
		var roles, locales listFlag
		fs.Var(&roles, "role", "a role to grant: ADMIN, EDITOR, REPORTER, REVIEWER or TRANSLATOR (required; repeat, or separate with commas)")
		fs.Var(&locales, "locale", "a locale a TRANSLATOR works in, BCP 47, e.g. zh-Hans (repeat, or separate with commas)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if err := errors.Join(required("email", *email), required("name", *name)); err != nil {
			return err
		}
		if len(roles) == 0 {
			return errors.New("--role is required: give ADMIN, EDITOR, REPORTER, REVIEWER or TRANSLATOR at least once")
		}
		req := app.NewUserRequest{Email: *email, Name: *name, Locale: *userLocale, DeskSlug: strings.TrimSpace(*desk), Locales: locales}
		for _, r := range roles {
			role, ok := auth.ParseRole(r)
			if !ok {
				return fmt.Errorf("--role: %q is not a role: use ADMIN, EDITOR, REPORTER, REVIEWER or TRANSLATOR", r)
			}
			req.Roles = append(req.Roles, role)
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		token, err := app.AddUser(ctx, c.config(), req, log)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		return nil
	default: // list
		fs := newFlagSet("user list", "Print every user: ID, email, name, roles (ROLE@desk for a desk's role), translator locales, creation time and status.", stderr)
		c.register(fs)
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.ListUsers(ctx, c.config(), stdout, log)
	}
}

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(args, tokenUsage, stderr, "create", "list", "revoke")
	if err != nil {
		return err
	}
	var c common
	switch sub {
	case "create":
		fs := newFlagSet("token create", "Create an API token for a user and print it, and nothing else, on stdout. It is shown only now.", stderr)
		c.register(fs)
		email := fs.String("email", "", "the email of the token's user (required)")
		name := fs.String("name", app.CLITokenName, "a name to tell the token apart in lists")
		expires := fs.Duration("expires", 0, "how long the token works, e.g. 720h (default: until revoked)")
		readPublished := fs.Bool("read-published", false, "a READ_PUBLISHED token, which may only read published content, instead of a FULL one")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if err := required("email", *email); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		token, err := app.CreateToken(ctx, c.config(), app.NewTokenRequest{Email: *email, Name: *name, ExpiresIn: *expires, ReadPublished: *readPublished}, log)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		return nil
	case "list":
		fs := newFlagSet("token list", "Print a user's API tokens, newest first: ID, name, prefix, scope, times and status. The tokens themselves are never stored.", stderr)
		c.register(fs)
		email := fs.String("email", "", "the email of the tokens' user (required)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if err := required("email", *email); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.ListTokens(ctx, c.config(), *email, stdout, log)
	default: // revoke
		fs := newFlagSet("token revoke", "Revoke an API token: requests with it fail from now on. Revoking a revoked token does nothing.", stderr)
		c.register(fs)
		id := fs.Int64("id", 0, "the token's ID, from 'copydesk token list' (required)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if *id <= 0 {
			return errors.New("--id is required: give the token's ID (see 'copydesk token list --email EMAIL')")
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.RevokeToken(ctx, c.config(), *id, stdout, log)
	}
}

func deskCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(args, deskUsage, stderr, "add", "list", "settings")
	if err != nil {
		return err
	}
	var c common
	switch sub {
	case "add":
		fs := newFlagSet("desk add", "Create a desk and print its ID.", stderr)
		c.register(fs)
		slug := fs.String("slug", "", "the desk's slug: lowercase letters, digits and hyphens, e.g. politics (required)")
		name := fs.String("name", "", "the desk's name, e.g. Politics (required)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if err := errors.Join(required("slug", *slug), required("name", *name)); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		d, err := app.AddDesk(ctx, c.config(), *slug, *name, log)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, d.ID)
		return nil
	case "settings":
		return deskSettingsCmd(ctx, args, stdout, stderr)
	default: // list
		fs := newFlagSet("desk list", "Print every desk: ID, slug, name and creation time.", stderr)
		c.register(fs)
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.ListDesks(ctx, c.config(), stdout, log)
	}
}

func deskSettingsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("desk settings", "Print a desk's editorial settings, changing those given first (admins' work: audited as desk.settings).", stderr)
	c.register(fs)
	desk := fs.String("desk", "", "the desk's slug; see 'copydesk desk list'")
	noDesk := fs.Bool("no-desk", false, "the settings of reports on no desk, which new desks start from")
	var change identity.SettingsChange
	changed := false
	intFlag := func(name, usage string, dst **int) {
		fs.Func(name, usage, func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a number", v)
			}
			*dst, changed = &n, true
			return nil
		})
	}
	boolFlag := func(name, usage string, dst **bool) {
		fs.BoolFunc(name, usage, func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			*dst, changed = &b, true
			return nil
		})
	}
	listFlag := func(name, usage string, set func([]string)) {
		fs.Func(name, usage, func(v string) error {
			var list []string
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" {
					list = append(list, x)
				}
			}
			set(append([]string{}, list...))
			changed = true
			return nil
		})
	}
	intFlag("approvals-required", "approvals of a report's current version that make it APPROVED, 1 to 10", &change.ApprovalsRequired)
	boolFlag("assigned-reviewers-only", "only a report's assigned reviewers may approve it", &change.AssignedReviewersOnly)
	boolFlag("required-changes-block", "an open required change blocks approval", &change.RequiredChangesBlockApproval)
	boolFlag("edit-reopens-review", "an edit to an approved or scheduled report sends it back to review", &change.EditReopensReview)
	boolFlag("private-drafts", "the desk's reports are for its members in the newsroom (others see its published ones as the public does)", &change.PrivateDrafts)
	listFlag("target-locales", "comma-separated locales the desk's reports should be translated into, e.g. zh-Hans,ja,ko (\"\": none)",
		func(l []string) { change.TargetLocales = l })
	listFlag("tag-creators", "comma-separated roles that may create tags by name, e.g. REPORTER,EDITOR (\"\": admins only)", func(l []string) {
		change.TagCreatorRoles = make([]auth.Role, len(l))
		for i, r := range l {
			change.TagCreatorRoles[i] = auth.Role(strings.ToUpper(r))
		}
	})
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if (*desk == "") == !*noDesk {
		return errors.New("give --desk SLUG, or --no-desk for the settings of reports on no desk")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	return app.DeskSettings(ctx, c.config(), strings.TrimSpace(*desk), change, changed, stdout, log)
}
