package reports

import (
	"context"
	"errors"
	"slices"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// AttendeeInput is one attendee in a create or set-attendees call.
type AttendeeInput struct {
	ID             int64 // keep this existing attendee of the report; 0 = new
	PersonID       *int64
	OrganizationID *int64
	Delegation     *string
	Role           *string
	Participations []editorial.Participation
	Note           *string
}

// SetAttendees replaces a report's attendee list (see AttendeeInput.ID for
// how attendees are kept) and records a revision.
func (s *Service) SetAttendees(ctx context.Context, reportID int64, expectedVersion int, list []AttendeeInput, message *string) (*Saved, error) {
	return s.save(ctx, auth.EditReport, "report.setAttendees", "input.reportId", reportID, expectedVersion, func(tx *postgres.Tx, r *editorial.Report) (*string, error) {
		if err := setAttendees(ctx, tx, r.ID, list); err != nil {
			return nil, err
		}
		return editorial.OptionalText("input.message", "message", message, editorial.MaxMessage)
	})
}

// setAttendees validates list and makes it the report's attendee list. IDs of
// merged people and organizations stand for the survivors of the merges.
func setAttendees(ctx context.Context, tx *postgres.Tx, reportID int64, list []AttendeeInput) error {
	if len(list) > editorial.MaxAttendees {
		return cerr.FieldErrorf(cerr.Invalid, "input.attendees", "A report may list at most %d attendees (got %d).", editorial.MaxAttendees, len(list))
	}
	existing, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return err
	}
	own := map[int64]bool{}
	for _, a := range existing[reportID] {
		own[a.ID] = true
	}
	var askedPeople, askedOrgs []int64
	for _, in := range list {
		if in.PersonID != nil {
			askedPeople = append(askedPeople, *in.PersonID)
		}
		if in.OrganizationID != nil {
			askedOrgs = append(askedOrgs, *in.OrganizationID)
		}
	}
	mergedPeople, err := resolveMerged(ctx, tx, postgres.KindPerson, askedPeople)
	if err != nil {
		return err
	}
	mergedOrgs, err := resolveMerged(ctx, tx, postgres.KindOrganization, askedOrgs)
	if err != nil {
		return err
	}
	var people, orgs []int64 // as resolved
	out := make([]*editorial.Attendee, len(list))
	seenID := map[int64]bool{}
	for i, in := range list {
		field := editorial.Path("input.attendees", i)
		a := &editorial.Attendee{ID: in.ID, PersonID: survivor(mergedPeople, in.PersonID), OrganizationID: survivor(mergedOrgs, in.OrganizationID)}
		if in.ID != 0 {
			if !own[in.ID] {
				return cerr.FieldErrorf(cerr.NotFound, field+".id", "This attendee is not on the report; leave out id to add a new one.")
			}
			if seenID[in.ID] {
				return cerr.FieldErrorf(cerr.Invalid, field+".id", "This attendee is listed twice.")
			}
			seenID[in.ID] = true
		}
		if err := attendeeDetails(field, in, a); err != nil {
			return err
		}
		for k := 0; k < i; k++ {
			if sameAttendee(out[k], a) {
				return cerr.FieldErrorf(cerr.Invalid, field, "This attendee duplicates attendee %d: each person, and each organization or delegation without a person, may appear once.", k)
			}
		}
		if a.PersonID != nil {
			people = append(people, *a.PersonID)
		}
		if a.OrganizationID != nil {
			orgs = append(orgs, *a.OrganizationID)
		}
		out[i] = a
	}
	if err := allExist(ctx, tx, "people", people, func(id int64) string {
		return attendeeField(out, id, func(a *editorial.Attendee) *int64 { return a.PersonID }, "personId")
	}, "Person"); err != nil {
		return err
	}
	if err := allExist(ctx, tx, "organizations", orgs, func(id int64) string {
		return attendeeField(out, id, func(a *editorial.Attendee) *int64 { return a.OrganizationID }, "organizationId")
	}, "Organization"); err != nil {
		return err
	}
	return attendeeWriteError(postgres.ReplaceAttendees(ctx, tx, reportID, out))
}

