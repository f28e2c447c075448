// Package demo loads copydesk's demo data: the report of the International
// Technology Trade Conference and China-Japan-Korea Technology Trade Forum
// (Qingdao, 2020), with its event, organizations, people, attendees, tags and
// translations. The data set is structured JSON embedded in the binary
// (qingdao.json); nothing is read from outside the repository at run time.
//
// Loading is idempotent: a data set is recorded in demo_loads in the same
// transaction that inserts it, so a second load (or a second instance
// loading at the same moment) does nothing.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	translations "github.com/copydesk/copydesk/internal/translation"
)

// Name identifies the demo data set in demo_loads.
const Name = "qingdao-2020"

// Load inserts the demo data set unless it is already there, and reports
// whether it inserted it. The claim in demo_loads and every row of the data
// set are written in one transaction: a concurrent loader waits on the claim
// and then does nothing, and a failure leaves nothing behind.
func Load(ctx context.Context, db *postgres.DB, log *slog.Logger) (bool, error) {
	ctx = auth.WithViewer(ctx, auth.System()) // copydesk loads its demo itself
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	set, err := decode(qingdaoJSON)
	if err != nil {
		return false, err
	}
	start := time.Now()
	loaded := false
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		loaded = false // InTx may run this again
		first, err := postgres.ClaimDemoLoad(ctx, tx, Name)
		if err != nil || !first {
			return err
		}
		loaded = true
		return insert(postgres.WithTx(ctx, tx), tx, newsroom.New(db), set, log)
	})
	if err != nil {
		return false, fmt.Errorf("loading demo data set %s: %w", Name, err)
	}
	if loaded {
		log.Info("demo data loaded", "set", Name, "ms", time.Since(start).Milliseconds())
	} else {
		log.Debug("demo data already present", "set", Name)
	}
	return loaded, nil
}

// insert writes the data set through the editorial services, resolving the
// file's keys to database IDs as it goes. ctx carries tx, the loader's
// transaction (postgres.WithTx), so every service call joins it. Entries are
// inserted in file order, which check has verified is dependency order.
func insert(ctx context.Context, tx *postgres.Tx, svc *newsroom.Services, d *dataSet, log *slog.Logger) error {
	var ids keyIDs
	var err error
	if ids.orgs, err = insertOrganizations(ctx, svc, d.Organizations); err != nil {
		return err
	}
	if ids.people, err = insertPeople(ctx, svc, d.People, ids.orgs); err != nil {
		return err
	}
	if ids.tags, err = insertTags(ctx, svc, d.Tags); err != nil {
		return err
	}

	log.DebugContext(ctx, "demo directory inserted", "set", Name, "organizations", len(ids.orgs), "people", len(ids.people), "tags", len(ids.tags))

	if ids.events, err = insertEvents(ctx, svc, d.Events, ids.orgs); err != nil {
		return err
	}

	log.DebugContext(ctx, "demo events inserted", "set", Name, "events", len(ids.events))

	r := &d.Report
	saved, err := svc.Reports.CreateReport(ctx, reportInput(r, ids))
	if err != nil {
		return fmt.Errorf("report %s: %w", r.Slug, err)
	}
	reportID := saved.Report.ID
	attendeeIDs, err := savedAttendeeIDs(ctx, tx, reportID, r)
	if err != nil {
		return err
	}
	translatedRoles, err := insertTranslations(ctx, svc, reportID, r, attendeeIDs)
	if err != nil {
		return err
	}

	log.InfoContext(ctx, "demo data inserted", "set", Name, "organizations", len(ids.orgs), "people", len(ids.people),
		"tags", len(ids.tags), "events", len(ids.events), "reports", 1, "attendees", len(attendeeIDs),
		"translations", len(r.Translations), "translatedRoles", translatedRoles)
	return nil
}

// keyIDs maps the data set's keys to the database IDs of the entries insert
// created for them, by kind.
type keyIDs struct {
	orgs, people, tags, events map[string]int64
}

// insertOrganizations creates the organizations in file order (parents
// first) and returns their IDs by key.
func insertOrganizations(ctx context.Context, svc *newsroom.Services, orgs []organization) (map[string]int64, error) {
	orgIDs := make(map[string]int64, len(orgs))
	for _, o := range orgs {
		in := directory.CreateOrganizationInput{Name: o.Name, LocalizedNames: o.LocalizedNames, Acronym: o.Acronym, Country: o.Country}
		if o.Parent != nil {
			in.ParentID = ptr(orgIDs[*o.Parent])
		}
		saved, err := svc.Directory.CreateOrganization(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("organization %s: %w", o.Key, err)
		}
		orgIDs[o.Key] = saved.ID
	}
	return orgIDs, nil
}

// insertPeople creates the people, affiliated through orgIDs, and returns
// their IDs by key.
func insertPeople(ctx context.Context, svc *newsroom.Services, people []person, orgIDs map[string]int64) (map[string]int64, error) {
	personIDs := make(map[string]int64, len(people))
	for _, p := range people {
		in := directory.CreatePersonInput{Name: p.Name, LocalizedNames: p.LocalizedNames}
		if p.Affiliation != nil {
			in.AffiliationID = ptr(orgIDs[*p.Affiliation])
		}
		saved, err := svc.Directory.CreatePerson(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("person %s: %w", p.Key, err)
		}
		personIDs[p.Key] = saved.ID
	}
	return personIDs, nil
}

