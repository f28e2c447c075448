package workflow_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/workflow"
)

// The translation of the matrix: report 1 on desk 1 into ja, last edited
// by lastEditor, assigned to assignee.
const lastEditor, assignee int64 = 20, 21

func translator(uid int64, locales ...string) *auth.Viewer {
	v := user(uid, auth.Grant{Role: auth.Translator, DeskID: id(1)})
	v.Locales = locales
	return v
}

func subject(s editorial.TranslationStatus) workflow.TranslationSubject {
	sub := workflow.TranslationSubject{Report: report(editorial.Draft), Locale: "ja"}
	if s != editorial.TranslationMissing {
		sub.Translation = &editorial.Translation{ReportID: 1, Locale: "ja", Status: s, Version: 2, EditedBy: id(lastEditor)}
	}
	return sub
}

func currentFacts() workflow.TranslationFacts {
	return workflow.TranslationFacts{AssigneeID: id(assignee), StaleFields: []string{}, MissingFields: []string{}}
}

// translationRoles are the viewers of the translation matrix.
var translationRoles = []struct {
	name string
	v    *auth.Viewer
}{
	{"anonymous", auth.Anonymous()},
	{"assigned-translator", translator(assignee, "ja")},
	{"other-translator", translator(22, "ja")},
	{"ko-translator", translator(23, "ko")},
	{"reviewer", user(12, auth.Grant{Role: auth.Reviewer, DeskID: id(1)})},
	{"last-editor", user(lastEditor, auth.Grant{Role: auth.Reviewer, DeskID: id(1)})},
	{"editor", user(13, auth.Grant{Role: auth.Editor, DeskID: id(1)})},
	{"other-desk-editor", user(14, auth.Grant{Role: auth.Editor, DeskID: id(2)})},
	{"admin", user(15, auth.Grant{Role: auth.Admin})},
}

// The translation matrix, by hand from the workflow's specification: per
// action and role, one cell per state of workflow.TranslationStatuses
// (MISSING IN_PROGRESS IN_REVIEW APPROVED); Y allowed, U UNAUTHENTICATED,
// F FORBIDDEN with the action's rule, S BAD_USER_INPUT naming the state.
var translationMatrix = map[workflow.Action]map[string]string{
	workflow.TranslationUpsert: {
		"assigned-translator": "YYYY", "other-translator": "YYYY", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "YYYY", "other-desk-editor": "FFFF", "admin": "YYYY",
	},
	workflow.TranslationConfirm: {
		"assigned-translator": "SYYY", "other-translator": "SYYY", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "SYYY", "other-desk-editor": "FFFF", "admin": "SYYY",
	},
	workflow.TranslationSubmit: {
		"assigned-translator": "SYSS", "other-translator": "SYSS", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "SYSS", "other-desk-editor": "FFFF", "admin": "SYSS",
	},
	// Without a translation there is no last editor.
	workflow.TranslationApprove: {
		"assigned-translator": "FFFF", "other-translator": "FFFF", "ko-translator": "FFFF", "reviewer": "SSYS",
		"last-editor": "SFFF", "editor": "SSYS", "other-desk-editor": "FFFF", "admin": "SSYS",
	},
	workflow.TranslationDelete: {
		"assigned-translator": "FYFF", "other-translator": "FFFF", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "SYYY", "other-desk-editor": "FFFF", "admin": "SYYY",
	},
	workflow.TranslationAssign: {
		"assigned-translator": "FFFF", "other-translator": "FFFF", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "YYYY", "other-desk-editor": "FFFF", "admin": "YYYY",
	},
	workflow.TranslationUnassign: {
		"assigned-translator": "FFFF", "other-translator": "FFFF", "ko-translator": "FFFF", "reviewer": "FFFF",
		"last-editor": "FFFF", "editor": "YYYY", "other-desk-editor": "FFFF", "admin": "YYYY",
	},
}

