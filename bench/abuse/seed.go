package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"

	"github.com/copydesk/copydesk/bench/internal/lorem"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/reports"
)

// demoSlug is the demo report (internal/demo, qingdao.json); the seeded
// reports share its event, so report → event → reports fans out.
const demoSlug = "international-technology-trade-conference-qingdao-2020"

const (
	bodyBytes    = 1500
	nPeople      = 40
	nOrgs        = 8
	nTags        = 12
	tagsPer      = 3
	attendeesPer = 10
	seedWorkers  = 4
)

// fixture is what seed created.
type fixture struct {
	eventID   int64
	published int
	took      time.Duration
}

// seed creates n reports on the demo report's event through the content
// service, as the System viewer (ctx carries it): title, summary, a ~1.5 KB
// Markdown body, 3 of 12 tags and 10 attendees with roles; and takes each
// through the workflow (submit and publish as System, approve as reviewer,
// since approvals are recorded for users), so the public reads them.
func seed(ctx context.Context, svc *newsroom.Services, reviewer *auth.Viewer, n int) (*fixture, error) {
	t0 := time.Now()
	fx := &fixture{}
	if err := svc.Reports.DB.GetContext(ctx, &fx.eventID, `SELECT event_id FROM reports WHERE slug = $1 AND event_id IS NOT NULL`, demoSlug); err != nil {
		return nil, fmt.Errorf("the demo report's event (was the demo loaded?): %w", err)
	}
	run := strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) // unique names
	r := rand.New(rand.NewPCG(7, 5))
	var orgs, people []int64
	var tags []reports.TagRef
	for i := range nOrgs {
		o, err := svc.Directory.CreateOrganization(ctx, directory.CreateOrganizationInput{
			Name: fmt.Sprintf("%s Association for %s %d (%s)", lorem.Pick(r, lorem.Places), lorem.Pick(r, lorem.OrgWords), i+1, run)})
		if err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
		orgs = append(orgs, o.ID)
	}
	for i := range nPeople {
		name := lorem.FirstNames[i%len(lorem.FirstNames)] + " " + lorem.LastNames[(i+i/len(lorem.FirstNames))%len(lorem.LastNames)]
		p, err := svc.Directory.CreatePerson(ctx, directory.CreatePersonInput{Name: name + " " + run, AffiliationID: &orgs[i%len(orgs)]})
		if err != nil {
			return nil, fmt.Errorf("person: %w", err)
		}
		people = append(people, p.ID)
	}
	for i := range nTags {
		t, err := svc.Directory.CreateTag(ctx, directory.CreateTagInput{Name: fmt.Sprintf("%s %s %d", lorem.Pick(r, lorem.OrgWords), run, i+1)})
		if err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
		tags = append(tags, reports.TagRef{ID: t.ID})
	}
	specs := make([]reports.CreateReportInput, n)
	for i := range n {
		summary, msg := lorem.Sentence(r, 30), "First draft"
		in := reports.CreateReportInput{
			Title:        fmt.Sprintf("%s session %d (%s)", lorem.Pick(r, lorem.Places), i+1, run),
			SourceLocale: "en", Body: lorem.Markdown(uint64(i), bodyBytes, ""),
			Summary: &summary, Message: &msg, EventID: &fx.eventID,
		}
		for k := range tagsPer {
			in.Tags = append(in.Tags, tags[(i+k*5)%nTags])
		}
		for k := range attendeesPer {
			role := lorem.Roles[(i+k)%len(lorem.Roles)]
			in.Attendees = append(in.Attendees, reports.AttendeeInput{PersonID: &people[(i*3+k)%nPeople], Role: &role,
				Participations: []editorial.Participation{"ATTENDED"}})
		}
		specs[i] = in
	}
	var next, done atomic.Int64
	err := benchdb.Parallel(ctx, seedWorkers, func(ctx context.Context) error {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return nil
			}
			if err := seedReport(ctx, auth.WithViewer(ctx, reviewer), svc, specs[i]); err != nil {
				return fmt.Errorf("report %d: %w", i+1, err)
			}
			done.Add(1)
		}
	})
	fx.published, fx.took = int(done.Load()), time.Since(t0)
	return fx, err
}

// seedReport creates one report and publishes it: submit, approve (as the
// reviewer in rctx), publish.
func seedReport(ctx, rctx context.Context, svc *newsroom.Services, in reports.CreateReportInput) error {
	s, err := svc.Reports.CreateReport(ctx, in)
	if err != nil {
		return err
	}
	id := s.Report.ID
	msg := "Ready for review"
	if s, err = svc.Reports.Submit(ctx, id, s.Report.Version, &msg); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if s, err = svc.Reports.Approve(rctx, id, s.Report.Version); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	if s, err = svc.Reports.Publish(ctx, id, s.Report.Version); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if s.Report.Status != editorial.Published {
		return fmt.Errorf("%s after publish", s.Report.Status)
	}
	return nil
}
