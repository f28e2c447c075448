package directory

import (
	"context"
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
	eventFormats         = []editorial.EventFormat{"IN_PERSON", "ONLINE", "HYBRID"}
	figureMetrics        = []string{"PARTICIPANTS", "ONSITE_PARTICIPANTS", "ONLINE_PARTICIPANTS", "VIEWERS", "COUNTRIES", "SPEAKERS", "OTHER"}
	figureApproximations = []string{"EXACT", "ABOUT", "MORE_THAN", "AT_LEAST", "UP_TO"}
)

const (
	maxCityRegion  = 200 // characters of an event's city or region
	maxOrganizers  = 50  // organizations per event
	maxFigureLabel = 300 // characters
	maxFigureItems = 300 // channels or countries per figure
	maxChannel     = 100 // characters
)

// timeZoneName is what events_time_zone_check accepts.
var timeZoneName = regexp.MustCompile(`^[A-Za-z0-9_+\-/]{1,64}$`)

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
	if e.Name, err = checkEventName(in.Name); err != nil {
		return nil, err
	}
	if e.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames, editorial.MaxEventName); err != nil {
		return nil, err
	}
	e.StartsAt, e.EndsAt = eventTime(in.StartsAt), eventTime(in.EndsAt)
	if err := checkEventSpan(e.StartsAt, e.EndsAt, "input.endsAt"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.TimeZone) != "" {
		if e.TimeZone, err = checkTimeZone(in.TimeZone); err != nil {
			return nil, err
		}
	}
	if err := checkPlace(&e, in.Venue, in.City, in.Region, in.Country); err != nil {
		return nil, err
	}
	if e.Format, err = checkFormat(in.Format); err != nil {
		return nil, err
	}
	if err := checkOrganizerIDs(in.OrganizerIDs); err != nil {
		return nil, err
	}
	if e.Figures, err = checkFigures(in.Figures); err != nil {
		return nil, err
	}
	var out *editorial.Event
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		e := e
		var err error
		if e.ParentID, err = resolveParent(ctx, tx, postgres.KindEvent, "input.parentId", 0, e.Name, in.ParentID); err != nil {
			return err
		}
		if e.OrganizerIDs, err = resolveRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", in.OrganizerIDs, false); err != nil {
			return err
		}
		if err := postgres.InsertEvent(ctx, tx, &e); err != nil {
			return err
		}
		if err := postgres.ReplaceEventOrganizers(ctx, tx, e.ID, e.OrganizerIDs); err != nil {
			return withField(err, "input.organizerIds")
		}
		if err := postgres.ReplaceEventFigures(ctx, tx, e.ID, e.Figures); err != nil {
			return withField(err, "input.figures")
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
		if f.Name, err = checkEventName(in.Name.Value); err != nil {
			return nil, err
		}
	}
	if in.LocalizedNames.Set {
		if f.LocalizedNames, err = localizedNames("input.localizedNames", in.LocalizedNames.Value, editorial.MaxEventName); err != nil {
			return nil, err
		}
	}
	if in.TimeZone.Set {
		if f.TimeZone, err = checkTimeZone(in.TimeZone.Value); err != nil {
			return nil, err
		}
	}
	if err := checkPlace(&f, in.Venue.Value, in.City.Value, in.Region.Value, in.Country.Value); err != nil {
		return nil, err
	}
	if in.Format.Set {
		if f.Format, err = checkFormat(in.Format.Value); err != nil {
			return nil, err
		}
	}
	if in.OrganizerIDs.Set {
		if err := checkOrganizerIDs(in.OrganizerIDs.Value); err != nil {
			return nil, err
		}
	}
	if in.Figures.Set {
		if f.Figures, err = checkFigures(in.Figures.Value); err != nil {
			return nil, err
		}
	}
	var out *editorial.Event
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := postgres.LockEvent(ctx, tx, in.ID)
		if err != nil {
			return withField(err, "input.id")
		}
		if cur.Version != in.ExpectedVersion {
			return stale("The event", cur.Name, cur.Version)
		}
		next := *cur
		if in.Name.Set {
			next.Name = f.Name
		}
		if in.LocalizedNames.Set {
			next.LocalizedNames = f.LocalizedNames
		}
		if in.StartsAt.Set {
			next.StartsAt = eventTime(in.StartsAt.Value)
		}
		if in.EndsAt.Set {
			next.EndsAt = eventTime(in.EndsAt.Value)
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
		if err := checkEventSpan(next.StartsAt, next.EndsAt, field); err != nil {
			return err
		}
		if in.ParentID.Set {
			if next.ParentID, err = resolveParent(ctx, tx, postgres.KindEvent, "input.parentId", cur.ID, next.Name, in.ParentID.Value); err != nil {
				return err
			}
		}
		if in.OrganizerIDs.Set {
			if next.OrganizerIDs, err = resolveRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", in.OrganizerIDs.Value, false); err != nil {
				return err
			}
		}
		rowSame, orgsSame, figuresSame := sameEventRow(cur, &next), slices.Equal(cur.OrganizerIDs, next.OrganizerIDs), slices.EqualFunc(cur.Figures, next.Figures, sameFigure)
		if rowSame && orgsSame && figuresSame {
			out = cur
			return nil
		}
		if !orgsSame {
			if err := postgres.ReplaceEventOrganizers(ctx, tx, cur.ID, next.OrganizerIDs); err != nil {
				return withField(err, "input.organizerIds")
			}
		}
		if !figuresSame {
			if err := postgres.ReplaceEventFigures(ctx, tx, cur.ID, next.Figures); err != nil {
				return withField(err, "input.figures")
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

func checkEventName(name string) (string, error) {
	return checkName("input.name", "The event name", name, editorial.MaxEventName)
}

// eventTime returns t in UTC to the microsecond, as PostgreSQL keeps it.
func eventTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

func checkEventSpan(start, end *time.Time, field string) error {
	if start != nil && end != nil && end.Before(*start) {
		return cerr.FieldErrorf(cerr.Invalid, field, "The event cannot end (%s) before it starts (%s).",
			end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	return nil
}

// checkTimeZone returns the IANA time zone name tz, trimmed, or
// BAD_USER_INPUT: "" and "Local" (the server's zone) are not names.
func checkTimeZone(tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz != "" && tz != "Local" && timeZoneName.MatchString(tz) {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz, nil
		}
	}
	return "", cerr.FieldErrorf(cerr.Invalid, "input.timeZone", "%q is not a time zone; use an IANA name such as Asia/Shanghai, Europe/Berlin or UTC.", tz)
}

// checkPlace validates venue, city, region and country into e (for an
// update, fields that are not set arrive as nil and stay nil).
func checkPlace(e *editorial.Event, venue, city, region, country *string) error {
	var err error
	if e.Venue, err = optionalLine("input.venue", "The venue", venue, editorial.MaxPlace); err != nil {
		return err
	}
	if e.City, err = optionalLine("input.city", "The city", city, maxCityRegion); err != nil {
		return err
	}
	if e.Region, err = optionalLine("input.region", "The region", region, maxCityRegion); err != nil {
		return err
	}
	e.Country, err = checkCountry("input.country", country)
	return err
}

func checkFormat(f *editorial.EventFormat) (*editorial.EventFormat, error) {
	if f == nil || *f == "" {
		return nil, nil
	}
	if !slices.Contains(eventFormats, *f) {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.format", "%q is not an event format; use IN_PERSON, ONLINE or HYBRID.", string(*f))
	}
	return f, nil
}

// checkOrganizerIDs checks the shape of an organizer list: at most
// maxOrganizers, none listed twice. Existence is checked in the transaction.
func checkOrganizerIDs(ids []int64) error {
	if len(ids) > maxOrganizers {
		return cerr.FieldErrorf(cerr.Invalid, "input.organizerIds", "An event can have at most %d organizers (got %d).", maxOrganizers, len(ids))
	}
	for i, id := range ids {
		if slices.Index(ids, id) < i {
			return cerr.FieldErrorf(cerr.Invalid, editorial.Path("input.organizerIds", i), "This organizer is listed twice.")
		}
	}
	return nil
}

// checkFigures validates key figures and returns them normalised: trimmed
// label and channels, canonical country codes, EXACT for an empty
// approximation, non-nil lists.
func checkFigures(figs []editorial.Figure) ([]editorial.Figure, error) {
	if len(figs) > editorial.MaxFigures {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.figures", "An event can have at most %d key figures (got %d).", editorial.MaxFigures, len(figs))
	}
	out := make([]editorial.Figure, len(figs))
	for i, f := range figs {
		at := editorial.Path("input.figures", i)
		if !slices.Contains(figureMetrics, f.Metric) {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".metric", "%q is not a figure metric; use one of %s.", f.Metric, strings.Join(figureMetrics, ", "))
		}
		if f.Value < 0 {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".value", "A figure cannot be negative.")
		}
		if f.Approximation == "" {
			f.Approximation = "EXACT"
		}
		if !slices.Contains(figureApproximations, f.Approximation) {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".approximation", "%q is not an approximation; use one of %s.", f.Approximation, strings.Join(figureApproximations, ", "))
		}
		var err error
		if f.Label, err = checkName(at+".label", "The label", f.Label, maxFigureLabel); err != nil {
			return nil, err
		}
		if len(f.Channels) > maxFigureItems || len(f.Countries) > maxFigureItems {
			return nil, cerr.FieldErrorf(cerr.Invalid, at, "A figure can list at most %d channels and %d countries.", maxFigureItems, maxFigureItems)
		}
		channels := make([]string, len(f.Channels))
		for j, c := range f.Channels {
			if channels[j], err = checkName(editorial.Path(at+".channels", j), "A channel", c, maxChannel); err != nil {
				return nil, err
			}
		}
		countries := make([]string, len(f.Countries))
		for j, c := range f.Countries {
			code, err := locale.Country(strings.TrimSpace(c))
			if err != nil {
				return nil, cerr.FieldErrorf(cerr.Invalid, editorial.Path(at+".countries", j), "%s", editorial.Sentence(err.Error()))
			}
			countries[j] = code
		}
		f.Channels, f.Countries = channels, countries
		out[i] = f
	}
	return out, nil
}

// sameEventRow reports whether a and b agree on every column of events.
func sameEventRow(a, b *editorial.Event) bool {
	sameTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Name == b.Name && maps.Equal(a.LocalizedNames, b.LocalizedNames) && editorial.Same(a.ParentID, b.ParentID) &&
		sameTime(a.StartsAt, b.StartsAt) && sameTime(a.EndsAt, b.EndsAt) && a.TimeZone == b.TimeZone &&
		a.AllDay == b.AllDay && editorial.Same(a.Venue, b.Venue) && editorial.Same(a.City, b.City) &&
		editorial.Same(a.Region, b.Region) && editorial.Same(a.Country, b.Country) && editorial.Same(a.Format, b.Format)
}

func sameFigure(a, b editorial.Figure) bool {
	return a.Metric == b.Metric && a.Value == b.Value && a.Approximation == b.Approximation && a.Label == b.Label &&
		slices.Equal(a.Channels, b.Channels) && slices.Equal(a.Countries, b.Countries)
}
