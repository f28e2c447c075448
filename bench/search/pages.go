package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// pageResult is page 1 against page -pages of one search, order and audience.
type pageResult struct {
	class, aud, order string
	matches           int
	atLeast           bool
	walk              time.Duration // walking to the deep page, every page
	first, deep       []time.Duration
}

func (p *pageResult) ratio() float64 {
	a, b := httpbench.Pct(p.first, 0.5), httpbench.Pct(p.deep, 0.5)
	if a <= 0 {
		return 0
	}
	return float64(b) / float64(a)
}

// pageOrders are the orders a search page is read in: by relevance (the
// default) and the newest first.
var pageOrders = []string{"RELEVANCE", "UPDATED_DESC"}

// The alternating requests of page 1 and the deep page stop after
// -page-samples pairs or pageBudget, whichever comes first, but not before
// minPageSamples pairs: a slow search must not take the run's time.
const (
	pageBudget     = 30 * time.Second
	minPageSamples = 8
)

// deepPages walks the English word's search (the first class with at
// least pages × 20 matches) with after cursors to page -pages, checking
// that no report comes twice, then requests page 1 and the deep page
// alternately, one at a time.
func (b *bench) deepPages(ctx context.Context) error {
	need := (b.cfg.pages-1)*20 + 1
	for _, aud := range []string{audNewsroom, audPublic} {
		var t *testCase
		for _, c := range b.cases {
			if c.aud == aud && c.c.filter == nil && !c.c.total && c.matches >= need {
				t = c
				break
			}
		}
		if t == nil {
			logf("deep pages (%s): no class with %d matches; skipped", aud, need)
			continue
		}
		for _, order := range pageOrders {
			r := &pageResult{class: t.c.name, aud: aud, order: order, matches: t.matches, atLeast: t.atLeast}
			seen := map[string]bool{}
			after := ""
			t0 := time.Now()
			for n := 1; n < b.cfg.pages; n++ {
				p, err := b.fetch(ctx, b.srv.URL, t.token(b), t.c.body(b.fx, false, order, after))
				if err != nil {
					return fmt.Errorf("page %d of %s %s: %w", n, t.name(), order, err)
				}
				rep := p.Data.Reports
				if len(rep.Edges) != 20 || !rep.PageInfo.HasNextPage {
					return fmt.Errorf("page %d of %s %s: %d hits, hasNextPage %v", n, t.name(), order, len(rep.Edges), rep.PageInfo.HasNextPage)
				}
				for _, e := range rep.Edges {
					if seen[e.Node.ID] {
						return fmt.Errorf("page %d of %s %s: report %s came before", n, t.name(), order, e.Node.ID)
					}
					seen[e.Node.ID] = true
				}
				after = rep.PageInfo.EndCursor
			}
			r.walk = time.Since(t0)
			bodies := [][]byte{t.c.body(b.fx, false, order, ""), t.c.body(b.fx, false, order, after)}
			deadline := time.Now().Add(pageBudget)
			for i := 0; i < 2*b.cfg.pageSamples && (i < 2*minPageSamples || time.Now().Before(deadline)); i++ {
				t1 := time.Now()
				if _, err := httpbench.PostRaw(ctx, b.srv.URL, t.token(b), bodies[i%2]); err != nil {
					return err
				}
				if d := time.Since(t1); i%2 == 0 {
					r.first = append(r.first, d)
				} else {
					r.deep = append(r.deep, d)
				}
			}
			slices.Sort(r.first)
			slices.Sort(r.deep)
			logf("deep pages %-16s %-12s walked %d pages in %s; page 1 p50 %s, page %d p50 %s: %.2f×", t.name(), order, b.cfg.pages-1,
				r.walk.Round(time.Millisecond), ms(httpbench.Pct(r.first, 0.5)), b.cfg.pages, ms(httpbench.Pct(r.deep, 0.5)), r.ratio())
			b.pages = append(b.pages, r)
		}
	}
	return nil
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
