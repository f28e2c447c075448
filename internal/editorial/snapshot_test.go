package editorial

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sp(s string) *string { return &s }
func ip(n int64) *int64   { return &n }

// base is a small report snapshot the Diff cases start from.
func base() Snapshot {
	return Snapshot{
		Slug:         "qingdao-forum",
		SourceLocale: "en",
		Section:      sp("Business"),
		Title:        "Qingdao forum opens",
		Summary:      sp("Delegates from 40 countries."),
		Body:         "The forum opened today.",
		EventID:      ip(7),
		Tags: []SnapshotTag{
			{ID: 1, Slug: "economy", Name: "Economy"},
			{ID: 2, Slug: "trade", Name: "Trade"},
		},
		AuthorIDs: []int64{10, 11},
		Attendees: []SnapshotAttendee{
			{ID: 100, PersonID: ip(1), PersonName: sp("Wang Wei"), Role: sp("Mayor"), Participations: []Participation{"SPEECH"}},
			{ID: 101, OrganizationID: ip(5), OrganizationName: sp("CCPIT"), Participations: []Participation{"HOSTED"}},
			{ID: 102, Delegation: sp("Officers of the city"), Participations: []Participation{"ATTENDED"}},
		},
	}
}

// edit returns base() changed by f. Slices are fresh, so f may modify them.
func edit(f func(s *Snapshot)) Snapshot {
	s := base()
	f(&s)
	return s
}

