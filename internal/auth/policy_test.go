package auth_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
)

func id(n int64) *int64 { return &n }

func TestHasRole(t *testing.T) {
	d1, d2 := id(1), id(2)
	cases := []struct {
		name   string
		grants []auth.Grant
		role   auth.Role
		desk   *int64
		want   bool
	}{
		{"no grants", nil, auth.Editor, d1, false},
		{"no grants, no desk", nil, auth.Editor, nil, false},
		{"unscoped grant, desk", []auth.Grant{{auth.Editor, nil}}, auth.Editor, d1, true},
		{"unscoped grant, no desk", []auth.Grant{{auth.Editor, nil}}, auth.Editor, nil, true},
		{"scoped grant, same desk", []auth.Grant{{auth.Editor, d1}}, auth.Editor, id(1), true},
		{"scoped grant, other desk", []auth.Grant{{auth.Editor, d1}}, auth.Editor, d2, false},
		{"scoped grant, no desk", []auth.Grant{{auth.Editor, d1}}, auth.Editor, nil, false},
		{"other role", []auth.Grant{{auth.Reporter, nil}}, auth.Editor, d1, false},
		{"editor is not reporter", []auth.Grant{{auth.Editor, nil}}, auth.Reporter, d1, false},
		{"admin satisfies editor", []auth.Grant{{auth.Admin, nil}}, auth.Editor, d1, true},
		{"admin satisfies translator, no desk", []auth.Grant{{auth.Admin, nil}}, auth.Translator, nil, true},
		{"admin satisfies admin", []auth.Grant{{auth.Admin, nil}}, auth.Admin, nil, true},
		{"desk admin, its desk", []auth.Grant{{auth.Admin, d1}}, auth.Reviewer, d1, true},
		{"desk admin, other desk", []auth.Grant{{auth.Admin, d1}}, auth.Reviewer, d2, false},
		{"desk admin is not admin everywhere", []auth.Grant{{auth.Admin, d1}}, auth.Admin, nil, false},
		{"second grant matches", []auth.Grant{{auth.Reporter, d1}, {auth.Reporter, d2}}, auth.Reporter, d2, true},
		{"mixed scoping", []auth.Grant{{auth.Translator, d1}, {auth.Reviewer, nil}}, auth.Translator, d2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := &auth.Viewer{UserID: 7, Scope: auth.ScopeFull, Grants: c.grants}
			if got := v.HasRole(c.role, c.desk); got != c.want {
				t.Fatalf("HasRole(%s, %v) with %+v = %v, want %v", c.role, c.desk, c.grants, got, c.want)
			}
		})
	}
	var nilViewer *auth.Viewer
	if nilViewer.HasRole(auth.Admin, nil) || auth.Anonymous().HasRole(auth.Reviewer, nil) {
		t.Fatal("nil or anonymous viewer has a role")
	}
}

// The permission matrix. Columns are the resources below; rows are viewers;
// each cell is Y (allowed), F (FORBIDDEN) or U (UNAUTHENTICATED).
const self, other int64 = 7, 8

var matrixResources = []struct {
	name string
	r    auth.Resource
}{
	{"d1", auth.Resource{DeskID: id(1)}},
	{"d2", auth.Resource{DeskID: id(2)}},
	{"nodesk", auth.Resource{}},
	{"d1-own-draft", auth.Resource{DeskID: id(1), OwnerID: id(self), Status: "DRAFT"}},
	{"d1-own-changes-requested", auth.Resource{DeskID: id(1), OwnerID: id(self), Status: "CHANGES_REQUESTED"}},
	{"d1-own-in-review", auth.Resource{DeskID: id(1), OwnerID: id(self), Status: "IN_REVIEW"}},
	{"d1-others-draft", auth.Resource{DeskID: id(1), OwnerID: id(other), Status: "DRAFT"}},
	{"nodesk-own-draft", auth.Resource{OwnerID: id(self), Status: "DRAFT"}},
	{"d1-ja", auth.Resource{DeskID: id(1), Locale: "ja"}},
	{"d1-ko", auth.Resource{DeskID: id(1), Locale: "ko"}},
	{"d2-ja", auth.Resource{DeskID: id(2), Locale: "ja"}},
	{"nodesk-ja", auth.Resource{Locale: "ja"}},
}

