package published

import (
	"context"
	"maps"
	"slices"

	gojson "github.com/goccy/go-json"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
)

// buildSource writes report id's source document from its publication, its
// correction notes and the directory as it is now, and returns the publication (nil when the
// report is not published: its documents are then deleted).
func buildSource(ctx context.Context, tx *postgres.Tx, id int64) (*postgres.PublishedCopy, error) {
	pc, err := postgres.PublishedCopyOf(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if pc == nil {
		return nil, postgres.DeletePublicReport(ctx, tx, id)
	}
	rep, snap := pc.Report, pc.Snapshot
	rep.WordCount = richtext.WordCount(rep.Body)
	src := &editorial.PublicSource{Report: rep, BodyHTML: richtext.HTML(rep.Body), AuthorIDs: nonNil(snap.AuthorIDs),
		Attendees: attendeesOf(id, snap), TagIDs: []int64{}}
	for _, t := range snap.Tags {
		src.TagIDs = append(src.TagIDs, t.ID)
	}
	src.PreviousSlugs = nonNil(pc.PreviousSlugs)
	corrections, err := postgres.CorrectionsByReportIDs(ctx, tx, []int64{id})
	if err != nil {
		return nil, err
	}
	src.Corrections = nonNil(corrections[id])
	if err := collectDirectory(ctx, tx, src); err != nil {
		return nil, err
	}
	doc, err := gojson.Marshal(src)
	if err != nil {
		return nil, err
	}
	row := &postgres.PublicSourceRow{ReportID: id, Format: Format, SourceLocale: rep.SourceLocale, EventID: rep.EventID,
		TagSlugs: []string{}, TagIDs: src.TagIDs, Refs: refsOf(src), FirstPublishedAt: pc.FirstPublishedAt,
		PublishedAt: pc.PublishedAt, CreatedAt: rep.CreatedAt, Doc: doc}
	for _, t := range src.Tags {
		if slices.Contains(src.TagIDs, t.ID) {
			row.TagSlugs = append(row.TagSlugs, t.Slug)
		}
	}
	return pc, postgres.PutPublicSource(ctx, tx, row)
}

// attendeesOf is the attendee list of a published snapshot.
func attendeesOf(reportID int64, snap *editorial.Snapshot) []*editorial.Attendee {
	out := make([]*editorial.Attendee, len(snap.Attendees))
	for i, s := range snap.Attendees {
		out[i] = &editorial.Attendee{ID: s.ID, ReportID: reportID, Position: i, PersonID: s.PersonID, OrganizationID: s.OrganizationID,
			Delegation: s.Delegation, Role: s.Role, Participations: nonNil(s.Participations), Note: s.Note}
	}
	return out
}

// collectDirectory puts into src every directory entry its public read
// shows: the byline and the attendees' people, their affiliations and
// organizations, the event's organizers, the tags, and the ancestors of
// events, tags and organizations. Four queries.
func collectDirectory(ctx context.Context, tx *postgres.Tx, src *editorial.PublicSource) error {
	var people, orgs, tags, events []int64
	people = append(people, src.AuthorIDs...)
	for _, a := range src.Attendees {
		people, orgs = appendPtr(people, a.PersonID), appendPtr(orgs, a.OrganizationID)
	}
	tags = append(tags, src.TagIDs...)
	events = appendPtr(events, src.Report.EventID)

	pm, err := postgres.PeopleByIDs(ctx, tx, people)
	if err != nil {
		return err
	}
	src.People = values(pm)
	for _, p := range src.People {
		orgs = appendPtr(orgs, p.AffiliationID)
	}
	em, err := postgres.EventsWithAncestors(ctx, tx, events)
	if err != nil {
		return err
	}
	src.Events = values(em)
	for _, e := range src.Events {
		orgs = append(orgs, e.OrganizerIDs...)
	}
	tm, err := postgres.TagsWithAncestors(ctx, tx, tags)
	if err != nil {
		return err
	}
	src.Tags = values(tm)
	om, err := postgres.OrganizationsWithAncestors(ctx, tx, orgs)
	src.Organizations = values(om)
	return err
}

// refsOf lists what src shows, for Queue.
func refsOf(src *editorial.PublicSource) []string {
	var refs []string
	for _, p := range src.People {
		refs = append(refs, postgres.RefPerson(p.ID))
	}
	for _, o := range src.Organizations {
		refs = append(refs, postgres.RefOrganization(o.ID))
	}
	for _, t := range src.Tags {
		refs = append(refs, postgres.RefTag(t.ID))
	}
	for _, e := range src.Events {
		refs = append(refs, postgres.RefEvent(e.ID))
	}
	for _, a := range src.Attendees {
		refs = append(refs, postgres.RefAttendee(a.ID))
	}
	return nonNil(refs)
}

func appendPtr(list []int64, id *int64) []int64 {
	if id != nil && !slices.Contains(list, *id) {
		list = append(list, *id)
	}
	return list
}

// values returns m's values in key order.
func values[T any](m map[int64]*T) []*T {
	out := make([]*T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
