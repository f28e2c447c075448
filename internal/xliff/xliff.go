// Package xliff exports reports to, and imports translations from, XLIFF 2
// documents, the exchange format translation agencies and their CAT tools
// (Trados, memoQ, Phrase, Okapi …) read and write.
//
// A Document is one batch for one language pair: one <file> per report, one
// <unit> per translatable field ("title", "subtitle", "summary", "body",
// "attendees.<id>.role", "attendees.<id>.note"), each with one <segment>
// holding a <source> and a <target>. Markdown bodies travel as plain text:
// every character, newlines and U+00A0 included, comes back byte for byte,
// and units carry xml:space="preserve" so that tools keep whitespace.
//
// The report a <file> belongs to and the report content version its source
// text was taken from are written twice: in the XLIFF 2 Metadata module
// (<mda:metaGroup category="copydesk"> with metas "reportId" and
// "sourceRevision") and, when File.Original is set with OriginalFor, in the
// file's original attribute ("copydesk:report/42@v7"). Either one is enough
// on import, so a tool that drops modules or rewrites original does not lose
// the reference; when both are present they must agree.
//
// Marshal and Unmarshal are inverses: Marshal refuses any Document that
// Unmarshal would reject (non-canonical language tags, unknown fields,
// characters XML 1.0 cannot carry …), so Unmarshal(Marshal(doc)) == doc for
// every doc Marshal accepts.
//
// # Import is defensive
//
// Unmarshal reads files that come back from outside. It refuses DTDs
// outright (any <!DOCTYPE> or <!ENTITY>, so entity-expansion and external
// entity documents fail at once), bounds the input size, the number of units
// and the element depth (Limits), and rejects what it cannot import
// faithfully rather than dropping text: inline codes and annotations (<pc>,
// <ph>, <mrk> …) inside <source> or <target>, <group>, reordered targets, a
// segment without <target>. It accepts what CAT tools legitimately add: a
// unit split into several <segment>s and <ignorable>s (the unit's text is
// their concatenation and its state the least advanced of its segments'),
// notes, comments, and elements of other namespaces outside <source> and
// <target>, which it skips. Errors are *Error values that name the file and
// unit (the copydesk field) they concern.
//
// # Why encoding/xml and no XLIFF library
//
// No maintained Go library implements XLIFF 2. Of the Go packages that
// exist, github.com/st3fan/xliff and the github.com/travelping/xliffer
// command handle XLIFF 1.2 only and are work in progress from 2017,
// github.com/kenkyu392/go-tm lists XLIFF 2.0 as not done, and
// go.expect.digital/translate is an application whose own notes say its
// XLIFF 2 export does not work. The subset copydesk needs is
// small, and an importer of untrusted files has to control the decoding
// itself: size, unit and depth limits, refusing DTDs, and failing on inline
// markup that a struct-tag decoder would silently drop. So this package
// decodes token by token with the standard library's encoding/xml (which in
// strict mode expands no entity beyond the five predefined ones and
// character references) and writes the document itself.
package xliff

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/cerr"
)

// XLIFF 2 namespaces.
const (
	// Namespace is the XLIFF 2 core namespace (used by versions 2.0 and 2.1).
	Namespace = "urn:oasis:names:tc:xliff:document:2.0"
	// MetadataNamespace is the namespace of the XLIFF 2 Metadata module.
	MetadataNamespace = "urn:oasis:names:tc:xliff:metadata:2.0"

	xmlNamespace = "http://www.w3.org/XML/1998/namespace"
	// metaCategory is the category of copydesk's <mda:metaGroup>.
	metaCategory = "copydesk"
)

// Segment states (XLIFF 2 segment state attribute), from least to most
// advanced.
const (
	StateInitial    = "initial"
	StateTranslated = "translated"
	StateReviewed   = "reviewed"
	StateFinal      = "final"
)

// stateRank orders the states; a state not in it is invalid.
var stateRank = map[string]int{StateInitial: 0, StateTranslated: 1, StateReviewed: 2, StateFinal: 3}

// Unit IDs of a report's own fields. Attendee fields use AttendeeRoleUnit and
// AttendeeNoteUnit.
const (
	UnitTitle    = "title"
	UnitSubtitle = "subtitle"
	UnitSummary  = "summary"
	UnitBody     = "body"
)

// Document is an XLIFF 2 document: a batch of reports to translate from
// SrcLang into TrgLang, both canonical BCP 47 tags as
// github.com/copydesk/copydesk/internal/locale.Canonical returns them.
type Document struct {
	SrcLang string
	TrgLang string
	Files   []File
}

// File is one report in a Document.
type File struct {
	// ID is the <file> id, unique in the document, e.g. "report-42": 1 to
	// 128 ASCII letters, digits, '.', '_', ':' and '-'.
	ID string
	// Original is the file's original attribute, omitted when empty.
	// OriginalFor gives copydesk's form; if Original has that form it must
	// name ReportID and SourceRevision.
	Original string
	// ReportID is the report's ID (> 0), unique in the document.
	ReportID int64
	// SourceRevision is the report content version (> 0) the source texts
	// were taken from.
	SourceRevision int
	// TranslationVersion is the version of the translation into TrgLang
	// that the targets were taken from, 0 when there was none, so that an
	// import can tell whether the translation was edited since (metadata
	// "translationVersion"). nil when the document does not say: Marshal
	// then writes nothing, and Unmarshal returns nil when the metadata is
	// absent (a tool dropped the module) or has no translationVersion.
	TranslationVersion *int
	// Units are the report's fields, at least one, with distinct IDs.
	Units []Unit
}

