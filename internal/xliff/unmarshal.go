package xliff

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/copydesk/copydesk/internal/locale"
)

// Unmarshal reads an XLIFF 2.0 or 2.1 document, typically one an agency sent
// back, within limits (zero fields take the defaults). It refuses data longer
// than limits.MaxBytes before decoding anything; see Decode for the rest.
func Unmarshal(data []byte, limits Limits) (Document, error) {
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxBytes {
		return Document{}, tooLarge(limits)
	}
	return Decode(bytes.NewReader(data), limits)
}

// Decode reads an XLIFF 2.0 or 2.1 document from r, reading at most
// limits.MaxBytes+1 bytes of it; zero fields of limits take the defaults.
//
// The document must be UTF-8 (a byte order mark is allowed), in the XLIFF 2
// core namespace, with canonicalisable, distinct srcLang and trgLang (the
// returned Document holds their canonical forms), and must hold no DTD.
// Each <file> needs a unique id and a copydesk report reference (metadata or
// original, see the package documentation) naming a report no other file
// names, and at least one <unit>. Each <unit> needs an id that is a copydesk
// field (ParseUnitID), unique within its file, and at least one <segment>;
// every <segment> needs a <source> and a <target> holding text only, and a
// valid state if it has one (none means initial). xml:lang on <source> and
// <target>, if present, must match srcLang and trgLang.
//
// A problem with the document is reported as an *Error; a failure to read r
// is returned wrapped, as is.
func Decode(r io.Reader, limits Limits) (Document, error) {
	limits = limits.withDefaults()
	n := limits.MaxBytes
	if n < math.MaxInt64 {
		n++
	}
	cr := &countingReader{r: io.LimitReader(r, n)}
	br := bufio.NewReader(cr)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	d := xml.NewDecoder(br)
	d.Strict = true
	p := &parser{d: d, cr: cr, lim: limits, fileIDs: map[string]bool{}, reports: map[int64]string{}}
	doc, err := p.document()
	if err != nil {
		return Document{}, err
	}
	if cr.n > limits.MaxBytes {
		return Document{}, tooLarge(limits)
	}
	// Every check below has been made while decoding, with a line number;
	// this one guarantees that Marshal accepts whatever Decode returns.
	if err := validate(doc); err != nil {
		return Document{}, err
	}
	return doc, nil
}

func tooLarge(l Limits) error {
	return &Error{Msg: fmt.Sprintf("document is larger than the limit of %d bytes", l.MaxBytes)}
}

// countingReader counts the bytes read through it and keeps the first read
// error other than io.EOF.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// parser reads a document token by token.
type parser struct {
	d     *xml.Decoder
	cr    *countingReader
	lim   Limits
	depth int // of the element last started and not ended; 0 outside the root
	units int // units read so far, across files

	srcLang, trgLang string
	file             string // id of the <file> being read, for errors
	fileIDs          map[string]bool
	reports          map[int64]string // report ID → file id
}

// errf returns an *Error about unit (may be "") in the current file, at the
// decoder's current line.
func (p *parser) errf(unit, format string, args ...any) error {
	line, _ := p.d.InputPos()
	return &Error{File: p.file, Unit: unit, Msg: fmt.Sprintf(format, args...), Line: line}
}

// next returns the next StartElement, EndElement or CharData, skipping
// comments and processing instructions and rejecting DTDs. It tracks and
// limits the element depth. CharData is valid only until the next call.
// It returns io.EOF, as is, only at the end of the input.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.readErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.depth++
			if p.depth > p.lim.MaxDepth {
				return nil, p.errf("", "document nests elements deeper than the limit of %d levels", p.lim.MaxDepth)
			}
			return t, nil
		case xml.EndElement:
			p.depth--
			return t, nil
		case xml.CharData:
			return t, nil
		case xml.Directive:
			return nil, p.errf("", "document has a <!%s> declaration: DTDs, DOCTYPE and ENTITY declarations are not allowed", directiveName(t))
		}
		// xml.Comment, xml.ProcInst: not content.
	}
}

