package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/server"
)

// mode is one dashboard read: a GraphQL query over reports(first: 50),
// sent with the admin's token or anonymously.
type mode struct {
	name      string
	what      string
	query     string
	anonymous bool
	optional  bool // run only when -modes names it
}

const plainFields = `id title summary attendees { role } translations { locale title }`

var modes = []mode{
	{name: "plain", what: "baseline: texts, attendee roles, translation titles",
		query: `query { reports(first: 50) { nodes { ` + plainFields + ` } } }`},
	{name: "freshness", what: "plain + translations.freshness (stale fields with word diffs) + translationProgress",
		query: `query { reports(first: 50) { nodes { id title summary attendees { role }
			translations { locale title freshness { stale staleFields { field changes { op text } } missingFields } }
			translationProgress { current total locales { locale status stale } } } } }`},
	// Not run by default (-modes): the two halves of freshness.
	{name: "freshness-only", what: "plain + translations.freshness only", optional: true,
		query: `query { reports(first: 50) { nodes { id title summary attendees { role }
			translations { locale title freshness { stale staleFields { field changes { op text } } missingFields } } } } }`},
	{name: "progress-only", what: "plain + translationProgress only", optional: true,
		query: `query { reports(first: 50) { nodes { ` + plainFields + `
			translationProgress { current total locales { locale status stale } } } } }`},
	{name: "localized", what: `plain read in ja (reports(locale: "ja")) + locale { complete fields } + attendee person names`,
		query: `query { reports(first: 50, locale: "ja") { nodes { id title summary locale { complete fields { field locale } }
			attendees { role person { name } } translations { locale title } } } }`},
	{name: "public-localized", what: "localized, anonymous (published copies, approved translations)", anonymous: true,
		query: `query { reports(first: 50, locale: "ja") { nodes { id title summary locale { complete fields { field locale } }
			attendees { role person { name } } translations { locale title } } } }`},
}

// result is one measured mode.
type result struct {
	mode     string
	clients  int
	requests int64
	perSec   float64 // the sum of the clients' rates
	mean     time.Duration
	p95      time.Duration
	bytes    float64 // mean response body bytes
	sqlProbe int64   // SQL round trips of one request on an idle server
	sqlMean  float64 // … per request during the run, and their range
	sqlMin   int64
	sqlMax   int64
	page     string // what the probe's page held
	skipped  string
}

// sqlStats collects the "sql" attribute of the server's request log lines
// (internal/server counts every round trip of a request with
// postgres.QueryCounter, BEGIN/COMMIT and authentication included) into the
// accumulator of the mode being measured.
type sqlStats struct {
	mu   sync.Mutex
	cur  *sqlAcc
	last int64
}

// sqlAcc is the SQL round trips of a mode's measured requests.
type sqlAcc struct {
	n, sum, min, max int64
}

func (s *sqlStats) add(v int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = v
	a := s.cur
	if a == nil {
		return
	}
	if a.n == 0 || v < a.min {
		a.min = v
	}
	a.max = max(a.max, v)
	a.n++
	a.sum += v
}

// into sends the counts to a (nil: nowhere).
func (s *sqlStats) into(a *sqlAcc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = a
}

func (s *sqlStats) lastCount() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// bench is the in-process server and its clients.
type bench struct {
	ts      *httptest.Server // the measured server, wired like internal/app
	probeTS *httptest.Server // the same with a 50 ms loader wait: batches never split
	http    *http.Client
	token   string
	sql     *sqlStats
	errors  atomic.Int64 // server log lines at WARN or above
}

