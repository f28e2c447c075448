package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/reports"
)

// fanOut is the attack: aliases of report → event → reports,
// nested depth times.
func fanOut(depth int) string {
	q := "id title"
	for i := range depth {
		q = fmt.Sprintf("e%d: event { a: reports(first: 100) { nodes { %s } } b: reports(first: 100) { nodes { %s } } }", i, q, q)
	}
	return `{ report(slug: "forum") { ` + q + ` } }`
}

// A document past a limit is refused with QUERY_TOO_COMPLEX, which limit
// and by how much, before any SQL runs; the newsroom's limits are wider
// than the public's.
func TestCostLimitsRefuseBeforeAnySQL(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{})
	a := newAPIWith(t, graph.HandlerOptions{Metrics: m})
	anon := a.as("")
	a.do(`{ __typename }`, nil, nil) // the token's first use also records it
	for _, tc := range []struct {
		name, query, reason string
		newsroomToo         bool
	}{
		{"fan-out through relations", fanOut(3), "complexity", true},
		{"too deep for the public", deepEvents, "depth", false},
		{"a 500-deep ofType chain", `{ __type(name: "Report") { ` + strings.Repeat("ofType { ", 500) + "name" + strings.Repeat(" }", 500) + " } }", "depth", true},
		{"2,000 copies of one field", "{" + strings.Repeat(" __typename", 2000) + " }", "duplicates", true},
		{"an alias bomb", "{" + aliasBomb(200) + " }", "aliases", true},
		{"a token flood", "{ __typename " + strings.Repeat("@skip(if: false) ", 1000) + "}", "tokens", false},
		{"100 KB of text", "{ __typename " + strings.Repeat("                ", 6000) + "}", "bytes", false},
		{"repeated fields in an operation that does not run", "query A { __typename } query B {" + strings.Repeat(" __typename", 2000) + " }", "duplicates", true},
		{"repeated fields in an unused fragment", "query A { __typename } fragment F on Query {" + strings.Repeat(" __typename", 2000) + " }", "duplicates", true},
		{"conflicting fields in an operation that does not run", "query A { __typename } query B {" + strings.Repeat(" x: __typename x: serverInfo { __typename }", 380) + " }", "duplicates", true},
		{"many introspections", `{ a: __schema { types { name } } b: __schema { types { name } } }`, "introspection", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []*api{anon, a} {
				if c == a && !tc.newsroomToo {
					continue
				}
				name := ""
				if strings.HasPrefix(tc.query, "query A ") {
					name = "A"
				}
				e, data := c.failNamed(name, tc.query)
				if e.code() != graph.CodeTooComplex || e.Extensions["reason"] != tc.reason {
					t.Fatalf("got %s %v (%s), want %s for %s", e.code(), e.Extensions["reason"], e.Message, graph.CodeTooComplex, tc.reason)
				}
				if cost, limit := e.Extensions["cost"].(float64), e.Extensions["limit"].(float64); cost <= limit {
					t.Errorf("extensions say cost %v within limit %v", cost, limit)
				}
				if data != nil && string(data) != "null" {
					t.Errorf("a refused document has data %s", data)
				}
				sql := c.sql.Load()
				if c.token != "" {
					sql-- // the token's lookup
				}
				if sql != 0 {
					t.Errorf("%d SQL round trips before the refusal", sql)
				}
			}
		})
	}
	if refused := refusedByReason(t, m); refused["complexity"] == 0 || refused["duplicates"] == 0 {
		t.Errorf("refusals not counted in copydesk_graphql_refused_total: %v", refused)
	}
	// What the public may not send, the newsroom may.
	a.do(deepEvents, nil, nil)
}

