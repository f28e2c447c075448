package editorial

import "time"

// Correction is a public correction note: what a republication of a report
// corrected, kept with the report for good. It is written in the
// transaction of the republication that carries it, and is public content
// from then on, for as long as the report is published: the public reads
// it from the report's source document (PublicSource.Corrections), which
// holds neither who wrote it nor the revision (newsroom only).
type Correction struct {
	ID       int64 `db:"id" json:"id"`
	ReportID int64 `db:"report_id" json:"reportId"`
	// RevisionID is the revision the republication published.
	RevisionID int64 `db:"revision_id" json:"-"`
	// Version is that revision's version.
	Version int `db:"version" json:"version"`
	// Locale is the locale the note is written in: the report's source
	// locale at the republication. Notes are not translated.
	Locale string `db:"locale" json:"locale"`
	// Note is plain text (no Markdown), at most MaxCorrection characters.
	Note      string    `db:"note" json:"note"`
	CreatedBy *int64    `db:"created_by" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"createdAt"` // the instant of the republication
}
