package editorial

import (
	"slices"
)

// Snapshot is a report and its relations as recorded in a revision.
// Directory entries are copied by name, so an old revision reads the same
// after later renames or merges. It is stored as JSON; field names are stable.
type Snapshot struct {
	Slug         string             `json:"slug"`
	SourceLocale string             `json:"sourceLocale"`
	Section      *string            `json:"section,omitempty"`
	Title        string             `json:"title"`
	Subtitle     *string            `json:"subtitle,omitempty"`
	Summary      *string            `json:"summary,omitempty"`
	Body         string             `json:"body"`
	EventID      *int64             `json:"eventId,omitempty"`
	Tags         []SnapshotTag      `json:"tags"`
	AuthorIDs    []int64            `json:"authorIds"`
	Attendees    []SnapshotAttendee `json:"attendees"`
}

// SnapshotTag is a tag as recorded in a revision.
type SnapshotTag struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// SnapshotAttendee is an attendee as recorded in a revision.
type SnapshotAttendee struct {
	ID               int64           `json:"id"`
	PersonID         *int64          `json:"personId,omitempty"`
	PersonName       *string         `json:"personName,omitempty"`
	OrganizationID   *int64          `json:"organizationId,omitempty"`
	OrganizationName *string         `json:"organizationName,omitempty"`
	Delegation       *string         `json:"delegation,omitempty"`
	Role             *string         `json:"role,omitempty"`
	Participations   []Participation `json:"participations"`
	Note             *string         `json:"note,omitempty"`
}

// TextField is one text field of a snapshot, for diffs.
type TextField struct {
	Name          string
	Before, After *string
}

// SnapshotDiff is what changed between two snapshots.
type SnapshotDiff struct {
	// ChangedFields lists changed fields in schema order: slug, sourceLocale,
	// section, title, subtitle, summary, body, event, tags, authors, attendees.
	ChangedFields    []string
	Text             []TextField
	TagsAdded        []string
	TagsRemoved      []string
	TagsReordered    bool
	AttendeesAdded   []SnapshotAttendee
	AttendeesRemoved []SnapshotAttendee
	AttendeesChanged []AttendeeChange
}

// AttendeeChange is an attendee present in both snapshots whose details changed.
type AttendeeChange struct {
	Before, After SnapshotAttendee
	Fields        []string // person, organization, delegation, role, participations, note, position
}

// Diff compares two snapshots field by field. Tags, authors and attendees'
// people and organizations are compared by ID: the names a snapshot copied
// from the directory may have been renamed since, which changes no report.
func Diff(a, b Snapshot) SnapshotDiff {
	var d SnapshotDiff
	text := []TextField{
		{"slug", &a.Slug, &b.Slug},
		{"sourceLocale", &a.SourceLocale, &b.SourceLocale},
		{"section", a.Section, b.Section},
		{"title", &a.Title, &b.Title},
		{"subtitle", a.Subtitle, b.Subtitle},
		{"summary", a.Summary, b.Summary},
		{"body", &a.Body, &b.Body},
	}
	for _, f := range text {
		if !eqPtr(f.Before, f.After) {
			d.ChangedFields = append(d.ChangedFields, f.Name)
			d.Text = append(d.Text, f)
		}
	}
	if !eqPtr(a.EventID, b.EventID) {
		d.ChangedFields = append(d.ChangedFields, "event")
	}

	// Tags are matched by ID, like attendees' people: a tag renamed in the
	// directory since is the same tag. They are reported by slug, each as
	// its snapshot recorded it.
	aTags, bTags := tagIDs(a.Tags), tagIDs(b.Tags)
	for i, id := range bTags {
		if !slices.Contains(aTags, id) {
			d.TagsAdded = append(d.TagsAdded, b.Tags[i].Slug)
		}
	}
	for i, id := range aTags {
		if !slices.Contains(bTags, id) {
			d.TagsRemoved = append(d.TagsRemoved, a.Tags[i].Slug)
		}
	}
	d.TagsReordered = len(d.TagsAdded) == 0 && len(d.TagsRemoved) == 0 && !slices.Equal(aTags, bTags)
	if !slices.Equal(aTags, bTags) {
		d.ChangedFields = append(d.ChangedFields, "tags")
	}
	if !slices.Equal(a.AuthorIDs, b.AuthorIDs) {
		d.ChangedFields = append(d.ChangedFields, "authors")
	}

	d.diffAttendees(a.Attendees, b.Attendees)
	if len(d.AttendeesAdded)+len(d.AttendeesRemoved)+len(d.AttendeesChanged) > 0 {
		d.ChangedFields = append(d.ChangedFields, "attendees")
	}
	return d
}

// diffAttendees records what changed between attendee lists aa and ba.
// Attendees are matched by ID; should an ID repeat (a malformed or
// unsaved list), its k-th occurrence in a pairs with its k-th in b. A
// matched attendee has moved when its place among the matched attendees
// changed: adding or removing others around it does not move it.
func (d *SnapshotDiff) diffAttendees(a, b []SnapshotAttendee) {
	unmatched := map[int64][]int{}
	for i, at := range a {
		unmatched[at.ID] = append(unmatched[at.ID], i)
	}
	match := make([]int, len(b)) // index in a, or -1
	kept := make([]bool, len(a))
	for j, at := range b {
		match[j] = -1
		if q := unmatched[at.ID]; len(q) > 0 {
			match[j], unmatched[at.ID] = q[0], q[1:]
			kept[q[0]] = true
		}
	}
	rank := make([]int, len(a)) // place among the kept attendees of a
	n := 0
	for i := range a {
		if kept[i] {
			rank[i] = n
			n++
		}
	}
	n = 0
	for j, at := range b {
		i := match[j]
		if i < 0 {
			d.AttendeesAdded = append(d.AttendeesAdded, at)
			continue
		}
		if fields := attendeeFields(a[i], at, rank[i] != n); len(fields) > 0 {
			d.AttendeesChanged = append(d.AttendeesChanged, AttendeeChange{Before: a[i], After: at, Fields: fields})
		}
		n++
	}
	for i, at := range a {
		if !kept[i] {
			d.AttendeesRemoved = append(d.AttendeesRemoved, at)
		}
	}
}

func attendeeFields(a, b SnapshotAttendee, moved bool) []string {
	var f []string
	if !eqPtr(a.PersonID, b.PersonID) {
		f = append(f, "person")
	}
	if !eqPtr(a.OrganizationID, b.OrganizationID) {
		f = append(f, "organization")
	}
	if !eqPtr(a.Delegation, b.Delegation) {
		f = append(f, "delegation")
	}
	if !eqPtr(a.Role, b.Role) {
		f = append(f, "role")
	}
	if !slices.Equal(a.Participations, b.Participations) {
		f = append(f, "participations")
	}
	if !eqPtr(a.Note, b.Note) {
		f = append(f, "note")
	}
	if moved {
		f = append(f, "position")
	}
	return f
}

func tagIDs(tags []SnapshotTag) []int64 {
	out := make([]int64, len(tags))
	for i, t := range tags {
		out[i] = t.ID
	}
	return out
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