// refusedByReason reads copydesk_graphql_refused_total from m.
func refusedByReason(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "copydesk_graphql_refused_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] = s.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// deepEvents nests 18 levels: deeper than the public may, as deep as the
// newsroom may.
var deepEvents = `{ report(slug: "x") { event { ` + strings.Repeat("parent { ", 15) + "name" + strings.Repeat(" }", 15) + " } } }"

// A public body over PublicMaxBody is refused before it is read whole.
func TestPublicBodyIsBounded(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	resp, httpResp := a.as("").postHTTP("{ __typename "+strings.Repeat("                ", 70000)+"}", nil)
	if httpResp.StatusCode != http.StatusRequestEntityTooLarge || len(resp.Errors) != 1 || resp.Errors[0].code() != "BAD_REQUEST" {
		t.Fatalf("HTTP %d, errors %+v; want 413 BAD_REQUEST", httpResp.StatusCode, resp.Errors)
	}
	get := a.as("").send(http.MethodGet, "/graphql?query=%7B__typename%7D&variables="+strings.Repeat("%20", 50000), nil, "")
	if get.Code != http.StatusRequestURITooLong {
		t.Errorf("a public GET with a 150 KB query string: HTTP %d, want 414", get.Code)
	}
	// The newsroom may send more: the same body is read, and its query
	// refused by the newsroom's byte limit (256 KiB).
	e, _ := a.fail("{ __typename "+strings.Repeat("                ", 70000)+"}", nil)
	if e.code() != graph.CodeTooComplex || e.Extensions["reason"] != "bytes" {
		t.Errorf("newsroom: %s %v %s", e.code(), e.Extensions["reason"], e.Message)
	}
}

// An operationName the document does not have is refused before the
// document is validated (validation reads every operation, and can be slow).
func TestUnknownOperationNameIsRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	a := newAPI(t).as("")
	resp := a.postNamed("nope", "{"+strings.Repeat(" __typename", 2000)+" }")
	if len(resp.Errors) != 1 || resp.Errors[0].code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(resp.Errors[0].Message, `"nope"`) {
		t.Fatalf("got %+v", resp.Errors)
	}
	resp = a.postNamed("", "query A { __typename } query B { __typename }")
	if len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "operationName") {
		t.Fatalf("two operations without operationName: %+v", resp.Errors)
	}
}

func aliasBomb(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	return b.String()
}

// A response that outgrows the audience's field budget is replaced by one
// RESPONSE_TOO_LARGE error: no partial data, not one error per field.
func TestResponseBudget(t *testing.T) {
	t.Parallel()
	limits := graph.DefaultLimits()
	limits.Public.MaxResolved = 25
	a := newAPIWith(t, graph.HandlerOptions{Limits: &limits})
	ctx := auth.WithViewer(context.Background(), auth.System())
	svc := newsroom.New(a.db)
	for i := range 10 {
		if _, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{Title: fmt.Sprintf("Report %d", i), SourceLocale: "en", Status: editorial.Published}); err != nil {
			t.Fatal(err)
		}
	}
	resp := a.as("").post(`{ reports(first: 10) { nodes { title summary slug } } }`, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].code() != graph.CodeTooLarge {
		t.Fatalf("got errors %+v", resp.Errors)
	}
	if resp.Data != nil && string(resp.Data) != "null" {
		t.Errorf("partial data %s", resp.Data)
	}
	// The newsroom's budget is its own.
	a.do(`{ reports(first: 10) { nodes { title summary slug } } }`, nil, nil)
}

// An operation's deadline reaches its SQL: a query stuck behind a lock is
// cancelled in PostgreSQL when the deadline passes, and the client gets
// TIMEOUT, not INTERNAL.
func TestDeadlineCancelsSQL(t *testing.T) {
	t.Parallel()
	limits := graph.DefaultLimits()
	limits.Timeout = 300 * time.Millisecond
	a := newAPIWith(t, graph.HandlerOptions{Limits: &limits})
	ctx := context.Background()
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE reports IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	e, _ := a.fail(`{ reports(first: 5) { nodes { title } } }`, nil)
	if e.code() != "TIMEOUT" {
		t.Fatalf("got %s (%s), want TIMEOUT", e.code(), e.Message)
	}
	// The cancelled statement is gone from the server, not left waiting
	// for the lock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := a.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND state = 'active'`); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statements still wait for the lock after the deadline", waiting)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
