package graph

import (
	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

// One function per mutation input: GraphQL input in, content service input
// out. Only IDs are decoded and lists reshaped; the service validates.

func createReportInput(in model.CreateReportInput) (reports.CreateReportInput, error) {
	out := reports.CreateReportInput{
		Title: in.Title, SourceLocale: in.SourceLocale, Body: value(in.Body),
		Slug: opt(in.Slug), Section: opt(in.Section), Subtitle: opt(in.Subtitle), Summary: opt(in.Summary),
		Message: opt(in.Message),
	}
	var err error
	if out.EventID, err = optID("input.eventId", typeEvent, in.EventID); err != nil {
		return out, err
	}
	if out.DeskID, err = optID("input.deskId", typeDesk, in.DeskID); err != nil {
		return out, err
	}
	if tags, set := partialList(in.Tags); set {
		if out.Tags, err = tagRefs("input.tags", tags); err != nil {
			return out, err
		}
	}
	if ids, set := partialList(in.AuthorIds); set {
		if out.AuthorIDs, err = decodeIDs("input.authorIds", typePerson, ids); err != nil {
			return out, err
		}
	}
	out.Attendees, err = attendeeInputs("input.attendees", in.Attendees.Value())
	return out, err
}

func updateReportInput(in model.UpdateReportInput) (reports.UpdateReportInput, error) {
	out := reports.UpdateReportInput{
		ExpectedVersion: in.ExpectedVersion,
		Title:           partialValue(in.Title),
		SourceLocale:    partialValue(in.SourceLocale),
		Slug:            partialValue(in.Slug),
		Section:         partial(in.Section),
		Subtitle:        partial(in.Subtitle),
		Summary:         partial(in.Summary),
		Body:            partialValue(in.Body),
		Message:         opt(in.Message),
	}
	var err error
	if out.ID, err = decodeID("input.id", typeReport, in.ID); err != nil {
		return out, err
	}
	if out.EventID, err = partialID("input.eventId", typeEvent, in.EventID); err != nil {
		return out, err
	}
	if out.DeskID, err = partialID("input.deskId", typeDesk, in.DeskID); err != nil {
		return out, err
	}
	if tags, set := partialList(in.Tags); set {
		refs, err := tagRefs("input.tags", tags)
		if err != nil {
			return out, err
		}
		out.Tags = editorial.SetTo(refs)
	}
	if ids, set := partialList(in.AuthorIds); set {
		authors, err := decodeIDs("input.authorIds", typePerson, ids)
		if err != nil {
			return out, err
		}
		out.AuthorIDs = editorial.SetTo(authors)
	}
	return out, nil
}

func upsertTranslationInput(in model.UpsertTranslationInput) (translation.UpsertTranslationInput, error) {
	out := translation.UpsertTranslationInput{
		Locale: in.Locale, ExpectedVersion: opt(in.ExpectedVersion), Title: in.Title,
		Subtitle: opt(in.Subtitle), Summary: opt(in.Summary), Body: value(in.Body),
	}
	var err error
	if out.ReportID, err = decodeID("input.reportId", typeReport, in.ReportID); err != nil {
		return out, err
	}
	for i, a := range in.Attendees.Value() {
		id, err := decodeID(indexPath("input.attendees", i, "attendeeId"), typeAttendee, a.AttendeeID)
		if err != nil {
			return out, err
		}
		out.Attendees = append(out.Attendees, editorial.AttendeeTranslation{AttendeeID: id, Role: opt(a.Role), Note: opt(a.Note)})
	}
	return out, nil
}

func mergeInput(in model.MergeInput, typ string) (directory.MergeInput, error) {
	var out directory.MergeInput
	var err error
	if out.SourceIDs, err = decodeIDs("input.sourceIds", typ, in.SourceIds); err != nil {
		return out, err
	}
	out.TargetID, err = decodeID("input.targetId", typ, in.TargetID)
	return out, err
}

func createTagInput(in model.CreateTagInput) (directory.CreateTagInput, error) {
	out := directory.CreateTagInput{Name: in.Name, Slug: opt(in.Slug), Description: opt(in.Description)}
	var err error
	if out.ParentID, err = optID("input.parentId", typeTag, in.ParentID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value())
	return out, err
}

func updateTagInput(in model.UpdateTagInput) (directory.UpdateTagInput, error) {
	out := directory.UpdateTagInput{
		ExpectedVersion: in.ExpectedVersion, Name: partialValue(in.Name), Slug: partialValue(in.Slug),
		Description: partial(in.Description),
	}
	var err error
	if out.ID, err = decodeID("input.id", typeTag, in.ID); err != nil {
		return out, err
	}
	if out.ParentID, err = partialID("input.parentId", typeTag, in.ParentID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = partialNames("input.localizedNames", in.LocalizedNames)
	return out, err
}

func createPersonInput(in model.CreatePersonInput) (directory.CreatePersonInput, error) {
	out := directory.CreatePersonInput{Name: in.Name}
	var err error
	if out.AffiliationID, err = optID("input.affiliationId", typeOrganization, in.AffiliationID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value())
	return out, err
}

func updatePersonInput(in model.UpdatePersonInput) (directory.UpdatePersonInput, error) {
	out := directory.UpdatePersonInput{ExpectedVersion: in.ExpectedVersion, Name: partialValue(in.Name)}
	var err error
	if out.ID, err = decodeID("input.id", typePerson, in.ID); err != nil {
		return out, err
	}
	if out.AffiliationID, err = partialID("input.affiliationId", typeOrganization, in.AffiliationID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = partialNames("input.localizedNames", in.LocalizedNames)
	return out, err
}

func createOrganizationInput(in model.CreateOrganizationInput) (directory.CreateOrganizationInput, error) {
	out := directory.CreateOrganizationInput{Name: in.Name, Acronym: opt(in.Acronym), Country: opt(in.Country)}
	var err error
	if out.ParentID, err = optID("input.parentId", typeOrganization, in.ParentID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value())
	return out, err
}

func updateOrganizationInput(in model.UpdateOrganizationInput) (directory.UpdateOrganizationInput, error) {
	out := directory.UpdateOrganizationInput{
		ExpectedVersion: in.ExpectedVersion, Name: partialValue(in.Name),
		Acronym: partial(in.Acronym), Country: partial(in.Country),
	}
	var err error
	if out.ID, err = decodeID("input.id", typeOrganization, in.ID); err != nil {
		return out, err
	}
	if out.ParentID, err = partialID("input.parentId", typeOrganization, in.ParentID); err != nil {
		return out, err
	}
	out.LocalizedNames, err = partialNames("input.localizedNames", in.LocalizedNames)
	return out, err
}

func createEventInput(in model.CreateEventInput) (directory.CreateEventInput, error) {
	out := directory.CreateEventInput{
		Name: in.Name, StartsAt: opt(in.StartsAt), EndsAt: opt(in.EndsAt), TimeZone: value(in.TimeZone),
		AllDay: value(in.AllDay), Venue: opt(in.Venue), City: opt(in.City), Region: opt(in.Region),
		Country: opt(in.Country), Format: opt(in.Format), Figures: figures(in.Figures.Value()),
	}
	var err error
	if out.ParentID, err = optID("input.parentId", typeEvent, in.ParentID); err != nil {
		return out, err
	}
	if out.OrganizerIDs, err = decodeIDs("input.organizerIds", typeOrganization, in.OrganizerIds.Value()); err != nil {
		return out, err
	}
	out.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value())
	return out, err
}

func updateEventInput(in model.UpdateEventInput) (directory.UpdateEventInput, error) {
	out := directory.UpdateEventInput{
		ExpectedVersion: in.ExpectedVersion, Name: partialValue(in.Name),
		StartsAt: partial(in.StartsAt), EndsAt: partial(in.EndsAt), TimeZone: partialValue(in.TimeZone),
		AllDay: partialValue(in.AllDay), Venue: partial(in.Venue), City: partial(in.City),
		Region: partial(in.Region), Country: partial(in.Country), Format: partial(in.Format),
	}
	var err error
	if out.ID, err = decodeID("input.id", typeEvent, in.ID); err != nil {
		return out, err
	}
	if out.ParentID, err = partialID("input.parentId", typeEvent, in.ParentID); err != nil {
		return out, err
	}
	if ids, set := partialList(in.OrganizerIds); set {
		orgs, err := decodeIDs("input.organizerIds", typeOrganization, ids)
		if err != nil {
			return out, err
		}
		out.OrganizerIDs = editorial.SetTo(orgs)
	}
	if list, set := partialList(in.Figures); set {
		out.Figures = editorial.SetTo(figures(list))
	}
	out.LocalizedNames, err = partialNames("input.localizedNames", in.LocalizedNames)
	return out, err
}
