package directory

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zone names validate the same on every machine

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Event formats, figure metrics and approximations the schema accepts (the
// database's CHECK constraints list the same).
var (
	dirEventFormats         = []editorial.EventFormat{"IN_PERSON", "ONLINE", "HYBRID"}
	dirFigureMetrics        = []string{"PARTICIPANTS", "ONSITE_PARTICIPANTS", "ONLINE_PARTICIPANTS", "VIEWERS", "COUNTRIES", "SPEAKERS", "OTHER"}
	dirFigureApproximations = []string{"EXACT", "ABOUT", "MORE_THAN", "AT_LEAST", "UP_TO"}
)

const (
	dirMaxCityRegion  = 200 // characters of an event's city or region
	dirMaxOrganizers  = 50  // organizations per event
	dirMaxFigureLabel = 300 // characters
	dirMaxFigureItems = 300 // channels or countries per figure
	dirMaxChannel     = 100 // characters
)

// dirTimeZoneName is what events_time_zone_check accepts.
var dirTimeZoneName = regexp.MustCompile(`^[A-Za-z0-9_+\-/]{1,64}$`)

// CreateEventInput is a new event. TimeZone defaults to "UTC".
type CreateEventInput struct {
	Name           string
	LocalizedNames editorial.LocalizedNames
	ParentID       *int64
	StartsAt       *time.Time
	EndsAt         *time.Time
	TimeZone       string
	AllDay         bool
	Venue          *string
	City           *string
	Region         *string
	Country        *string
	Format         *editorial.EventFormat
	OrganizerIDs   []int64
	Figures        []editorial.Figure
}

// UpdateEventInput changes the fields that are Set of event ID, which must
// be at ExpectedVersion. OrganizerIDs and Figures replace the whole list.
type UpdateEventInput struct {
	ID              int64
	ExpectedVersion int
	Name            editorial.Field[string]
	LocalizedNames  editorial.Field[editorial.LocalizedNames]
	ParentID        editorial.Field[*int64]
	StartsAt        editorial.Field[*time.Time]
	EndsAt          editorial.Field[*time.Time]
	TimeZone        editorial.Field[string]
	AllDay          editorial.Field[bool]
	Venue           editorial.Field[*string]
	City            editorial.Field[*string]
	Region          editorial.Field[*string]
	Country         editorial.Field[*string]
	Format          editorial.Field[*editorial.EventFormat]
	OrganizerIDs    editorial.Field[[]int64]
	Figures         editorial.Field[[]editorial.Figure]
}

// CreateEvent adds an event with its organizers and key figures and returns
// it. Times are kept to the microsecond, in UTC. BAD_USER_INPUT for a
// missing or too long name, bad localized names, an unknown time zone
// ("Local" included), an end before the start, an unknown country or format,
// an organizer listed twice, or a bad figure (input.figures.N.…); NOT_FOUND
// for an unknown parent (input.parentId) or organizer
// (input.organizerIds.N). A merged organization's ID means its survivor.
func (s *Service) CreateEvent(ctx context.Context, in CreateEventInput) (*editorial.Event, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	e := editorial.Event{TimeZone: "UTC", AllDay: in.AllDay}
	var err error
	if e.Name, err = dirCheckEventName(in.Name); err != nil {
		return nil, err
	}
	if e.LocalizedNames, err = dirNames("input.localizedNames", in.LocalizedNames, editorial.MaxEventName); err != nil {
		return nil, err
	}
	e.StartsAt, e.EndsAt = dirEventTime(in.StartsAt), dirEventTime(in.EndsAt)
	if err := dirCheckEventSpan(e.StartsAt, e.EndsAt, "input.endsAt"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.TimeZone) != "" {
		if e.TimeZone, err = dirCheckTimeZone(in.TimeZone); err != nil {
			return nil, err
		}
	}
	if err := dirCheckPlace(&e, in.Venue, in.City, in.Region, in.Country); err != nil {
		return nil, err
	}
	if e.Format, err = dirCheckFormat(in.Format); err != nil {
		return nil, err
	}
	if err := dirCheckOrganizerIDs(in.OrganizerIDs); err != nil {
		return nil, err
	}
	if e.Figures, err = dirCheckFigures(in.Figures); err != nil {
		return nil, err
	}
	var out *editorial.Event
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		e := e
		var err error
		if e.ParentID, err = dirParent(ctx, tx, postgres.KindEvent, "input.parentId", 0, e.Name, in.ParentID); err != nil {
			return err
		}
		if e.OrganizerIDs, err = dirRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", in.OrganizerIDs, false); err != nil {
			return err
		}
		if err := postgres.InsertEvent(ctx, tx, &e); err != nil {
			return err
		}
		if err := postgres.ReplaceEventOrganizers(ctx, tx, e.ID, e.OrganizerIDs); err != nil {
			return dirWithField(err, "input.organizerIds")
		}
		if err := postgres.ReplaceEventFigures(ctx, tx, e.ID, e.Figures); err != nil {
			return dirWithField(err, "input.figures")
		}
		out = &e
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "event.create", SubjectType: "Event", SubjectID: out.ID, After: out}
	})
	return out, err
}

