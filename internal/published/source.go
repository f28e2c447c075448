package published

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
)

// buildSource writes report id's source document from its publication and
// the directory as it is now, and says whether the report is published
// (when it is not, its documents are deleted).
func buildSource(ctx context.Context, tx *postgres.Tx, id int64) (bool, error) {
	pc, err := postgres.PublishedCopyOf(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if pc == nil {
		return false, postgres.DeletePublicReport(ctx, tx, id)
	}
	rep, snap := pc.Report, pc.Snapshot
	rep.WordCount = richtext.WordCount(rep.Body)
	src := &editorial.PublicSource{Report: rep, BodyHTML: richtext.HTML(rep.Body), AuthorIDs: nonNil(snap.AuthorIDs),
		Attendees: attendeesOf(id, snap), TagIDs: []int64{}}
	for _, t := range snap.Tags {
		src.TagIDs = append(src.TagIDs, t.ID)
	}
	prev, err := postgres.PreviousSlugsByReportIDs(ctx, tx, []int64{id})
	if err != nil {
		return false, err
	}
	src.PreviousSlugs = nonNil(prev[id])
	if err := collectDirectory(ctx, tx, src); err != nil {
		return false, err
	}
	doc, err := json.Marshal(src)
	if err != nil {
		return false, err
	}
	row := &postgres.PublicSourceRow{ReportID: id, Format: Format, SourceLocale: rep.SourceLocale, EventID: rep.EventID,
		TagSlugs: []string{}, TagIDs: src.TagIDs, Refs: refsOf(src), FirstPublishedAt: pc.FirstPublishedAt,
		PublishedAt: pc.PublishedAt, CreatedAt: rep.CreatedAt, Doc: doc}
	for _, t := range src.Tags {
		if slices.Contains(src.TagIDs, t.ID) {
			row.TagSlugs = append(row.TagSlugs, t.Slug)
		}
	}
	return true, postgres.PutPublicSource(ctx, tx, row)
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

// maxDepth bounds how far collectDirectory follows parents (an event's
// parent's parent…); deeper ancestors are read from the directory tables
// when a query asks for them.
const maxDepth = 8

// collectDirectory puts into src every directory entry its public read
// shows: the byline and the attendees' people, their affiliations and
// organizations, the event's organizers, the tags, and the ancestors of
// events, tags and organizations.
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
	src.Events, err = closure(ctx, tx, events, postgres.EventsByIDs, func(e *editorial.Event) *int64 { return e.ParentID })
	if err != nil {
		return err
	}
	for _, e := range src.Events {
		orgs = append(orgs, e.OrganizerIDs...)
	}
	if src.Tags, err = closure(ctx, tx, tags, postgres.TagsByIDs, func(t *editorial.Tag) *int64 { return t.ParentID }); err != nil {
		return err
	}
	src.Organizations, err = closure(ctx, tx, orgs, postgres.OrganizationsByIDs, func(o *editorial.Organization) *int64 { return o.ParentID })
	return err
}

// closure loads ids and, up to maxDepth levels, their parents, in ID order.
func closure[T any](ctx context.Context, tx *postgres.Tx, ids []int64, load func(context.Context, sqlx.QueryerContext, []int64) (map[int64]*T, error), parent func(*T) *int64) ([]*T, error) {
	all := map[int64]*T{}
	for depth := 0; len(ids) > 0 && depth < maxDepth; depth++ {
		m, err := load(ctx, tx, ids)
		if err != nil {
			return nil, err
		}
		ids = nil
		for id, v := range m {
			all[id] = v
			if p := parent(v); p != nil && all[*p] == nil && !slices.Contains(ids, *p) {
				ids = append(ids, *p)
			}
		}
	}
	return values(all), nil
}

// refsOf lists what src shows, for QueueRefresh.
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
