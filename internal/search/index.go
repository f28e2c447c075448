package search

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
)

// Format is the version of what a search document holds. Raise it when
// that changes: at start-up every instance queues the reports whose
// documents have another format (published.QueueStale), and the workers
// rebuild them.
const Format = 1

// The search documents are written in the transaction of the change they
// follow, so a search right after a change finds it:
//
//   - the newsroom's: IndexSource when a report is created or its content
//     changes, IndexTranslation when a translation's text changes,
//     Reindex when one is deleted;
//   - the public's: IndexPublic whenever the public documents change
//     (internal/published), from those documents, so that the public
//     search sees exactly what the public reads;
//   - both, through the rebuild jobs of directory changes and start-up
//     (Reindex and IndexPublic, run by published.Worker).

// IndexSource writes the newsroom's source row of report r, whose content
// is snap (the working copy, as its revision records it).
func IndexSource(ctx context.Context, tx *postgres.Tx, r *editorial.Report, snap editorial.Snapshot) error {
	src := &postgres.SearchSource{ReportID: r.ID, Format: Format, EventID: snap.EventID, Authors: snap.AuthorIDs}
	src.SearchText = sourceText(snap.SourceLocale, snap.Title, snap.Subtitle, snap.Summary, snap.Body)
	var roles []string
	for _, a := range snap.Attendees {
		src.People, src.Organizations = appendID(src.People, a.PersonID), appendID(src.Organizations, a.OrganizationID)
		src.Modes = appendModes(src.Modes, a.Participations)
		roles = appendText(roles, a.Delegation, a.Role, a.Note)
	}
	for _, t := range snap.Tags {
		src.Tags = append(src.Tags, t.ID)
	}
	src.Roles = Analyze(strings.Join(roles, "\n"))
	return postgres.PutSearchSource(ctx, tx, postgres.SearchNewsroom, src)
}

// IndexTranslation writes the newsroom's row of report reportID's
// translation into locale, as saved in tx.
func IndexTranslation(ctx context.Context, tx *postgres.Tx, reportID int64, locale string) error {
	t, err := postgres.LockTranslation(ctx, tx, reportID, locale)
	if err != nil {
		return err
	}
	key := editorial.TranslationKey{ReportID: reportID, Locale: locale}
	attendees, err := postgres.AttendeeTranslationsByKeys(ctx, tx, []editorial.TranslationKey{key})
	if err != nil {
		return err
	}
	return postgres.PutSearchTranslation(ctx, tx, postgres.SearchNewsroom, reportID, translationText(t, attendees[key]))
}