// matrixViewers: every role unscoped and on desk 1, a user without grants,
// the anonymous caller, and restricted tokens.
func matrixViewers() map[string]*auth.Viewer {
	vs := map[string]*auth.Viewer{
		"anonymous":            auth.Anonymous(),
		"no-grants":            {UserID: self, Scope: auth.ScopeFull, Locales: []string{"ja"}},
		"ADMIN/read-published": {UserID: self, Scope: auth.ScopeReadPublished, Grants: []auth.Grant{{auth.Admin, nil}}},
		"EDITOR/zero-scope":    {UserID: self, Grants: []auth.Grant{{auth.Editor, nil}}},
		"System":               auth.System(),
	}
	for _, r := range auth.Roles {
		vs[string(r)] = &auth.Viewer{UserID: self, Scope: auth.ScopeFull, Locales: []string{"ja"}, Grants: []auth.Grant{{r, nil}}}
		vs[string(r)+"@d1"] = &auth.Viewer{UserID: self, Scope: auth.ScopeFull, Locales: []string{"ja"}, Grants: []auth.Grant{{r, id(1)}}}
	}
	return vs
}

const (
	allY    = "YYYYYYYYYYYY"
	allF    = "FFFFFFFFFFFF"
	allU    = "UUUUUUUUUUUU"
	onlyD1  = "YFFYYYYFYYFF" // every resource on desk 1
	onlyOwn = "FFFYYYFYFFFF" // every resource with OwnerID self
)

// matrix is written out by hand from the policy's specification; it is not
// derived from the code under test.
var matrix = map[auth.Action]map[string]string{
	auth.CreateReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allY, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": onlyD1, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.EditReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": "FFFYYFFYFFFF", "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": "FFFYYFFFFFFF", "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ArchiveReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.SubmitReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": "FFFYYFFYFFFF", "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": "FFFYYFFFFFFF", "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ReviewReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allY, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": onlyD1, "TRANSLATOR@d1": allF,
	},
	auth.AssignReviewers: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.PublishReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.TakeDownReport: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ReadDrafts: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allY, "REVIEWER": allY, "TRANSLATOR": allY,
		"ADMIN@d1": allY, "EDITOR@d1": allY, "REPORTER@d1": allY, "REVIEWER@d1": allY, "TRANSLATOR@d1": allY,
	},
	auth.Comment: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allY, "REVIEWER": allY, "TRANSLATOR": allY,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": onlyD1, "REVIEWER@d1": onlyD1, "TRANSLATOR@d1": onlyD1,
	},
	auth.EditTranslation: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": "FFFFFFFFYFYY",
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": "FFFFFFFFYFFF",
	},
	// Columns with OwnerID self stand for translations the viewer last edited.
	auth.ReviewTranslation: {
		"ADMIN": "YYYFFFYFYYYY", "EDITOR": "YYYFFFYFYYYY", "REPORTER": allF, "REVIEWER": "YYYFFFYFYYYY", "TRANSLATOR": allF,
		"ADMIN@d1": "YFFFFFYFYYFF", "EDITOR@d1": "YFFFFFYFYYFF", "REPORTER@d1": allF, "REVIEWER@d1": "YFFFFFYFYYFF", "TRANSLATOR@d1": allF,
	},
	auth.AssignTranslators: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	// No column names an assigned translator: TestDeleteTranslationByAssignee.
	auth.DeleteTranslation: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": onlyD1, "EDITOR@d1": onlyD1, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.EditDirectory: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allY, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": allY, "EDITOR@d1": allY, "REPORTER@d1": allY, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.MergeDirectory: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": allY, "EDITOR@d1": allY, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ManageUsers: {
		"ADMIN": allY, "EDITOR": allF, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": allF, "EDITOR@d1": allF, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ManageOperations: {
		"ADMIN": allY, "EDITOR": allF, "REPORTER": allF, "REVIEWER": allF, "TRANSLATOR": allF,
		"ADMIN@d1": allF, "EDITOR@d1": allF, "REPORTER@d1": allF, "REVIEWER@d1": allF, "TRANSLATOR@d1": allF,
	},
	auth.ManageOwnTokens: {
		"ADMIN": allY, "EDITOR": allY, "REPORTER": allY, "REVIEWER": allY, "TRANSLATOR": allY,
		"ADMIN@d1": allY, "EDITOR@d1": allY, "REPORTER@d1": allY, "REVIEWER@d1": allY, "TRANSLATOR@d1": allY,
		"no-grants": allY,
	},
	// OwnerID is the token's user: self in the own columns.
	auth.CreateToken: {
		"ADMIN": allY, "EDITOR": onlyOwn, "REPORTER": onlyOwn, "REVIEWER": onlyOwn, "TRANSLATOR": onlyOwn,
		"ADMIN@d1": onlyOwn, "EDITOR@d1": onlyOwn, "REPORTER@d1": onlyOwn, "REVIEWER@d1": onlyOwn, "TRANSLATOR@d1": onlyOwn,
		"no-grants": onlyOwn,
	},
	auth.RevokeToken: {
		"ADMIN": allY, "EDITOR": onlyOwn, "REPORTER": onlyOwn, "REVIEWER": onlyOwn, "TRANSLATOR": onlyOwn,
		"ADMIN@d1": onlyOwn, "EDITOR@d1": onlyOwn, "REPORTER@d1": onlyOwn, "REVIEWER@d1": onlyOwn, "TRANSLATOR@d1": onlyOwn,
		"no-grants": onlyOwn,
	},
	// OwnerID is the user whose email and tokens are read.
	auth.ReadUserPrivate: {
		"ADMIN": allY, "EDITOR": onlyOwn, "REPORTER": onlyOwn, "REVIEWER": onlyOwn, "TRANSLATOR": onlyOwn,
		"ADMIN@d1": onlyOwn, "EDITOR@d1": onlyOwn, "REPORTER@d1": onlyOwn, "REVIEWER@d1": onlyOwn, "TRANSLATOR@d1": onlyOwn,
		"no-grants": onlyOwn,
	},
}

