package translation

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Why a translation is in a translator's queue (QueueItem.Reason).
const (
	ReasonMissing    = "MISSING"    // there is no translation
	ReasonStale      = "STALE"      // a translated field's source changed since
	ReasonIncomplete = "INCOMPLETE" // a source field with text has no translation
)

// QueueItem is a translation a translator should work on.
type QueueItem struct {
	ReportID int64
	Locale   string
	Reason   string // ReasonMissing, ReasonStale or ReasonIncomplete
	// Since is when the translation started needing work: the report's
	// creation for a missing one, else the first source change that made
	// one of its fields stale or missing.
	Since time.Time
}

// TranslatorQueue returns user userID's translation work: for each locale
// granted to the user, the reports on desks where they hold TRANSLATOR, not
// archived and not written in that locale, whose translation into it is
// missing, stale or incomplete, and that are assigned to the user or to
// nobody; oldest source change (Since) first.
// With limit > 0, only the first limit items: the work is then bounded by
// limit plus the translations that exist and may be behind, however many
// reports lack one.
func (s *Service) TranslatorQueue(ctx context.Context, userID int64, limit int) ([]QueueItem, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	users, err := postgres.UsersByIDs(ctx, s.DB, []int64{userID})
	if err != nil {
		return nil, err
	}
	u := users[userID]
	if u == nil {
		return nil, cerr.Errorf(cerr.NotFound, "User not found.")
	}
	allDesks, desks := translatorDesks(u.Grants)
	out := []QueueItem{}
	if len(u.Locales) == 0 || (!allDesks && len(desks) == 0) {
		return out, nil
	}
	cands, err := postgres.TranslationQueueCandidates(ctx, s.DB, userID, u.Locales, allDesks, desks, limit)
	if err != nil {
		return nil, err
	}
	var keys []editorial.TranslationKey
	for _, c := range cands {
		if c.Exists {
			keys = append(keys, editorial.TranslationKey{ReportID: c.ReportID, Locale: c.Locale})
		}
	}
	states, err := translationStates(ctx, s.DB, keys)
	if err != nil {
		return nil, err
	}
	out, changes, owner := queueItems(cands, states)
	if len(changes) > 0 {
		times, err := postgres.FieldChangeTimes(ctx, s.DB, changes)
		if err != nil {
			return nil, err
		}
		for i, at := range times {
			if it := &out[owner[i]]; at != nil && (it.Since.IsZero() || at.Before(it.Since)) {
				it.Since = *at
			}
		}
	}
	created := map[int64]time.Time{}
	for _, c := range cands {
		created[c.ReportID] = c.ReportCreatedAt
	}
	for i := range out {
		if out[i].Since.IsZero() { // no revision says when: since the report exists
			out[i].Since = created[out[i].ReportID]
		}
	}
	slices.SortStableFunc(out, func(a, b QueueItem) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ReportID, b.ReportID), cmp.Compare(a.Locale, b.Locale))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// translatorDesks says on which desks grants make their holder a
// translator (ADMIN counts): every desk, or those listed.
func translatorDesks(grants []auth.Grant) (allDesks bool, desks []int64) {
	desks = []int64{}
	for _, g := range grants {
		if g.Role != auth.Translator && g.Role != auth.Admin {
			continue
		}
		if g.DeskID == nil {
			allDesks = true
		} else {
			desks = append(desks, *g.DeskID)
		}
	}
	return allDesks, desks
}

// queueItems makes the queue's items of the candidates that need work
// (cands with their states; current ones are dropped), with Since the
// report's creation for a missing translation and unset for the others.
// When did each stale or incomplete translation start needing work? The
// first source change after each problem field's recorded version: changes
// lists those questions, and owner the index in out of each.
func queueItems(cands []*postgres.QueueCandidate, states map[editorial.TranslationKey]*State) (out []QueueItem, changes []postgres.FieldChange, owner []int) {
	out = []QueueItem{}
	for _, c := range cands {
		item := QueueItem{ReportID: c.ReportID, Locale: c.Locale, Reason: ReasonMissing, Since: c.ReportCreatedAt}
		if c.Exists {
			st := states[editorial.TranslationKey{ReportID: c.ReportID, Locale: c.Locale}]
			if st == nil || st.Current() {
				continue
			}
			item.Reason = ReasonIncomplete
			for _, f := range st.MissingFields {
				changes = append(changes, postgres.FieldChange{ReportID: c.ReportID, Field: f, Until: st.CurrentSourceVersion})
				owner = append(owner, len(out))
			}
			if st.Stale {
				item.Reason = ReasonStale
				for _, f := range st.StaleFields {
					changes = append(changes, postgres.FieldChange{ReportID: c.ReportID, Field: f.Field, After: f.SourceVersion, Until: st.CurrentSourceVersion})
					owner = append(owner, len(out))
				}
			}
			item.Since = time.Time{}
		}
		out = append(out, item)
	}
	return out, changes, owner
}