// Unit is one translatable field of a report.
type Unit struct {
	// ID names the field: "title", "subtitle", "summary", "body",
	// "attendees.<id>.role" or "attendees.<id>.note" (see ParseUnitID).
	ID string
	// Source is the text in the source language, Target its translation
	// (empty when not translated yet). Both may hold any character XML 1.0
	// allows: tab, newline, carriage return and U+0020 onwards, except
	// surrogates, U+FFFE and U+FFFF.
	Source string
	Target string
	// State is the segment state: StateInitial, StateTranslated,
	// StateReviewed or StateFinal.
	State string
}

// Limits bounds what Unmarshal and Decode accept. A zero or negative field
// takes its default.
type Limits struct {
	MaxBytes int64 // the whole input; default DefaultMaxBytes
	MaxUnits int   // units across all files; default DefaultMaxUnits
	MaxDepth int   // element nesting, the root being depth 1; default DefaultMaxDepth
}

// Default limits.
const (
	DefaultMaxBytes = 5 << 20
	DefaultMaxUnits = 10_000
	DefaultMaxDepth = 32
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxUnits <= 0 {
		l.MaxUnits = DefaultMaxUnits
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// Error is the error Marshal, Unmarshal and Decode return. File and Unit say
// where the problem is, so that a caller can map it to a report and field;
// either may be empty.
type Error struct {
	File string // the <file> id, "" if the error concerns no single file
	Unit string // the <unit> id, a field such as "body" or "attendees.12.role"; "" if none
	Msg  string // what is wrong; phrased to follow "unit <id> " when Unit is set
	Line int    // the input line (1-based) where it was found; 0 if unknown, as for Marshal
}

// Error formats e as, for example,
// "xliff: file report-42: unit body has no <target> (line 17)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("xliff: ")
	if e.File != "" {
		b.WriteString("file ")
		b.WriteString(quoteID(e.File))
		b.WriteString(": ")
	}
	if e.Unit != "" {
		b.WriteString("unit ")
		b.WriteString(quoteID(e.Unit))
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// quoteID returns id as is when it is a plain token, else quoted and clipped.
func quoteID(id string) string {
	if validFileID(id) {
		return id
	}
	const max = 64
	if len(id) > max {
		id = strings.ToValidUTF8(id[:max], "") + "…"
	}
	return strconv.Quote(id)
}

// AttendeeRoleUnit returns the unit ID of the role of the attendee with the
// given ID: "attendees.<id>.role".
func AttendeeRoleUnit(attendeeID int64) string {
	return "attendees." + strconv.FormatInt(attendeeID, 10) + ".role"
}

// AttendeeNoteUnit returns the unit ID of the note of the attendee with the
// given ID: "attendees.<id>.note".
func AttendeeNoteUnit(attendeeID int64) string {
	return "attendees." + strconv.FormatInt(attendeeID, 10) + ".note"
}

// ParseUnitID splits a unit ID into the field it names and, for an attendee
// field, the attendee's ID. field is "title", "subtitle", "summary" or "body"
// with attendeeID 0, or "role" or "note" with attendeeID > 0 written in
// decimal without leading zeros. ok is false for anything else.
func ParseUnitID(id string) (field string, attendeeID int64, ok bool) {
	switch id {
	case UnitTitle, UnitSubtitle, UnitSummary, UnitBody:
		return id, 0, true
	}
	rest, found := strings.CutPrefix(id, "attendees.")
	if !found {
		return "", 0, false
	}
	num, field, found := strings.Cut(rest, ".")
	if !found || (field != "role" && field != "note") {
		return "", 0, false
	}
	n, ok := parsePositive(num)
	if !ok || strconv.FormatInt(n, 10) != num {
		return "", 0, false
	}
	return field, n, true
}

// OriginalFor returns copydesk's original attribute for a report at a
// content version: "copydesk:report/<reportID>@v<revision>".
func OriginalFor(reportID int64, revision int) string {
	return originalPrefix + strconv.FormatInt(reportID, 10) + "@v" + strconv.Itoa(revision)
}

const originalPrefix = "copydesk:report/"

// parseOriginal reads an original attribute. ok is false when it is not
// copydesk's form; err is set when it starts like it but is malformed.
func parseOriginal(s string) (reportID int64, revision int, ok bool, err error) {
	rest, found := strings.CutPrefix(s, originalPrefix)
	if !found {
		return 0, 0, false, nil
	}
	id, rev, found := strings.Cut(rest, "@v")
	if !found {
		return 0, 0, false, fmt.Errorf("has original %q, which is not of the form %q", clip(s), "copydesk:report/<id>@v<version>")
	}
	reportID, okID := parsePositive(id)
	r, okRev := parsePositive(rev)
	if !okID || !okRev || int64(int(r)) != r {
		return 0, 0, false, fmt.Errorf("has original %q, which is not of the form %q", clip(s), "copydesk:report/<id>@v<version>")
	}
	return reportID, int(r), true, nil
}

// parsePositive parses a decimal number > 0 made of ASCII digits only.
func parsePositive(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// validFileID reports whether id is 1 to 128 ASCII letters, digits, '.',
// '_', ':' and '-' (a subset of the NMTOKEN XLIFF requires).
func validFileID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// checkText returns an error message if s holds invalid UTF-8 or a character
// XML 1.0 cannot carry.
func checkText(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fmt.Sprintf("is not valid UTF-8 at byte %d", i)
		case !isXMLChar(r):
			return fmt.Sprintf("contains U+%04X at byte %d, which XML 1.0 cannot carry", r, i)
		}
		i += size
	}
	return ""
}

// isXMLChar reports whether r is a Char of XML 1.0.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD ||
		0x10000 <= r && r <= 0x10FFFF
}

func clip(s string) string { return cerr.Clip(s, 64) }
