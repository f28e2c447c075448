package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/directory"
	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/translation"
)

// newMetricsAPI is newAPI with the handler recording into a fresh m.
func newMetricsAPI(t *testing.T, m *metrics.Metrics) *api {
	t.Helper()
	a := newAPI(t)
	a.handler = graph.NewHandler(&graph.Resolver{DB: a.db, Reports: reports.New(a.db), Directory: directory.New(a.db),
		Translations: translation.New(a.db), Identity: a.ids, Comments: comments.New(a.db), Version: "test"},
		slog.New(slog.DiscardHandler), graph.HandlerOptions{Metrics: m})
	return a
}

// send posts a raw GraphQL request with an operationName ("" for none).
func (a *api) sendNamed(operationName, query string) {
	a.t.Helper()
	body := map[string]any{"query": query}
	if operationName != "" {
		body["operationName"] = operationName
	}
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	a.handler.ServeHTTP(httptest.NewRecorder(), req)
}

// Every operation is counted once by name, type and outcome, whether it
// ran or never got past parsing; its errors are counted by code.
func TestOperationMetrics(t *testing.T) {
	m := metrics.New(metrics.Options{})
	a := newMetricsAPI(t, m)
	anon := a.as("")
	a.sendNamed("", `query ServerVersion { serverInfo { version } }`)
	a.sendNamed("ServerVersion", `query ServerVersion { serverInfo { version } }`)
	a.sendNamed("", `{ serverInfo { version } }`)
	anon.sendNamed("", `mutation NewTag { createTag(input: {name: "Energy"}) { tag { id } } }`)
	a.sendNamed("", `{ nope }`)
	a.sendNamed("", `{ serverInfo {`)
	a.sendNamed("Missing", `query ServerVersion { serverInfo { version } }`)

	want := `
# HELP copydesk_graphql_operations_total GraphQL operations, by operation name (clipped and capped; anonymous when absent, other past the cap), type (query, mutation, subscription; unknown when the document never reached an operation) and outcome (ok, or error when the response had errors).
# TYPE copydesk_graphql_operations_total counter
copydesk_graphql_operations_total{operation="NewTag",outcome="error",type="mutation"} 1
copydesk_graphql_operations_total{operation="ServerVersion",outcome="ok",type="query"} 2
copydesk_graphql_operations_total{operation="anonymous",outcome="error",type="unknown"} 2
copydesk_graphql_operations_total{operation="anonymous",outcome="ok",type="query"} 1
copydesk_graphql_operations_total{operation="other",outcome="error",type="unknown"} 1
# HELP copydesk_graphql_errors_total Errors in GraphQL responses, by extensions.code (BAD_USER_INPUT, NOT_FOUND, GRAPHQL_VALIDATION_FAILED, ...).
# TYPE copydesk_graphql_errors_total counter
copydesk_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"} 1
copydesk_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 2
copydesk_graphql_errors_total{code="UNAUTHENTICATED"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "copydesk_graphql_operations_total", "copydesk_graphql_errors_total"); err != nil {
		t.Error(err)
	}
	// The duration histogram has one observation per operation.
	if n := testutil.CollectAndCount(m.Registry(), "copydesk_graphql_operation_duration_seconds"); n != 5 {
		t.Errorf("%d duration series, want 5 (ServerVersion, anonymous query, NewTag, and unknown as anonymous and as other)", n)
	}
}

// However many names clients invent, the operation label has at most
// MaxOperationNames values plus anonymous and other.
func TestOperationNameLabelIsBounded(t *testing.T) {
	m := metrics.New(metrics.Options{MaxOperationNames: 5})
	a := newMetricsAPI(t, m)
	for i := range 50 {
		a.sendNamed("", fmt.Sprintf(`query Op%d { serverInfo { version } }`, i))
	}
	a.sendNamed("", `{ serverInfo { version } }`)
	a.sendNamed("", `query `+strings.Repeat("Long", 40)+` { serverInfo { version } }`)

	got := map[string]float64{}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "copydesk_graphql_operations_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "operation" {
					got[l.GetValue()] += s.GetCounter().GetValue()
				}
			}
		}
	}
	want := map[string]float64{"Op0": 1, "Op1": 1, "Op2": 1, "Op3": 1, "Op4": 1, "other": 46, "anonymous": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("operations by name label:\n got %v\nwant %v", got, want)
	}
}
