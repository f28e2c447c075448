package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"strconv"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/reports"
)

// privateWord is in the private desk's unpublished text only.
const privateWord = "Zebrafish"

// privateNewsroom is an investigations desk whose drafts are private, and a
// sport desk whose are not.
type privateNewsroom struct {
	inv, sport int64
	// On investigations: a draft (tagged, with a comment), a published
	// report with unpublished changes (tagged), and a report whose changes
	// were requested, written by the sport reporter (who has since moved
	// desks). On sport: a draft (tagged).
	draft, published, changes, sportDraft int64
	comment, tag, revision                int64
	// Tokens.
	member, otherDesk, editor, translator, readPublished string
}

// newPrivateNewsroom makes the desks, reports and viewers of privateNewsroom
// over a's database, and makes investigations' drafts private through the API.
func newPrivateNewsroom(t *testing.T, a *api) *privateNewsroom {
	t.Helper()
	var desks struct {
		A, B struct{ Desk struct{ ID string } }
	}
	a.do(`mutation { a: createDesk(input: {slug: "investigations", name: "Investigations"}) { desk { id } }
		b: createDesk(input: {slug: "sport", name: "Sport"}) { desk { id } } }`, nil, &desks)
	n := &privateNewsroom{inv: decodeNum(t, desks.A.Desk.ID), sport: decodeNum(t, desks.B.Desk.ID)}
	n.member = a.newUser("member@example.org", auth.Grant{Role: auth.Reporter, DeskID: &n.inv})
	n.otherDesk = a.newUser("sport@example.org", auth.Grant{Role: auth.Reporter, DeskID: &n.sport})
	n.editor = a.newUser("editor@example.org", auth.Grant{Role: auth.Editor})
	n.translator = a.newUser("translator@example.org", auth.Grant{Role: auth.Translator, DeskID: &n.inv})
	n.readPublished = a.readOnlyToken()

	ctx := auth.WithViewer(context.Background(), auth.System())
	svc := newsroom.New(a.db)
	mk := func(title string, desk int64, status editorial.Status) int64 {
		s, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{Title: title, SourceLocale: "en", Body: "Body of " + title,
			DeskID: &desk, Status: status, Tags: []reports.TagRef{{Name: "Probe"}}})
		if err != nil {
			t.Fatal(err)
		}
		return s.Report.ID
	}
	n.draft = mk(privateWord+" draft", n.inv, editorial.Draft)
	n.published = mk("Published investigation", n.inv, editorial.Published)
	if _, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: n.published, ExpectedVersion: 1,
		Body: editorial.SetTo("Unpublished change: " + privateWord)}); err != nil {
		t.Fatal(err)
	}
	n.changes = mk(privateWord+" changes requested", n.inv, editorial.ChangesRequested)
	n.sportDraft = mk("Sport draft", n.sport, editorial.Draft)
	c, err := comments.New(a.db).Create(ctx, comments.NewComment{ReportID: n.draft, Body: "About the " + privateWord})
	if err != nil {
		t.Fatal(err)
	}
	n.comment = c.ID
	var sportUser int64
	for q, dst := range map[string]any{
		`SELECT id FROM tags WHERE name = 'Probe'`:                                                         &n.tag,
		`SELECT id FROM users WHERE email = 'sport@example.org'`:                                           &sportUser,
		`SELECT id FROM report_revisions WHERE report_id = ` + strconv.FormatInt(n.draft, 10) + ` LIMIT 1`: &n.revision,
	} {
		if err := a.db.GetContext(ctx, dst, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.db.ExecContext(ctx, `UPDATE reports SET created_by = $1 WHERE id = $2`, sportUser, n.changes); err != nil {
		t.Fatal(err)
	}
	n.setPrivate(a, true)
	return n
}

// setPrivate turns investigations' private drafts on or off through the API.
func (n *privateNewsroom) setPrivate(a *api, on bool) {
	a.t.Helper()
	a.do(`mutation($d: ID!, $on: Boolean!) { updateDeskSettings(input: {deskId: $d, privateDrafts: $on}) { settings { privateDrafts } userErrors { code } } }`,
		map[string]any{"d": gid("Desk", n.inv), "on": on}, nil)
}

// privateView is what one viewer sees of privateNewsroom.
type privateView struct {
	Draft, DraftNode, CommentNode, RevisionNode *struct{ ID string }
	Published                                   *struct{ ID, Body string }
	All, Search                                 reportIDs
	Tag                                         struct {
		ReportCount int
		Reports     reportIDs
	}
}

type reportIDs struct {
	TotalCount int
	Nodes      []struct{ ID string }
}

func (r reportIDs) ids(t *testing.T) []int64 {
	out := []int64{}
	for _, n := range r.Nodes {
		out = append(out, decodeNum(t, n.ID))
	}
	slices.Sort(out)
	return out
}

const privateQuery = `query($d: ID!, $p: ID!, $c: ID!, $rev: ID!, $tag: ID!, $word: String!) {
	revisionNode: node(id: $rev) { id }
	draft: report(id: $d) { id }
	draftNode: node(id: $d) { id }
	commentNode: node(id: $c) { id }
	published: report(id: $p) { id body }
	all: reports(first: 50) { totalCount nodes { id } }
	search: reports(search: $word, first: 50) { totalCount nodes { id } }
	tag: node(id: $tag) { ... on Tag { reportCount reports(first: 50) { totalCount nodes { id } } } }
}`

// read returns what the viewer with token sees through c.
func (n *privateNewsroom) read(t *testing.T, c *api, token string) privateView {
	t.Helper()
	var v privateView
	c.as(token).do(privateQuery, map[string]any{"d": gid("Report", n.draft), "p": gid("Report", n.published), "c": gid("Comment", n.comment), "rev": gid("Revision", n.revision),
		"tag": gid("Tag", n.tag), "word": privateWord}, &v)
	return v
}

// queue returns the viewer's myQueue.changesRequested.
func (n *privateNewsroom) queue(t *testing.T, c *api, token string) []int64 {
	t.Helper()
	var out struct {
		MyQueue struct{ ChangesRequested []struct{ ID string } }
	}
	c.as(token).do(`{ myQueue { changesRequested { id } } }`, nil, &out)
	ids := []int64{}
	for _, r := range out.MyQueue.ChangesRequested {
		ids = append(ids, decodeNum(t, r.ID))
	}
	return ids
}

// A desk's private drafts are its members' only: a viewer whose roles are
// on other desks reads the newsroom as if the desk's reports did not exist
// (by ID, node, lists and their counts, search, a tag's reports and count,
// comments, the work queue); members, editors and admins of every desk see
// them; the public sees the published copy, not its unpublished changes.
func TestPrivateDraftsAreForTheDesksMembers(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	n := newPrivateNewsroom(t, a)
	everything := []int64{n.draft, n.published, n.changes, n.sportDraft}
	for _, c := range []struct {
		name   string
		token  string
		sees   bool // the desk's reports, as the newsroom does
		public bool // the public view
	}{
		{"member reporter", n.member, true, false},
		{"reporter of another desk", n.otherDesk, false, false},
		{"editor of every desk", n.editor, true, false},
		{"admin", a.token, true, false},
		{"translator of the desk", n.translator, true, false},
		{"READ_PUBLISHED token", n.readPublished, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := n.read(t, a, c.token)
			switch {
			case c.sees:
				if v.Draft == nil || v.DraftNode == nil || v.CommentNode == nil || v.RevisionNode == nil {
					t.Errorf("a member does not see the draft or its comment: %+v", v)
				}
				if v.Published == nil || v.Published.Body != "Unpublished change: "+privateWord {
					t.Errorf("a member reads the published report as %+v, want its working copy", v.Published)
				}
				if got := v.All.ids(t); !slices.Equal(got, everything) || v.All.TotalCount != 4 {
					t.Errorf("reports: %v (totalCount %d), want %v", got, v.All.TotalCount, everything)
				}
				if got, want := v.Search.ids(t), []int64{n.draft, n.published, n.changes}; !slices.Equal(got, want) || v.Search.TotalCount != 3 {
					t.Errorf("search for %q: %v (totalCount %d), want %v", privateWord, got, v.Search.TotalCount, want)
				}
				if got := v.Tag.Reports.ids(t); len(got) != 4 || v.Tag.ReportCount != 4 || v.Tag.Reports.TotalCount != 4 {
					t.Errorf("Tag.reports %v, reportCount %d, want all 4", got, v.Tag.ReportCount)
				}
			case c.public:
				if v.Draft != nil || v.DraftNode != nil || v.CommentNode != nil {
					t.Errorf("the public sees a draft or a comment: %+v", v)
				}
				if v.Published == nil || v.Published.Body != "Body of Published investigation" {
					t.Errorf("the public reads the published report as %+v, want its published copy", v.Published)
				}
				if got := v.All.ids(t); !slices.Equal(got, []int64{n.published}) || v.All.TotalCount != 1 {
					t.Errorf("public reports: %v (totalCount %d)", got, v.All.TotalCount)
				}
				if v.Search.TotalCount != 0 || len(v.Search.Nodes) != 0 || v.Tag.ReportCount != 1 || v.Tag.Reports.TotalCount != 1 {
					t.Errorf("the public searches or counts unpublished text: %+v", v)
				}
			default: // a non-member in the newsroom
				if v.Draft != nil || v.DraftNode != nil || v.CommentNode != nil || v.RevisionNode != nil || v.Published != nil {
					t.Errorf("a non-member sees the private desk's reports or comments: %+v", v)
				}
				if got := v.All.ids(t); !slices.Equal(got, []int64{n.sportDraft}) || v.All.TotalCount != 1 {
					t.Errorf("a non-member's reports: %v (totalCount %d), want only the sport draft", got, v.All.TotalCount)
				}
				if v.Search.TotalCount != 0 || len(v.Search.Nodes) != 0 {
					t.Errorf("a non-member finds %q: %+v", privateWord, v.Search)
				}
				if got := v.Tag.Reports.ids(t); !slices.Equal(got, []int64{n.sportDraft}) || v.Tag.ReportCount != 1 || v.Tag.Reports.TotalCount != 1 {
					t.Errorf("a non-member's Tag.reports: %v, reportCount %d, totalCount %d", got, v.Tag.ReportCount, v.Tag.Reports.TotalCount)
				}
			}
		})
	}

	// The sport reporter wrote the report whose changes were requested, but
	// is no member of its desk any more: it is not in their queue.
	if q := n.queue(t, a, n.otherDesk); len(q) != 0 {
		t.Errorf("a non-member's queue holds %v", q)
	}
	// Nor can they act on the desk's reports.
	for _, m := range []string{
		`mutation($r: ID!) { addComment(input: {reportId: $r, body: "hello"}) { userErrors { code } } }`,
		`mutation($r: ID!) { upsertTranslation(input: {reportId: $r, locale: "ja", title: "x"}) { userErrors { code } } }`,
	} {
		if e, _ := a.as(n.otherDesk).fail(m, map[string]any{"r": gid("Report", n.draft)}); e.code() != "FORBIDDEN" {
			t.Errorf("a non-member's %s: %s %s", m, e.code(), e.Message)
		}
	}
}