// Rows every action shares: only a signed-in user with a FULL token may do
// anything, and without a grant only ManageOwnTokens and what concerns
// their own user (set above); the System viewer (an admin) may do
// everything.
var commonRows = map[string]string{
	"anonymous":            allU,
	"no-grants":            allF,
	"ADMIN/read-published": allF,
	"EDITOR/zero-scope":    allF,
	"System":               allY,
}

func TestPermissionMatrix(t *testing.T) {
	viewers := matrixViewers()
	// Every action has exactly one rule, and every rule a matrix.
	actions := []auth.Action{auth.CreateReport, auth.EditReport, auth.ArchiveReport,
		auth.SubmitReport, auth.ReviewReport, auth.AssignReviewers, auth.PublishReport, auth.TakeDownReport, auth.ReadDrafts, auth.Comment, auth.EditTranslation,
		auth.ReviewTranslation, auth.AssignTranslators, auth.DeleteTranslation, auth.EditDirectory, auth.MergeDirectory, auth.ManageUsers, auth.ManageOperations, auth.ManageOwnTokens,
		auth.CreateToken, auth.RevokeToken, auth.ReadUserPrivate}
	for _, a := range actions {
		n := 0
		for _, r := range auth.Rules {
			if r.Action == a {
				n++
			}
		}
		if n != 1 {
			t.Errorf("action %s has %d rules, want 1", a, n)
		}
	}
	for _, rule := range auth.Rules {
		if !slices.Contains(actions, rule.Action) {
			t.Errorf("rule for unknown action %q", rule.Action)
		}
		if rule.Description == "" || !strings.HasSuffix(rule.Description, ".") || rule.Allow == nil {
			t.Errorf("rule %s: incomplete (description %q)", rule.Action, rule.Description)
		}
		rows, ok := matrix[rule.Action]
		if !ok {
			t.Errorf("rule %s has no permission matrix", rule.Action)
			continue
		}
		for vname, v := range viewers {
			want, ok := rows[vname]
			if !ok {
				want, ok = commonRows[vname]
			}
			if !ok || len(want) != len(matrixResources) {
				t.Errorf("%s: no expected row for viewer %s", rule.Action, vname)
				continue
			}
			var got strings.Builder
			for _, res := range matrixResources {
				err := auth.Check(v, rule.Action, res.r)
				cell := "Y"
				switch cerr.Code(err) {
				case "":
				case cerr.Forbidden:
					cell = "F"
					wantMsg := rule.Description
					if v.Scope != auth.ScopeFull {
						wantMsg = auth.MsgReadPublished
					}
					if msg := cerr.Message(err); msg != wantMsg {
						t.Errorf("%s %s on %s: message %q, want %q", vname, rule.Action, res.name, msg, wantMsg)
					}
				case cerr.Unauthenticated:
					cell = "U"
					if msg := cerr.Message(err); msg != auth.MsgSignIn {
						t.Errorf("%s %s on %s: message %q", vname, rule.Action, res.name, msg)
					}
				default:
					cell = "?"
					t.Errorf("%s %s on %s: unexpected error %v", vname, rule.Action, res.name, err)
				}
				// Calling Allow directly never grants more than Check.
				if rule.Allow(v, res.r) != (err == nil) {
					t.Errorf("%s %s on %s: Allow disagrees with Check (%v)", vname, rule.Action, res.name, err)
				}
				got.WriteString(cell)
			}
			if got.String() != want {
				t.Errorf("%-20s %-18s got %s, want %s (columns: %s)", vname, rule.Action, got.String(), want, resourceNames())
			}
		}
	}
}

