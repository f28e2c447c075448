package demo

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/copydesk/copydesk/internal/editorial"
)

// qingdaoJSON is the data set, as edited by hand.
//
//go:embed qingdao.json
var qingdaoJSON []byte

// The data set's JSON shape. Entries refer to each other by key (an
// organization's parent, a person's affiliation, an event's parent and
// organizers, an attendee's person and organization, the report's event and
// tags); translations refer to attendees by their index in the report's
// attendee list. Keys exist only in the file: the loader resolves them to
// database IDs. Every field is always present (null when empty), which
// TestDataSetTypesAreLossless checks.

// dataSet is the whole file.
type dataSet struct {
	Name          string         `json:"name"`
	SourceNotes   []string       `json:"sourceNotes"` // for editors of the file; not loaded
	Organizations []organization `json:"organizations"`
	People        []person       `json:"people"`
	Tags          []tag          `json:"tags"`
	Events        []event        `json:"events"`
	Report        report         `json:"report"`
}

type organization struct {
	Key            string            `json:"key"`
	Name           string            `json:"name"`
	Acronym        *string           `json:"acronym"`
	Country        *string           `json:"country"`
	Parent         *string           `json:"parent"` // an organization key
	LocalizedNames map[string]string `json:"localizedNames"`
}

type person struct {
	Key            string            `json:"key"`
	Name           string            `json:"name"`
	Affiliation    *string           `json:"affiliation"` // an organization key
	LocalizedNames map[string]string `json:"localizedNames"`
}

type tag struct {
	Key            string            `json:"key"`
	Slug           string            `json:"slug"`
	Name           string            `json:"name"`
	Description    *string           `json:"description"`
	LocalizedNames map[string]string `json:"localizedNames"`
}

type event struct {
	Key            string            `json:"key"`
	Name           string            `json:"name"`
	Parent         *string           `json:"parent"`   // an event key
	StartsAt       *string           `json:"startsAt"` // RFC 3339
	EndsAt         *string           `json:"endsAt"`   // RFC 3339
	TimeZone       string            `json:"timeZone"`
	AllDay         bool              `json:"allDay"`
	Venue          *string           `json:"venue"`
	City           *string           `json:"city"`
	Region         *string           `json:"region"`
	Country        *string           `json:"country"`
	Format         *string           `json:"format"`
	Organizers     []string          `json:"organizers"` // organization keys
	Figures        []figure          `json:"figures"`
	LocalizedNames map[string]string `json:"localizedNames"`
}

type figure struct {
	Metric        string   `json:"metric"`
	Value         int64    `json:"value"`
	Approximation string   `json:"approximation"`
	Label         string   `json:"label"`
	Channels      []string `json:"channels"`
	Countries     []string `json:"countries"`
}

type report struct {
	Slug         string        `json:"slug"`
	Section      *string       `json:"section"`
	SourceLocale string        `json:"sourceLocale"`
	Title        string        `json:"title"`
	Subtitle     *string       `json:"subtitle"`
	Summary      *string       `json:"summary"`
	Body         string        `json:"body"`
	Status       string        `json:"status"`
	PublishedAt  *string       `json:"publishedAt"` // RFC 3339
	Event        *string       `json:"event"`       // an event key
	Tags         []string      `json:"tags"`        // tag keys
	Attendees    []attendee    `json:"attendees"`
	Translations []translation `json:"translations"`
}

type attendee struct {
	Person         *string  `json:"person"`       // a person key
	Organization   *string  `json:"organization"` // an organization key
	Delegation     *string  `json:"delegation"`
	Role           *string  `json:"role"`
	Participations []string `json:"participations"`
	Note           *string  `json:"note"`
}

type translation struct {
	Locale    string                `json:"locale"`
	Status    string                `json:"status"`
	Title     string                `json:"title"`
	Subtitle  *string               `json:"subtitle"`
	Summary   *string               `json:"summary"`
	Body      string                `json:"body"`
	Attendees []attendeeTranslation `json:"attendees"`
}

// attendeeTranslation is an attendee's role and note in a translation;
// Index is the attendee's position in report.attendees.
type attendeeTranslation struct {
	Index int     `json:"index"`
	Role  *string `json:"role"`
	Note  *string `json:"note"`
}

// decode parses a data set strictly: unknown fields, trailing data and
// broken references are errors.
func decode(raw []byte) (*dataSet, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d dataSet
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("demo data set: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("demo data set: trailing data after the JSON object")
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("demo data set: %w", err)
	}
	return &d, nil
}