func TestDiff(t *testing.T) {
	a0, a1, a2 := base().Attendees[0], base().Attendees[1], base().Attendees[2]
	newcomer := SnapshotAttendee{ID: 103, PersonID: ip(2), Participations: []Participation{"ATTENDED"}}
	withRole := func(a SnapshotAttendee, role *string) SnapshotAttendee { a.Role = role; return a }

	tests := []struct {
		name string
		a, b Snapshot
		want SnapshotDiff
	}{
		{name: "Identical", a: base(), b: base(), want: SnapshotDiff{}},
		{name: "EmptySnapshots", want: SnapshotDiff{}},
		{
			name: "NilAndEmptyListsAreEqual",
			a:    Snapshot{Title: "T"},
			b:    Snapshot{Title: "T", Tags: []SnapshotTag{}, AuthorIDs: []int64{}, Attendees: []SnapshotAttendee{}},
			want: SnapshotDiff{},
		},
		{
			name: "DirectoryNamesAreNotCompared", // a person renamed in the directory is not a change of the report
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees[0].PersonName = sp("WANG Wei"); s.Tags[0].Name = "The Economy" }),
			want: SnapshotDiff{},
		},
		{
			name: "TagRenamedIsTheSameTag",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Tags[1].Slug, s.Tags[1].Name = "commerce", "Commerce" }),
			want: SnapshotDiff{},
		},
		{
			name: "TagsReportedBySlugOfTheirTime",
			a:    base(),
			b: edit(func(s *Snapshot) {
				s.Tags = []SnapshotTag{{ID: 2, Slug: "commerce"}, {ID: 1, Slug: "the-economy"}, {ID: 3, Slug: "trade"}}
			}),
			want: SnapshotDiff{ChangedFields: []string{"tags"}, TagsAdded: []string{"trade"}},
		},
		{
			name: "Title",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Title = "Qingdao forum closes" }),
			want: SnapshotDiff{ChangedFields: []string{"title"}, Text: []TextField{{"title", sp("Qingdao forum opens"), sp("Qingdao forum closes")}}},
		},
		{
			name: "TextFieldsInSchemaOrder",
			a:    base(),
			b: edit(func(s *Snapshot) {
				s.Body, s.Slug, s.SourceLocale, s.Title = "New body.", "new-slug", "en-GB", "New title"
			}),
			want: SnapshotDiff{
				ChangedFields: []string{"slug", "sourceLocale", "title", "body"},
				Text: []TextField{
					{"slug", sp("qingdao-forum"), sp("new-slug")},
					{"sourceLocale", sp("en"), sp("en-GB")},
					{"title", sp("Qingdao forum opens"), sp("New title")},
					{"body", sp("The forum opened today."), sp("New body.")},
				},
			},
		},
		{
			name: "OptionalFieldsSetAndCleared",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Section, s.Subtitle = nil, sp("A dek") }),
			want: SnapshotDiff{
				ChangedFields: []string{"section", "subtitle"},
				Text:          []TextField{{"section", sp("Business"), nil}, {"subtitle", nil, sp("A dek")}},
			},
		},
		{
			name: "EventChangedAndCleared",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.EventID = nil }),
			want: SnapshotDiff{ChangedFields: []string{"event"}},
		},
		{
			name: "EventChanged",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.EventID = ip(8) }),
			want: SnapshotDiff{ChangedFields: []string{"event"}},
		},
		{
			name: "TagAddedAndRemoved",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Tags = []SnapshotTag{{ID: 2, Slug: "trade"}, {ID: 3, Slug: "technology"}} }),
			want: SnapshotDiff{ChangedFields: []string{"tags"}, TagsAdded: []string{"technology"}, TagsRemoved: []string{"economy"}},
		},
		{
			name: "TagsReordered",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Tags[0], s.Tags[1] = s.Tags[1], s.Tags[0] }),
			want: SnapshotDiff{ChangedFields: []string{"tags"}, TagsReordered: true},
		},
		{
			name: "AllTagsRemoved",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Tags = nil }),
			want: SnapshotDiff{ChangedFields: []string{"tags"}, TagsRemoved: []string{"economy", "trade"}},
		},
		{
			name: "AuthorsReordered",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.AuthorIDs = []int64{11, 10} }),
			want: SnapshotDiff{ChangedFields: []string{"authors"}},
		},
		{
			name: "AttendeeAddedAtTheEnd",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees = append(s.Attendees, newcomer) }),
			want: SnapshotDiff{ChangedFields: []string{"attendees"}, AttendeesAdded: []SnapshotAttendee{newcomer}},
		},
		{
			name: "AttendeeAddedAtTheTopMovesNobody",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees = append([]SnapshotAttendee{newcomer}, s.Attendees...) }),
			want: SnapshotDiff{ChangedFields: []string{"attendees"}, AttendeesAdded: []SnapshotAttendee{newcomer}},
		},
		{
			name: "AttendeeRemovedFromTheTopMovesNobody",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees = s.Attendees[1:] }),
			want: SnapshotDiff{ChangedFields: []string{"attendees"}, AttendeesRemoved: []SnapshotAttendee{a0}},
		},
		{
			name: "AttendeesSwapped",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees = []SnapshotAttendee{a1, a0, a2} }),
			want: SnapshotDiff{ChangedFields: []string{"attendees"}, AttendeesChanged: []AttendeeChange{
				{Before: a1, After: a1, Fields: []string{"position"}},
				{Before: a0, After: a0, Fields: []string{"position"}},
			}},
		},
		{
			name: "AttendeeDetailsChanged",
			a:    base(),
			b: edit(func(s *Snapshot) {
				s.Attendees[0].PersonID, s.Attendees[0].OrganizationID = ip(3), ip(5)
				s.Attendees[0].Participations = []Participation{"SPEECH", "KEYNOTE"}
				s.Attendees[2].Delegation, s.Attendees[2].Note = sp("Officers"), sp("They listened.")
			}),
			want: SnapshotDiff{ChangedFields: []string{"attendees"}, AttendeesChanged: []AttendeeChange{
				{Before: a0, After: func() SnapshotAttendee {
					x := a0
					x.PersonID, x.OrganizationID, x.Participations = ip(3), ip(5), []Participation{"SPEECH", "KEYNOTE"}
					return x
				}(), Fields: []string{"person", "organization", "participations"}},
				{Before: a2, After: func() SnapshotAttendee {
					x := a2
					x.Delegation, x.Note = sp("Officers"), sp("They listened.")
					return x
				}(), Fields: []string{"delegation", "note"}},
			}},
		},
		{
			name: "AttendeeRoleClearedAddedAndRemoved",
			a:    base(),
			b:    edit(func(s *Snapshot) { s.Attendees = []SnapshotAttendee{newcomer, withRole(a0, nil), a2} }),
			want: SnapshotDiff{
				ChangedFields:    []string{"attendees"},
				AttendeesAdded:   []SnapshotAttendee{newcomer},
				AttendeesRemoved: []SnapshotAttendee{a1},
				AttendeesChanged: []AttendeeChange{{Before: a0, After: withRole(a0, nil), Fields: []string{"role"}}},
			},
		},
		{
			name: "EverythingInSchemaOrder",
			a:    base(),
			b: edit(func(s *Snapshot) {
				s.Attendees, s.AuthorIDs, s.Tags, s.EventID, s.Summary, s.Title = nil, nil, nil, nil, nil, "X"
			}),
			want: SnapshotDiff{
				ChangedFields:    []string{"title", "summary", "event", "tags", "authors", "attendees"},
				Text:             []TextField{{"title", sp("Qingdao forum opens"), sp("X")}, {"summary", sp("Delegates from 40 countries."), nil}},
				TagsRemoved:      []string{"economy", "trade"},
				AttendeesRemoved: []SnapshotAttendee{a0, a1, a2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.a, tt.b)
			if d := cmp.Diff(diffJSON(t, tt.want), diffJSON(t, got)); d != "" {
				t.Errorf("Diff mismatch (-want +got):\n%s", d)
			}
			// Read backwards, additions become removals and the same fields change.
			back := Diff(tt.b, tt.a)
			if !slices.Equal(back.ChangedFields, got.ChangedFields) || len(back.TagsAdded) != len(got.TagsRemoved) ||
				len(back.AttendeesAdded) != len(got.AttendeesRemoved) || len(back.AttendeesChanged) != len(got.AttendeesChanged) ||
				back.TagsReordered != got.TagsReordered {
				t.Errorf("Diff(b, a) is not the mirror of Diff(a, b):\n%s\n%s", diffJSON(t, back), diffJSON(t, got))
			}
		})
	}
}