// translationRows is, by hand, the rule, the states named in the message
// of a wrong state, and the words for what is done, of each action.
var translationRows = map[workflow.Action]struct {
	rule        auth.Action
	needs, done string
}{
	workflow.TranslationUpsert:   {auth.EditTranslation, "MISSING, IN_PROGRESS, IN_REVIEW or APPROVED", "edited"},
	workflow.TranslationConfirm:  {auth.EditTranslation, "IN_PROGRESS, IN_REVIEW or APPROVED", "confirmed"},
	workflow.TranslationSubmit:   {auth.EditTranslation, "IN_PROGRESS", "submitted for review"},
	workflow.TranslationApprove:  {auth.ReviewTranslation, "IN_REVIEW", "approved"},
	workflow.TranslationDelete:   {auth.DeleteTranslation, "IN_PROGRESS, IN_REVIEW or APPROVED", "deleted"},
	workflow.TranslationAssign:   {auth.AssignTranslators, "MISSING, IN_PROGRESS, IN_REVIEW or APPROVED", "assigned"},
	workflow.TranslationUnassign: {auth.AssignTranslators, "MISSING, IN_PROGRESS, IN_REVIEW or APPROVED", "unassigned"},
}

func TestTranslationMatrix(t *testing.T) {
	if len(translationMatrix) != len(workflow.TranslationActions) {
		t.Fatalf("the matrix covers %d actions, the workflow has %d", len(translationMatrix), len(workflow.TranslationActions))
	}
	for _, a := range workflow.TranslationActions {
		for _, role := range translationRoles {
			want := translationMatrix[a][role.name]
			if role.name == "anonymous" {
				want = "UUUU"
			}
			if len(want) != len(workflow.TranslationStatuses) {
				t.Errorf("%s: no row for %s", a, role.name)
				continue
			}
			var got strings.Builder
			for _, s := range workflow.TranslationStatuses {
				err := workflow.CheckTranslation(role.v, subject(s), currentFacts(), a)
				got.WriteString(translationCell(t, a, role.name, s, err))
			}
			if got.String() != want {
				t.Errorf("%-9s %-20s got %s, want %s (columns: %v)", a, role.name, got.String(), want, workflow.TranslationStatuses)
			}
		}
	}
}

// translationCell is the matrix cell of err, which it checks against the
// row of action a.
func translationCell(t *testing.T, a workflow.Action, role string, s editorial.TranslationStatus, err error) string {
	t.Helper()
	row := translationRows[a]
	what := fmt.Sprintf("%s by %s on %s", a, role, s)
	cell := matrixCell(t, what, err, auth.RuleFor(row.rule).Description,
		fmt.Sprintf("The ja translation is %s; only a translation that is %s can be %s.", s, row.needs, row.done))
	if e := cerr.As(err); cell == "S" && e.Details["status"] != string(s) {
		t.Errorf("%s: details %v", what, e.Details)
	}
	return cell
}

func TestTranslationPreconditions(t *testing.T) {
	editor := translationRoles[6].v
	notCurrent := workflow.TranslationFacts{StaleFields: []string{"title", "attendees.7.role"}, MissingFields: []string{"subtitle"}}
	onlyMissing := workflow.TranslationFacts{StaleFields: []string{}, MissingFields: []string{"summary"}}
	cases := []struct {
		name   string
		status editorial.TranslationStatus
		facts  workflow.TranslationFacts
		action workflow.Action
		msg    string // "" allowed
	}{
		{"submitting a stale translation", editorial.TranslationInProgress, notCurrent, workflow.TranslationSubmit,
			"The ja translation is not current (stale: title, attendees.7.role; missing: subtitle); update or confirm those fields before it can be submitted for review."},
		{"approving an incomplete translation", editorial.TranslationInReview, onlyMissing, workflow.TranslationApprove,
			"The ja translation is not current (missing: summary); update or confirm those fields before it can be approved."},
		{"the state before currency", editorial.TranslationInReview, notCurrent, workflow.TranslationSubmit,
			"The ja translation is IN_REVIEW; only a translation that is IN_PROGRESS can be submitted for review."},
		{"confirming a stale translation", editorial.TranslationApproved, notCurrent, workflow.TranslationConfirm, ""},
		{"deleting a stale translation", editorial.TranslationApproved, notCurrent, workflow.TranslationDelete, ""},
		{"editing a stale translation", editorial.TranslationApproved, notCurrent, workflow.TranslationUpsert, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := workflow.CheckTranslation(editor, subject(c.status), c.facts, c.action)
			if c.msg == "" {
				if err != nil {
					t.Fatalf("CheckTranslation = %v, want nil", err)
				}
				return
			}
			e := cerr.As(err)
			if e == nil || e.Code != cerr.Invalid || e.Message != c.msg || e.Field != "" {
				t.Fatalf("CheckTranslation = %v, want BAD_USER_INPUT %q", err, c.msg)
			}
			if c.status == editorial.TranslationInProgress || c.action == workflow.TranslationApprove {
				if !slices.Equal(e.Details["staleFields"].([]string), c.facts.StaleFields) || !slices.Equal(e.Details["missingFields"].([]string), c.facts.MissingFields) {
					t.Errorf("details %v", e.Details)
				}
			}
		})
	}
}