// readErr turns an error from the decoder into the error to return.
func (p *parser) readErr(err error) error {
	if p.cr.err != nil {
		return fmt.Errorf("xliff: reading input: %w", p.cr.err)
	}
	if p.cr.n > p.lim.MaxBytes {
		return tooLarge(p.lim)
	}
	if err == io.EOF {
		return io.EOF
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := "malformed XML: " + se.Msg
		if se.Msg == "unexpected EOF" {
			msg += " (the document is truncated)"
		}
		return &Error{File: p.file, Msg: msg, Line: se.Line}
	}
	line, _ := p.d.InputPos()
	return &Error{File: p.file, Msg: "malformed XML: " + strings.TrimPrefix(err.Error(), "xml: "), Line: line}
}

// directiveName returns the keyword of a <!…> directive, e.g. "DOCTYPE".
func directiveName(d xml.Directive) string {
	s := string(d)
	if i := strings.IndexAny(s, " \t\r\n[>"); i >= 0 {
		s = s[:i]
	}
	if s == "" || len(s) > 16 {
		return "…"
	}
	return s
}

// nextInElement is next for when the input may not end: io.EOF becomes an
// error (the strict decoder reports an unclosed element itself, this is a
// safety net).
func (p *parser) nextInElement() (xml.Token, error) {
	tok, err := p.next()
	if err == io.EOF {
		return nil, p.errf("", "malformed XML: unexpected EOF (the document is truncated)")
	}
	return tok, err
}

// skip consumes the rest of the element whose start was just read.
func (p *parser) skip() error {
	end := p.depth - 1
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.EndElement); ok && p.depth == end {
			return nil
		}
	}
}

// attr returns the value of the attribute space:local of se. An attribute
// given twice is an error.
func (p *parser) attr(se xml.StartElement, unit, space, local string) (string, bool, error) {
	var val string
	found := false
	for _, a := range se.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			if found {
				subject := ""
				if p.file == "" && unit == "" {
					subject = "document "
				}
				return "", false, p.errf(unit, "%shas attribute %s twice on <%s>", subject, local, se.Name.Local)
			}
			val, found = a.Value, true
		}
	}
	return val, found, nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func core(local string) xml.Name { return xml.Name{Space: Namespace, Local: local} }

func mda(local string) xml.Name { return xml.Name{Space: MetadataNamespace, Local: local} }

// elementName returns how to name el in a message.
func elementName(el xml.Name) string {
	switch el.Space {
	case Namespace:
		return "<" + el.Local + ">"
	case "":
		return "<" + el.Local + "> (in no namespace)"
	}
	return fmt.Sprintf("<%s> (namespace %q)", el.Local, clip(el.Space))
}

func (p *parser) document() (Document, error) {
	var root xml.StartElement
	for root.Name.Local == "" {
		tok, err := p.next()
		if err == io.EOF {
			return Document{}, p.errf("", "document has no <xliff> element")
		}
		if err != nil {
			return Document{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			root = t
		case xml.CharData:
			if !isSpace(t) {
				return Document{}, p.errf("", "document has text before the root element")
			}
		}
	}
	doc, err := p.root(root)
	if err != nil {
		return Document{}, err
	}
	for {
		tok, err := p.next()
		if err == io.EOF {
			return doc, nil
		}
		if err != nil {
			return Document{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return Document{}, p.errf("", "document has an element after </xliff>")
		case xml.CharData:
			if !isSpace(t) {
				return Document{}, p.errf("", "document has text after </xliff>")
			}
		}
	}
}

func (p *parser) root(se xml.StartElement) (Document, error) {
	if se.Name != core("xliff") {
		switch {
		case strings.HasPrefix(se.Name.Space, "urn:oasis:names:tc:xliff:document:"):
			return Document{}, p.errf("", "root element is in namespace %q: only XLIFF 2 (%s) can be imported", clip(se.Name.Space), Namespace)
		case se.Name.Local == "xliff":
			return Document{}, p.errf("", "root element <xliff> is in namespace %q, want %q", clip(se.Name.Space), Namespace)
		default:
			return Document{}, p.errf("", "root element is %s, want <xliff> in namespace %q", elementName(se.Name), Namespace)
		}
	}
	version, ok, err := p.attr(se, "", "", "version")
	if err != nil {
		return Document{}, err
	}
	if !ok {
		return Document{}, p.errf("", "<xliff> has no version attribute")
	}
	if version != "2.0" && version != "2.1" {
		return Document{}, p.errf("", "XLIFF version %q is not supported: want 2.0 or 2.1", clip(version))
	}
	var doc Document
	for _, l := range []struct {
		attr string
		dst  *string
	}{{"srcLang", &doc.SrcLang}, {"trgLang", &doc.TrgLang}} {
		v, ok, err := p.attr(se, "", "", l.attr)
		if err != nil {
			return Document{}, err
		}
		if !ok {
			return Document{}, p.errf("", "<xliff> has no %s attribute", l.attr)
		}
		c, err := locale.Canonical(v)
		if err != nil {
			return Document{}, p.errf("", "%s: %v", l.attr, err)
		}
		*l.dst = c
	}
	if doc.SrcLang == doc.TrgLang {
		return Document{}, p.errf("", "srcLang and trgLang are both %q", doc.SrcLang)
	}
	p.srcLang, p.trgLang = doc.SrcLang, doc.TrgLang
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return Document{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == core("file"):
				f, err := p.fileElem(t)
				if err != nil {
					return Document{}, err
				}
				doc.Files = append(doc.Files, f)
			case t.Name.Space == Namespace:
				return Document{}, p.errf("", "document has %s in <xliff>, where only <file> is allowed", elementName(t.Name))
			default: // an extension
				if err := p.skip(); err != nil {
					return Document{}, err
				}
			}
		case xml.EndElement:
			if len(doc.Files) == 0 {
				return Document{}, p.errf("", "document has no <file>")
			}
			return doc, nil
		case xml.CharData:
			if !isSpace(t) {
				return Document{}, p.errf("", "document has text directly in <xliff>")
			}
		}
	}
}

