package graph

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// The public read path. Anonymous readers and READ_PUBLISHED tokens read a
// report from its public documents (internal/published): one statement
// returns the source document and the translation documents of the
// reader's locales, and the request's loaders are primed with everything
// the documents hold — the published copy, its tags, byline, attendees,
// their people and organizations, the event and its ancestors, its
// correction notes — so that
// the fields below resolve from memory, through the same resolvers and the
// same localization as the newsroom's copies (localize.go).

// publicCandidates are the locales whose translation documents a public
// read fetches for a reader wanting wanted: the fallback chain, before the
// source locale (which is not known yet) cuts it.
func (r *Resolver) publicCandidates(wanted []string) []string {
	if len(wanted) == 0 {
		return []string{}
	}
	chain := r.Fallbacks.For(wanted, "")
	return chain[:len(chain)-1]
}

// publicReport reads report id, or the report that has or had slug, for a
// public viewer: nil, false when the request is the newsroom's (which reads
// working copies); a nil report when the public cannot see it.
func (r *Resolver) publicReport(ctx context.Context, id int64, slug string, wanted []string) (*editorial.Report, bool, error) {
	rd := r.reader(ctx)
	if rd.Audience() != postgres.Public {
		return nil, false, nil
	}
	locales, box := r.publicCandidates(wanted), r.loaderBox(ctx)
	if c := r.PublicCache; c != nil {
		if doc := c.Get(id, slug, locales); doc != nil {
			box.docs.read(doc, false)
			return r.fromDocuments(ctx, doc, wanted, locales), true, nil
		}
	}
	doc, err := rd.PublicReport(ctx, id, slug, locales)
	box.docs.read(doc, true)
	if err != nil || doc == nil {
		return nil, true, err
	}
	if c := r.PublicCache; c != nil {
		c.Put(doc, slug, locales)
	}
	return r.fromDocuments(ctx, doc, wanted, locales), true, nil
}

// fromDocuments primes the request's loaders with what doc holds and
// returns its report read in the wanted locales; locales are the
// candidates doc was read with (publicCandidates).
func (r *Resolver) fromDocuments(ctx context.Context, doc *editorial.PublicReport, wanted, locales []string) *editorial.Report {
	l, box, s := r.loaders(ctx), r.loaderBox(ctx), doc.Source
	rep := s.Report
	l.reports.Prime(rep.ID, rep)
	l.reportTagIDs.Prime(rep.ID, s.TagIDs)
	l.reportAuthorIDs.Prime(rep.ID, s.AuthorIDs)
	l.reportAttendees.Prime(rep.ID, s.Attendees)
	l.previousSlugs.Prime(rep.ID, s.PreviousSlugs)
	l.corrections.Prime(rep.ID, s.Corrections)
	for _, a := range s.Attendees {
		l.attendees.Prime(a.ID, a)
	}
	primeAll(l.people.Prime, s.People, func(p *editorial.Person) int64 { return p.ID })
	primeAll(l.organizations.Prime, s.Organizations, func(o *editorial.Organization) int64 { return o.ID })
	primeAll(l.tags.Prime, s.Tags, func(t *editorial.Tag) int64 { return t.ID })
	primeAll(l.events.Prime, s.Events, func(e *editorial.Event) int64 { return e.ID })
	translations := make([]*editorial.Translation, len(doc.Translations))
	htmlByLocale := map[string]string{rep.SourceLocale: s.BodyHTML}
	roles := map[string][]*editorial.AttendeeTranslation{}
	for i, t := range doc.Translations {
		translations[i] = t.Translation
		htmlByLocale[t.Translation.Locale], roles[t.Translation.Locale] = t.BodyHTML, t.Attendees
		box.rendered.put(t.Translation, t.BodyHTML)
	}
	// Every candidate locale gets its attendee roles primed, an empty list
	// for a locale without a document, so none is read again.
	for _, loc := range locales {
		l.attendeeTrans.Prime(editorial.TranslationKey{ReportID: rep.ID, Locale: loc}, roles[loc])
	}
	box.rendered.put(rep, s.BodyHTML)
	if !needsLocalizing(rep, wanted) {
		return rep
	}
	cp := r.localizeWith(ctx, rep, translations, wanted)
	if loc := box.localized.get(cp); loc != nil {
		for _, f := range loc.from {
			if f.Field == "body" && htmlByLocale[f.Locale] != "" {
				box.rendered.put(cp, htmlByLocale[f.Locale])
			}
		}
	}
	return cp
}

func primeAll[T any](prime func(int64, *T) bool, list []*T, id func(*T) int64) {
	for _, v := range list {
		prime(id(v), v)
	}
}

// renderedBodies keeps the bodies public documents hold already rendered
// as HTML, by the object (report copy or translation) whose body they are.
type renderedBodies struct {
	mu   sync.Mutex
	html map[any]string
}

func (b *renderedBodies) put(obj any, html string) {
	if html == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.html == nil {
		b.html = map[any]string{}
	}
	b.html[obj] = html
}

func (b *renderedBodies) get(obj any) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.html[obj]
	return h, ok
}

// documentReads records the public documents one request read, for its
// ETag: a response made only of single-report reads of documents (no list,
// whose membership changes with other reports, and no other SQL) is
// identified by the request and the documents' revisions.
type documentReads struct {
	mu        sync.Mutex
	sql       int64    // statements that read documents
	revisions []string // of the documents read, in order
	list      bool     // a list was read: the response depends on more than its documents
}

func (d *documentReads) read(doc *editorial.PublicReport, sql bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if sql {
		d.sql++
	}
	rev := "-" // nothing found: the revision of "no such report" is the request's SQL alone
	if doc != nil {
		rev = strconv.FormatInt(doc.Source.Report.ID, 10) + "@" + doc.Revision
	}
	d.revisions = append(d.revisions, rev)
}

func (d *documentReads) listed() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.list = true
}

// documentTag is the ETag of a public GET response made only of document
// reads (documentReads): a hash of the media type, the request URL (the
// operation and its variables), its Accept-Language and the documents'
// revisions, so that it changes exactly when a document the response was
// made of is rebuilt. ok is false for any other response, which gets the
// hash of its body.
func documentTag(r *http.Request, media string) (string, bool) {
	box, ok := r.Context().Value(loadersKey{}).(*loaderBox)
	c := postgres.CounterFrom(r.Context())
	if !ok || c == nil || box.read.Audience() != postgres.Public {
		return "", false
	}
	d := &box.docs
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.list || len(d.revisions) == 0 || c.Count() != d.sql {
		return "", false
	}
	h := sha256.New()
	for _, part := range append([]string{media, r.URL.RawQuery, r.Header.Get("Accept-Language")}, d.revisions...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return `"d` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`, true
}