func TestNextTranslation(t *testing.T) {
	cases := []struct {
		from editorial.TranslationStatus
		a    workflow.Action
		want editorial.TranslationStatus
	}{
		{editorial.TranslationMissing, workflow.TranslationUpsert, editorial.TranslationInProgress},
		{editorial.TranslationApproved, workflow.TranslationUpsert, editorial.TranslationInProgress},
		{editorial.TranslationInReview, workflow.TranslationUpsert, editorial.TranslationInProgress},
		{editorial.TranslationApproved, workflow.TranslationConfirm, editorial.TranslationApproved},
		{editorial.TranslationInProgress, workflow.TranslationSubmit, editorial.TranslationInReview},
		{editorial.TranslationInReview, workflow.TranslationApprove, editorial.TranslationApproved},
		{editorial.TranslationInReview, workflow.TranslationDelete, editorial.TranslationMissing},
		{editorial.TranslationMissing, workflow.TranslationAssign, editorial.TranslationMissing},
		{editorial.TranslationInReview, workflow.TranslationUnassign, editorial.TranslationInReview},
	}
	for _, c := range cases {
		if got := workflow.NextTranslation(subject(c.from), c.a); got != c.want {
			t.Errorf("NextTranslation(%s, %s) = %s, want %s", c.from, c.a, got, c.want)
		}
	}
}

// The table itself: one row per action, each with a rule the policy knows
// and its audit action.
func TestTranslationTable(t *testing.T) {
	if len(workflow.TranslationTransitions) != len(workflow.TranslationActions) {
		t.Fatalf("%d transitions for %d actions", len(workflow.TranslationTransitions), len(workflow.TranslationActions))
	}
	for i, a := range workflow.TranslationActions {
		tr := workflow.TranslationTransitions.Lookup(a)
		if tr == nil || tr != &workflow.TranslationTransitions[i] {
			t.Errorf("no transition for %s at %d", a, i)
			continue
		}
		if tr.Auth != translationRows[a].rule || auth.RuleFor(tr.Auth) == nil {
			t.Errorf("%s: decided by %q, want %q", a, tr.Auth, translationRows[a].rule)
		}
		if tr.Audit != "translation."+string(a) || len(tr.From) == 0 || tr.Done != translationRows[a].done {
			t.Errorf("%s: audit %q, from %v, done %q", a, tr.Audit, tr.From, tr.Done)
		}
	}
	if err := workflow.CheckTranslation(translationRoles[8].v, subject(editorial.TranslationInProgress), currentFacts(), "frobnicate"); cerr.Code(err) != cerr.Internal {
		t.Errorf("CheckTranslation(unknown action) = %v, want an internal error", err)
	}
}

func TestTranslationResource(t *testing.T) {
	missing := workflow.TranslationResource(subject(editorial.TranslationMissing), workflow.TranslationFacts{})
	if missing.DeskID == nil || *missing.DeskID != 1 || missing.Locale != "ja" || missing.OwnerID != nil || missing.Status != "" || missing.AssigneeID != nil {
		t.Errorf("resource of a missing translation: %+v", missing)
	}
	res := workflow.TranslationResource(subject(editorial.TranslationInReview), currentFacts())
	if res.OwnerID == nil || *res.OwnerID != lastEditor || res.Status != "IN_REVIEW" || res.AssigneeID == nil || *res.AssigneeID != assignee {
		t.Errorf("resource of a translation: %+v", res)
	}
}