// copydeskMeta is what copydesk's <mda:metaGroup> says.
type copydeskMeta struct {
	seen        bool
	reportID    int64
	revision    int
	translation *int // translationVersion, when given
}

func (p *parser) fileElem(se xml.StartElement) (File, error) {
	id, ok, err := p.attr(se, "", "", "id")
	if err != nil {
		return File{}, err
	}
	if !ok {
		return File{}, p.errf("", "document has a <file> without id")
	}
	p.file = id
	defer func() { p.file = "" }()
	if !validFileID(id) {
		return File{}, p.errf("", "has an invalid id: use 1 to 128 ASCII letters, digits, '.', '_', ':' or '-'")
	}
	if p.fileIDs[id] {
		return File{}, p.errf("", "appears twice: file ids must be unique")
	}
	p.fileIDs[id] = true
	f := File{ID: id}
	if f.Original, _, err = p.attr(se, "", "", "original"); err != nil {
		return File{}, err
	}
	var meta copydeskMeta
	unitIDs := map[string]bool{}
loop:
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return File{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == core("unit"):
				u, err := p.unit(t, unitIDs)
				if err != nil {
					return File{}, err
				}
				f.Units = append(f.Units, u)
			case t.Name == core("skeleton"), t.Name == core("notes"):
				if err := p.skip(); err != nil {
					return File{}, err
				}
			case t.Name == core("group"):
				return File{}, p.errf("", "has a <group>, which is not supported: units must be directly in <file>")
			case t.Name.Space == Namespace:
				return File{}, p.errf("", "has %s in <file>, which is not allowed there", elementName(t.Name))
			case t.Name == mda("metadata"):
				if err := p.metadata(&meta); err != nil {
					return File{}, err
				}
			default: // another module or an extension
				if err := p.skip(); err != nil {
					return File{}, err
				}
			}
		case xml.EndElement:
			break loop
		case xml.CharData:
			if !isSpace(t) {
				return File{}, p.errf("", "has text directly in <file>")
			}
		}
	}
	origID, origRev, origOK, err := parseOriginal(f.Original)
	if err != nil {
		return File{}, p.errf("", "%v", err)
	}
	switch {
	case meta.seen && origOK && (meta.reportID != origID || meta.revision != origRev):
		return File{}, p.errf("", "has metadata for report %d at version %d but original %q", meta.reportID, meta.revision, clip(f.Original))
	case meta.seen:
		f.ReportID, f.SourceRevision, f.TranslationVersion = meta.reportID, meta.revision, meta.translation
	case origOK:
		f.ReportID, f.SourceRevision = origID, origRev
	default:
		return File{}, p.errf("", `has no copydesk report reference: want <mda:metaGroup category="copydesk"> or original="copydesk:report/<id>@v<version>"`)
	}
	if other, dup := p.reports[f.ReportID]; dup {
		return File{}, p.errf("", "is report %d, like file %s: a document holds each report once", f.ReportID, quoteID(other))
	}
	p.reports[f.ReportID] = f.ID
	if len(f.Units) == 0 {
		return File{}, p.errf("", "has no units")
	}
	return f, nil
}

