// Package editorial is copydesk's domain: reports of events with their tags,
// attendees, translations and revisions, and the directory of people and
// organizations they refer to. It holds the types and the rules (validation,
// limits, revision snapshots and diffs) and imports neither GraphQL nor SQL.
package editorial

import "time"

// Status is where a report stands in the editorial workflow.
type Status string

// Report states. The workflow owns the transitions between them.
const (
	Draft            Status = "DRAFT"
	InReview         Status = "IN_REVIEW"
	ChangesRequested Status = "CHANGES_REQUESTED"
	Approved         Status = "APPROVED"
	Scheduled        Status = "SCHEDULED"
	Published        Status = "PUBLISHED"
	Unpublished      Status = "UNPUBLISHED"
	TakenDown        Status = "TAKEN_DOWN" // off every public surface; publishing needs the takedown lifted first
	Archived         Status = "ARCHIVED"
)

// Report is a report of an event, in its source locale.
type Report struct {
	ID                  int64      `db:"id"`
	Slug                string     `db:"slug"`
	SourceLocale        string     `db:"source_locale"`
	Section             *string    `db:"section"`
	Title               string     `db:"title"`
	Subtitle            *string    `db:"subtitle"`
	Summary             *string    `db:"summary"`
	Body                string     `db:"body"`
	WordCount           int        `db:"word_count"`
	EventID             *int64     `db:"event_id"`
	DeskID              *int64     `db:"desk_id"`    // the desk responsible; desk-scoped roles apply
	CreatedBy           *int64     `db:"created_by"` // the user who created it, if a user did
	Status              Status     `db:"status"`
	StatusBeforeArchive *Status    `db:"status_before_archive"`
	Version             int        `db:"version"`
	PublishedAt         *time.Time `db:"published_at"`
	ArchivedAt          *time.Time `db:"archived_at"`
	CreatedAt           time.Time  `db:"created_at"`
	UpdatedAt           time.Time  `db:"updated_at"`
}

// Participation is how an attendee took part in an event.
type Participation string

// Participations, in the order the schema lists them.
var Participations = []Participation{
	"ATTENDED", "SPEECH", "KEYNOTE", "PRESIDED", "MODERATED", "PANELIST",
	"PRESENTED", "VIDEO_LINK", "CONGRATULATORY_LETTER", "RECORDED_MESSAGE", "HOSTED",
}

// Attendee is one entry of a report's attendee list.
type Attendee struct {
	ID             int64           `db:"id"`
	ReportID       int64           `db:"report_id"`
	Position       int             `db:"position"`
	PersonID       *int64          `db:"person_id"`
	OrganizationID *int64          `db:"organization_id"`
	Delegation     *string         `db:"delegation"`
	Role           *string         `db:"role"`
	Participations []Participation `db:"-"`
	Note           *string         `db:"note"`
}

// LocalizedNames maps a canonical BCP 47 locale to a name in it.
type LocalizedNames map[string]string

// In returns the name in the first locale of chain that has one, else
// fallback (the name as the newsroom writes it).
func (n LocalizedNames) In(chain []string, fallback string) string {
	if v, l := n.Pick(chain); l != "" {
		return v
	}
	return fallback
}

// Pick returns the name in the first locale of chain that has one, and
// that locale; "", "" when no locale of chain has a name.
func (n LocalizedNames) Pick(chain []string) (name, locale string) {
	for _, l := range chain {
		if v := n[l]; v != "" {
			return v, l
		}
	}
	return "", ""
}

