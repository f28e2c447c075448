// Package published materializes the public read model: for each published
// report, the documents the public reads it from (editorial.PublicSource,
// editorial.PublicTranslation), built from the **published** revision and
// the translations approved **for that revision**, so that no locale ever
// runs ahead of another, and so that a public read is one statement
// (postgres.PublicReport) with nothing left to assemble.
//
// The documents change in the transaction of the change that calls for
// it — publishing, unpublishing or archiving a report (Sync), approving or
// deleting a translation (TranslationApproved, TranslationRemoved) — and,
// for directory changes that may touch thousands of reports (a person
// renamed, tags merged), through rebuild jobs queued in the change's
// transaction (Queue) and run by a Worker on every instance, claimed with
// FOR UPDATE SKIP LOCKED. Every change is announced on
// postgres.NotifyPublicChannel, on which each instance's Cache listens.
package published

import (
	"context"
	"maps"
	"slices"

	gojson "github.com/goccy/go-json"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/search"
)

// Format is the version of the documents' JSON. Raise it when what a
// document holds changes: at start-up every instance queues the reports
// whose documents have another format (QueueStale), and the workers
// rebuild them while the old ones keep being served.
const Format = 1

// Sync brings report r's public documents in line with its state after a
// change saved in tx: a report that is not PUBLISHED has none; one that
// just became PUBLISHED, or was (re)published now (republished), gets them
// rebuilt from its publication. Other changes to a published report (edits
// of the working copy) leave them as they are: readers keep the published
// text until it is republished.
func Sync(ctx context.Context, tx *postgres.Tx, r, before *editorial.Report, republished bool) error {
	switch {
	case r.Status != editorial.Published:
		if before.Status == editorial.Published {
			return postgres.DeletePublicReport(ctx, tx, r.ID)
		}
		return nil
	case republished || before.Status != editorial.Published:
		return Build(ctx, tx, r.ID)
	}
	return nil
}

// Build rebuilds report id's public documents: the source document from
// its publication and the directory as it is now, and the translation
// documents from the approved translations that do not run ahead of the
// publication (postgres.ApprovedTranslations; at a publication none does,
// since it publishes the current version). A translation document that
// holds its approved version already, or whose newer approval runs ahead,
// is kept as it is; one whose translation was deleted goes. A report that
// is not published loses its documents. Then the public search document
// is rebuilt from the documents (search.IndexPublic). Publishing, the
// rebuild jobs of directory changes and start-up rebuilds all run it.
func Build(ctx context.Context, tx *postgres.Tx, id int64) error {
	published, err := build(ctx, tx, id)
	if err != nil || !published {
		return err
	}
	return search.IndexPublic(ctx, tx, id)
}

// build is Build without the search document; false when the report is
// not published.
func build(ctx context.Context, tx *postgres.Tx, id int64) (bool, error) {
	pc, err := buildSource(ctx, tx, id)
	if err != nil || pc == nil {
		return false, err
	}
	if pc.ChangedTranslations { // else every translation document is current (a directory change, a republication of the source alone)
		approved, err := postgres.ApprovedTranslations(ctx, tx, id, "", pc.Version)
		if err != nil {
			return false, err
		}
		for _, loc := range slices.Sorted(maps.Keys(approved)) {
			if err := putTranslation(ctx, tx, approved[loc]); err != nil {
				return false, err
			}
		}
	}
	if !pc.OrphanTranslations {
		return true, nil
	}
	return true, postgres.DeleteUnapprovedTranslations(ctx, tx, id)
}

// TranslationApproved records, in tx, the approved text of report id's
// translation into locale (postgres.PublishTranslation: what readers of it
// get from now on) and updates the public documents. If the report is published
// and the translation was made against the published version or an older
// one, readers of that locale get it now. If one of its fields was
// translated from unpublished changes of the source, it would run ahead of
// the published text (a headline readers of the source do not see yet):
// the locale keeps the translation approved before, and the new one
// reaches readers when the report is republished (Build).
func TranslationApproved(ctx context.Context, tx *postgres.Tx, id int64, locale string) error {
	if err := postgres.PublishTranslation(ctx, tx, id, locale); err != nil {
		return err
	}
	published, err := postgres.PublicVersion(ctx, tx, id)
	if err != nil || published == 0 {
		return err
	}
	approved, err := postgres.ApprovedTranslations(ctx, tx, id, locale, published)
	if err != nil || approved[locale] == nil {
		return err
	}
	if err := putTranslation(ctx, tx, approved[locale]); err != nil {
		return err
	}
	if err := postgres.PutPublicLocales(ctx, tx, id); err != nil {
		return err
	}
	return search.IndexPublic(ctx, tx, id)
}

// TranslationRemoved withdraws the translation documents of report id
// whose translation was deleted in tx (nothing when the report has no
// documents).
func TranslationRemoved(ctx context.Context, tx *postgres.Tx, id int64) error {
	if err := postgres.DeleteUnapprovedTranslations(ctx, tx, id); err != nil {
		return err
	}
	if err := postgres.PutPublicLocales(ctx, tx, id); err != nil {
		return err
	}
	return search.IndexPublic(ctx, tx, id)
}

func putTranslation(ctx context.Context, tx *postgres.Tx, t *postgres.ApprovedTranslation) error {
	doc := editorial.PublicTranslation{Translation: t.Translation, Attendees: t.Attendees}
	if t.Translation.Body != "" {
		doc.BodyHTML = richtext.HTML(t.Translation.Body)
	}
	b, err := gojson.Marshal(doc)
	if err != nil {
		return err
	}
	return postgres.PutPublicTranslation(ctx, tx, t.Translation, b)
}