// Turning privateDrafts off shows the desk's reports to everyone in the
// newsroom at once, on every instance: the setting is read from the
// database per request, not cached.
func TestPrivateDraftsOffShowsThemAtOnceOnEveryInstance(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDSN(t)
	a := newAPIAt(t, dsn, 50*time.Millisecond, graph.HandlerOptions{}, nil)
	b := newAPIAt(t, dsn, 50*time.Millisecond, graph.HandlerOptions{}, nil)
	n := newPrivateNewsroom(t, a)
	if v := n.read(t, b, n.otherDesk); v.Draft != nil || v.All.TotalCount != 1 {
		t.Fatalf("private on instance b: %+v", v)
	}
	n.setPrivate(a, false)
	v := n.read(t, b, n.otherDesk)
	if v.Draft == nil || v.CommentNode == nil || v.Published == nil || v.All.TotalCount != 4 || v.Search.TotalCount != 3 || v.Tag.ReportCount != 4 {
		js, _ := json.Marshal(v)
		t.Errorf("after privateDrafts off, another instance still hides the desk's reports: %s", js)
	}
	if q := n.queue(t, b, n.otherDesk); !slices.Equal(q, []int64{n.changes}) {
		t.Errorf("after privateDrafts off, the sport reporter's queue: %v, want %v", q, []int64{n.changes})
	}
	n.setPrivate(b, true)
	if v := n.read(t, a, n.otherDesk); v.Draft != nil || v.All.TotalCount != 1 {
		t.Errorf("private again, instance a shows: %+v", v)
	}
}