// diffJSON renders a diff for comparison and messages; pointers are compared
// by value and nil slices equal empty ones.
func diffJSON(t *testing.T, d SnapshotDiff) string {
	t.Helper()
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	d.ChangedFields, d.TagsAdded, d.TagsRemoved = norm(d.ChangedFields), norm(d.TagsAdded), norm(d.TagsRemoved)
	if len(d.Text) == 0 {
		d.Text = nil
	}
	if len(d.AttendeesAdded) == 0 {
		d.AttendeesAdded = nil
	}
	if len(d.AttendeesRemoved) == 0 {
		d.AttendeesRemoved = nil
	}
	if len(d.AttendeesChanged) == 0 {
		d.AttendeesChanged = nil
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDiffSnapshotJSONRoundTrip checks that a snapshot read back from its
// stored JSON compares equal to the original (what the no-op detection of
// report updates relies on).
func TestDiffSnapshotJSONRoundTrip(t *testing.T) {
	for _, s := range []Snapshot{base(), {}, {Title: "T", Tags: []SnapshotTag{}, AuthorIDs: []int64{}, Attendees: []SnapshotAttendee{{ID: 1, Participations: []Participation{}}}}} {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Snapshot
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if d := Diff(s, back); len(d.ChangedFields) != 0 {
			t.Errorf("round trip of %s changed %v", raw, d.ChangedFields)
		}
	}
}

// fuzzSnapshot builds a snapshot from fuzz input: data picks small IDs from
// narrow ranges (so IDs and slugs repeat and collide) and optional fields.
func fuzzSnapshot(title, body string, data []byte) Snapshot {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	opt := func(s string) *string {
		if next()%2 == 0 {
			return nil
		}
		return &s
	}
	optID := func() *int64 {
		if b := next(); b%3 != 0 {
			return ip(int64(b % 5))
		}
		return nil
	}
	s := Snapshot{Slug: title, SourceLocale: body, Title: title, Body: body, Section: opt(title), Subtitle: opt(body), Summary: opt(""), EventID: optID()}
	for n := next() % 6; n > 0; n-- {
		id := int64(next() % 4)
		s.Tags = append(s.Tags, SnapshotTag{ID: id, Slug: string(rune('a' + id)), Name: title})
	}
	for n := next() % 4; n > 0; n-- {
		s.AuthorIDs = append(s.AuthorIDs, int64(next()%3))
	}
	for n := next() % 7; n > 0; n-- {
		at := SnapshotAttendee{ID: int64(next() % 5), PersonID: optID(), OrganizationID: optID(), Delegation: opt(body), Role: opt(title), Note: opt("n")}
		for k := next() % 3; k > 0; k-- {
			at.Participations = append(at.Participations, Participations[int(next())%len(Participations)])
		}
		s.Attendees = append(s.Attendees, at)
	}
	return s
}

func FuzzDiff(f *testing.F) {
	f.Add("Forum", "Body", []byte{}, "Forum", "Body", []byte{})
	f.Add("Forum", "Body", []byte{1, 1, 3, 5, 1, 2, 3, 2, 1, 2, 6, 1, 1, 1, 1, 1, 1, 2, 3, 4}, "Forum", "Other", []byte{1, 1, 3, 5, 2, 2, 3})
	f.Add("青岛", "\u3000\u3000正文", []byte{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "", "", []byte{255, 0, 255})
	f.Fuzz(func(t *testing.T, titleA, bodyA string, dataA []byte, titleB, bodyB string, dataB []byte) {
		a := fuzzSnapshot(titleA, bodyA, dataA)
		b := fuzzSnapshot(titleB, bodyB, dataB)
		for _, s := range []Snapshot{a, b} {
			if d := Diff(s, s); len(d.ChangedFields)+len(d.Text)+len(d.TagsAdded)+len(d.TagsRemoved)+
				len(d.AttendeesAdded)+len(d.AttendeesRemoved)+len(d.AttendeesChanged) != 0 || d.TagsReordered {
				t.Fatalf("Diff(s, s) reports changes: %+v", d)
			}
		}
		ab, ba := Diff(a, b), Diff(b, a)
		if !slices.Equal(ab.ChangedFields, ba.ChangedFields) {
			t.Fatalf("changed fields differ by direction: %v vs %v", ab.ChangedFields, ba.ChangedFields)
		}
		if len(ab.AttendeesAdded) != len(ba.AttendeesRemoved) || len(ab.AttendeesRemoved) != len(ba.AttendeesAdded) ||
			len(ab.AttendeesChanged) != len(ba.AttendeesChanged) {
			t.Fatalf("attendee changes are not mirrored: %+v vs %+v", ab, ba)
		}
		// Every attendee of b is either added or matched; every attendee of a is removed or matched.
		if kept := len(b.Attendees) - len(ab.AttendeesAdded); kept != len(a.Attendees)-len(ab.AttendeesRemoved) || kept < len(ab.AttendeesChanged) {
			t.Fatalf("attendee bookkeeping: %d in a, %d in b, diff %+v", len(a.Attendees), len(b.Attendees), ab)
		}
		if slices.Contains(ab.ChangedFields, "attendees") != (len(ab.AttendeesAdded)+len(ab.AttendeesRemoved)+len(ab.AttendeesChanged) > 0) {
			t.Fatalf("changedFields %v disagrees with the attendee changes", ab.ChangedFields)
		}
		if ab.TagsReordered && (len(ab.TagsAdded) > 0 || len(ab.TagsRemoved) > 0) {
			t.Fatalf("tags reordered alongside additions or removals: %+v", ab)
		}
	})
}