// metadata reads an <mda:metadata> element whose start was just read,
// looking for copydesk's group among its (possibly nested) metaGroups.
func (p *parser) metadata(meta *copydeskMeta) error {
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			category, _, err := p.attr(t, "", "", "category")
			if err != nil {
				return err
			}
			switch {
			case t.Name == mda("metaGroup") && category == metaCategory:
				if err := p.metaGroup(meta); err != nil {
					return err
				}
			case t.Name == mda("metaGroup"):
				// Another tool's group: look inside for nested groups.
				if err := p.metadata(meta); err != nil {
					return err
				}
			default:
				if err := p.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil
		}
	}
}

// metaGroup reads copydesk's <mda:metaGroup>, whose start was just read.
func (p *parser) metaGroup(meta *copydeskMeta) error {
	if meta.seen {
		return p.errf("", "has two copydesk metadata groups")
	}
	var reportID, revision int64
	var translation *int
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name != mda("meta") {
				return p.errf("", "has %s in its copydesk metadata, where only <mda:meta> is allowed", elementName(t.Name))
			}
			typ, _, err := p.attr(t, "", "", "type")
			if err != nil {
				return err
			}
			if typ == "translationVersion" {
				if translation != nil {
					return p.errf("", "has copydesk metadata %s twice", typ)
				}
				text, err := p.text("", "<mda:meta>")
				if err != nil {
					return err
				}
				v, ok := 0, strings.TrimSpace(text) == "0"
				if n, pos := parsePositive(strings.TrimSpace(text)); pos && int64(int(n)) == n && n <= math.MaxInt32 {
					v, ok = int(n), true
				}
				if !ok {
					return p.errf("", "has copydesk metadata %s %q: want 0 or a positive decimal number", typ, clip(text))
				}
				translation = &v
				continue
			}
			var dst *int64
			switch typ {
			case "reportId":
				dst = &reportID
			case "sourceRevision":
				dst = &revision
			default:
				return p.errf("", "has copydesk metadata of unknown type %q: want reportId, sourceRevision or translationVersion", clip(typ))
			}
			if *dst != 0 {
				return p.errf("", "has copydesk metadata %s twice", typ)
			}
			text, err := p.text("", "<mda:meta>")
			if err != nil {
				return err
			}
			n, ok := parsePositive(strings.TrimSpace(text))
			if !ok {
				return p.errf("", "has copydesk metadata %s %q: want a positive decimal number", typ, clip(text))
			}
			*dst = n
		case xml.EndElement:
			switch {
			case reportID == 0:
				return p.errf("", "has copydesk metadata without reportId")
			case revision == 0:
				return p.errf("", "has copydesk metadata without sourceRevision")
			case int64(int(revision)) != revision:
				return p.errf("", "has copydesk metadata sourceRevision %d, which is out of range", revision)
			}
			*meta = copydeskMeta{seen: true, reportID: reportID, revision: int(revision), translation: translation}
			return nil
		case xml.CharData:
			if !isSpace(t) {
				return p.errf("", "has text directly in its copydesk metadata group")
			}
		}
	}
}

// unit reads a <unit> whose start se was just read.
func (p *parser) unit(se xml.StartElement, seen map[string]bool) (Unit, error) {
	p.units++
	if p.units > p.lim.MaxUnits {
		line, _ := p.d.InputPos()
		return Unit{}, &Error{Msg: fmt.Sprintf("document has more units than the limit of %d", p.lim.MaxUnits), Line: line}
	}
	id, ok, err := p.attr(se, "", "", "id")
	if err != nil {
		return Unit{}, err
	}
	if !ok {
		return Unit{}, p.errf("", "has a <unit> without id")
	}
	if _, _, ok := ParseUnitID(id); !ok {
		return Unit{}, p.errf(id, "%s", unknownUnitMsg)
	}
	if seen[id] {
		return Unit{}, p.errf(id, "appears twice in the file")
	}
	seen[id] = true
	u := Unit{ID: id, State: StateFinal}
	var src, trg strings.Builder
	segments := 0
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return Unit{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == core("segment"), t.Name == core("ignorable"):
				s, err := p.segment(t, id)
				if err != nil {
					return Unit{}, err
				}
				src.WriteString(s.source)
				trg.WriteString(s.target)
				if t.Name.Local == "segment" {
					segments++
					if stateRank[s.state] < stateRank[u.State] {
						u.State = s.state
					}
				}
			case t.Name == core("notes"), t.Name == core("originalData"):
				if err := p.skip(); err != nil {
					return Unit{}, err
				}
			case t.Name.Space == Namespace:
				return Unit{}, p.errf(id, "has %s, which is not allowed in a <unit>", elementName(t.Name))
			default: // a module or an extension
				if err := p.skip(); err != nil {
					return Unit{}, err
				}
			}
		case xml.EndElement:
			if segments == 0 {
				return Unit{}, p.errf(id, "has no <segment>")
			}
			u.Source, u.Target = src.String(), trg.String()
			return u, nil
		case xml.CharData:
			if !isSpace(t) {
				return Unit{}, p.errf(id, "has text outside <source> and <target>")
			}
		}
	}
}