// Organization is a directory entry for an association, agency, company or office.
type Organization struct {
	ID             int64          `db:"id"`
	Name           string         `db:"name"`
	Acronym        *string        `db:"acronym"`
	Country        *string        `db:"country"`
	ParentID       *int64         `db:"parent_id"`
	LocalizedNames LocalizedNames `db:"-"`
	Version        int            `db:"version"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

// Person is a directory entry for a person.
type Person struct {
	ID             int64          `db:"id"`
	Name           string         `db:"name"`
	AffiliationID  *int64         `db:"affiliation_id"`
	LocalizedNames LocalizedNames `db:"-"`
	Version        int            `db:"version"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

// Tag is a term of the managed tag vocabulary.
type Tag struct {
	ID             int64          `db:"id"`
	Slug           string         `db:"slug"`
	Name           string         `db:"name"`
	Description    *string        `db:"description"`
	ParentID       *int64         `db:"parent_id"`
	LocalizedNames LocalizedNames `db:"-"`
	Version        int            `db:"version"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

// EventFormat is how an event took place.
type EventFormat string

// Event is what reports cover.
type Event struct {
	ID             int64          `db:"id"`
	Name           string         `db:"name"`
	LocalizedNames LocalizedNames `db:"-"`
	ParentID       *int64         `db:"parent_id"`
	StartsAt       *time.Time     `db:"starts_at"`
	EndsAt         *time.Time     `db:"ends_at"`
	TimeZone       string         `db:"time_zone"`
	AllDay         bool           `db:"all_day"`
	Venue          *string        `db:"venue"`
	City           *string        `db:"city"`
	Region         *string        `db:"region"`
	Country        *string        `db:"country"`
	Format         *EventFormat   `db:"format"`
	OrganizerIDs   []int64        `db:"-"`
	Figures        []Figure       `db:"-"`
	Version        int            `db:"version"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

// Figure is a key figure of an event ("200+ participants").
type Figure struct {
	Metric        string   `json:"metric"`
	Value         int64    `json:"value"`
	Approximation string   `json:"approximation"`
	Label         string   `json:"label"`
	Channels      []string `json:"channels"`
	Countries     []string `json:"countries"`
}

// TranslationStatus is where a translation stands.
type TranslationStatus string

// Translation states: MISSING (no translation) → IN_PROGRESS → IN_REVIEW →
// APPROVED. Editing an IN_REVIEW or APPROVED translation puts it back to
// IN_PROGRESS; a change to the source does not change the status (an
// approved translation may be approved and stale).
const (
	// TranslationMissing is the status of a translation that does not exist;
	// no stored translation has it.
	TranslationMissing    TranslationStatus = "MISSING"
	TranslationInProgress TranslationStatus = "IN_PROGRESS"
	TranslationInReview   TranslationStatus = "IN_REVIEW"
	TranslationApproved   TranslationStatus = "APPROVED"
)

// Translation is a report in another locale.
type Translation struct {
	ReportID int64             `db:"report_id"`
	Locale   string            `db:"locale"`
	Title    string            `db:"title"`
	Subtitle *string           `db:"subtitle"`
	Summary  *string           `db:"summary"`
	Body     string            `db:"body"`
	Status   TranslationStatus `db:"status"`
	// SourceVersion is the oldest source content version one of its fields
	// was translated from or confirmed against (see translation.State).
	SourceVersion int `db:"source_version"`
	Version       int `db:"version"`
	// EditedBy is the user who last changed its text (nil: copydesk itself,
	// or a deleted user); they may not approve it.
	EditedBy  *int64    `db:"edited_by"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// AttendeeTranslation is an attendee's role and note in one locale.
type AttendeeTranslation struct {
	AttendeeID int64   `db:"attendee_id"`
	Locale     string  `db:"locale"`
	Role       *string `db:"role"`
	Note       *string `db:"note"`
}

// TranslationKey identifies a translation: a report and a locale.
type TranslationKey struct {
	ReportID int64
	Locale   string
}

// TranslationAssignment is the translator assigned to a report's
// translation into Locale (which may not exist yet).
type TranslationAssignment struct {
	ReportID   int64     `db:"report_id"`
	Locale     string    `db:"locale"`
	UserID     int64     `db:"user_id"`
	AssignedBy *int64    `db:"assigned_by"`
	AssignedAt time.Time `db:"assigned_at"`
}

// Revision is an immutable snapshot of a report after one saved change.
type Revision struct {
	ID        int64     `db:"id"`
	ReportID  int64     `db:"report_id"`
	Version   int       `db:"version"`
	Message   *string   `db:"message"`
	CreatedAt time.Time `db:"created_at"`
	Snapshot  Snapshot  `db:"-"`
}
