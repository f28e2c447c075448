package xliff

import (
	"bufio"
	"bytes"
	"encoding/xml"
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