type segment struct{ source, target, state string }

// segment reads a <segment> or an <ignorable> whose start se was just read.
// An ignorable without target keeps its source text on the target side.
func (p *parser) segment(se xml.StartElement, unit string) (segment, error) {
	ignorable := se.Name.Local == "ignorable"
	s := segment{state: StateInitial}
	if !ignorable {
		state, ok, err := p.attr(se, unit, "", "state")
		if err != nil {
			return segment{}, err
		}
		if ok {
			if _, valid := stateRank[state]; !valid {
				return segment{}, p.errf(unit, "has a segment with state %q: want initial, translated, reviewed or final", clip(state))
			}
			s.state = state
		}
	}
	haveSource, haveTarget := false, false
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return segment{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name {
			case core("source"):
				if haveSource || haveTarget {
					return segment{}, p.errf(unit, "has a %s with a misplaced <source>", se.Name.Local)
				}
				if err := p.checkLang(t, unit, p.srcLang, "srcLang"); err != nil {
					return segment{}, err
				}
				if s.source, err = p.text(unit, "source"); err != nil {
					return segment{}, err
				}
				haveSource = true
			case core("target"):
				if !haveSource || haveTarget {
					return segment{}, p.errf(unit, "has a %s with a misplaced <target>", se.Name.Local)
				}
				if _, ok, err := p.attr(t, unit, "", "order"); err != nil {
					return segment{}, err
				} else if ok {
					return segment{}, p.errf(unit, "has a <target> with an order attribute: reordered segments are not supported")
				}
				if err := p.checkLang(t, unit, p.trgLang, "trgLang"); err != nil {
					return segment{}, err
				}
				if s.target, err = p.text(unit, "target"); err != nil {
					return segment{}, err
				}
				haveTarget = true
			default:
				return segment{}, p.errf(unit, "has %s in a <%s>, where only <source> and <target> are allowed", elementName(t.Name), se.Name.Local)
			}
		case xml.EndElement:
			switch {
			case !haveSource:
				return segment{}, p.errf(unit, "has a <%s> without <source>", se.Name.Local)
			case !haveTarget && ignorable:
				s.target = s.source
			case !haveTarget:
				return segment{}, p.errf(unit, "has no target")
			}
			return s, nil
		case xml.CharData:
			if !isSpace(t) {
				return segment{}, p.errf(unit, "has text outside <source> and <target>")
			}
		}
	}
}

// checkLang checks the xml:lang of a <source> or <target> against the
// document's language.
func (p *parser) checkLang(se xml.StartElement, unit, want, attr string) error {
	lang, ok, err := p.attr(se, unit, xmlNamespace, "lang")
	if err != nil || !ok {
		return err
	}
	if c, err := locale.Canonical(lang); err != nil || c != want {
		return p.errf(unit, "has a <%s> with xml:lang %q, but the document's %s is %q", se.Name.Local, clip(lang), attr, want)
	}
	return nil
}

// text reads the character data of the element whose start was just read.
// Child elements are errors: inline codes and annotations cannot be
// imported without losing what they mark.
func (p *parser) text(unit, what string) (string, error) {
	var b strings.Builder
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			return "", p.errf(unit, "has %s in its %s: inline codes and markup are not supported, send plain text", elementName(t.Name), what)
		case xml.EndElement:
			s := b.String()
			if msg := checkText(s); msg != "" {
				return "", p.errf(unit, "%s %s", what, msg)
			}
			return s, nil
		}
	}
}
