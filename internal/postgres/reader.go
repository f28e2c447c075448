package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Reader is the API's read path: the reads one request makes, for one
// audience, bound when the reader is made (DB.Reader). The audience is
// decided here, once, not by each caller: for the Public, reports,
// attendees, tags, bylines and translations come from what was published
// (published.go), and what only the newsroom may see (revisions, the
// workflow's records, translator assignments, the audit trail) is never
// read at all.
//
// The batch methods take keys and return a map (keys without a value are
// absent, meaning "none"): they are the dataloaders' batch functions, one
// query each unless they say otherwise. Writes, and the reads a service
// makes inside its transaction, use the package functions with a Tx.
//
// A newsroom reader made For a viewer also leaves out the reports of the
// private desks the viewer is not a member of (privacy.go).
type Reader struct {
	db      *DB
	aud     Audience
	privacy *deskPrivacy // nil: every desk's reports
}

// Reader returns a reader for aud over db (for the Public, over db's read
// replica when it has one: see replica.go).
func (db *DB) Reader(aud Audience) Reader { return Reader{db: db.readDB(aud), aud: aud} }

// Audience returns who r reads for.
func (r Reader) Audience() Audience { return r.aud }

// byAudience reads with newsroom for the newsroom and with public for the public.
func byAudience[K comparable, V any](ctx context.Context, r Reader, keys []K, newsroom, public func(context.Context, sqlx.QueryerContext, []K) (map[K]V, error)) (map[K]V, error) {
	if r.aud == Public {
		return public(ctx, r.db, keys)
	}
	return newsroom(ctx, r.db, keys)
}

// newsroomOnly reads with fetch for the newsroom; the public gets nothing.
func newsroomOnly[K comparable, V any](ctx context.Context, r Reader, keys []K, fetch func(context.Context, sqlx.QueryerContext, []K) (map[K]V, error)) (map[K]V, error) {
	return byAudience(ctx, r, keys, fetch, nothing[K, V])
}

func nothing[K comparable, V any](context.Context, sqlx.QueryerContext, []K) (map[K]V, error) {
	return map[K]V{}, nil
}

// hiding reads with fetch, for the newsroom, without the reports of the
// desks hidden from the viewer.
func hiding[K comparable, V any](ctx context.Context, r Reader, keys []K, fetch func(context.Context, sqlx.QueryerContext, []K, []int64) (map[K]V, error)) (map[K]V, error) {
	hidden, err := r.HiddenDesks(ctx)
	if err != nil {
		return nil, err
	}
	return fetch(ctx, r.db, keys, hidden)
}

// --- reports and what they carry ---

// ReportsByIDs returns reports by ID: working copies for the newsroom, the
// published copies of published reports for the public.
func (r Reader) ReportsByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Report, error) {
	if r.aud == Public {
		return publishedReports(ctx, r.db, ids)
	}
	return hiding(ctx, r, ids, reportsByIDs)
}

// TagIDsByReportIDs returns, per report, its tag IDs in order (of the
// published snapshot, for the public).
func (r Reader) TagIDsByReportIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return byAudience(ctx, r, ids, TagIDsByReportIDs, publishedTagIDs)
}

// AuthorIDsByReportIDs returns, per report, its byline person IDs in order
// (of the published snapshot, for the public).
func (r Reader) AuthorIDsByReportIDs(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return byAudience(ctx, r, ids, AuthorIDsByReportIDs, publishedAuthorIDs)
}

// AttendeesByReportIDs returns, per report, its attendees in order (of the
// published snapshot, for the public).
func (r Reader) AttendeesByReportIDs(ctx context.Context, ids []int64) (map[int64][]*editorial.Attendee, error) {
	return byAudience(ctx, r, ids, AttendeesByReportIDs, publishedAttendees)
}

// AttendeesByIDs returns attendees by ID (for the public, only those of a
// published snapshot, as published).
func (r Reader) AttendeesByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Attendee, error) {
	if r.aud == Public {
		return publishedAttendeesByIDs(ctx, r.db, ids)
	}
	return hiding(ctx, r, ids, attendeesByIDs)
}

