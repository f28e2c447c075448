package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var tokenLine = regexp.MustCompile(`^cdk_[A-Za-z0-9_-]{43}\n$`)

type result struct {
	code           int
	stdout, stderr string
}

func cli(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r
}

func (r result) fails(t *testing.T, stderrHas ...string) result {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("exit 0, want a failure\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
	if r.stdout != "" {
		t.Fatalf("a failed command wrote to stdout: %q", r.stdout)
	}
	for _, s := range stderrHas {
		if !strings.Contains(r.stderr, s) {
			t.Fatalf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	return r
}

// setup points DATABASE_URL at a fresh database and returns an identity
// service over it, for checking what the commands did.
func setup(t *testing.T) *identity.Service {
	t.Helper()
	dsn := pgtest.NewDSN(t)
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("COPYDESK_LOG_FORMAT", "text")
	db, err := sqlx.Connect("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return identity.New(postgres.Wrap(db))
}

func TestUserAddPrintsOnlyAWorkingToken(t *testing.T) {
	ids := setup(t)
	ctx := context.Background()
	deskOut := cli(t, "desk", "add", "--slug", "politics", "--name", "Politics").ok(t)
	cli(t, "desk", "add", "--slug", "sport", "--name", "Sport").ok(t)
	deskID, err := strconv.ParseInt(strings.TrimSpace(deskOut.stdout), 10, 64)
	if err != nil {
		t.Fatalf("desk add printed %q, want the ID", deskOut.stdout)
	}

	r := cli(t, "user", "add", "--email", "li@example.org", "--name", "Li Wei", "--role", "editor", "--role", "TRANSLATOR",
		"--desk", "politics", "--locale", "zh-hans", "--locale", "ja,ko").ok(t)
	if !tokenLine.MatchString(r.stdout) {
		t.Fatalf("stdout = %q, want only a token", r.stdout)
	}
	if strings.Contains(r.stderr, strings.TrimSpace(r.stdout)) {
		t.Fatalf("the token is logged to stderr too:\n%s", r.stderr)
	}
	v, err := ids.Authenticate(ctx, strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[{EDITOR %d} {TRANSLATOR %d}]", deskID, deskID)
	var got []string
	for _, g := range v.Grants {
		got = append(got, fmt.Sprintf("{%s %d}", g.Role, *g.DeskID))
	}
	if "["+strings.Join(got, " ")+"]" != want || fmt.Sprint(v.Locales) != "[ja ko zh-Hans]" || v.Scope != auth.ScopeFull || v.Email != "li@example.org" {
		t.Fatalf("viewer = %+v (grants %v), want grants %s", v, got, want)
	}

	// An admin on every desk.
	r = cli(t, "user", "add", "--email", "boss@example.org", "--name", "Boss", "--role", "admin").ok(t)
	v, err = ids.Authenticate(ctx, strings.TrimSpace(r.stdout))
	if err != nil || !v.HasRole(auth.Admin, nil) {
		t.Fatalf("admin viewer = %+v, %v", v, err)
	}

	// Failures write nothing to stdout and say what is wrong.
	cli(t, "user", "add", "--email", "x@example.org", "--name", "X", "--role", "reporter", "--desk", "culture").
		fails(t, `no desk has the slug "culture"`, "politics (Politics)", "sport (Sport)", "copydesk desk add")
	cli(t, "user", "add", "--email", "LI@example.org", "--name", "Dup", "--role", "reporter").fails(t, "--email:", "already exists")
	cli(t, "user", "add", "--email", "y@example.org", "--name", "Y", "--role", "owner").fails(t, `"owner" is not a role`)
	cli(t, "user", "add", "--email", "y@example.org", "--name", "Y").fails(t, "--role is required")
	cli(t, "user", "add", "--name", "Y", "--role", "editor").fails(t, "--email is required")
	cli(t, "user", "add", "--email", "not-an-email", "--name", "Y", "--role", "editor").fails(t, "--email:", "not an email address")
	cli(t, "user", "add", "--email", "y@example.org", "--name", "Y", "--role", "admin", "--desk", "sport").fails(t, "--role/--desk:", "every desk")
	cli(t, "user", "add", "--email", "y@example.org", "--name", "Y", "--role", "editor", "--locale", "ja").fails(t, "--locale:", "TRANSLATOR")
	cli(t, "user", "add", "--email", "y@example.org", "--name", "Y", "--role", "editor", "stray").fails(t, `unexpected argument "stray"`)
	if u, _ := ids.Users(auth.WithViewer(ctx, auth.System()), 100, 0); len(u) != 2 {
		t.Fatalf("%d users after the failures, want 2", len(u))
	}

	list := cli(t, "user", "list").ok(t).stdout
	for _, s := range []string{"ID", "EMAIL", "ROLES", "LOCALES", "li@example.org", "Li Wei", "EDITOR@politics,TRANSLATOR@politics", "ja,ko,zh-Hans", "boss@example.org", "ADMIN", "active"} {
		if !strings.Contains(list, s) {
			t.Fatalf("user list lacks %q:\n%s", s, list)
		}
	}
	if lines := strings.Count(list, "\n"); lines != 3 {
		t.Fatalf("user list has %d lines, want a header and 2 users:\n%s", lines, list)
	}
	desks := cli(t, "desk", "list").ok(t).stdout
	if !strings.Contains(desks, "politics") || !strings.Contains(desks, "Sport") {
		t.Fatalf("desk list:\n%s", desks)
	}
	cli(t, "desk", "add", "--slug", "politics", "--name", "Other").fails(t, "--slug:", "already used")
}

func TestTokenCreateListRevoke(t *testing.T) {
	ids := setup(t)
	ctx := context.Background()
	cli(t, "user", "add", "--email", "r@example.org", "--name", "R", "--role", "reporter").ok(t)

	r := cli(t, "token", "create", "--email", "R@EXAMPLE.org", "--name", "feed reader", "--expires", "1h", "--read-published").ok(t)
	if !tokenLine.MatchString(r.stdout) {
		t.Fatalf("stdout = %q, want only a token", r.stdout)
	}
	token := strings.TrimSpace(r.stdout)
	v, err := ids.Authenticate(ctx, token)
	if err != nil || v.Scope != auth.ScopeReadPublished {
		t.Fatalf("viewer = %+v, %v", v, err)
	}
	tk, err := ids.TokenByID(ctx, v.TokenID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Name != "feed reader" || tk.ExpiresAt == nil || time.Until(*tk.ExpiresAt) < 55*time.Minute || time.Until(*tk.ExpiresAt) > time.Hour {
		t.Fatalf("token = %+v", tk)
	}
	full := strings.TrimSpace(cli(t, "token", "create", "--email", "r@example.org").ok(t).stdout)
	if fv, err := ids.Authenticate(ctx, full); err != nil || fv.Scope != auth.ScopeFull {
		t.Fatalf("default token viewer = %+v, %v", fv, err)
	}

	list := cli(t, "token", "list", "--email", "r@example.org").ok(t).stdout
	for _, s := range []string{"feed reader", "READ_PUBLISHED", "cdk_" + tk.Prefix + "…", "FULL", "cli"} {
		if !strings.Contains(list, s) {
			t.Fatalf("token list lacks %q:\n%s", s, list)
		}
	}
	if strings.Contains(list, token) || strings.Contains(list, full) {
		t.Fatalf("token list shows a token:\n%s", list)
	}

	out := cli(t, "token", "revoke", "--id", strconv.FormatInt(tk.ID, 10)).ok(t).stdout
	if !strings.Contains(out, "revoked token") || !strings.Contains(out, "r@example.org") {
		t.Fatalf("revoke printed %q", out)
	}
	if _, err := ids.Authenticate(ctx, token); cerr.Message(err) != identity.MsgTokenRevoked {
		t.Fatalf("after revoke: %v", err)
	}
	if out := cli(t, "token", "revoke", "--id", strconv.FormatInt(tk.ID, 10)).ok(t).stdout; !strings.Contains(out, "already revoked") {
		t.Fatalf("second revoke printed %q", out)
	}
	if !strings.Contains(cli(t, "token", "list", "--email", "r@example.org").ok(t).stdout, "revoked") {
		t.Fatal("token list does not show the revocation")
	}

	cli(t, "token", "revoke", "--id", "987654").fails(t, "no token 987654")
	cli(t, "token", "revoke").fails(t, "--id is required")
	cli(t, "token", "create", "--email", "nobody@example.org").fails(t, "--email:", "nobody@example.org")
	cli(t, "token", "create", "--email", "r@example.org", "--expires", "-1h").fails(t, "--expires")
}

func TestIdentityCommandsHelp(t *testing.T) {
	for _, args := range [][]string{
		{"user", "--help"}, {"user", "add", "--help"}, {"user", "list", "-h"},
		{"token", "help"}, {"token", "create", "--help"}, {"token", "list", "--help"}, {"token", "revoke", "--help"},
		{"desk", "--help"}, {"desk", "add", "--help"}, {"desk", "list", "--help"},
	} {
		r := cli(t, args...)
		if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "copydesk "+args[0]) {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
	}
	help := cli(t, "user", "add", "--help").stderr
	for _, flag := range []string{"-email", "-name", "-role", "-desk", "-locale", "-database-url", "-data-dir"} {
		if !strings.Contains(help, flag) {
			t.Errorf("user add --help lacks %s:\n%s", flag, help)
		}
	}
	cli(t, "user").fails(t, "Usage:", "say add or list")
	cli(t, "token", "mint").fails(t, `unknown subcommand "mint"`)
	if top := cli(t, "help").ok(t).stdout; !strings.Contains(top, "copydesk user add|list") || !strings.Contains(top, "copydesk token create|list|revoke") {
		t.Errorf("copydesk --help lacks the identity commands:\n%s", top)
	}
	if serve := cli(t, "serve", "--help").stderr; !strings.Contains(serve, "-bootstrap-admin") || !strings.Contains(serve, "COPYDESK_BOOTSTRAP_ADMIN") {
		t.Errorf("serve --help lacks --bootstrap-admin:\n%s", serve)
	}
}

// desk settings prints a desk's settings, changes those given, names the
// flag of a refused value, and the old per-instance flags say where they went.
func TestDeskSettingsCommand(t *testing.T) {
	s := setup(t)
	cli(t, "desk", "add", "--slug", "politics", "--name", "Politics").ok(t)
	cli(t, "desk", "settings").fails(t, "--desk SLUG, or --no-desk")
	out := cli(t, "desk", "settings", "--desk", "politics").ok(t).stdout
	for _, want := range []string{"desk politics", "approvals-required       1", "required-changes-block   true", "tag-creators             REPORTER,EDITOR"} {
		if !strings.Contains(out, want) {
			t.Fatalf("settings lack %q:\n%s", want, out)
		}
	}
	out = cli(t, "desk", "settings", "--desk", "politics", "--approvals-required", "2", "--assigned-reviewers-only",
		"--target-locales", "zh-hans, ja", "--tag-creators", "editor").ok(t).stdout
	for _, want := range []string{"approvals-required       2", "assigned-reviewers-only  true", "target-locales           zh-Hans,ja", "tag-creators             EDITOR"} {
		if !strings.Contains(out, want) {
			t.Fatalf("changed settings lack %q:\n%s", want, out)
		}
	}
	d, err := s.DeskBySlug(t.Context(), "politics")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.DeskSettings(auth.WithViewer(t.Context(), auth.System()), &d.ID)
	if err != nil || got.ApprovalsRequired != 2 || !got.AssignedReviewersOnly {
		t.Fatalf("stored: %+v %v", got, err)
	}
	cli(t, "desk", "settings", "--desk", "politics", "--approvals-required", "11").fails(t, "--approvals-required: Approvals required must be between 1 and 10")
	cli(t, "desk", "settings", "--no-desk", "--tag-creators", "admin").fails(t, "--tag-creators:")
	cli(t, "desk", "settings", "--desk", "nope").fails(t, `no desk has the slug "nope"`)

	cli(t, "serve", "--approvals-required", "2").fails(t, "--approvals-required (env COPYDESK_APPROVALS_REQUIRED) is no longer an instance setting", "copydesk desk settings --desk SLUG --approvals-required N")
	t.Setenv("COPYDESK_TARGET_LOCALES", "ja")
	cli(t, "serve").fails(t, "--target-locales (env COPYDESK_TARGET_LOCALES) is no longer an instance setting")
}