// newBench serves GraphQL in-process, wired like internal/app (the same
// handler chain: request log with SQL count, recovery, body limit, viewer,
// loaders, gqlgen) with the deployment's default fallbacks and zh-Hans, ja,
// ko as target locales; minus the explorer and the rate limiter, which would
// throttle the benchmark.
func newBench(db *postgres.DB, svc *newsroom.Services, ids *identity.Service, token string, clients int) (*bench, error) {
	b := &bench{token: token, sql: &sqlStats{}}
	log := slog.New(&benchdb.ServerLog{Name: "bench/translations", SQL: b.sql.add, Warned: func() { b.errors.Add(1) }})
	fallbacks, err := locale.ParseFallbacks(locale.DefaultFallbacks)
	if err != nil {
		return nil, err
	}
	serve := func(loaderWait time.Duration) *httptest.Server {
		resolver := &graph.Resolver{DB: db, Reports: svc.Reports, Directory: svc.Directory, Translations: svc.Translations, Identity: ids, Comments: comments.New(db), Version: "bench",
			Fallbacks: fallbacks, LoaderWait: loaderWait}
		return httptest.NewServer(server.New(server.Config{
			GraphQL: graph.NewHandler(resolver, log, graph.HandlerOptions{}),
			Ready:   func(context.Context) error { return nil },
			Log:     log,
		}))
	}
	b.ts = serve(0) // graph.DefaultLoaderWait, as copydesk serve runs
	// As graph's tests count queries: a wait long enough that a batch
	// never splits gives the round trips the query's shape costs.
	b.probeTS = serve(50 * time.Millisecond)
	b.http = &http.Client{Transport: &http.Transport{
		MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute,
	}}
	return b, nil
}

func (b *bench) close() {
	b.http.CloseIdleConnections()
	b.ts.Close()
	b.probeTS.Close()
}