// check verifies what the loader relies on: unique keys, references to
// entries listed earlier (parents before children, so that one pass in file
// order inserts in dependency order), known states, parsable times, and
// translation attendee indexes in range and ascending. The content service
// validates everything else as the data goes in.
func (d *dataSet) check() error {
	if d.Name != Name {
		return fmt.Errorf("name is %q, want %q", d.Name, Name)
	}
	seen := seenKeys{orgs: map[string]bool{}, people: map[string]bool{}, tags: map[string]bool{}, events: map[string]bool{}}
	if err := d.checkDirectory(seen); err != nil {
		return err
	}
	if err := d.Report.check(seen); err != nil {
		return err
	}
	return d.Report.checkTranslations()
}

// seenKeys holds the keys of the entries checked so far, by kind.
type seenKeys struct {
	orgs, people, tags, events map[string]bool
}

// checkRef reports an error unless key is nil or in known, the keys of kind
// listed so far; where says what refers to it.
func checkRef(kind string, known map[string]bool, key *string, where string) error {
	if key != nil && !known[*key] {
		return fmt.Errorf("%s: no %s with key %q listed before it", where, kind, *key)
	}
	return nil
}

// addKey adds key to known, the keys of kind listed so far; an empty or
// repeated key is an error.
func addKey(kind string, known map[string]bool, key string) error {
	if key == "" || known[key] {
		return fmt.Errorf("%s key %q is empty or used twice", kind, key)
	}
	known[key] = true
	return nil
}

// checkDirectory checks the organizations, people, tags and events in file
// order, adding their keys to seen.
func (d *dataSet) checkDirectory(seen seenKeys) error {
	for _, o := range d.Organizations {
		if err := checkRef("organization", seen.orgs, o.Parent, "organization "+o.Key+" parent"); err != nil {
			return err
		}
		if err := addKey("organization", seen.orgs, o.Key); err != nil {
			return err
		}
	}
	for _, p := range d.People {
		if err := checkRef("organization", seen.orgs, p.Affiliation, "person "+p.Key+" affiliation"); err != nil {
			return err
		}
		if err := addKey("person", seen.people, p.Key); err != nil {
			return err
		}
	}
	for _, t := range d.Tags {
		if err := addKey("tag", seen.tags, t.Key); err != nil {
			return err
		}
	}
	for _, e := range d.Events {
		if err := checkRef("event", seen.events, e.Parent, "event "+e.Key+" parent"); err != nil {
			return err
		}
		for _, o := range e.Organizers {
			if err := checkRef("organization", seen.orgs, &o, "event "+e.Key+" organizers"); err != nil {
				return err
			}
		}
		for _, ts := range []*string{e.StartsAt, e.EndsAt} {
			if _, err := parseTime(ts); err != nil {
				return fmt.Errorf("event %s: %w", e.Key, err)
			}
		}
		if err := addKey("event", seen.events, e.Key); err != nil {
			return err
		}
	}
	return nil
}

// check checks the report's status and publication time and its references
// to the directory entries in seen.
func (r *report) check(seen seenKeys) error {
	if !slices.Contains([]editorial.Status{editorial.Draft, editorial.InReview, editorial.ChangesRequested, editorial.Approved,
		editorial.Scheduled, editorial.Published, editorial.Unpublished}, editorial.Status(r.Status)) {
		return fmt.Errorf("report status %q is not a state a report can be loaded in", r.Status)
	}
	if _, err := parseTime(r.PublishedAt); err != nil {
		return fmt.Errorf("report publishedAt: %w", err)
	}
	if err := checkRef("event", seen.events, r.Event, "report event"); err != nil {
		return err
	}
	for _, t := range r.Tags {
		if err := checkRef("tag", seen.tags, &t, "report tags"); err != nil {
			return err
		}
	}
	for i, a := range r.Attendees {
		where := fmt.Sprintf("report attendee %d", i)
		if err := checkRef("person", seen.people, a.Person, where); err != nil {
			return err
		}
		if err := checkRef("organization", seen.orgs, a.Organization, where); err != nil {
			return err
		}
	}
	return nil
}

// checkTranslations checks the translations' states and that their
// attendee indexes are in range and ascending.
func (r *report) checkTranslations() error {
	for _, t := range r.Translations {
		if !slices.Contains([]editorial.TranslationStatus{editorial.TranslationInProgress, editorial.TranslationInReview,
			editorial.TranslationApproved}, editorial.TranslationStatus(t.Status)) {
			return fmt.Errorf("translation %s: status %q is not a translation state", t.Locale, t.Status)
		}
		for i, a := range t.Attendees {
			if a.Index < 0 || a.Index >= len(r.Attendees) || (i > 0 && a.Index <= t.Attendees[i-1].Index) {
				return fmt.Errorf("translation %s: attendee %d has index %d; indexes must be ascending and below %d",
					t.Locale, i, a.Index, len(r.Attendees))
			}
		}
	}
	return nil
}

// parseTime parses an optional RFC 3339 time.
func parseTime(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an RFC 3339 time", *s)
	}
	return &t, nil
}