// PreviousSlugsByReportIDs returns, per report, the slugs it had before,
// oldest first.
func (r Reader) PreviousSlugsByReportIDs(ctx context.Context, ids []int64) (map[int64][]string, error) {
	return PreviousSlugsByReportIDs(ctx, r.db, ids)
}

// TranslationsByReportIDs returns, per report, its translations by locale:
// the working ones for the newsroom, the approved text of published
// reports' translations for the public.
func (r Reader) TranslationsByReportIDs(ctx context.Context, ids []int64) (map[int64][]*editorial.Translation, error) {
	if r.aud == Public {
		return publishedTranslations(ctx, r.db, ids)
	}
	return hiding(ctx, r, ids, translationsByReportIDs)
}

// AttendeeTranslationsByKeys returns, per translation, its attendee roles
// and notes (the approved ones of published reports, for the public).
func (r Reader) AttendeeTranslationsByKeys(ctx context.Context, keys []editorial.TranslationKey) (map[editorial.TranslationKey][]*editorial.AttendeeTranslation, error) {
	return byAudience(ctx, r, keys, AttendeeTranslationsByKeys, publishedAttendeeTranslations)
}

// --- newsroom only: revisions, the workflow's records, assignments ---

// RevisionsByIDs returns revisions by ID; the public reads none (they hold
// draft text).
func (r Reader) RevisionsByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Revision, error) {
	if r.aud == Public {
		return map[int64]*editorial.Revision{}, nil
	}
	return hiding(ctx, r, ids, revisionsByIDs)
}

// RevisionPages returns, per report of ids, one page of its revisions (see
// the package function RevisionPages); the public reads none.
func (r Reader) RevisionPages(ctx context.Context, ids []int64, first, beforeVersion int) (map[int64]*editorial.RevisionPage, error) {
	return newsroomOnly(ctx, r, ids, func(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.RevisionPage, error) {
		return RevisionPages(ctx, q, ids, first, beforeVersion)
	})
}

// PublicationsByReportIDs returns the reports' publications (newsroom only).
func (r Reader) PublicationsByReportIDs(ctx context.Context, ids []int64) (map[int64]*workflow.Publication, error) {
	return newsroomOnly(ctx, r, ids, PublicationsByReportIDs)
}

// ReviewersByReportIDs returns, per report, its reviewers in the order they
// were assigned (newsroom only).
func (r Reader) ReviewersByReportIDs(ctx context.Context, ids []int64) (map[int64][]*workflow.ReviewAssignment, error) {
	return newsroomOnly(ctx, r, ids, ReviewersByReportIDs)
}

// ApprovalsByReportIDs returns, per report, the approvals of its current
// content (newsroom only).
func (r Reader) ApprovalsByReportIDs(ctx context.Context, ids []int64) (map[int64][]*workflow.Approval, error) {
	return newsroomOnly(ctx, r, ids, ApprovalsByReportIDs)
}

// PublishJobsByReportIDs returns the reports' publish jobs (newsroom only).
func (r Reader) PublishJobsByReportIDs(ctx context.Context, ids []int64) (map[int64]*workflow.PublishJob, error) {
	return newsroomOnly(ctx, r, ids, PublishJobsByReportIDs)
}

// TranslationAssignmentsByKeys returns the translators assigned to the
// translations with the given keys (newsroom only).
func (r Reader) TranslationAssignmentsByKeys(ctx context.Context, keys []editorial.TranslationKey) (map[editorial.TranslationKey]*editorial.TranslationAssignment, error) {
	return newsroomOnly(ctx, r, keys, TranslationAssignmentsByKeys)
}

// ListAudit returns audit entries newest first, before entry beforeID (0:
// from the newest), at most first; reportID non-zero keeps one report's.
// The public reads none.
func (r Reader) ListAudit(ctx context.Context, reportID int64, first int, beforeID int64) ([]*editorial.AuditRecord, error) {
	if r.aud == Public {
		return []*editorial.AuditRecord{}, nil
	}
	return ListAudit(ctx, r.db, reportID, first, beforeID)
}

// --- the directory and identity: the same for every audience, but tags ---

// PeopleByIDs returns people by ID.
func (r Reader) PeopleByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Person, error) {
	return PeopleByIDs(ctx, r.db, ids)
}

// OrganizationsByIDs returns organizations by ID.
func (r Reader) OrganizationsByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Organization, error) {
	return OrganizationsByIDs(ctx, r.db, ids)
}