// post sends one query and returns the response body, failing on a
// non-200 status or a GraphQL error (gqlgen writes "errors" first).
func (b *bench) post(ctx context.Context, ts *httptest.Server, m *mode, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if !m.anonymous {
		req.Header.Set("Authorization", "Bearer "+b.token)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.HasPrefix(raw, []byte(`{"errors"`)) {
		return nil, fmt.Errorf("%s: HTTP %d: %s", m.name, resp.StatusCode, clip(string(raw), 400))
	}
	return raw, nil
}

func requestBody(m *mode) []byte {
	body, _ := json.Marshal(map[string]any{"query": m.query})
	return body
}

// probe sends the mode's query once to the probe server (idle, long loader
// wait) and describes the page it returned; it fails when the page is not
// what the seed made.
func (b *bench) probe(ctx context.Context, m *mode, fx *fixture) (sql int64, page string, err error) {
	raw, err := b.post(ctx, b.probeTS, m, requestBody(m))
	if err != nil {
		return 0, "", err
	}
	time.Sleep(20 * time.Millisecond) // the request log line follows the response
	sql = b.sql.lastCount()
	var out struct {
		Data struct {
			Reports struct {
				Nodes []struct {
					Title  string
					Locale *struct {
						Complete bool
						Fields   []struct{ Field, Locale string }
					}
					Attendees []struct {
						Role   *string
						Person *struct{ Name string }
					}
					Translations []struct {
						Locale    string
						Title     string
						Freshness *struct {
							Stale       bool
							StaleFields []struct {
								Field   string
								Changes []struct{ Op, Text string }
							}
							MissingFields []string
						}
					}
					TranslationProgress *struct{ Current, Total int }
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, "", fmt.Errorf("%s: %w", m.name, err)
	}
	nodes := out.Data.Reports.Nodes
	want := min(50, len(fx.ids))
	if len(nodes) < want {
		return 0, "", fmt.Errorf("%s: the page holds %d reports, want %d", m.name, len(nodes), want)
	}
	var trs, stale, staleTitle, complete, jaTitle, jaRole, jaName, atts int
	progress := map[string]int{}
	for _, n := range nodes {
		trs += len(n.Translations)
		for _, t := range n.Translations {
			if f := t.Freshness; f != nil && f.Stale {
				stale++
				if len(f.StaleFields) == 1 && f.StaleFields[0].Field == "title" && len(f.StaleFields[0].Changes) > 0 {
					staleTitle++
				}
			}
		}
		if p := n.TranslationProgress; p != nil {
			progress[fmt.Sprintf("%d/%d", p.Current, p.Total)]++
		}
		if n.Locale != nil && n.Locale.Complete {
			complete++
		}
		if strings.HasPrefix(n.Title, "［ja］") {
			jaTitle++
		}
		for _, a := range n.Attendees {
			atts++
			if a.Role != nil && strings.HasPrefix(*a.Role, "［ja］") {
				jaRole++
			}
			if a.Person != nil && strings.HasPrefix(a.Person.Name, "［ja］") {
				jaName++
			}
		}
	}
	page = fmt.Sprintf("%d reports, %d attendees, %d translations", len(nodes), atts, trs)
	switch m.name {
	case "freshness", "freshness-only":
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(progress)) {
			ps = append(ps, fmt.Sprintf("%d× %s", progress[k], k))
		}
		page += fmt.Sprintf("; %d stale (%d title-only, with a diff); progress %s", stale, staleTitle, strings.Join(ps, ", "))
		if stale == 0 || staleTitle != stale {
			err = fmt.Errorf("freshness: %d stale translations, %d stale in the title only: the seed should make whole reports' translations stale in the title", stale, staleTitle)
		}
	case "localized", "public-localized":
		page += fmt.Sprintf("; ja: %d titles, %d roles, %d person names; locale.complete on %d", jaTitle, jaRole, jaName, complete)
		if jaTitle != len(nodes) || jaRole != atts {
			err = fmt.Errorf("%s: %d of %d titles and %d of %d roles in ja", m.name, jaTitle, len(nodes), jaRole, atts)
		}
	}
	return sql, page, err
}

// modeRun accumulates a mode's measured slices.
type modeRun struct {
	m     *mode
	lat   []time.Duration
	bytes int64
	sql   sqlAcc
	done  []int           // requests per client
	busy  []time.Duration // measured time per client
}

// slice runs one slice of mode mr.m: an unmeasured warm-up (when warmup > 0),
// then clients concurrent HTTP clients sending the query back to back for
// d. With cpuProf set, the slice's Go CPU profile goes to that file.
func (b *bench) slice(ctx context.Context, mr *modeRun, clients int, warmup, d time.Duration, cpuProf string) error {
	body := requestBody(mr.m)
	// drive runs the clients for d; each stops after the request that
	// ends past d, and its busy time runs to that request's end, so the
	// tail of a slice (fewer clients busy) does not lower the rate.
	drive := func(d time.Duration, keep bool) ([][]time.Duration, []int64, []time.Duration, error) {
		lat := make([][]time.Duration, clients)
		size := make([]int64, clients)
		busy := make([]time.Duration, clients)
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		start := time.Now()
		deadline := start.Add(d)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for time.Now().Before(deadline) && ctx.Err() == nil {
					t0 := time.Now()
					raw, err := b.post(ctx, b.ts, mr.m, body)
					if err != nil {
						cancel(err)
						return
					}
					if keep {
						lat[c] = append(lat[c], time.Since(t0))
						size[c] += int64(len(raw))
					}
				}
				busy[c] = time.Since(start)
			})
		}
		wg.Wait()
		if ctx.Err() != nil {
			return nil, nil, nil, context.Cause(ctx)
		}
		return lat, size, busy, nil
	}
	if warmup > 0 {
		if _, _, _, err := drive(warmup, false); err != nil {
			return err
		}
	}
	if cpuProf != "" {
		f, err := os.Create(cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	time.Sleep(20 * time.Millisecond) // the warm-up's last request log lines
	b.sql.into(&mr.sql)
	lat, size, busy, err := drive(d, true)
	if cpuProf != "" {
		pprof.StopCPUProfile()
	}
	time.Sleep(20 * time.Millisecond) // the last request log lines
	b.sql.into(nil)
	if err != nil {
		return fmt.Errorf("%s: %w", mr.m.name, err)
	}
	if mr.done == nil {
		mr.done, mr.busy = make([]int, clients), make([]time.Duration, clients)
	}
	for c := range lat {
		mr.lat = append(mr.lat, lat[c]...)
		mr.bytes += size[c]
		mr.done[c] += len(lat[c])
		mr.busy[c] += busy[c]
	}
	return nil
}

// result sums up the mode's slices.
func (mr *modeRun) result(clients int) (result, error) {
	r := result{mode: mr.m.name, clients: clients, requests: int64(len(mr.lat))}
	if r.requests == 0 {
		return r, fmt.Errorf("%s: no request completed", mr.m.name)
	}
	for c := range mr.done { // each client's rate, summed
		r.perSec += float64(mr.done[c]) / mr.busy[c].Seconds()
	}
	all := slices.Clone(mr.lat)
	slices.Sort(all)
	var total time.Duration
	for _, l := range all {
		total += l
	}
	r.mean = total / time.Duration(r.requests)
	r.p95 = all[min(len(all)-1, int(float64(len(all))*0.95))]
	r.bytes = float64(mr.bytes) / float64(r.requests)
	if mr.sql.n > 0 {
		r.sqlMean, r.sqlMin, r.sqlMax = float64(mr.sql.sum)/float64(mr.sql.n), mr.sql.min, mr.sql.max
	}
	return r, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
