package directory

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zone names validate the same on every machine

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

var eventEntity = entity[editorial.Event]{
	kind:   "Event",
	head:   func(e *editorial.Event) (int64, string, int) { return e.ID, e.Name, e.Version },
	lock:   postgres.LockEvent,
	insert: insertEvent,
	same:   sameEvent,
	write:  writeEvent,
	ref:    postgres.RefEvent,
}

// CreateEvent adds an event with its organizers and key figures and returns
// it. Times are kept to the microsecond, in UTC. BAD_USER_INPUT for a
// missing or too long name, bad localized names, an unknown time zone
// ("Local" included), an end before the start, an unknown country or format,
// an organizer listed twice, or a bad figure (input.figures.N.…); NOT_FOUND
// for an unknown parent (input.parentId) or organizer
// (input.organizerIds.N). A merged organization's ID means its survivor.
func (s *Service) CreateEvent(ctx context.Context, in CreateEventInput) (*editorial.Event, error) {
	return create(ctx, s, eventEntity, in.check)
}

func (in CreateEventInput) check() (*editorial.Event, completeStep[editorial.Event], error) {
	e := &editorial.Event{AllDay: in.AllDay, StartsAt: eventTime(in.StartsAt), EndsAt: eventTime(in.EndsAt)}
	err := firstError(
		into(&e.Name, checkEventName, in.Name),
		into(&e.LocalizedNames, checkEventNames, in.LocalizedNames),
		checkEventSpan(e.StartsAt, e.EndsAt, "input.endsAt"),
		into(&e.TimeZone, checkTimeZoneOrUTC, in.TimeZone),
		checkPlace(e, in.Venue, in.City, in.Region, in.Country),
		into(&e.Format, checkFormat, in.Format),
		into(&e.OrganizerIDs, checkOrganizerIDs, in.OrganizerIDs),
		into(&e.Figures, checkFigures, in.Figures),
	)
	return e, in.complete, err
}

// complete resolves the new event's parent and organizers.
func (in CreateEventInput) complete(ctx context.Context, tx *postgres.Tx, e *editorial.Event) error {
	var err error
	if e.ParentID, err = resolveParent(ctx, tx, postgres.KindEvent, "input.parentId", 0, e.Name, in.ParentID); err != nil {
		return err
	}
	e.OrganizerIDs, err = resolveRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", e.OrganizerIDs, false)
	return err
}

// insertEvent stores a new event: its row, then its organizers and figures.
func insertEvent(ctx context.Context, tx *postgres.Tx, e *editorial.Event) error {
	if err := postgres.InsertEvent(ctx, tx, e); err != nil {
		return err
	}
	return writeEventLists(ctx, tx, e, true, true)
}

// UpdateEvent changes event in.ID and returns it; with nothing to change it
// returns it as it is. The start and end are checked together, as stored
// after the change. NOT_FOUND (input.id) for an unknown event; CONFLICT
// (input.expectedVersion, Details["currentVersion"]) for a stale version;
// BAD_USER_INPUT (input.parentId) when the new parent is the event itself or
// one of its sub-events; an empty TimeZone is BAD_USER_INPUT; otherwise the
// errors of CreateEvent.
func (s *Service) UpdateEvent(ctx context.Context, in UpdateEventInput) (*editorial.Event, error) {
	return update(ctx, s, eventEntity, in.ID, in.ExpectedVersion, in.check)
}

func (in UpdateEventInput) check() (applyStep[editorial.Event], error) {
	var place editorial.Event
	err := firstError(
		checkSet(&in.Name, checkEventName),
		checkSet(&in.LocalizedNames, checkEventNames),
		checkSet(&in.TimeZone, checkTimeZone),
		checkPlace(&place, in.Venue.Value, in.City.Value, in.Region.Value, in.Country.Value),
		checkSet(&in.Format, checkFormat),
		checkSet(&in.OrganizerIDs, checkOrganizerIDs),
		checkSet(&in.Figures, checkFigures),
	)
	in.Venue.Value, in.City.Value, in.Region.Value, in.Country.Value = place.Venue, place.City, place.Region, place.Country
	in.StartsAt.Value, in.EndsAt.Value = eventTime(in.StartsAt.Value), eventTime(in.EndsAt.Value)
	return in.apply, err
}

