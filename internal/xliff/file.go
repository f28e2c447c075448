package xliff

import (
	"encoding/xml"
	"math"
	"strings"
)

// copydeskMeta is what copydesk's <mda:metaGroup> says.
type copydeskMeta struct {
	seen        bool
	reportID    int64
	revision    int
	translation *int // translationVersion, when given
}

// fileElem reads a <file> whose start se was just read.
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
	meta, err := p.fileContent(&f)
	if err != nil {
		return File{}, err
	}
	if err := p.fileReport(&f, meta); err != nil {
		return File{}, err
	}
	if len(f.Units) == 0 {
		return File{}, p.errf("", "has no units")
	}
	return f, nil
}

// fileContent reads the children of the <file> being read, up to and
// including its end: it appends the units to f.Units and returns what the
// copydesk metadata says.
func (p *parser) fileContent(f *File) (copydeskMeta, error) {
	var meta copydeskMeta
	unitIDs := map[string]bool{}
	for {
		tok, err := p.nextInElement()
		if err != nil {
			return copydeskMeta{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name == core("unit"):
				u, err := p.unit(t, unitIDs)
				if err != nil {
					return copydeskMeta{}, err
				}
				f.Units = append(f.Units, u)
			case t.Name == core("skeleton"), t.Name == core("notes"):
				if err := p.skip(); err != nil {
					return copydeskMeta{}, err
				}
			case t.Name == core("group"):
				return copydeskMeta{}, p.errf("", "has a <group>, which is not supported: units must be directly in <file>")
			case t.Name.Space == Namespace:
				return copydeskMeta{}, p.errf("", "has %s in <file>, which is not allowed there", elementName(t.Name))
			case t.Name == mda("metadata"):
				if err := p.metadata(&meta); err != nil {
					return copydeskMeta{}, err
				}
			default: // another module or an extension
				if err := p.skip(); err != nil {
					return copydeskMeta{}, err
				}
			}
		case xml.EndElement:
			return meta, nil
		case xml.CharData:
			if !isSpace(t) {
				return copydeskMeta{}, p.errf("", "has text directly in <file>")
			}
		}
	}
}

// fileReport sets f's report reference from its copydesk metadata or its
// original attribute (which must agree if both are there) and checks that
// no earlier file of the document names the same report.
func (p *parser) fileReport(f *File, meta copydeskMeta) error {
	origID, origRev, origOK, err := parseOriginal(f.Original)
	if err != nil {
		return p.errf("", "%v", err)
	}
	switch {
	case meta.seen && origOK && (meta.reportID != origID || meta.revision != origRev):
		return p.errf("", "has metadata for report %d at version %d but original %q", meta.reportID, meta.revision, clip(f.Original))
	case meta.seen:
		f.ReportID, f.SourceRevision, f.TranslationVersion = meta.reportID, meta.revision, meta.translation
	case origOK:
		f.ReportID, f.SourceRevision = origID, origRev
	default:
		return p.errf("", `has no copydesk report reference: want <mda:metaGroup category="copydesk"> or original="copydesk:report/<id>@v<version>"`)
	}
	if other, dup := p.reports[f.ReportID]; dup {
		return p.errf("", "is report %d, like file %s: a document holds each report once", f.ReportID, quoteID(other))
	}
	p.reports[f.ReportID] = f.ID
	return nil
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
