package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// eventSelect reads events with their organizers and figures in one query:
// every event read costs one round trip, whatever the number of events.
const eventSelect = `
	SELECT e.id, e.name, e.localized_names, e.parent_id, e.starts_at, e.ends_at, e.time_zone, e.all_day,
		e.venue, e.city, e.region, e.country, e.format, e.version, e.created_at, e.updated_at,
		COALESCE((SELECT json_agg(o.organization_id ORDER BY o.position)
			FROM event_organizers o WHERE o.event_id = e.id), '[]') AS organizer_ids,
		COALESCE((SELECT json_agg(json_build_object('metric', f.metric, 'value', f.value,
				'approximation', f.approximation, 'label', f.label, 'channels', f.channels, 'countries', f.countries)
				ORDER BY f.position)
			FROM event_figures f WHERE f.event_id = e.id), '[]') AS figures
	FROM events e`

type eventRow struct {
	editorial.Event
	Names      []byte `db:"localized_names"`
	Organizers []byte `db:"organizer_ids"`
	FigureList []byte `db:"figures"`
}

func (r *eventRow) event() (*editorial.Event, error) {
	e := r.Event
	var err error
	if e.LocalizedNames, err = dirDecodeNames(r.Names); err != nil {
		return nil, err
	}
	e.OrganizerIDs, e.Figures = []int64{}, []editorial.Figure{}
	if err := json.Unmarshal(r.Organizers, &e.OrganizerIDs); err != nil {
		return nil, fmt.Errorf("event organizers: %w", err)
	}
	if err := json.Unmarshal(r.FigureList, &e.Figures); err != nil {
		return nil, fmt.Errorf("event figures: %w", err)
	}
	return &e, nil
}

// InsertEvent inserts the events row of e and sets its ID, Version and
// timestamps. Organizers and figures are written by ReplaceEventOrganizers
// and ReplaceEventFigures.
func InsertEvent(ctx context.Context, tx *Tx, e *editorial.Event) error {
	return dirInsert(ctx, tx, eventStamp(e), "InsertEvent", "Event", `
		INSERT INTO events (name, localized_names, parent_id, starts_at, ends_at, time_zone, all_day,
			venue, city, region, country, format, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
		e.Name, dirEncodeNames(e.LocalizedNames), e.ParentID, e.StartsAt, e.EndsAt, e.TimeZone, e.AllDay,
		e.Venue, e.City, e.Region, e.Country, e.Format, tx.Now)
}

func eventStamp(e *editorial.Event) dirStamp {
	return dirStamp{&e.ID, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.LocalizedNames}
}

// LockEvent reads event id with its organizers and figures and locks its row
// until tx ends. NOT_FOUND if there is no such event.
func LockEvent(ctx context.Context, tx *Tx, id int64) (*editorial.Event, error) {
	e, err := dirGet(ctx, tx, (*eventRow).event, eventSelect+` WHERE e.id = $1 FOR UPDATE OF e`, id)
	return e, FormatError(err, "LockEvent", "Event")
}

// UpdateEvent writes every column of the events row of e, bumps its version
// and sets its update time (e is updated in place). Organizers and figures
// are written by ReplaceEventOrganizers and ReplaceEventFigures.
func UpdateEvent(ctx context.Context, tx *Tx, e *editorial.Event) error {
	return dirUpdate(ctx, tx, eventStamp(e), "UpdateEvent", "Event", `
		UPDATE events SET name = $2, localized_names = $3, parent_id = $4, starts_at = $5, ends_at = $6,
			time_zone = $7, all_day = $8, venue = $9, city = $10, region = $11, country = $12, format = $13,
			version = version + 1, updated_at = $14
		WHERE id = $1 RETURNING version`,
		e.ID, e.Name, dirEncodeNames(e.LocalizedNames), e.ParentID, e.StartsAt, e.EndsAt, e.TimeZone, e.AllDay,
		e.Venue, e.City, e.Region, e.Country, e.Format, tx.Now)
}

// ReplaceEventOrganizers sets the event's organizers to orgIDs, in order.
// BAD_USER_INPUT if an organization does not exist or is listed twice.
func ReplaceEventOrganizers(ctx context.Context, tx *Tx, eventID int64, orgIDs []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_organizers WHERE event_id = $1`, eventID); err != nil {
		return FormatError(err, "ReplaceEventOrganizers", "Organizer")
	}
	if len(orgIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO event_organizers (event_id, organization_id, position)
		SELECT $1, o.id, o.n - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, n)`, eventID, pq.Array(orgIDs))
	if cerr.Is(FormatError(err, "", ""), cerr.Conflict) {
		return &cerr.Error{Code: cerr.Invalid, Message: "An organizer is listed twice.", Err: err}
	}
	return FormatError(err, "ReplaceEventOrganizers", "Organizer")
}

// ReplaceEventFigures sets the event's key figures to figures, in order. An
// empty Approximation is stored as EXACT.
func ReplaceEventFigures(ctx context.Context, tx *Tx, eventID int64, figures []editorial.Figure) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_figures WHERE event_id = $1`, eventID); err != nil {
		return FormatError(err, "ReplaceEventFigures", "Figure")
	}
	if len(figures) == 0 {
		return nil
	}
	list := make([]editorial.Figure, len(figures))
	for i, f := range figures {
		if f.Channels == nil {
			f.Channels = []string{}
		}
		if f.Countries == nil {
			f.Countries = []string{}
		}
		list[i] = f
	}
	doc, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("ReplaceEventFigures: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO event_figures (event_id, position, metric, value, approximation, label, channels, countries)
		SELECT $1, x.n - 1, f.metric, f.value, COALESCE(NULLIF(f.approximation, ''), 'EXACT'), f.label,
			ARRAY(SELECT c FROM jsonb_array_elements_text(f.channels) WITH ORDINALITY AS a(c, i) ORDER BY i),
			ARRAY(SELECT c FROM jsonb_array_elements_text(f.countries) WITH ORDINALITY AS a(c, i) ORDER BY i)
		FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(doc, n),
			jsonb_to_record(x.doc) AS f(metric text, value bigint, approximation text, label text, channels jsonb, countries jsonb)`,
		eventID, string(doc))
	return FormatError(err, "ReplaceEventFigures", "Figure")
}

// EventsByIDs returns the events with the given IDs, with their organizers
// and figures, in one query (the dataloader batch function). Unknown IDs are
// missing from the map.
func EventsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Event, error) {
	list, err := dirScan(ctx, q, (*eventRow).event, eventSelect+` WHERE e.id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "EventsByIDs", "Event")
	}
	return dirMap(list, func(e *editorial.Event) int64 { return e.ID }), nil
}

