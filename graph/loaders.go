package graph

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/translation"
	"github.com/copydesk/copydesk/internal/workflow"
)

// Every relation a resolver follows goes through a per-request dataloader
// (github.com/vikstrous/dataloadgen): the keys asked for by all the objects
// of one list are collected for a moment and fetched with one SQL query, so
// a request costs a number of queries that depends on the shape of the
// query, not on how many objects it returns.

// DefaultLoaderWait is how long a loader collects keys before fetching.
// gqlgen resolves the fields of a list's items in concurrent goroutines,
// which all ask within microseconds; a few milliseconds absorbs scheduling
// noise. On a saturated machine a batch can still split in two (more
// queries, never wrong results); tests that count queries use a longer wait.
const DefaultLoaderWait = 3 * time.Millisecond

// loaders holds one request's dataloaders.
type loaders struct {
	reports       *dataloadgen.Loader[int64, *editorial.Report]
	revisions     *dataloadgen.Loader[int64, *editorial.Revision]
	people        *dataloadgen.Loader[int64, *editorial.Person]
	organizations *dataloadgen.Loader[int64, *editorial.Organization]
	tags          *dataloadgen.Loader[int64, *editorial.Tag]
	events        *dataloadgen.Loader[int64, *editorial.Event]
	attendees     *dataloadgen.Loader[int64, *editorial.Attendee]
	users         *dataloadgen.Loader[int64, *auth.User]
	desks         *dataloadgen.Loader[int64, *auth.Desk]
	settings      *dataloadgen.Loader[int64, workflow.Settings] // by desk ID; 0: reports on no desk

	reportTagIDs       *dataloadgen.Loader[int64, []int64]
	reportAuthorIDs    *dataloadgen.Loader[int64, []int64]
	reportAttendees    *dataloadgen.Loader[int64, []*editorial.Attendee]
	reportTranslations *dataloadgen.Loader[int64, []*editorial.Translation]
	previousSlugs      *dataloadgen.Loader[int64, []string]
	attendeeTrans      *dataloadgen.Loader[editorial.TranslationKey, []*editorial.AttendeeTranslation]
	tagChildren        *dataloadgen.Loader[int64, []*editorial.Tag]
	tagReportCounts    *dataloadgen.Loader[int64, int]
	eventChildren      *dataloadgen.Loader[int64, []*editorial.Event]
	revisionPages      *dataloadgen.Loader[revisionPageKey, *editorial.RevisionPage]
	corrections        *dataloadgen.Loader[int64, []*editorial.Correction]

	facts        *dataloadgen.Loader[int64, workflow.Facts]
	publications *dataloadgen.Loader[int64, *workflow.Publication]
	reviewers    *dataloadgen.Loader[int64, []*workflow.ReviewAssignment]
	approvals    *dataloadgen.Loader[int64, []*workflow.Approval]
	publishJobs  *dataloadgen.Loader[int64, *workflow.PublishJob]
	threads      *dataloadgen.Loader[threadsKey, []*comments.Thread]
	comments     *dataloadgen.Loader[int64, *comments.Comment]
	versions     *dataloadgen.Loader[int64, []*comments.Version]

	translationStates *dataloadgen.Loader[editorial.TranslationKey, *translation.State]
	assignments       *dataloadgen.Loader[editorial.TranslationKey, *editorial.TranslationAssignment]
}

// threadsKey asks for a report's comment threads.
type threadsKey struct {
	ReportID        int64
	IncludeResolved bool
}

// revisionPageKey asks for one page of a report's revisions.
type revisionPageKey struct {
	ReportID      int64
	First         int
	BeforeVersion int
}