// The exception of DeleteTranslation: the translator assigned to a
// translation may delete it while it is IN_PROGRESS, where they may edit it.
// Columns: translations on desk 1 into ja (the viewers' locale) unless
// named otherwise, assigned to the viewer unless named otherwise.
func TestDeleteTranslationByAssignee(t *testing.T) {
	translation := func(desk *int64, locale string, assignee *int64, status string) auth.Resource {
		return auth.Resource{DeskID: desk, Locale: locale, AssigneeID: assignee, Status: status, OwnerID: id(other)}
	}
	columns := []auth.Resource{
		translation(id(1), "ja", id(self), "IN_PROGRESS"),
		translation(id(1), "ja", id(self), "IN_REVIEW"),
		translation(id(1), "ja", id(self), "APPROVED"),
		translation(id(1), "ja", id(other), "IN_PROGRESS"), // assigned to someone else
		translation(id(1), "ja", nil, "IN_PROGRESS"),       // assigned to nobody
		translation(id(1), "ko", id(self), "IN_PROGRESS"),  // a locale not granted
		translation(id(2), "ja", id(self), "IN_PROGRESS"),  // another desk
		translation(nil, "ja", id(self), "IN_PROGRESS"),    // no desk
	}
	rows := map[string]string{
		"TRANSLATOR@d1": "YFFFFFFF",
		"TRANSLATOR":    "YFFFFFYY",
		"REVIEWER@d1":   "FFFFFFFF",
		"REPORTER":      "FFFFFFFF",
		"EDITOR@d1":     "YYYYYYFF",
		"ADMIN":         "YYYYYYYY",
		"no-grants":     "FFFFFFFF",
		"anonymous":     "UUUUUUUU",
	}
	viewers := matrixViewers()
	for vname, want := range rows {
		var got strings.Builder
		for _, res := range columns {
			err := auth.Check(viewers[vname], auth.DeleteTranslation, res)
			switch cerr.Code(err) {
			case "":
				got.WriteString("Y")
			case cerr.Forbidden:
				got.WriteString("F")
				if msg, rule := cerr.Message(err), auth.RuleFor(auth.DeleteTranslation).Description; msg != rule {
					t.Errorf("%s: message %q, want %q", vname, msg, rule)
				}
			case cerr.Unauthenticated:
				got.WriteString("U")
			default:
				t.Errorf("%s: unexpected error %v", vname, err)
				got.WriteString("?")
			}
		}
		if got.String() != want {
			t.Errorf("%-14s delete got %s, want %s", vname, got.String(), want)
		}
	}
}

func resourceNames() string {
	names := make([]string, len(matrixResources))
	for i, r := range matrixResources {
		names[i] = r.name
	}
	return strings.Join(names, " ")
}

func TestCheckUnknownActionIsInternal(t *testing.T) {
	err := auth.Check(&auth.Viewer{UserID: 1, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Admin, nil}}}, "report.frobnicate", auth.Resource{})
	if err == nil || cerr.Code(err) != cerr.Internal {
		t.Fatalf("Check(unknown action) = %v, want an internal error", err)
	}
}

func TestForbiddenMessagesRevealNothingAboutTheResource(t *testing.T) {
	v := &auth.Viewer{UserID: self, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Reviewer, id(1)}}}
	r := auth.Resource{DeskID: id(98765), OwnerID: id(43210), Status: "IN_REVIEW", Locale: "zh-Hant"}
	for _, rule := range auth.Rules {
		err := auth.Check(v, rule.Action, r)
		if err == nil {
			continue
		}
		msg := cerr.Message(err)
		for _, leak := range []string{"98765", "43210", "IN_REVIEW", "zh-Hant"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: message %q reveals %q", rule.Action, msg, leak)
			}
		}
	}
}

func TestViewerContext(t *testing.T) {
	ctx := context.Background()
	if v := auth.ViewerFrom(ctx); v == nil || v.IsAuthenticated() || v.SeesDrafts() {
		t.Fatalf("ViewerFrom(empty) = %+v, want anonymous", v)
	}
	if v := auth.ViewerFrom(auth.WithViewer(ctx, nil)); v == nil || v.IsAuthenticated() {
		t.Fatalf("ViewerFrom(nil viewer) = %+v, want anonymous", v)
	}
	want := &auth.Viewer{UserID: 3, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Reviewer, nil}}}
	got := auth.ViewerFrom(auth.WithViewer(ctx, want))
	if got != want || !got.SeesDrafts() {
		t.Fatalf("ViewerFrom = %+v, want %+v", got, want)
	}
}

