// Package testkit is the shared kit of copydesk's service tests: the
// editorial services over a test database, a newsroom fixture (a small
// directory; a desk with one user per role), the checks every test makes
// (WantErr, FailCase runners that prove a failed call wrote nothing), and
// small helpers (Ptr, Of). It is imported by tests only.
package testkit

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

// Services are the editorial services over one test database, embedded so
// that a test calls svc.CreateTag, svc.CreateReport and svc.UpsertTranslation
// on one value.
type Services struct {
	*Reports
	*Directory
	*Translations
	DB *postgres.DB
}

// The embedded services, named so that Services can embed all three.
type (
	Reports      = reports.Service
	Directory    = directory.Service
	Translations = translation.Service
)

// NewServices returns the services over a fresh test database (pgtest.NewDB).
func NewServices(t *testing.T) (*Services, *postgres.DB) {
	t.Helper()
	db := postgres.Wrap(pgtest.NewDB(t))
	ns := newsroom.New(db)
	return &Services{Reports: ns.Reports, Directory: ns.Directory, Translations: ns.Translations, DB: db}, db
}

// AsSystem is the context the specification tests call the services in:
// copydesk's System viewer, who may do everything. Who may do what is
// specified in the access tests.
func AsSystem(t testing.TB) context.Context { return auth.WithViewer(t.Context(), auth.System()) }

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// Set returns a partial-update field set to v.
func Set[T any](v T) editorial.Field[T] { return editorial.SetTo(v) }

// Got holds a call's results until OK checks its error: Of(f()).OK(t).
type Got[T any] struct {
	v   T
	err error
}

// Of holds the results of a call returning a value and an error.
func Of[T any](v T, err error) Got[T] { return Got[T]{v, err} }

// OK fails the test if the call failed and returns its value.
func (g Got[T]) OK(t testing.TB) T {
	t.Helper()
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g.v
}

// Got2 is Got for calls with two results and an error (the List functions).
type Got2[A, B any] struct {
	a   A
	b   B
	err error
}

// Of2 holds the results of a call returning two values and an error.
func Of2[A, B any](a A, b B, err error) Got2[A, B] { return Got2[A, B]{a, b, err} }

// OK fails the test if the call failed and returns its values.
func (g Got2[A, B]) OK(t testing.TB) (A, B) {
	t.Helper()
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g.a, g.b
}

// WantErr fails unless err is a *cerr.Error with code and field, and
// returns it.
func WantErr(t testing.TB, err error, code, field string) *cerr.Error {
	t.Helper()
	e := cerr.As(err)
	if e == nil {
		t.Fatalf("err = %v, want %s on %q", err, code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("err = %v (code %s, field %q), want code %s, field %q", err, e.Code, e.Field, code, field)
	}
	return e
}

// WantCode fails unless err has code (and a message containing msg, if set).
func WantCode(t testing.TB, err error, code, msg string) {
	t.Helper()
	if cerr.Code(err) != code || (msg != "" && !strings.Contains(cerr.Message(err), msg)) {
		t.Fatalf("err = %v, want %s %q", err, code, msg)
	}
}

// Diff fails the test with a "(-want +got)" diff unless want and got are
// equal (cmp.Diff with opts).
func Diff(t testing.TB, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// FailCase is one failing call: it must return Code on Field and leave the
// database as it was.
type FailCase struct {
	Name  string
	Call  func() error
	Code  string
	Field string
	Msg   string // a substring the message must contain, if set
}

// RunFailCases runs each case as a subtest and checks, with dump, that the
// failed call changed nothing. Dump, ReportDump and WorkflowDump are the
// usual dumps.
func RunFailCases(t *testing.T, db *postgres.DB, dump func(testing.TB, *postgres.DB) string, cases []FailCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			before := dump(t, db)
			e := WantErr(t, tc.Call(), tc.Code, tc.Field)
			if tc.Msg != "" && !strings.Contains(e.Message, tc.Msg) {
				t.Errorf("message %q does not contain %q", e.Message, tc.Msg)
			}
			if after := dump(t, db); after != before {
				t.Errorf("a failed call changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// Exec runs a statement or fails the test.
func Exec(t testing.TB, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// RowCount returns the number of rows in table.
func RowCount(t testing.TB, db *postgres.DB, table string) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}