// newLoaders returns loaders that read through rd, so what they fetch is
// what rd's audience may see (postgres.Reader).
func newLoaders(r *Resolver, rd postgres.Reader) *loaders {
	wait := r.loaderWait()
	l := &loaders{}
	*l = loaders{
		reports:       mapped(wait, rd.ReportsByIDs),
		revisions:     mapped(wait, rd.RevisionsByIDs),
		people:        mapped(wait, rd.PeopleByIDs),
		organizations: mapped(wait, rd.OrganizationsByIDs),
		tags:          mapped(wait, rd.TagsByIDs),
		events:        mapped(wait, rd.EventsByIDs),
		attendees:     mapped(wait, rd.AttendeesByIDs),
		users:         mapped(wait, rd.UsersByIDs),
		desks:         mapped(wait, rd.DesksByIDs),
		settings:      mapped(wait, r.Identity.SettingsByDeskIDs),

		reportTagIDs:       mapped(wait, rd.TagIDsByReportIDs),
		reportAuthorIDs:    mapped(wait, rd.AuthorIDsByReportIDs),
		reportAttendees:    mapped(wait, rd.AttendeesByReportIDs),
		reportTranslations: mapped(wait, rd.TranslationsByReportIDs),
		previousSlugs:      mapped(wait, rd.PreviousSlugsByReportIDs),
		attendeeTrans:      mapped(wait, rd.AttendeeTranslationsByKeys),
		tagChildren:        mapped(wait, rd.TagChildren),
		tagReportCounts:    mapped(wait, rd.ReportCountsByTagIDs),
		eventChildren:      mapped(wait, rd.EventChildren),
		revisionPages:      mapped(wait, revisionPagesOf(rd)),
		corrections:        mapped(wait, rd.CorrectionsByReportIDs),
		facts:              mapped(wait, r.Reports.Facts),
		publications:       mapped(wait, rd.PublicationsByReportIDs),
		reviewers:          mapped(wait, rd.ReviewersByReportIDs),
		approvals:          mapped(wait, rd.ApprovalsByReportIDs),
		publishJobs:        mapped(wait, rd.PublishJobsByReportIDs),

		translationStates: mapped(wait, r.Translations.TranslationStates),
		assignments:       mapped(wait, rd.TranslationAssignmentsByKeys),
		comments: mapped(wait, ofVisibleReports(rd, l, r.Comments.CommentsByIDs,
			func(_ int64, c *comments.Comment) int64 { return c.ReportID })),
		versions: mapped(wait, r.Comments.VersionsByCommentIDs),
		threads: mapped(wait, ofVisibleReports(rd, l, threadsOf(r.Comments),
			func(k threadsKey, _ []*comments.Thread) int64 { return k.ReportID })),
	}
	return l
}

// ofVisibleReports drops from what fetch returns what belongs to a report
// the reader leaves out (private drafts: postgres.Reader.For), as the
// reports loader tells: what is read by its own ID (a comment) is then
// absent like its report. It costs nothing more when the reader hides no
// desk; otherwise one batched load of the reports, usually already cached.
func ofVisibleReports[K comparable, V any](rd postgres.Reader, l *loaders, fetch func(context.Context, []K) (map[K]V, error), reportOf func(K, V) int64) func(context.Context, []K) (map[K]V, error) {
	return func(ctx context.Context, keys []K) (map[K]V, error) {
		out, err := fetch(ctx, keys)
		if err != nil || len(out) == 0 {
			return out, err
		}
		if hidden, err := rd.HiddenDesks(ctx); err != nil || len(hidden) == 0 {
			return out, err
		}
		ks := make([]K, 0, len(out))
		ids := make([]int64, 0, len(out))
		for k, v := range out {
			ks, ids = append(ks, k), append(ids, reportOf(k, v))
		}
		reports, err := loadEach(ctx, l.reports, ids)
		if err != nil {
			return nil, err
		}
		for i, rep := range reports {
			if rep == nil {
				delete(out, ks[i])
			}
		}
		return out, nil
	}
}

// revisionPagesOf fetches pages of revisions: one query per distinct page
// shape (in practice every report of a list asks for the same one).
func revisionPagesOf(rd postgres.Reader) func(context.Context, []revisionPageKey) (map[revisionPageKey]*editorial.RevisionPage, error) {
	return func(ctx context.Context, keys []revisionPageKey) (map[revisionPageKey]*editorial.RevisionPage, error) {
		type shape struct{ first, before int }
		groups := map[shape][]int64{}
		for _, k := range keys {
			s := shape{k.First, k.BeforeVersion}
			groups[s] = append(groups[s], k.ReportID)
		}
		out := make(map[revisionPageKey]*editorial.RevisionPage, len(keys))
		for s, ids := range groups {
			pages, err := rd.RevisionPages(ctx, ids, s.first, s.before)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if p := pages[id]; p != nil {
					out[revisionPageKey{id, s.first, s.before}] = p
				}
			}
		}
		return out, nil
	}
}

// threadsOf fetches reports' comment threads, one query for the lists with
// resolved threads and one for those without.
func threadsOf(svc *comments.Service) func(context.Context, []threadsKey) (map[threadsKey][]*comments.Thread, error) {
	return func(ctx context.Context, keys []threadsKey) (map[threadsKey][]*comments.Thread, error) {
		out := make(map[threadsKey][]*comments.Thread, len(keys))
		for _, include := range []bool{false, true} {
			var ids []int64
			for _, k := range keys {
				if k.IncludeResolved == include {
					ids = append(ids, k.ReportID)
				}
			}
			if len(ids) == 0 {
				continue
			}
			byReport, err := svc.ThreadsByReportIDs(ctx, ids, include)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				out[threadsKey{id, include}] = byReport[id]
			}
		}
		return out, nil
	}
}

