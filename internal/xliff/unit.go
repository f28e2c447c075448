package xliff

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/copydesk/copydesk/internal/locale"
)

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
