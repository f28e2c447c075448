package graph

import (
	"context"
	"slices"
	"sync"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
	"github.com/copydesk/copydesk/internal/search"
)

// hitsOf returns the Hits of a searched page of reports (nil without a
// search): the first edge that asks reads every hit of the page in one
// statement (postgres.SearchHits), from the search documents of the
// request's audience, and cuts the snippets.
func (r *Resolver) hitsOf(sq *postgres.SearchQuery, page []*editorial.Report) model.Hits {
	if sq == nil {
		return nil
	}
	ids := make([]int64, len(page))
	sources := map[int64]string{}
	for i, rep := range page {
		ids[i], sources[rep.ID] = rep.ID, rep.SourceLocale
	}
	var once sync.Once
	var hits map[int64]*model.SearchHit
	var err error
	return func(ctx context.Context, id int64) (*model.SearchHit, error) {
		once.Do(func() {
			var raw map[int64]*postgres.SearchHit
			if raw, err = r.reader(ctx).SearchHits(ctx, ids, sq); err != nil {
				return
			}
			terms := sq.Positive()
			hits = make(map[int64]*model.SearchHit, len(raw))
			for id, h := range raw {
				hits[id] = searchHit(h, sources[id], terms, r.Texts)
			}
		})
		return hits[id], err
	}
}

// searchHit presents a hit: its locales (the source first) and a snippet
// per field that matched.
func searchHit(h *postgres.SearchHit, source string, terms []string, texts *richtext.Memo) *model.SearchHit {
	out := &model.SearchHit{Rank: h.Rank, Locales: []string{}, Highlights: []*model.SearchHighlight{}}
	locs := slices.Clone(h.Locales)
	slices.SortStableFunc(locs, func(a, b postgres.SearchLocaleHit) int {
		return boolRank(b.Locale == source) - boolRank(a.Locale == source)
	})
	for _, l := range locs {
		out.Locales = append(out.Locales, l.Locale)
		add := func(field model.SearchField, text *string, always bool) bool {
			if text == nil || *text == "" {
				return false
			}
			s, ok := search.MakeSnippet(*text, terms)
			if ok || always {
				out.Highlights = append(out.Highlights, &model.SearchHighlight{Field: field, Locale: l.Locale, Text: s.Text, HTML: s.HTML})
			}
			return ok
		}
		if l.InTitle {
			add(model.SearchFieldTitle, l.Title, true)
		}
		if l.InText && !add(model.SearchFieldSubtitle, l.Subtitle, false) && !add(model.SearchFieldSummary, l.Summary, false) {
			add(model.SearchFieldSummary, l.Summary, true)
		}
		if l.InBody && l.Body != nil {
			text := texts.Text(*l.Body)
			add(model.SearchFieldBody, &text, true)
		}
	}
	for _, n := range h.Names {
		s, _ := search.MakeSnippet(n.Names, terms)
		out.Highlights = append(out.Highlights, &model.SearchHighlight{Field: nameFields[n.Kind], Locale: source, Text: s.Text, HTML: s.HTML})
	}
	return out
}

var nameFields = map[string]model.SearchField{
	"person": model.SearchFieldAttendees, "organization": model.SearchFieldAttendees, "author": model.SearchFieldAuthors,
	"tag": model.SearchFieldTags, "event": model.SearchFieldEvent,
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