// EventsWithAncestors returns the events with the given IDs and all the
// events they are part of, in one query.
func EventsWithAncestors(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Event, error) {
	list, err := dirScan(ctx, q, (*eventRow).event, ancestorsOf("events")+eventSelect+` WHERE e.id IN (SELECT id FROM up)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "EventsWithAncestors", "Event")
	}
	return dirMap(list, func(e *editorial.Event) int64 { return e.ID }), nil
}

// EventChildren returns, per parent ID, the parent's sub-events in programme
// order (start time, undated last, then ID), in one query. Parents without
// sub-events are missing from the map.
func EventChildren(ctx context.Context, q sqlx.QueryerContext, parentIDs []int64) (map[int64][]*editorial.Event, error) {
	list, err := dirScan(ctx, q, (*eventRow).event, eventSelect+` WHERE e.parent_id = ANY($1) ORDER BY e.starts_at NULLS LAST, e.id`, pq.Array(parentIDs))
	if err != nil {
		return nil, FormatError(err, "EventChildren", "Event")
	}
	return dirGroup(list, func(e *editorial.Event) int64 { return *e.ParentID }), nil
}

// EventCursor returns e's position in ListEvents: its start time (RFC 3339,
// nanoseconds, UTC), or "" when it has none.
func EventCursor(e *editorial.Event) editorial.Cursor {
	if e.StartsAt == nil {
		return editorial.Cursor{ID: e.ID}
	}
	return editorial.Cursor{Key: e.StartsAt.UTC().Format(time.RFC3339Nano), ID: e.ID}
}

// EventPage returns up to first events after the cursor (see EventCursor),
// latest start first (undated events last, then by ID descending), and the
// Total of those matching. search keeps those it
// matches (see NameSearch). BAD_USER_INPUT (field "after") for a cursor that is not an
// EventCursor.
func EventPage(ctx context.Context, q sqlx.QueryerContext, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Event, Total, error) {
	query, args, err := eventPageQuery(search, first, after)
	if err != nil {
		return nil, nil, err
	}
	list, err := dirScan(ctx, q, (*eventRow).event, query, args...)
	if err != nil {
		return nil, nil, FormatError(err, "ListEvents", "Event")
	}
	count, args := dirCount("events", "e.", search)
	return list, pageTotal(q, len(list), first, after, "ListEvents", "Event", count, args...), nil
}

// eventPageQuery is the statement EventPage sends, and its arguments.
func eventPageQuery(search NameSearch, first int, after *editorial.Cursor) (string, []any, error) {
	var startsAt *time.Time
	var afterID int64
	if after != nil {
		afterID = after.ID
		if after.Key != "" {
			t, err := time.Parse(time.RFC3339Nano, after.Key)
			if err != nil {
				return "", nil, cerr.FieldErrorf(cerr.Invalid, "after", "The cursor is not valid for this list.")
			}
			startsAt = &t
		}
	}
	prefix, contains := search.args()
	return eventSelect + `
		WHERE ` + dirSearch("e.", 6) + `
		AND (NOT $2::boolean OR CASE WHEN $3::timestamptz IS NULL THEN e.starts_at IS NULL AND e.id < $4
			ELSE e.starts_at < $3 OR (e.starts_at = $3 AND e.id < $4) OR e.starts_at IS NULL END)
		ORDER BY e.starts_at DESC NULLS LAST, e.id DESC LIMIT $5`, []any{prefix, after != nil, startsAt, afterID, max(first, 0), contains}, nil
}
