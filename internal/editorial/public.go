package editorial

// Public documents: what the public may see of a published report,
// materialized when it changes (internal/published) so that a public read
// costs one statement and no assembly. A report has one source document
// and one translation document per locale with a translation approved for
// the published revision; a reader in a locale reads the source document
// and the translation documents of its fallback chain, in one statement,
// and is localized from them in memory, exactly as the newsroom's copies
// are (translation.Localize), so every audience follows the same rules.
//
// They are stored as JSON; field names are stable.

// PublicSource is a published report's source document: the report as
// published (its source texts, its body rendered), and every directory
// entry the public read of it shows, as the entries were when the document
// was last built.
type PublicSource struct {
	Report        *Report         `json:"report"`
	BodyHTML      string          `json:"bodyHtml"`
	TagIDs        []int64         `json:"tagIds"`
	AuthorIDs     []int64         `json:"authorIds"`
	Attendees     []*Attendee     `json:"attendees"`
	PreviousSlugs []string        `json:"previousSlugs"`
	People        []*Person       `json:"people"`
	Organizations []*Organization `json:"organizations"`
	Tags          []*Tag          `json:"tags"`
	Events        []*Event        `json:"events"`
	// Corrections are the report's correction notes, newest first (a
	// document written before migration 00016 has none, as no report had).
	Corrections []*Correction `json:"corrections"`
	// Locales are the locales readers can read it in: the source locale
	// and those of its translation documents, sorted.
	Locales []string `json:"locales"`
}

// PublicTranslation is one locale's translation document: the text
// approved for the published revision, its body rendered, and the
// attendee roles and notes approved with it.
type PublicTranslation struct {
	Translation *Translation           `json:"translation"`
	BodyHTML    string                 `json:"bodyHtml"`
	Attendees   []*AttendeeTranslation `json:"attendees"`
}

// PublicReport is what one public read of a report returns: its source
// document and the translation documents asked for. Revision identifies
// this combination: it changes whenever one of the documents is rebuilt
// (an ETag derives from it).
type PublicReport struct {
	Source       *PublicSource
	Translations []*PublicTranslation
	Revision     string
	// SourceRevision is the source document's revision, which every change
	// to any of the report's documents raises.
	SourceRevision int64
	// Size is the documents' size in bytes, as stored.
	Size int
}