// attendeeDetails validates in's delegation, role, note and participations
// (field is in's input path) and sets them on a, whose person and
// organization are set.
func attendeeDetails(field string, in AttendeeInput, a *editorial.Attendee) error {
	var err error
	if a.Delegation, err = editorial.OptionalText(field+".delegation", "delegation", in.Delegation, editorial.MaxDelegation); err != nil {
		return err
	}
	if a.Role, err = editorial.OptionalText(field+".role", "role", in.Role, editorial.MaxRole); err != nil {
		return err
	}
	if a.Note, err = editorial.OptionalText(field+".note", "note", in.Note, editorial.MaxNote); err != nil {
		return err
	}
	if a.PersonID == nil && a.OrganizationID == nil && a.Delegation == nil {
		return cerr.FieldErrorf(cerr.Invalid, field, "An attendee needs a person, an organization or a delegation description.")
	}
	if len(in.Participations) == 0 {
		return cerr.FieldErrorf(cerr.Invalid, field+".participations", "Say how the attendee took part (at least one participation, e.g. ATTENDED).")
	}
	for j, p := range in.Participations {
		if !slices.Contains(editorial.Participations, p) {
			return cerr.FieldErrorf(cerr.Invalid, editorial.Path(field+".participations", j), "%q is not a participation.", p)
		}
		if slices.Index(in.Participations, p) != j {
			return cerr.FieldErrorf(cerr.Invalid, editorial.Path(field+".participations", j), "%s is listed twice.", p)
		}
	}
	a.Participations = in.Participations
	return nil
}

func sameAttendee(a, b *editorial.Attendee) bool {
	if a.PersonID != nil || b.PersonID != nil {
		return a.PersonID != nil && b.PersonID != nil && *a.PersonID == *b.PersonID
	}
	return editorial.Same(a.OrganizationID, b.OrganizationID) && editorial.Same(a.Delegation, b.Delegation)
}

func attendeeField(list []*editorial.Attendee, id int64, get func(*editorial.Attendee) *int64, name string) string {
	for i, a := range list {
		if p := get(a); p != nil && *p == id {
			return editorial.Path("input.attendees", i, name)
		}
	}
	return "input.attendees"
}

// survivor returns what the optional ID id stands for in merged.
func survivor(merged map[int64]int64, id *int64) *int64 {
	if id == nil {
		return nil
	}
	v := merged[*id]
	return &v
}

// restoreAttendees brings back a snapshot's attendee list, dropping people
// and organizations that no longer exist (an attendee left with nobody, or
// left the same as another attendee, is dropped).
func restoreAttendees(ctx context.Context, tx *postgres.Tx, reportID int64, snap []editorial.SnapshotAttendee) error {
	current, err := postgres.AttendeesByReportIDs(ctx, tx, []int64{reportID})
	if err != nil {
		return err
	}
	own := map[int64]bool{}
	for _, a := range current[reportID] {
		own[a.ID] = true
	}
	var people, orgs []int64
	for _, a := range snap {
		if a.PersonID != nil {
			people = append(people, *a.PersonID)
		}
		if a.OrganizationID != nil {
			orgs = append(orgs, *a.OrganizationID)
		}
	}
	goneP, err := postgres.MissingIDs(ctx, tx, "people", people)
	if err != nil {
		return err
	}
	goneO, err := postgres.MissingIDs(ctx, tx, "organizations", orgs)
	if err != nil {
		return err
	}
	var list []*editorial.Attendee
	var lost []bool // whether list[i] lost its person or organization
	for _, s := range snap {
		a := &editorial.Attendee{PersonID: s.PersonID, OrganizationID: s.OrganizationID, Delegation: s.Delegation,
			Role: s.Role, Participations: s.Participations, Note: s.Note}
		if own[s.ID] {
			a.ID = s.ID
		}
		if a.PersonID != nil && slices.Contains(goneP, *a.PersonID) {
			a.PersonID = nil
		}
		if a.OrganizationID != nil && slices.Contains(goneO, *a.OrganizationID) {
			a.OrganizationID = nil
		}
		if a.PersonID == nil && a.OrganizationID == nil && a.Delegation == nil {
			continue
		}
		list = append(list, a)
		lost = append(lost, !editorial.Same(a.PersonID, s.PersonID) || !editorial.Same(a.OrganizationID, s.OrganizationID))
	}
	// An attendee that lost its person may now be the same as another entry
	// (an organization listed on its own too): it gives way to that entry,
	// or to an earlier one like it.
	kept := make([]*editorial.Attendee, 0, len(list))
	for i, a := range list {
		dup := false
		for j, b := range list {
			if j != i && lost[i] && (!lost[j] || j < i) && sameAttendee(a, b) {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, a)
		}
	}
	return attendeeWriteError(postgres.ReplaceAttendees(ctx, tx, reportID, kept))
}

// attendeeWriteError words the database's refusal of attendee row i as an
// error on input.attendees.i; a unique violation means the attendee is
// listed twice.
func attendeeWriteError(err error) error {
	var item *postgres.ItemError
	if !errors.As(err, &item) {
		return err
	}
	e := cerr.As(item.Err)
	if e == nil {
		return err
	}
	c := *e
	c.Field = editorial.Path("input.attendees", item.Index)
	if c.Code == cerr.Conflict {
		c.Message = "This attendee is listed twice: each person, and each organization or delegation without a person, may appear once."
	}
	return &c
}