func TestSeesDrafts(t *testing.T) {
	cases := []struct {
		v    *auth.Viewer
		want bool
	}{
		{auth.Anonymous(), false},
		{&auth.Viewer{UserID: 1, Scope: auth.ScopeFull}, false},
		{&auth.Viewer{UserID: 1, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Translator, id(4)}}}, true},
		{&auth.Viewer{UserID: 1, Scope: auth.ScopeReadPublished, Grants: []auth.Grant{{auth.Admin, nil}}}, false},
		{&auth.Viewer{UserID: 0, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Admin, nil}}}, false},
	}
	for i, c := range cases {
		if got := c.v.SeesDrafts(); got != c.want {
			t.Errorf("case %d: SeesDrafts(%+v) = %v, want %v", i, c.v, got, c.want)
		}
	}
}

func TestSortGrants(t *testing.T) {
	in := []auth.Grant{{auth.Translator, id(2)}, {auth.Editor, id(3)}, {auth.Editor, nil}, {auth.Admin, nil}, {auth.Translator, id(2)}, {auth.Editor, id(1)}}
	got := fmt.Sprint(grantStrings(auth.SortGrants(in)))
	want := "[ADMIN EDITOR EDITOR@1 EDITOR@3 TRANSLATOR@2]"
	if got != want {
		t.Fatalf("SortGrants = %s, want %s", got, want)
	}
}

func grantStrings(gs []auth.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = string(g.Role)
		if g.DeskID != nil {
			out[i] += fmt.Sprintf("@%d", *g.DeskID)
		}
	}
	return out
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]auth.Role{"editor": auth.Editor, " ADMIN ": auth.Admin, "Translator": auth.Translator} {
		if got, ok := auth.ParseRole(in); !ok || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "owner", "admins"} {
		if _, ok := auth.ParseRole(in); ok {
			t.Errorf("ParseRole(%q) accepted", in)
		}
	}
}

// SeesUserPrivate (a user's email and tokens): the user themselves and
// admins, with a FULL token.
func TestSeesUserPrivate(t *testing.T) {
	admin := []auth.Grant{{auth.Admin, nil}}
	cases := []struct {
		name string
		v    *auth.Viewer
		want bool
	}{
		{"anonymous", auth.Anonymous(), false},
		{"self", &auth.Viewer{UserID: self, Scope: auth.ScopeFull}, true},
		{"self, read-published token", &auth.Viewer{UserID: self, Scope: auth.ScopeReadPublished}, false},
		{"other user", &auth.Viewer{UserID: other, Scope: auth.ScopeFull, Grants: []auth.Grant{{auth.Editor, nil}}}, false},
		{"admin", &auth.Viewer{UserID: other, Scope: auth.ScopeFull, Grants: admin}, true},
		{"admin, read-published token", &auth.Viewer{UserID: other, Scope: auth.ScopeReadPublished, Grants: admin}, false},
		{"System", auth.System(), true},
	}
	for _, c := range cases {
		if got := c.v.SeesUserPrivate(self); got != c.want {
			t.Errorf("%s: SeesUserPrivate = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHiddenDesks(t *testing.T) {
	inv, sport := int64(1), int64(2)
	private := []int64{inv}
	for _, c := range []struct {
		name   string
		v      *auth.Viewer
		hidden []int64
	}{
		{"member reporter", &auth.Viewer{Grants: []auth.Grant{{Role: auth.Reporter, DeskID: &inv}}}, nil},
		{"translator of the desk", &auth.Viewer{Grants: []auth.Grant{{Role: auth.Translator, DeskID: &inv}}}, nil},
		{"reporter of another desk", &auth.Viewer{Grants: []auth.Grant{{Role: auth.Reporter, DeskID: &sport}}}, []int64{inv}},
		{"editor of every desk", &auth.Viewer{Grants: []auth.Grant{{Role: auth.Editor}}}, nil},
		{"admin", &auth.Viewer{Grants: []auth.Grant{{Role: auth.Admin}}}, nil},
		{"System", auth.System(), nil},
		{"no grants", &auth.Viewer{}, []int64{inv}},
	} {
		if got := auth.HiddenDesks(c.v, private); !slices.Equal(got, c.hidden) {
			t.Errorf("%s: hidden %v, want %v", c.name, got, c.hidden)
		}
	}
}