// Reindex rewrites the newsroom's search document of report id from its
// working copy and every translation of it (none when the report is gone).
func Reindex(ctx context.Context, tx *postgres.Tx, id int64) error {
	reports, err := postgres.ReportsByIDs(ctx, tx, []int64{id})
	if err != nil || reports[id] == nil {
		return err
	}
	r := reports[id]
	snap, err := postgres.Snapshot(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := IndexSource(ctx, tx, r, snap); err != nil {
		return err
	}
	byReport, err := postgres.TranslationsByReportIDs(ctx, tx, postgres.Newsroom, []int64{id})
	if err != nil {
		return err
	}
	keys := make([]editorial.TranslationKey, len(byReport[id]))
	for i, t := range byReport[id] {
		keys[i] = editorial.TranslationKey{ReportID: id, Locale: t.Locale}
	}
	attendees, err := postgres.AttendeeTranslationsByKeys(ctx, tx, keys)
	if err != nil {
		return err
	}
	keep := []string{snap.SourceLocale}
	for i, t := range byReport[id] {
		if err := postgres.PutSearchTranslation(ctx, tx, postgres.SearchNewsroom, id, translationText(t, attendees[keys[i]])); err != nil {
			return err
		}
		keep = append(keep, t.Locale)
	}
	return postgres.DeleteSearchLocales(ctx, tx, postgres.SearchNewsroom, id, keep)
}

// IndexPublic rewrites the public's search document of report id from its
// public documents: the published revision and the translations approved
// for it. A report without public documents has none.
func IndexPublic(ctx context.Context, tx *postgres.Tx, id int64) error {
	doc, err := postgres.PublicReport(ctx, tx, id, "", nil)
	if err != nil {
		return err
	}
	if doc == nil {
		return postgres.DeleteSearch(ctx, tx, postgres.SearchPublic, id)
	}
	if len(doc.Source.Locales) > 1 {
		if doc, err = postgres.PublicReport(ctx, tx, id, "", doc.Source.Locales); err != nil {
			return err
		}
	}
	if err := postgres.PutSearchSource(ctx, tx, postgres.SearchPublic, publicSource(doc.Source)); err != nil {
		return err
	}
	keep := []string{doc.Source.Report.SourceLocale}
	for _, t := range doc.Translations {
		if err := postgres.PutSearchTranslation(ctx, tx, postgres.SearchPublic, id, translationText(t.Translation, t.Attendees)); err != nil {
			return err
		}
		keep = append(keep, t.Translation.Locale)
	}
	return postgres.DeleteSearchLocales(ctx, tx, postgres.SearchPublic, id, keep)
}

// publicSource is the source row of a public source document.
func publicSource(s *editorial.PublicSource) *postgres.SearchSource {
	r := s.Report
	src := &postgres.SearchSource{ReportID: r.ID, Format: Format, EventID: r.EventID, Authors: s.AuthorIDs, Tags: s.TagIDs}
	src.SearchText = sourceText(r.SourceLocale, r.Title, r.Subtitle, r.Summary, r.Body)
	var roles []string
	for _, a := range s.Attendees {
		src.People, src.Organizations = appendID(src.People, a.PersonID), appendID(src.Organizations, a.OrganizationID)
		src.Modes = appendModes(src.Modes, a.Participations)
		roles = appendText(roles, a.Delegation, a.Role, a.Note)
	}
	src.Roles = Analyze(strings.Join(roles, "\n"))
	return src
}

// MaxIndexedBody is how much of a body's analyzed text (bytes, CJK runs
// as bigrams) is indexed: PostgreSQL refuses a tsvector whose lexemes
// exceed 1 MB, and a body may be 1 MiB of Markdown. Words after it are
// not found (about 40,000 English words, 40,000 Chinese characters).
const MaxIndexedBody = 256 << 10

// sourceText is the analyzed text of a report's source fields.
func sourceText(locale, title string, subtitle, summary *string, body string) postgres.SearchText {
	return postgres.SearchText{Locale: locale, Config: Config(locale), Title: title, TitleText: Analyze(title),
		Text: Analyze(strings.Join(appendText(nil, subtitle, summary), "\n")), Body: cut(Analyze(richtext.Text(body)), MaxIndexedBody)}
}

// cut returns the first n bytes of s at most, not splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// translationText is the analyzed text of translation t, with the
// attendee roles and notes translated with it.
func translationText(t *editorial.Translation, attendees []*editorial.AttendeeTranslation) *postgres.SearchText {
	st := sourceText(t.Locale, t.Title, t.Subtitle, t.Summary, t.Body)
	var roles []string
	for _, a := range attendees {
		roles = appendText(roles, a.Role, a.Note)
	}
	st.Roles = Analyze(strings.Join(roles, "\n"))
	return &st
}

func appendText(list []string, texts ...*string) []string {
	for _, t := range texts {
		if t != nil && *t != "" {
			list = append(list, *t)
		}
	}
	return list
}

func appendID(list []int64, id *int64) []int64 {
	if id != nil {
		list = append(list, *id)
	}
	return list
}

func appendModes(list []string, ps []editorial.Participation) []string {
	for _, p := range ps {
		list = append(list, string(p))
	}
	return list
}