// TagsByIDs returns tags by ID; the public sees only the tags public
// documents show (those of published reports as published, and their
// broader tags: see publicTag).
func (r Reader) TagsByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Tag, error) {
	return byAudience(ctx, r, ids, TagsByIDs, publicTagsByIDs)
}

// TagChildren returns, per tag, its narrower tags (for the public, those it
// may see, as TagsByIDs).
func (r Reader) TagChildren(ctx context.Context, parentIDs []int64) (map[int64][]*editorial.Tag, error) {
	return byAudience(ctx, r, parentIDs, TagChildren, publicTagChildren)
}

// ReportCountsByTagIDs returns, per tag, how many reports the audience may
// read carry it; every ID has an entry.
func (r Reader) ReportCountsByTagIDs(ctx context.Context, ids []int64) (map[int64]int, error) {
	if r.aud == Public {
		return ReportCountsByTagIDs(ctx, r.db, r.aud, ids)
	}
	return hiding(ctx, r, ids, func(ctx context.Context, q sqlx.QueryerContext, ids, hidden []int64) (map[int64]int, error) {
		return reportCountsByTagIDs(ctx, q, r.aud, ids, hidden)
	})
}

// EventsByIDs returns events by ID, with their organizers and figures.
func (r Reader) EventsByIDs(ctx context.Context, ids []int64) (map[int64]*editorial.Event, error) {
	return EventsByIDs(ctx, r.db, ids)
}

// EventChildren returns, per event, its sub-events in programme order.
func (r Reader) EventChildren(ctx context.Context, parentIDs []int64) (map[int64][]*editorial.Event, error) {
	return EventChildren(ctx, r.db, parentIDs)
}

// UsersByIDs returns users by ID, with their grants and locales.
func (r Reader) UsersByIDs(ctx context.Context, ids []int64) (map[int64]*auth.User, error) {
	return UsersByIDs(ctx, r.db, ids)
}

// DesksByIDs returns desks by ID.
func (r Reader) DesksByIDs(ctx context.Context, ids []int64) (map[int64]*auth.Desk, error) {
	return DesksByIDs(ctx, r.db, ids)
}

// --- lists and look-ups ---

// PublicReport returns the public documents of a report, by ID or by a
// slug it has or had, with the translation documents of locales (see the
// package function PublicReport): one statement. Nil for the newsroom,
// which reads working copies, and when the public cannot see the report.
func (r Reader) PublicReport(ctx context.Context, id int64, slug string, locales []string) (*editorial.PublicReport, error) {
	if r.aud != Public {
		return nil, nil
	}
	return PublicReport(ctx, r.db, id, slug, locales)
}

// SearchHits returns where the reports of ids (a page searched with sq)
// matched, in the audience's search documents (see the package function
// SearchHits).
func (r Reader) SearchHits(ctx context.Context, ids []int64, sq *SearchQuery) (map[int64]*SearchHit, error) {
	aud := SearchNewsroom
	if r.aud == Public {
		aud = SearchPublic
	}
	return SearchHits(ctx, r.db, aud, ids, sq)
}

// ListPublicReports lists public documents (see the package function
// ListPublicReports); the newsroom gets none.
func (r Reader) ListPublicReports(ctx context.Context, a ReportPageArgs, locales []string, decoded DecodedFunc) (ListPage[*editorial.PublicReport], error) {
	if r.aud != Public {
		return ListPage[*editorial.PublicReport]{Items: []*editorial.PublicReport{}, Total: knownTotal(0)}, nil
	}
	return ListPublicReports(ctx, r.db, a, locales, decoded)
}

// ReportIDBySlug returns the report that has, or had, slug. NOT_FOUND if
// none. (The report itself is read with ReportsByIDs, for the audience.)
func (r Reader) ReportIDBySlug(ctx context.Context, slug string) (int64, error) {
	return ReportIDBySlug(ctx, r.db, slug)
}

// ResolveMerged returns the ID that directory entry id of kind now stands
// for (see the package function ResolveMerged).
func (r Reader) ResolveMerged(ctx context.Context, kind string, id int64) (int64, error) {
	return ResolveMerged(ctx, r.db, kind, id)
}
