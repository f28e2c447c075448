package testkit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/scheduler"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Newsroom is a test database with a small directory: four people, two
// organizations, two tags and an event.
type Newsroom struct {
	Svc                  *Services
	DB                   *postgres.DB
	Wang, Li, Zhang, Liu *editorial.Person
	CCPIT, CAST          *editorial.Organization
	Economy, Trade       *editorial.Tag
	Forum                *editorial.Event
}

// NewNewsroom returns a Newsroom over a fresh database.
func NewNewsroom(t *testing.T) *Newsroom {
	t.Helper()
	ctx := AsSystem(t)
	svc, db := NewServices(t)
	n := &Newsroom{Svc: svc, DB: db}
	person := func(name string) *editorial.Person {
		return Of(svc.CreatePerson(ctx, directory.CreatePersonInput{Name: name})).OK(t)
	}
	org := func(name, acronym string) *editorial.Organization {
		return Of(svc.CreateOrganization(ctx, directory.CreateOrganizationInput{Name: name, Acronym: &acronym})).OK(t)
	}
	n.Wang, n.Li, n.Zhang, n.Liu = person("Wang Wei"), person("Li Na"), person("Zhang Min"), person("Liu Yang")
	n.CCPIT = org("China Council for the Promotion of International Trade", "CCPIT")
	n.CAST = org("China Association for Science and Technology", "CAST")
	n.Economy = Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Economy"})).OK(t)
	n.Trade = Of(svc.CreateTag(ctx, directory.CreateTagInput{Name: "Trade"})).OK(t)
	n.Forum = Of(svc.CreateEvent(ctx, directory.CreateEventInput{Name: "Qingdao Tech Trade Forum"})).OK(t)
	return n
}

// Report creates a report with the given title in English (other fields as
// in) and returns it.
func (n *Newsroom) Report(t *testing.T, in reports.CreateReportInput) *editorial.Report {
	t.Helper()
	if in.SourceLocale == "" {
		in.SourceLocale = "en"
	}
	return Of(n.Svc.CreateReport(AsSystem(t), in)).OK(t).Report
}

// Clock is the database clock of a test (postgres.DB.Now).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on by d and returns the new time.
func (c *Clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// Start is when every desk test begins: 10:00 in Shanghai.
var Start = time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC)

// Desk is a newsroom with one desk ("science") and its people, each a real
// user: two reporters, two reviewers, an editor, an admin and a ja
// translator on the desk, and an editor of another desk ("world").
type Desk struct {
	Svc   *Services
	DB    *postgres.DB
	Clock *Clock
	IDs   *identity.Service
	Desk  *auth.Desk

	Reporter, OtherReporter, Reviewer1, Reviewer2, Editor, OtherEditor, Admin, Translator *auth.User
}

// NewDesk returns a Desk over a fresh database whose clock starts at Start.
func NewDesk(t *testing.T) *Desk {
	t.Helper()
	svc, db := NewServices(t)
	d := &Desk{Svc: svc, DB: db, Clock: &Clock{t: Start}, IDs: identity.New(db)}
	db.Now = d.Clock.Now
	ctx := AsSystem(t)
	d.Desk = Of(d.IDs.CreateDesk(ctx, "science", "Science")).OK(t)
	other := Of(d.IDs.CreateDesk(ctx, "world", "World")).OK(t)
	n := 0
	mk := func(role auth.Role, deskID *int64) *auth.User {
		n++
		in := identity.NewUser{Email: fmt.Sprintf("user%d@example.org", n), Name: fmt.Sprintf("%s %d", strings.ToLower(string(role)), n),
			Grants: []auth.Grant{{Role: role, DeskID: deskID}}}
		if role == auth.Translator {
			in.Locales = []string{"ja"}
		}
		return Of(d.IDs.CreateUser(ctx, in)).OK(t)
	}
	d.Reporter, d.OtherReporter = mk(auth.Reporter, &d.Desk.ID), mk(auth.Reporter, &d.Desk.ID)
	d.Reviewer1, d.Reviewer2 = mk(auth.Reviewer, &d.Desk.ID), mk(auth.Reviewer, &d.Desk.ID)
	d.Editor, d.OtherEditor = mk(auth.Editor, &d.Desk.ID), mk(auth.Editor, &other.ID)
	d.Admin, d.Translator = mk(auth.Admin, nil), mk(auth.Translator, &d.Desk.ID)
	return d
}

// As is the context of a call made by u.
func (d *Desk) As(t *testing.T, u *auth.User) context.Context {
	return auth.WithViewer(t.Context(), &auth.Viewer{UserID: u.ID, Name: u.Name, Email: u.Email, Grants: u.Grants,
		Locales: u.Locales, Scope: auth.ScopeFull})
}

// Draft creates a report on the desk as its reporter (version 1).
func (d *Desk) Draft(t *testing.T, title string) *editorial.Report {
	t.Helper()
	return Of(d.Svc.CreateReport(d.As(t, d.Reporter), reports.CreateReportInput{Title: title, SourceLocale: "en",
		Body: "The forum opened on Monday.", DeskID: &d.Desk.ID})).OK(t).Report
}

// Approved creates a report and takes it to APPROVED with the approvals
// the service requires (reviewer1, then reviewer2).
func (d *Desk) Approved(t *testing.T, title string) *editorial.Report {
	t.Helper()
	r := d.Draft(t, title)
	r = Of(d.Svc.Submit(d.As(t, d.Reporter), r.ID, r.Version, nil)).OK(t).Report
	for _, u := range []*auth.User{d.Reviewer1, d.Reviewer2}[:d.Facts(t, d.Reviewer1, r.ID).Required()] {
		r = Of(d.Svc.Approve(d.As(t, u), r.ID, r.Version)).OK(t).Report
	}
	if r.Status != editorial.Approved {
		t.Fatalf("report not approved: %s", r.Status)
	}
	return r
}

// Settings changes the desk's settings, as an admin.
func (d *Desk) Settings(t *testing.T, c identity.SettingsChange) workflow.Settings {
	t.Helper()
	return Of(d.IDs.UpdateDeskSettings(AsSystem(t), &d.Desk.ID, c)).OK(t)
}

// Current reads report id as stored.
func (d *Desk) Current(t *testing.T, id int64) *editorial.Report {
	t.Helper()
	return StoredReport(t, d.DB, id)
}

// Facts reads the workflow facts of report id for u.
func (d *Desk) Facts(t *testing.T, u *auth.User, id int64) workflow.Facts {
	t.Helper()
	return Of(d.Svc.Reports.Facts(d.As(t, u), []int64{id})).OK(t)[id]
}

// Publication reads the publication record of report id (nil: none).
func (d *Desk) Publication(t *testing.T, id int64) *workflow.Publication {
	t.Helper()
	return Of(postgres.PublicationsByReportIDs(context.Background(), d.DB, []int64{id})).OK(t)[id]
}

// Worker runs one scheduler round over the desk's database.
func (d *Desk) Worker(t *testing.T) int {
	t.Helper()
	return Of(scheduler.New(d.DB, d.Svc.Reports, nil, scheduler.Options{}).RunOnce(t.Context())).OK(t)
}