// insertTags creates the tags and returns their IDs by key.
func insertTags(ctx context.Context, svc *newsroom.Services, tags []tag) (map[string]int64, error) {
	tagIDs := make(map[string]int64, len(tags))
	for _, t := range tags {
		saved, err := svc.Directory.CreateTag(ctx, directory.CreateTagInput{Name: t.Name, Slug: &t.Slug, Description: t.Description, LocalizedNames: t.LocalizedNames})
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", t.Key, err)
		}
		tagIDs[t.Key] = saved.ID
	}
	return tagIDs, nil
}

// insertEvents creates the events in file order (parents first), organized
// by orgIDs, and returns their IDs by key.
func insertEvents(ctx context.Context, svc *newsroom.Services, events []event, orgIDs map[string]int64) (map[string]int64, error) {
	eventIDs := make(map[string]int64, len(events))
	for _, e := range events {
		in := directory.CreateEventInput{Name: e.Name, LocalizedNames: e.LocalizedNames, TimeZone: e.TimeZone, AllDay: e.AllDay,
			Venue: e.Venue, City: e.City, Region: e.Region, Country: e.Country, OrganizerIDs: []int64{}, Figures: []editorial.Figure{}}
		if e.Parent != nil {
			in.ParentID = ptr(eventIDs[*e.Parent])
		}
		in.StartsAt, _ = parseTime(e.StartsAt) // check has parsed them
		in.EndsAt, _ = parseTime(e.EndsAt)
		if e.Format != nil {
			in.Format = ptr(editorial.EventFormat(*e.Format))
		}
		for _, o := range e.Organizers {
			in.OrganizerIDs = append(in.OrganizerIDs, orgIDs[o])
		}
		for _, f := range e.Figures {
			in.Figures = append(in.Figures, editorial.Figure{Metric: f.Metric, Value: f.Value, Approximation: f.Approximation,
				Label: f.Label, Channels: f.Channels, Countries: f.Countries})
		}
		saved, err := svc.Directory.CreateEvent(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", e.Key, err)
		}
		eventIDs[e.Key] = saved.ID
	}
	return eventIDs, nil
}

// reportInput is the CreateReport input for r, with its keys resolved
// through ids.
func reportInput(r *report, ids keyIDs) reports.CreateReportInput {
	in := reports.CreateReportInput{Title: r.Title, SourceLocale: r.SourceLocale, Body: r.Body, Slug: &r.Slug,
		Section: r.Section, Subtitle: r.Subtitle, Summary: r.Summary, Status: editorial.Status(r.Status),
		PublishedAt: editorial.SetTo(r.PublishedAt), Tags: []reports.TagRef{}, AuthorIDs: []int64{}}
	if r.Event != nil {
		in.EventID = ptr(ids.events[*r.Event])
	}
	for _, t := range r.Tags {
		in.Tags = append(in.Tags, reports.TagRef{ID: ids.tags[t]})
	}
	for _, a := range r.Attendees {
		ai := reports.AttendeeInput{Delegation: a.Delegation, Role: a.Role, Note: a.Note}
		if a.Person != nil {
			ai.PersonID = ptr(ids.people[*a.Person])
		}
		if a.Organization != nil {
			ai.OrganizationID = ptr(ids.orgs[*a.Organization])
		}
		for _, p := range a.Participations {
			ai.Participations = append(ai.Participations, editorial.Participation(p))
		}
		in.Attendees = append(in.Attendees, ai)
	}
	return in
}

// savedAttendeeIDs returns the IDs CreateReport gave r's attendees, in list
// order: translated roles and notes name attendees by ID.
func savedAttendeeIDs(ctx context.Context, tx *postgres.Tx, reportID int64, r *report) ([]int64, error) {
	atts, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return nil, err
	}
	if len(atts[reportID]) != len(r.Attendees) {
		return nil, fmt.Errorf("report %s: %d attendees saved, %d given", r.Slug, len(atts[reportID]), len(r.Attendees))
	}
	attendeeIDs := make([]int64, len(r.Attendees))
	for i, a := range atts[reportID] {
		attendeeIDs[i] = a.ID
	}
	return attendeeIDs, nil
}

// insertTranslations upserts r's translations of report reportID, naming
// attendees through attendeeIDs, and returns how many attendee roles they
// translate.
func insertTranslations(ctx context.Context, svc *newsroom.Services, reportID int64, r *report, attendeeIDs []int64) (int, error) {
	translatedRoles := 0
	for _, t := range r.Translations {
		in := translations.UpsertTranslationInput{ReportID: reportID, Locale: t.Locale, Title: t.Title, Subtitle: t.Subtitle,
			Summary: t.Summary, Body: t.Body, Status: editorial.TranslationStatus(t.Status), Attendees: []editorial.AttendeeTranslation{}}
		for _, a := range t.Attendees {
			in.Attendees = append(in.Attendees, editorial.AttendeeTranslation{AttendeeID: attendeeIDs[a.Index], Role: a.Role, Note: a.Note})
			if a.Role != nil {
				translatedRoles++
			}
		}
		if _, err := svc.Translations.UpsertTranslation(ctx, in); err != nil {
			return 0, fmt.Errorf("report %s, %s translation: %w", r.Slug, t.Locale, err)
		}
	}
	return translatedRoles, nil
}

func ptr[T any](v T) *T { return &v }
