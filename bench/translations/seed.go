package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

const (
	bodyBytes    = 2000 // Markdown body of each report
	nPeople      = 40
	nOrgs        = 8
	attendeesPer = 10
	seedWorkers  = 4 // reports are seeded by this many goroutines
)

// targetLocales are the deployment's target locales (graph.Resolver.TargetLocales);
// every report gets an APPROVED translation into each.
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
func seed(ctx context.Context, svc *content.Service, n int) (*fixture, error) {
	t0 := time.Now()
	run := strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) // unique names with -dsn
	r := rand.New(rand.NewPCG(42, 11))
	fx := &fixture{people: nPeople, orgs: nOrgs}

	var orgs, people []int64
	for i := range nOrgs {
		o, err := svc.CreateOrganization(ctx, content.CreateOrganizationInput{
			Name: fmt.Sprintf("%s Association for %s %d (%s)", pick(r, places), pick(r, orgWords), i+1, run),
		})
		if err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
		orgs = append(orgs, o.ID)
	}
	for i := range nPeople {
		name := firstNames[i%len(firstNames)] + " " + lastNames[(i+i/len(firstNames))%len(lastNames)]
		p, err := svc.CreatePerson(ctx, content.CreatePersonInput{
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
		in    content.CreateReportInput
		stale bool
	}
	specs := make([]spec, n)
	for i := range n {
		summary := sentence(r, 40)
		msg := "First draft"
		in := content.CreateReportInput{
			Title:        fmt.Sprintf("%s cooperation forum, session %d (%s)", pick(r, places), i+1, run),
			SourceLocale: "en",
			Body:         makeBody(uint64(i), bodyBytes),
			Summary:      &summary,
			Message:      &msg,
		}
		for k := range attendeesPer {
			role := roles[(i+k)%len(roles)]
			in.Attendees = append(in.Attendees, content.AttendeeInput{PersonID: &people[(i*3+k)%nPeople], Role: &role,
				Participations: []editorial.Participation{"ATTENDED"}})
		}
		specs[i] = spec{in: in, stale: i%2 == 0}
	}
	fx.bodyBytes = len(specs[0].in.Body)
	fx.ids = make([]int64, n)

	var next, stale atomic.Int64
	err := parallel(ctx, seedWorkers, func(ctx context.Context) error {
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
func seedReport(ctx context.Context, svc *content.Service, in content.CreateReportInput, stale bool) (int64, error) {
	saved, err := svc.CreateReport(ctx, in)
	if err != nil {
		return 0, err
	}
	rep := saved.Report
	atts, err := postgres.AttendeesByReportIDs(ctx, svc.DB, []int64{rep.ID})
	if err != nil {
		return 0, err
	}
	for _, loc := range targetLocales {
		tag := "［" + loc + "］"
		title, summary := tag+rep.Title, tag+*in.Summary
		tin := content.UpsertTranslationInput{
			ReportID: rep.ID, Locale: loc, Title: title, Summary: &summary,
			Body:   tag + " " + in.Body,
			Status: editorial.TranslationApproved,
		}
		for _, a := range atts[rep.ID] {
			role := tag + *a.Role
			tin.Attendees = append(tin.Attendees, editorial.AttendeeTranslation{AttendeeID: a.ID, Role: &role})
		}
		if _, err := svc.UpsertTranslation(ctx, tin); err != nil {
			return 0, fmt.Errorf("%s translation: %w", loc, err)
		}
	}
	if stale {
		cur, err := postgres.ReportsByIDs(ctx, svc.DB, []int64{rep.ID})
		if err != nil {
			return 0, err
		}
		msg := "Retitle after the closing session"
		_, err = svc.UpdateReport(ctx, content.UpdateReportInput{
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
func publish(ctx context.Context, svc *content.Service, reviewer *auth.Viewer, fx *fixture) error {
	t0 := time.Now()
	cur, err := postgres.ReportsByIDs(ctx, svc.DB, fx.ids)
	if err != nil {
		return err
	}
	rctx := auth.WithViewer(ctx, reviewer)
	for i, id := range fx.ids {
		msg := "Ready for review"
		s, err := svc.Submit(ctx, id, cur[id].Version, &msg)
		if err != nil {
			return fmt.Errorf("submit report %d: %w", i+1, err)
		}
		if s, err = svc.Approve(rctx, id, s.Report.Version); err != nil {
			return fmt.Errorf("approve report %d: %w", i+1, err)
		}
		if s, err = svc.Publish(ctx, id, s.Report.Version); err != nil {
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

// parallel runs fn in k goroutines and returns the first error (the others
// see ctx cancelled).
func parallel(ctx context.Context, k int, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			if err := fn(ctx); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// makeBody returns deterministic Markdown of about size bytes: a heading,
// paragraphs with emphasis and links, a list and a quote.
func makeBody(seed uint64, size int) string {
	r := rand.New(rand.NewPCG(seed, 99))
	var b strings.Builder
	b.WriteString(sentence(r, 30) + "\n\n")
	for block := 0; b.Len() < size; block++ {
		switch block % 5 {
		case 0:
			b.WriteString("## " + strings.TrimSuffix(sentence(r, 3+r.IntN(4)), ".") + "\n\n")
		case 2:
			for range 3 {
				b.WriteString("- " + sentence(r, 6+r.IntN(8)) + "\n")
			}
			b.WriteString("\n")
		case 4:
			b.WriteString("> " + sentence(r, 15+r.IntN(15)) + "\n\n")
		default:
			for range 2 + r.IntN(3) {
				s := sentence(r, 10+r.IntN(15))
				switch r.IntN(5) {
				case 0:
					w := pick(r, words)
					s = strings.Replace(s, " "+w+" ", " **"+w+"** ", 1)
				case 1:
					s += " See [the " + pick(r, words) + " notes](https://example.org/" + pick(r, words) + "/" + strconv.Itoa(r.IntN(1000)) + ")."
				}
				b.WriteString(s + " ")
			}
			b.WriteString("\n\n")
		}
	}
	return strings.TrimSpace(b.String()) + "\n"
}

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = pick(r, words)
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ") + "."
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

var words = strings.Fields(`the of and to in a for on with by at from that as was were is are
	delegation minister ministry forum summit agreement cooperation trade investment port logistics
	province city council mayor chamber commerce industry exchange culture education university
	students scholarship tourism festival exhibition pavilion signing ceremony memorandum partnership
	development infrastructure railway corridor energy renewable solar wind grid technology innovation
	research laboratory hospital health medicine agriculture fisheries ocean marine shipping container
	customs tariff export import market enterprise company startup fund bank finance credit insurance
	visited toured attended addressed welcomed announced launched pledged discussed reviewed agreed
	friendship mutual benefit shared future sustainable green digital economy platform network
	annual regional national international bilateral multilateral joint strategic practical`)

var (
	firstNames = strings.Fields(`Li Wang Zhang Liu Chen Yang Maria Anna Peter Jan Luca Sofia Ahmed Fatima Kenji Yuki Olga Ivan`)
	lastNames  = strings.Fields(`Wei Fang Jing Ming Hao Lin Novak Rossi Schmidt Dubois Garcia Silva Tanaka Sato Petrov Kowalski Haddad Okafor`)
	places     = strings.Fields(`Qingdao Shandong Hamburg Rotterdam Antwerp Busan Osaka Marseille Genoa Valencia Gdansk Piraeus`)
	orgWords   = strings.Fields(`Trade Shipping Culture Education Science Friendship Commerce Tourism Industry Logistics Ports Research`)
	roles      = []string{"Vice Minister of Commerce", "Mayor", "Secretary General of the Chamber of Commerce", "Deputy Director, Foreign Affairs Office",
		"Consul General", "President of the University", "Chief Executive Officer", "Head of Delegation", "Director of the Port Authority"}
)
