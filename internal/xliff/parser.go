package xliff

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

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
