package comments_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
)

// TestMain stops the PostgreSQL cluster pgtest starts for this package.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// newsroom is a database with two desks, a user for each role on desk 1
// (and a few others), and a report on desk 1 with text in Chinese.
type newsroom struct {
	db      *postgres.DB
	svc     *comments.Service
	content *reports.Service
	ident   *identity.Service
	desk1   int64
	desk2   int64
	users   map[string]*auth.User
	report  *editorial.Report
	// attendees of report, in order.
	attendees []int64
}

// The report's texts. The title is CJK (one code point per character, three
// bytes each); the summary has characters outside the BMP (one code point,
// two UTF-16 units, four bytes each), so offsets in anything but code
// points would show.
const (
	reportTitle   = "第二十二届中国科协年会在青岛开幕"
	reportSummary = "开幕式🎉在青岛举行🇨🇳。"
	reportBody    = "## 会议\n\nThe 22nd CAST Annual Meeting opened in Qingdao."
)

func newNewsroom(t *testing.T) *newsroom {
	t.Helper()
	return newNewsroomOn(t, postgres.Wrap(pgtest.NewDB(t)))
}

// newCountingNewsroom is newNewsroom on a DB opened as the server opens
// it, whose statements a postgres.QueryCounter counts.
func newCountingNewsroom(t *testing.T) *newsroom {
	t.Helper()
	db, err := postgres.Open(t.Context(), pgtest.NewDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newNewsroomOn(t, db)
}

// newNewsroomOn is newNewsroom on db, a fresh database.
func newNewsroomOn(t *testing.T, db *postgres.DB) *newsroom {
	t.Helper()
	n := &newsroom{db: db, svc: comments.New(db), content: reports.New(db), ident: identity.New(db), users: map[string]*auth.User{}}
	sys := auth.WithViewer(t.Context(), auth.System())
	d1, err := n.ident.CreateDesk(sys, "news", "News")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := n.ident.CreateDesk(sys, "sport", "Sport")
	if err != nil {
		t.Fatal(err)
	}
	n.desk1, n.desk2 = d1.ID, d2.ID
	users := []struct {
		name string
		role auth.Role // "": no grant at all
		desk *int64
	}{
		{"admin", auth.Admin, nil},
		{"editor", auth.Editor, &n.desk1},
		{"reporter", auth.Reporter, &n.desk1},
		{"reviewer", auth.Reviewer, &n.desk1},
		{"translator", auth.Translator, &n.desk1},
		{"author", auth.Reporter, &n.desk1},
		{"reporter-everywhere", auth.Reporter, nil},
		{"editor-sport", auth.Editor, &n.desk2},
		{"outsider", "", nil},
	}
	for _, u := range users {
		in := identity.NewUser{Email: u.name + "@example.org", Name: u.name}
		if u.role != "" {
			in.Grants = []auth.Grant{{Role: u.role, DeskID: u.desk}}
		}
		if u.role == auth.Translator {
			in.Locales = []string{"ja"}
		}
		user, err := n.ident.CreateUser(sys, in)
		if err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
		n.users[u.name] = user
	}
	summary := reportSummary
	n.report = n.newReport(t, &n.desk1, reportTitle, &summary, reportBody, "Officers from the Consulates General of ROK and Japan", "Students of Ocean University")
	atts, err := postgres.AttendeesByReportIDs(t.Context(), db, []int64{n.report.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range atts[n.report.ID] {
		n.attendees = append(n.attendees, a.ID)
	}
	return n
}

// newReport creates a report (as copydesk itself) with delegations as attendees.
func (n *newsroom) newReport(t *testing.T, desk *int64, title string, summary *string, body string, delegations ...string) *editorial.Report {
	t.Helper()
	in := reports.CreateReportInput{Title: title, SourceLocale: "zh-Hans", Body: body, Summary: summary, DeskID: desk}
	for _, d := range delegations {
		in.Attendees = append(in.Attendees, reports.AttendeeInput{Delegation: &d, Participations: []editorial.Participation{"ATTENDED"}})
	}
	saved, err := n.content.CreateReport(auth.WithViewer(t.Context(), auth.System()), in)
	if err != nil {
		t.Fatalf("create report: %v", err)
	}
	return saved.Report
}

// viewer returns the viewer user name acts as, with a FULL token.
func (n *newsroom) viewer(name string) *auth.Viewer {
	u := n.users[name]
	if u == nil {
		panic("no user " + name)
	}
	return &auth.Viewer{UserID: u.ID, Name: u.Name, Email: u.Email, Grants: u.Grants, Locales: u.Locales, Scope: auth.ScopeFull}
}

// as returns a context acting as user name.
func (n *newsroom) as(t testing.TB, name string) context.Context {
	return auth.WithViewer(t.Context(), n.viewer(name))
}

// thread starts a thread on the report as user name.
func (n *newsroom) thread(t *testing.T, name, body string) *comments.Comment {
	t.Helper()
	c, err := n.svc.Create(n.as(t, name), comments.NewComment{ReportID: n.report.ID, Body: body})
	if err != nil {
		t.Fatalf("create thread as %s: %v", name, err)
	}
	return c
}

// reply replies to parent as user name.
func (n *newsroom) reply(t *testing.T, name string, parent int64, body string) *comments.Comment {
	t.Helper()
	c, err := n.svc.Create(n.as(t, name), comments.NewComment{ReportID: n.report.ID, ParentID: &parent, Body: body})
	if err != nil {
		t.Fatalf("reply as %s: %v", name, err)
	}
	return c
}

// auditCount is the number of audit entries.
func (n *newsroom) auditCount(t *testing.T) int {
	t.Helper()
	var c int
	if err := n.db.GetContext(context.Background(), &c, `SELECT count(*) FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	return c
}

// commentDump summarizes every comment table, so a test can check that a
// failed mutation wrote nothing.
func (n *newsroom) commentDump(t *testing.T) string {
	t.Helper()
	var lines []string
	err := n.db.SelectContext(context.Background(), &lines, `
		SELECT format('%s: %s rows, md5 %s', tbl, n, sum) FROM (
			SELECT 'comments' AS tbl, count(*) AS n, md5(string_agg(x::text, E'\n' ORDER BY id)) AS sum FROM comments x
			UNION ALL SELECT 'comment_versions', count(*), md5(string_agg(x::text, E'\n' ORDER BY comment_id, version)) FROM comment_versions x
			UNION ALL SELECT 'comment_mentions', count(*), md5(string_agg(x::text, E'\n' ORDER BY comment_id, user_id)) FROM comment_mentions x
			UNION ALL SELECT 'audit_log', count(*), md5(string_agg(x::text, E'\n' ORDER BY id)) FROM audit_log x
		) s ORDER BY tbl`)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *p)
}