// UpdateEvent changes event in.ID and returns it; with nothing to change it
// returns it as it is. The start and end are checked together, as stored
// after the change. NOT_FOUND (input.id) for an unknown event; CONFLICT
// (input.expectedVersion, Details["currentVersion"]) for a stale version;
// BAD_USER_INPUT (input.parentId) when the new parent is the event itself or
// one of its sub-events; an empty TimeZone is BAD_USER_INPUT; otherwise the
// errors of CreateEvent.
func (s *Service) UpdateEvent(ctx context.Context, in UpdateEventInput) (*editorial.Event, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.EditDirectory, auth.Resource{}); err != nil {
		return nil, err
	}
	var f editorial.Event
	var err error
	if in.Name.Set {
		if f.Name, err = dirCheckEventName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.LocalizedNames, err = dirNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxEventName); err != nil {
			return nil, err
		}
	}
	if in.TimeZone.Set {
		if f.TimeZone, err = dirCheckTimeZone(in.TimeZone.Value); err != nil {
			return nil, err
		}
	}
	if err := dirCheckPlace(&f, in.Venue.Value, in.City.Value, in.Region.Value, in.Country.Value); err != nil {
		return nil, err
	}
	if in.Format.Set {
		if f.Format, err = dirCheckFormat(in.Format.Value); err != nil {
			return nil, err
		}
	}
	if in.OrganizerIDs.Set {
		if err := dirCheckOrganizerIDs(in.OrganizerIDs.Value); err != nil {
			return nil, err
		}
	}
	if in.Figures.Set {
		if f.Figures, err = dirCheckFigures(in.Figures.Value); err != nil {
			return nil, err
		}
	}
	var out *editorial.Event
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockEvent(ctx, tx, in.ID)
		if err != nil {
			return dirWithField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return dirStale("The event", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = f.Name
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = f.LocalizedNames
		}
		if in.StartsAt.Set {
			next.StartsAt = dirEventTime(in.StartsAt.Value)
		}
		if in.EndsAt.Set {
			next.EndsAt = dirEventTime(in.EndsAt.Value)
		}
		if in.TimeZone.Set {
			next.TimeZone = f.TimeZone
		}
		if in.AllDay.Set {
			next.AllDay = in.AllDay.Value
		}
		if in.Venue.Set {
			next.Venue = f.Venue
		}
		if in.City.Set {
			next.City = f.City
		}
		if in.Region.Set {
			next.Region = f.Region
		}
		if in.Country.Set {
			next.Country = f.Country
		}
		if in.Format.Set {
			next.Format = f.Format
		}
		if in.Figures.Set {
			next.Figures = f.Figures
		}
		field := "input.endsAt"
		if !in.EndsAt.Set {
			field = "input.startsAt"
		}
		if err := dirCheckEventSpan(next.StartsAt, next.EndsAt, field); err != nil {
			return err
		}
		if in.ParentID.Set {
			if next.ParentID, err = dirParent(ctx, tx, postgres.KindEvent, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if in.OrganizerIDs.Set {
			if next.OrganizerIDs, err = dirRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", in.OrganizerIDs.Value, false); err != nil {
				return err
			}
		}
		rowSame, orgsSame, figuresSame := dirSameEventRow(cur, &next), slices.Equal(cur.OrganizerIDs, next.OrganizerIDs), slices.EqualFunc(cur.Figures, next.Figures, dirSameFigure)
		if rowSame && orgsSame && figuresSame {
			out = cur
			return nil
		}
		if !orgsSame {
			if err := postgres.ReplaceEventOrganizers(ctx, tx, cur.ID, next.OrganizerIDs); err != nil {
				return dirWithField(err, "input.organizerIds")
			}
		}
		if !figuresSame {
			if err := postgres.ReplaceEventFigures(ctx, tx, cur.ID, next.Figures); err != nil {
				return dirWithField(err, "input.figures")
			}
		}
		// The version counts changes to organizers and figures too.
		if err := postgres.UpdateEvent(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		return nil
	}, func() *audit.Entry {
		return audit.IfChanged(out.Version, in.ExpectedVersion, audit.Entry{Action: "event.update", SubjectType: "Event", SubjectID: out.ID, After: out})
	})
	return out, err
}

func dirCheckEventName(name string) (string, error) {
	return dirName("input.name", "The event name", name, editorial.MaxEventName)
}

// dirEventTime returns t in UTC to the microsecond, as PostgreSQL keeps it.
func dirEventTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

