package xliff

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/copydesk/copydesk/internal/locale"
)

// Marshal writes doc as an XLIFF 2.0 document in UTF-8, indented, with one
// <file> per File and one <unit> with one <segment> per Unit, in the given
// order. The same Document always gives the same bytes.
//
// It returns an *Error, and writes nothing, if doc is not one Unmarshal would
// return: SrcLang and TrgLang must be distinct canonical BCP 47 tags; there
// must be at least one file, each with a valid, unique ID, a unique ReportID
// > 0, a SourceRevision > 0, an Original consistent with them, and at least
// one unit; unit IDs must be known fields (ParseUnitID), unique within their
// file, with a valid State; and every text must be valid UTF-8 made of
// characters XML 1.0 allows.
func Marshal(doc Document) ([]byte, error) {
	if err := validate(doc); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<xliff xmlns="` + Namespace + `" xmlns:mda="` + MetadataNamespace + `" version="2.0"`)
	writeAttr(&b, "srcLang", doc.SrcLang)
	writeAttr(&b, "trgLang", doc.TrgLang)
	b.WriteString(">\n")
	for _, f := range doc.Files {
		b.WriteString("  <file")
		writeAttr(&b, "id", f.ID)
		if f.Original != "" {
			writeAttr(&b, "original", f.Original)
		}
		b.WriteString(">\n")
		b.WriteString("    <mda:metadata>\n")
		b.WriteString(`      <mda:metaGroup category="` + metaCategory + `">` + "\n")
		b.WriteString(`        <mda:meta type="reportId">` + strconv.FormatInt(f.ReportID, 10) + "</mda:meta>\n")
		b.WriteString(`        <mda:meta type="sourceRevision">` + strconv.Itoa(f.SourceRevision) + "</mda:meta>\n")
		if f.TranslationVersion != nil {
			b.WriteString(`        <mda:meta type="translationVersion">` + strconv.Itoa(*f.TranslationVersion) + "</mda:meta>\n")
		}
		b.WriteString("      </mda:metaGroup>\n")
		b.WriteString("    </mda:metadata>\n")
		for _, u := range f.Units {
			b.WriteString("    <unit")
			writeAttr(&b, "id", u.ID)
			b.WriteString(` xml:space="preserve">` + "\n")
			b.WriteString("      <segment")
			writeAttr(&b, "state", u.State)
			b.WriteString(">\n")
			b.WriteString("        <source>")
			writeText(&b, u.Source)
			b.WriteString("</source>\n")
			b.WriteString("        <target>")
			writeText(&b, u.Target)
			b.WriteString("</target>\n")
			b.WriteString("      </segment>\n")
			b.WriteString("    </unit>\n")
		}
		b.WriteString("  </file>\n")
	}
	b.WriteString("</xliff>\n")
	return b.Bytes(), nil
}

// textEscaper escapes character data: '<', '&' and '>' (which also breaks
// up "]]>"), and '\r', which an XML parser would otherwise turn into '\n';
// everything else, newlines, tabs and U+00A0 included, is written as is,
// so that a translator reading the file sees the text.
var textEscaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", "\r", "&#xD;")

// writeText writes s as character data.
func writeText(b *bytes.Buffer, s string) {
	_, _ = textEscaper.WriteString(b, s)
}

// writeAttr writes ` name="value"`, escaping value with encoding/xml so
// that a parser reads it back unchanged (quotes, and the tabs and newlines
// that attribute-value normalisation would turn into spaces, become
// character references).
func writeAttr(b *bytes.Buffer, name, value string) {
	b.WriteString(" " + name + `="`)
	_ = xml.EscapeText(b, []byte(value)) // a bytes.Buffer does not fail
	b.WriteString(`"`)
}

// validate checks that doc is one that Unmarshal could return; Marshal
// requires it, and Unmarshal runs it on its result as a last check.
func validate(doc Document) error {
	for _, l := range []struct{ attr, tag string }{{"srcLang", doc.SrcLang}, {"trgLang", doc.TrgLang}} {
		c, err := locale.Canonical(l.tag)
		if err != nil {
			return &Error{Msg: fmt.Sprintf("%s: %v", l.attr, err)}
		}
		if c != l.tag {
			return &Error{Msg: fmt.Sprintf("%s %q is not in canonical form: use %q", l.attr, l.tag, c)}
		}
	}
	if doc.SrcLang == doc.TrgLang {
		return &Error{Msg: fmt.Sprintf("srcLang and trgLang are both %q", doc.SrcLang)}
	}
	if len(doc.Files) == 0 {
		return &Error{Msg: "document has no files"}
	}
	fileIDs := make(map[string]bool, len(doc.Files))
	reports := make(map[int64]string, len(doc.Files))
	for _, f := range doc.Files {
		ferr := func(format string, args ...any) error {
			return &Error{File: f.ID, Msg: fmt.Sprintf(format, args...)}
		}
		if !validFileID(f.ID) {
			return ferr("has an invalid id: use 1 to 128 ASCII letters, digits, '.', '_', ':' or '-'")
		}
		if fileIDs[f.ID] {
			return ferr("appears twice: file ids must be unique")
		}
		fileIDs[f.ID] = true
		if f.ReportID <= 0 {
			return ferr("has report ID %d: want a positive report ID", f.ReportID)
		}
		if other, dup := reports[f.ReportID]; dup {
			return ferr("is report %d, like file %s: a document holds each report once", f.ReportID, quoteID(other))
		}
		reports[f.ReportID] = f.ID
		if f.TranslationVersion != nil && *f.TranslationVersion < 0 {
			return ferr("has translation version %d: want 0 (none) or a translation version", *f.TranslationVersion)
		}
		if f.SourceRevision <= 0 {
			return ferr("has source revision %d: want a positive report content version", f.SourceRevision)
		}
		if msg := checkText(f.Original); msg != "" {
			return ferr("original %s", msg)
		}
		if id, rev, ok, err := parseOriginal(f.Original); err != nil {
			return ferr("%v", err)
		} else if ok && (id != f.ReportID || rev != f.SourceRevision) {
			return ferr("has original %q but report ID %d and source revision %d", clip(f.Original), f.ReportID, f.SourceRevision)
		}
		if len(f.Units) == 0 {
			return ferr("has no units")
		}
		unitIDs := make(map[string]bool, len(f.Units))
		for _, u := range f.Units {
			uerr := func(format string, args ...any) error {
				return &Error{File: f.ID, Unit: u.ID, Msg: fmt.Sprintf(format, args...)}
			}
			if _, _, ok := ParseUnitID(u.ID); !ok {
				return uerr("%s", unknownUnitMsg)
			}
			if unitIDs[u.ID] {
				return uerr("appears twice in the file")
			}
			unitIDs[u.ID] = true
			if _, ok := stateRank[u.State]; !ok {
				return uerr("has state %q: want initial, translated, reviewed or final", clip(u.State))
			}
			if msg := checkText(u.Source); msg != "" {
				return uerr("source %s", msg)
			}
			if msg := checkText(u.Target); msg != "" {
				return uerr("target %s", msg)
			}
		}
	}
	return nil
}

const unknownUnitMsg = "is not a copydesk field: want title, subtitle, summary, body, attendees.<id>.role or attendees.<id>.note"
