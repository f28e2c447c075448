package graph

import (
	"context"
	"testing"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/postgres"
)

// totalCount and totalCountIsExact of a reports connection: a search's
// count stops past postgres.SearchCountLimit, and the connection then says
// 1,000 and not exact; a list without a search is always exact. Both
// fields share one count.
func TestReportTotalsSayWhenTheyAreALowerBound(t *testing.T) {
	limit := postgres.SearchCountLimit
	for _, c := range []struct {
		name      string
		searched  bool
		counted   int
		want      int
		wantExact bool
	}{
		{"a search with few matches", true, 12, 12, true},
		{"a search with exactly the limit", true, limit, limit, true},
		{"a search past the limit", true, limit + 1, limit, false},
		{"a list without a search, past the limit", false, 5000, 5000, true},
	} {
		calls := 0
		total := model.Total(func(context.Context) (int, error) { calls++; return c.counted, nil }).Once()
		conn := &model.ReportConnection{Total: total, Searched: c.searched}
		n, _, err := reportTotal(context.Background(), conn)
		_, exact, _ := reportTotal(context.Background(), conn)
		if err != nil || n != c.want || exact != c.wantExact || calls != 1 {
			t.Errorf("%s: totalCount %d, exact %v, %d counts, %v; want %d, %v, one count", c.name, n, exact, calls, err, c.want, c.wantExact)
		}
	}
}