// mapped adapts a batch function (keys in, map out; missing keys mean
// "none") to a dataloader.
func mapped[K comparable, V any](wait time.Duration, fetch func(context.Context, []K) (map[K]V, error)) *dataloadgen.Loader[K, V] {
	return dataloadgen.NewMappedLoader(fetch, dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(1000))
}

// wordCount is r's word count: stored for working drafts, counted from the
// Markdown for published and localized copies (which storage leaves at 0),
// only when a query asks for it.
func wordCount(r *editorial.Report) int {
	if r.WordCount == 0 && r.Body != "" {
		return richtext.WordCount(r.Body)
	}
	return r.WordCount
}

// audienceOf says what a viewer may read: the newsroom sees drafts; anonymous
// requests and tokens limited to published content are the public.
func audienceOf(v *auth.Viewer) postgres.Audience {
	if v.SeesDrafts() {
		return postgres.Newsroom
	}
	return postgres.Public
}

// load fetches one key; a key the batch did not return yields the zero value.
func load[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		var zero V
		return zero, nil
	}
	return v, err
}

// loadEach fetches several keys in one batch and returns their values in
// key order, the zero value for keys the batch did not return.
func loadEach[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) ([]V, error) {
	vs, err := l.LoadAll(ctx, keys)
	if err == nil {
		return vs, nil
	}
	var errs dataloadgen.ErrorSlice
	if !errors.As(err, &errs) {
		return nil, err
	}
	out := make([]V, len(keys))
	for i, e := range errs {
		switch {
		case e == nil:
			out[i] = vs[i]
		case !errors.Is(e, dataloadgen.ErrNotFound):
			return nil, e
		}
	}
	return out, nil
}

// loadAll fetches several keys and keeps the values found, in key order.
func loadAll[K comparable, V comparable](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) ([]V, error) {
	vs, err := loadEach(ctx, l, keys)
	if err != nil {
		return nil, err
	}
	var zero V
	return slices.DeleteFunc(vs, func(v V) bool { return v == zero }), nil
}

// loaderBox holds what one request reads with: the reader for its viewer's
// audience and the loaders over it. A mutation drops what the loaders
// cached before it wrote, so the payload it returns (and any later field)
// reads fresh data.
type loaderBox struct {
	mu        sync.Mutex
	r         *Resolver
	viewer    *auth.Viewer
	read      postgres.Reader
	cur       *loaders
	localized localizations  // report copies read in another locale
	rendered  renderedBodies // bodies public documents hold as HTML
	docs      documentReads  // public documents read, for the ETag
}

type loadersKey struct{}

// withLoaders gives every request its own reader and empty loaders.
func withLoaders(res *Resolver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		box := res.newBox(r.Context())
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loadersKey{}, box)))
	})
}

// newBox returns a box reading for the context's viewer: what its
// audience may see, without the reports of private desks the viewer is not
// a member of (postgres.Reader.For).
func (r *Resolver) newBox(ctx context.Context) *loaderBox {
	v := auth.ViewerFrom(ctx)
	rd := r.DB.Reader(audienceOf(v)).For(v)
	return &loaderBox{r: r, viewer: v, read: rd, cur: newLoaders(r, rd)}
}

// loaderBox returns the request's box (a fresh one when the context has
// none, e.g. in a test calling a resolver directly).
func (r *Resolver) loaderBox(ctx context.Context) *loaderBox {
	if box, ok := ctx.Value(loadersKey{}).(*loaderBox); ok {
		return box
	}
	return r.newBox(ctx)
}

// loaders returns the request's loaders.
func (r *Resolver) loaders(ctx context.Context) *loaders {
	box := r.loaderBox(ctx)
	box.mu.Lock()
	defer box.mu.Unlock()
	return box.cur
}

// reader returns the request's reader, for the reads that are not batched
// (lists, look-ups by slug).
func (r *Resolver) reader(ctx context.Context) postgres.Reader { return r.loaderBox(ctx).read }

// forget drops the request's cached loads after a write.
func forget(ctx context.Context) {
	if box, ok := ctx.Value(loadersKey{}).(*loaderBox); ok {
		box.mu.Lock()
		box.read = box.read.For(box.viewer) // a write may have changed which desks are private
		box.cur = newLoaders(box.r, box.read)
		box.mu.Unlock()
	}
}

func (r *Resolver) loaderWait() time.Duration {
	if r.LoaderWait > 0 {
		return r.LoaderWait
	}
	return DefaultLoaderWait
}