// apply sets the fields of next that in sets, then checks the span the
// event will have (naming input.endsAt, or input.startsAt when only the
// start changes), and resolves the new parent and organizers.
func (in UpdateEventInput) apply(ctx context.Context, tx *postgres.Tx, cur, next *editorial.Event) error {
	put(&next.Name, in.Name)
	put(&next.LocalizedNames, in.LocalizedNames)
	put(&next.StartsAt, in.StartsAt)
	put(&next.EndsAt, in.EndsAt)
	put(&next.TimeZone, in.TimeZone)
	put(&next.AllDay, in.AllDay)
	put(&next.Venue, in.Venue)
	put(&next.City, in.City)
	put(&next.Region, in.Region)
	put(&next.Country, in.Country)
	put(&next.Format, in.Format)
	put(&next.Figures, in.Figures)
	field := "input.endsAt"
	if !in.EndsAt.Set {
		field = "input.startsAt"
	}
	if err := checkEventSpan(next.StartsAt, next.EndsAt, field); err != nil {
		return err
	}
	if err := setParent(ctx, tx, postgres.KindEvent, cur.ID, next.Name, &next.ParentID, in.ParentID); err != nil {
		return err
	}
	if !in.OrganizerIDs.Set {
		return nil
	}
	var err error
	next.OrganizerIDs, err = resolveRefs(ctx, tx, postgres.KindOrganization, "input.organizerIds", in.OrganizerIDs.Value, false)
	return err
}

func sameEvent(a, b *editorial.Event) bool {
	return sameEventRow(a, b) && slices.Equal(a.OrganizerIDs, b.OrganizerIDs) && slices.EqualFunc(a.Figures, b.Figures, sameFigure)
}

// writeEvent stores next, the changed copy of event cur: its organizers and
// figures where they changed, then its row, whose version counts changes to
// organizers and figures too.
func writeEvent(ctx context.Context, tx *postgres.Tx, cur, next *editorial.Event) error {
	err := writeEventLists(ctx, tx, next, !slices.Equal(cur.OrganizerIDs, next.OrganizerIDs), !slices.EqualFunc(cur.Figures, next.Figures, sameFigure))
	if err != nil {
		return err
	}
	return postgres.UpdateEvent(ctx, tx, next)
}

// writeEventLists replaces the stored organizers and figures of event e with
// its own, each when asked to.
func writeEventLists(ctx context.Context, tx *postgres.Tx, e *editorial.Event, organizers, figures bool) error {
	if organizers {
		if err := postgres.ReplaceEventOrganizers(ctx, tx, e.ID, e.OrganizerIDs); err != nil {
			return cerr.DefaultField(err, "input.organizerIds")
		}
	}
	if figures {
		if err := postgres.ReplaceEventFigures(ctx, tx, e.ID, e.Figures); err != nil {
			return cerr.DefaultField(err, "input.figures")
		}
	}
	return nil
}

func checkEventName(name string) (string, error) {
	return checkName("input.name", "The event name", name, editorial.MaxEventName)
}

func checkEventNames(names editorial.LocalizedNames) (editorial.LocalizedNames, error) {
	return localizedNames("input.localizedNames", names, editorial.MaxEventName)
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

// checkTimeZoneOrUTC is checkTimeZone with "UTC", a new event's default,
// for a blank tz.
func checkTimeZoneOrUTC(tz string) (string, error) {
	if strings.TrimSpace(tz) == "" {
		return "UTC", nil
	}
	return checkTimeZone(tz)
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
	if e.City, err = optionalLine("input.city", "The city", city, editorial.MaxCityRegion); err != nil {
		return err
	}
	if e.Region, err = optionalLine("input.region", "The region", region, editorial.MaxCityRegion); err != nil {
		return err
	}
	e.Country, err = checkCountry(country)
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

// checkOrganizerIDs checks the shape of an organizer list and returns it: at
// most editorial.MaxOrganizers, none listed twice. Existence is checked in the
// transaction.
func checkOrganizerIDs(ids []int64) ([]int64, error) {
	if len(ids) > editorial.MaxOrganizers {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.organizerIds", "An event can have at most %d organizers (got %d).", editorial.MaxOrganizers, len(ids))
	}
	for i, id := range ids {
		if slices.Index(ids, id) < i {
			return nil, cerr.FieldErrorf(cerr.Invalid, editorial.Path("input.organizerIds", i), "This organizer is listed twice.")
		}
	}
	return ids, nil
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
		if f.Value > editorial.MaxFigureValue {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".value", "A figure can be at most %d (2^53 - 1), the largest whole number every JSON client reads exactly.", int64(editorial.MaxFigureValue))
		}
		if f.Approximation == "" {
			f.Approximation = "EXACT"
		}
		if !slices.Contains(figureApproximations, f.Approximation) {
			return nil, cerr.FieldErrorf(cerr.Invalid, at+".approximation", "%q is not an approximation; use one of %s.", f.Approximation, strings.Join(figureApproximations, ", "))
		}
		var err error
		if f.Label, err = checkName(at+".label", "The label", f.Label, editorial.MaxFigureLabel); err != nil {
			return nil, err
		}
		if len(f.Channels) > editorial.MaxFigureItems || len(f.Countries) > editorial.MaxFigureItems {
			return nil, cerr.FieldErrorf(cerr.Invalid, at, "A figure can list at most %d channels and %d countries.", editorial.MaxFigureItems, editorial.MaxFigureItems)
		}
		channels := make([]string, len(f.Channels))
		for j, c := range f.Channels {
			if channels[j], err = checkName(editorial.Path(at+".channels", j), "A channel", c, editorial.MaxChannel); err != nil {
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
