package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/bench/internal/lorem"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/richtext"
)

// editMark is the one word of a body that every update changes (to
// "v<number>"), in copydesk runs and in the pgbench script alike.
const editMark = "EDITMARK"

const (
	bodyBytes       = 6000
	nPeople         = 40
	nOrgs           = 12
	personAttendees = 16
	orgAttendees    = 4
	tagsPerReport   = 3
	authorsPer      = 2
)

// target is one report a writer owns.
type target struct {
	id      int64
	slug    string
	gid     string // global GraphQL ID (graphql mode)
	version int
	body    string // body template: contains editMark once
}

// bodyAt is the body the update to version v writes.
func (t *target) bodyAt(v int) string {
	return strings.Replace(t.body, editMark, "v"+strconv.Itoa(v), 1)
}

// fixture is what seed created.
type fixture struct {
	reports          []*target // in creation order: client c owns reports[slot*clients+c]
	bodyTemplate     string    // reports[0]'s body template
	snapshotTemplate string    // reports[0]'s revision snapshot as the service serializes it, body = bodyTemplate
	wordCount        int       // of bodyTemplate (unchanged by an edit)
	people, orgs     int
	attendees, tags  int
	authors          int
	serviceStmts     int64 // SQL statements of one service update (probeUpdate)
}

// seed creates the directory entries and n reports through the content
// service, each with a ~6 KB Markdown body, 3 tags, 2 authors and 20
// attendees (16 people with roles, 4 organizations), so that a revision
// snapshot has a realistic size.
func seed(ctx context.Context, svc *newsroom.Services, n int) (*fixture, error) {
	run := strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) // unique names with -dsn
	fx := &fixture{people: nPeople, orgs: nOrgs, attendees: personAttendees + orgAttendees, tags: tagsPerReport, authors: authorsPer}
	r := rand.New(rand.NewPCG(42, 7))

	var people, orgs []int64
	for i := range nOrgs {
		acr := strings.ToUpper(lorem.Pick(r, lorem.OrgWords)[:3]) + strconv.Itoa(i)
		o, err := svc.Directory.CreateOrganization(ctx, directory.CreateOrganizationInput{
			Name:    fmt.Sprintf("%s Association for %s and %s", lorem.Pick(r, lorem.Places), lorem.Pick(r, lorem.OrgWords), lorem.Pick(r, lorem.OrgWords)),
			Acronym: &acr,
		})
		if err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
		orgs = append(orgs, o.ID)
	}
	for i := range nPeople {
		p, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{
			Name:          lorem.Pick(r, lorem.FirstNames) + " " + lorem.Pick(r, lorem.LastNames),
			AffiliationID: &orgs[i%len(orgs)],
		})
		if err != nil {
			return nil, fmt.Errorf("person: %w", err)
		}
		people = append(people, p.ID)
	}

	msg := "First draft"
	for i := range n {
		body := lorem.Markdown(uint64(i), bodyBytes, "Delegates met on the opening day; the "+editMark+" session was chaired by the host. ")
		section, subtitle := "Exchanges", fmt.Sprintf("Delegates from %s and %s signed %d agreements", lorem.Pick(r, lorem.Places), lorem.Pick(r, lorem.Places), 2+i%5)
		summary := lorem.Sentence(r, 45)
		in := reports.CreateReportInput{
			Title:        fmt.Sprintf("%s cooperation forum, session %d (%s)", lorem.Pick(r, lorem.Places), i+1, run),
			SourceLocale: "en",
			Body:         body,
			Section:      &section,
			Subtitle:     &subtitle,
			Summary:      &summary,
			Message:      &msg,
			AuthorIDs:    []int64{people[i%nPeople], people[(i+1)%nPeople]},
		}
		for k := range tagsPerReport {
			in.Tags = append(in.Tags, reports.TagRef{Name: tagNames[(i+k)%len(tagNames)]})
		}
		for k := range personAttendees {
			role := lorem.Roles[(i+k)%len(lorem.Roles)]
			a := reports.AttendeeInput{PersonID: &people[(i*7+k)%nPeople], Role: &role,
				Participations: []editorial.Participation{"ATTENDED"}}
			if k%4 == 0 {
				a.Participations = append(a.Participations, "SPEECH")
			}
			if k%5 == 0 {
				note := lorem.Sentence(r, 12)
				a.Note = &note
			}
			in.Attendees = append(in.Attendees, a)
		}
		for k := range orgAttendees {
			in.Attendees = append(in.Attendees, reports.AttendeeInput{OrganizationID: &orgs[(i+k)%nOrgs],
				Participations: []editorial.Participation{"HOSTED"}})
		}
		saved, err := svc.Reports.CreateReport(ctx, in)
		if err != nil {
			return nil, err
		}
		fx.reports = append(fx.reports, &target{id: saved.Report.ID, slug: saved.Report.Slug, version: saved.Report.Version, body: body})
	}

	first := fx.reports[0]
	fx.bodyTemplate = first.body
	fx.wordCount = richtext.WordCount(first.body)
	snap, err := postgres.Snapshot(ctx, svc.Reports.DB, first.id)
	if err != nil {
		return nil, err
	}
	snap.Body = first.body
	b, err := json.Marshal(snap) // as postgres.InsertRevision does
	if err != nil {
		return nil, err
	}
	fx.snapshotTemplate = string(b)
	return fx, nil
}

// reloadVersions reads the current version of every report (runs in between
// moved them on).
func reloadVersions(ctx context.Context, db *postgres.DB, fx *fixture) error {
	ids := make([]int64, len(fx.reports))
	for i, t := range fx.reports {
		ids[i] = t.id
	}
	got, err := postgres.ReportsByIDs(ctx, db, ids)
	if err != nil {
		return err
	}
	for _, t := range fx.reports {
		r, ok := got[t.id]
		if !ok {
			return fmt.Errorf("report %d vanished", t.id)
		}
		t.version = r.Version
	}
	return nil
}

var tagNames = []string{"Trade", "Diplomacy", "Culture", "Ports and shipping", "Education", "Investment", "Tourism", "Science"}