func dirCheckEventSpan(start, end *time.Time, field string) error {
	if start != nil && end != nil && end.Before(*start) {
		return cerr.FieldErrorf(cerr.Invalid, field, "The event cannot end (%s) before it starts (%s).",
			end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return nil
}

// dirCheckTimeZone returns the IANA time zone name tz, trimmed, or
// BAD_USER_INPUT: "" and "Local" (the server's zone) are not names.
func dirCheckTimeZone(tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz != "" && tz != "Local" && dirTimeZoneName.MatchString(tz) {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz, nil
		}
	}
	return "", cerr.FieldErrorf(cerr.Invalid, "input.timeZone", "%q is not a time zone; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC.", tz)
}

// dirCheckPlace validates venue, city, region and country into e (for an
// update, fields that are not set arrive as nil and stay nil).
func dirCheckPlace(e *editorial.Event, venue, city, region, country *string) error {
	var err error
	if e.Venue, err = dirOptionalLine("input.venue", "The venue", venue, editorial.MaxPlace); err != nil {
		return err
	}
	if e.City, err = dirOptionalLine("input.city", "The city", city, dirMaxCityRegion); err != nil {
		return err
	}
	if e.Region, err = dirOptionalLine("input.region", "The region", region, dirMaxCityRegion); err != nil {
		return err
	}
	e.Country, err = dirCountry("input.country", country)
	return err
}

func dirCheckFormat(f *editorial.EventFormat) (*editorial.EventFormat, error) {
	if f == nil || *f == "" {
		return nil, nil
	}
	if !slices.Contains(dirEventFormats, *f) {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.format", "%q is not an event format; use IN_PERSON, ONLINE or HYBRID.", string(*f))
	}
	return f, nil
}

// dirCheckOrganizerIDs checks the shape of an organizer list: at most
// dirMaxOrganizers, none listed twice. Existence is checked in the transaction.
func dirCheckOrganizerIDs(ids []int64) error {
	if len(ids) > dirMaxOrganizers {
		return cerr.FieldErrorf(cerr.Invalid, "input.organizerIds", "An event can have at most %d organizers (got %d).", dirMaxOrganizers, len(ids))
	}
	for i, id := range ids {
		if slices.Index(ids, id) < i {
			return cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("input.organizerIds.%d", i), "This organizer is listed twice.")
		}
	}
	return nil
}

// dirCheckFigures validates key figures and returns them normalised: trimmed
// label and channels, canonical country codes, EXACT for an empty
// approximation, non-nil lists.
func dirCheckFigures(figs []editorial.Figure) ([]editorial.Figure, error) {
	if len(figs) > editorial.MaxFigures {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.figures", "An event can have at most %d key figures (got %d).", editorial.MaxFigures, len(figs))
	}
	out := make([]editorial.Figure, len(figs))
	for i, f := range figs {
		at := fmt.Sprintf("input.figures.%d", i)
		if !slices.Contains(dirFigureMetrics, f.Metric) {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".metric", "%q is not a figure metric; use one of %s.", f.Metric, strings.Join(dirFigureMetrics, ", "))
		}
		if f.Value < 0 {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".value", "A figure cannot be negative.")
		}
		if f.Approximation == "" {
			f.Approximation = "EXACT"
		}
		if !slices.Contains(dirFigureApproximations, f.Approximation) {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".approximation", "%q is not an approximation; use one of %s.", f.Approximation, strings.Join(dirFigureApproximations, ", "))
		}
		var err error
		if f.Label, err = dirName(at+".label", "The label", f.Label, dirMaxFigureLabel); err != nil {
			return nil, err
		}
		if len(f.Channels) > dirMaxFigureItems || len(f.Countries) > dirMaxFigureItems {
			return nil, cerr.FieldErrorf(cerr.Invalid, at, "A figure can list at most %d channels and %d countries.", dirMaxFigureItems, dirMaxFigureItems)
		}
		channels := make([]string, len(f.Channels))
		for j, c := range f.Channels {
			if channels[j], err = dirName(fmt.Sprintf("%s.channels.%d", at, j), "A channel", c, dirMaxChannel); err != nil {
				return nil, err
			}
		}
		countries := make([]string, len(f.Countries))
		for j, c := range f.Countries {
			code, err := locale.Country(strings.TrimSpace(c))
			if err != nil {
				return nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("%s.countries.%d", at, j), "%s", dirSentence(err))
			}
			countries[j] = code
		}
		f.Channels, f.Countries = channels, countries
		out[i] = f
	}
	return out, nil
}

// dirSameEventRow reports whether a and b agree on every column of events.
func dirSameEventRow(a, b *editorial.Event) bool {
	sameTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	sameFormat := (a.Format == nil) == (b.Format == nil) && (a.Format == nil || *a.Format == *b.Format)
	return a.Name == b.Name && maps.Equal(a.LocalizedNames, b.LocalizedNames) && dirSameID(a.ParentID, b.ParentID) &&
		sameTime(a.StartsAt, b.StartsAt) && sameTime(a.EndsAt, b.EndsAt) && a.TimeZone == b.TimeZone &&
		a.AllDay == b.AllDay && dirSameString(a.Venue, b.Venue) && dirSameString(a.City, b.City) &&
		dirSameString(a.Region, b.Region) && dirSameString(a.Country, b.Country) && sameFormat
}

func dirSameFigure(a, b editorial.Figure) bool {
	return a.Metric == b.Metric && a.Value == b.Value && a.Approximation == b.Approximation && a.Label == b.Label &&
		slices.Equal(a.Channels, b.Channels) && slices.Equal(a.Countries, b.Countries)
}
