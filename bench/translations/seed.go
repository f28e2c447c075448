package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"

	"github.com/copydesk/copydesk/bench/internal/lorem"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

const (
	bodyBytes    = 2000 // Markdown body of each report
	nPeople      = 40
	nOrgs        = 8
	attendeesPer = 10
	seedWorkers  = 4 // reports are seeded by this many goroutines
)

// targetLocales are the target locales of reports on no desk (the
// desk_settings row seed writes); every report gets an APPROVED
// translation into each.
var targetLocales = []string{"zh-Hans", "ja", "ko"}

// fixture is what seed created.
type fixture struct {
	ids          []int64 // the reports, in creation order
	stale        int     // reports whose title changed after they were translated
	published    int     // reports published through the workflow (0 with -no-publish)
	people, orgs int
	bodyBytes    int // of the first report's body
	seedTime     time.Duration
	publishTime  time.Duration
}

// seed creates the directory (people with ja and zh-Hans names, their
// organizations) and n reports through the content service as the System
// viewer (ctx carries it): title, summary, a ~2 KB Markdown body and 10
// attendees with roles, each translated into zh-Hans, ja and ko (APPROVED,
// roles translated, as the demo loader does); then the title of every other
// report is edited with its expectedVersion, which makes its three
// translations stale (title only).
func seed(ctx context.Context, svc *newsroom.Services, n int) (*fixture, error) {
	t0 := time.Now()
	run := strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) // unique names with -dsn
	r := rand.New(rand.NewPCG(42, 11))
	fx := &fixture{people: nPeople, orgs: nOrgs}
	if _, err := identity.New(svc.Reports.DB).UpdateDeskSettings(ctx, nil, identity.SettingsChange{TargetLocales: targetLocales}); err != nil {
		return nil, fmt.Errorf("target locales: %w", err)
	}

	var orgs, people []int64
	for i := range nOrgs {
		o, err := svc.Directory.CreateOrganization(ctx, directory.CreateOrganizationInput{
			Name: fmt.Sprintf("%s Association for %s %d (%s)", lorem.Pick(r, lorem.Places), lorem.Pick(r, lorem.OrgWords), i+1, run),
		})
		if err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
		orgs = append(orgs, o.ID)
	}
	for i := range nPeople {
		name := lorem.FirstNames[i%len(lorem.FirstNames)] + " " + lorem.LastNames[(i+i/len(lorem.FirstNames))%len(lorem.LastNames)]
		p, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{
			Name:           name,
			LocalizedNames: editorial.LocalizedNames{"ja": "［ja］" + name, "zh-Hans": "［zh］" + name},
			AffiliationID:  &orgs[i%len(orgs)],
		})
		if err != nil {
			return nil, fmt.Errorf("person: %w", err)
		}
		people = append(people, p.ID)
	}

	// The reports' texts are drawn up front so that concurrent seeding stays
	// deterministic; each worker then creates, translates and edits its own.
	type spec struct {
		in    reports.CreateReportInput
		stale bool
	}
	specs := make([]spec, n)
	for i := range n {
		summary := lorem.Sentence(r, 40)
		msg := "First draft"
		in := reports.CreateReportInput{
			Title:        fmt.Sprintf("%s cooperation forum, session %d (%s)", lorem.Pick(r, lorem.Places), i+1, run),
			SourceLocale: "en",
			Body:         lorem.Markdown(uint64(i), bodyBytes, ""),
			Summary:      &summary,
			Message:      &msg,
		}
		for k := range attendeesPer {
			role := lorem.Roles[(i+k)%len(lorem.Roles)]
			in.Attendees = append(in.Attendees, reports.AttendeeInput{PersonID: &people[(i*3+k)%nPeople], Role: &role,
				Participations: []editorial.Participation{"ATTENDED"}})
		}
		specs[i] = spec{in: in, stale: i%2 == 0}
	}
	fx.bodyBytes = len(specs[0].in.Body)
	fx.ids = make([]int64, n)

	var next, stale atomic.Int64
	err := benchdb.Parallel(ctx, seedWorkers, func(ctx context.Context) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return nil
			}
			id, err := seedReport(ctx, svc, specs[i].in, specs[i].stale)
			if err != nil {
				return fmt.Errorf("report %d: %w", i+1, err)
			}
			fx.ids[i] = id
			if specs[i].stale {
				stale.Add(1)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	fx.stale = int(stale.Load())
	fx.seedTime = time.Since(t0)
	return fx, nil
}

// seedReport creates one report, translates it into the target locales
// (APPROVED, as only the System viewer may write directly) and, when stale,
// then edits its source title.
func seedReport(ctx context.Context, svc *newsroom.Services, in reports.CreateReportInput, stale bool) (int64, error) {
	saved, err := svc.Reports.CreateReport(ctx, in)
	if err != nil {
		return 0, err
	}
	rep := saved.Report
	atts, err := postgres.AttendeesByReportIDs(ctx, svc.Reports.DB, []int64{rep.ID})
	if err != nil {
		return 0, err
	}
	for _, loc := range targetLocales {
		tag := "［" + loc + "］"
		title, summary := tag+rep.Title, tag+*in.Summary
		tin := translation.UpsertTranslationInput{
			ReportID: rep.ID, Locale: loc, Title: title, Summary: &summary,
			Body:   tag + " " + in.Body,
			Status: editorial.TranslationApproved,
		}
		for _, a := range atts[rep.ID] {
			role := tag + *a.Role
			tin.Attendees = append(tin.Attendees, editorial.AttendeeTranslation{AttendeeID: a.ID, Role: &role})
		}
		if _, err := svc.Translations.UpsertTranslation(ctx, tin); err != nil {
			return 0, fmt.Errorf("%s translation: %w", loc, err)
		}
	}
	if stale {
		cur, err := postgres.ReportsByIDs(ctx, svc.Reports.DB, []int64{rep.ID})
		if err != nil {
			return 0, err
		}
		msg := "Retitle after the closing session"
		_, err = svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{
			ID: rep.ID, ExpectedVersion: cur[rep.ID].Version,
			Title:   editorial.SetTo(strings.Replace(rep.Title, "cooperation forum", "cooperation and trade forum", 1)),
			Message: &msg,
		})
		if err != nil {
			return 0, fmt.Errorf("title edit: %w", err)
		}
	}
	return rep.ID, nil
}

// publish takes every report through the editorial workflow: submit (System),
// approve (reviewer: a user, since approvals are recorded for users) and
// publish (System), each with the version the previous step returned.
// Reports are published in creation order, so any page of the newest
// reports holds as many stale ones as fresh ones.
func publish(ctx context.Context, svc *newsroom.Services, reviewer *auth.Viewer, fx *fixture) error {
	t0 := time.Now()
	cur, err := postgres.ReportsByIDs(ctx, svc.Reports.DB, fx.ids)
	if err != nil {
		return err
	}
	rctx := auth.WithViewer(ctx, reviewer)
	for i, id := range fx.ids {
		msg := "Ready for review"
		s, err := svc.Reports.Submit(ctx, id, cur[id].Version, &msg)
		if err != nil {
			return fmt.Errorf("submit report %d: %w", i+1, err)
		}
		if s, err = svc.Reports.Approve(rctx, id, s.Report.Version); err != nil {
			return fmt.Errorf("approve report %d: %w", i+1, err)
		}
		if s, err = svc.Reports.Publish(ctx, id, s.Report.Version); err != nil {
			return fmt.Errorf("publish report %d: %w", i+1, err)
		}
		if s.Report.Status != editorial.Published {
			return fmt.Errorf("report %d is %s after publish", i+1, s.Report.Status)
		}
	}
	fx.published = len(fx.ids)
	fx.publishTime = time.Since(t0)
	return nil
}
