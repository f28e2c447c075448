package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/copydesk/copydesk/internal/metrics"
)

// A nil *Metrics records nothing and does not panic: code and tests that
// configure no metrics need nothing.
func TestNilMetricsDoNothing(t *testing.T) {
	var m *metrics.Metrics
	m.HTTPRequest("/graphql", "POST", 200, time.Second, 3)
	m.GraphQLOperation(m.OperationName("Op", true), "query", false, time.Second)
	m.GraphQLError("NOT_FOUND")
	m.Refused("depth")
	m.RateLimited("ip")
	m.ScheduledJob(metrics.JobPublished, time.Second)
}

func TestOperationNameLabel(t *testing.T) {
	tests := []struct {
		name, in string
		admit    bool
		want     string
	}{
		{"absent", "", true, "anonymous"},
		{"a GraphQL name", "GetReport_2", true, "GetReport_2"},
		{"too long: clipped", strings.Repeat("x", 100), true, strings.Repeat("x", 64)},
		{"not a GraphQL name", "drop-table", true, "other"},
		{"not ASCII", "Überblick", true, "other"},
		{"spaces and braces", "{ report }", true, "other"},
		{"not admitted and unknown", "Unknown", false, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(metrics.Options{})
			if got := m.OperationName(tt.in, tt.admit); got != tt.want {
				t.Errorf("OperationName(%q, %v) = %q, want %q", tt.in, tt.admit, got, tt.want)
			}
		})
	}
}

// The first MaxOperationNames distinct names keep their label; later ones
// fold into "other"; a name kept is kept even when not admitted.
func TestOperationNamesAreCapped(t *testing.T) {
	m := metrics.New(metrics.Options{MaxOperationNames: 2})
	for _, step := range []struct {
		in    string
		admit bool
		want  string
	}{
		{"A", true, "A"}, {"B", true, "B"}, {"C", true, "other"}, {"A", true, "A"}, {"B", false, "B"}, {"D", false, "other"},
	} {
		if got := m.OperationName(step.in, step.admit); got != step.want {
			t.Errorf("OperationName(%q, %v) = %q, want %q", step.in, step.admit, got, step.want)
		}
	}
}

// The fixed labels keep their fixed sets whatever callers pass.
func TestLabelsAreBounded(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "v1.2.3"})
	m.HTTPRequest("/graphql", "BREW", 999, time.Millisecond, 1)
	m.HTTPRequest("/graphql", "GET", 101, time.Hour, 0) // a WebSocket: counted, not observed
	m.RateLimited("whatever")
	m.ScheduledJob("exploded", 0)
	m.GraphQLOperation("Op", "banana", true, -1)
	want := `
# HELP copydesk_build_info Always 1; its label is the version of the running build.
# TYPE copydesk_build_info gauge
copydesk_build_info{version="v1.2.3"} 1
# HELP copydesk_http_requests_total HTTP requests served, by route (a fixed set; other for the rest), method and status class (2xx, 4xx, ...).
# TYPE copydesk_http_requests_total counter
copydesk_http_requests_total{method="GET",route="/graphql",status="1xx"} 1
copydesk_http_requests_total{method="other",route="/graphql",status="other"} 1
# HELP copydesk_rate_limited_total Requests refused with 429 by the rate limiter, by the bucket that was empty: token, ip (anonymous) or new_token (the client IP's budget for tokens not seen recently).
# TYPE copydesk_rate_limited_total counter
copydesk_rate_limited_total{kind="ip"} 0
copydesk_rate_limited_total{kind="new_token"} 0
copydesk_rate_limited_total{kind="other"} 1
copydesk_rate_limited_total{kind="token"} 0
# HELP copydesk_graphql_operations_total GraphQL operations, by operation name (clipped and capped; anonymous when absent, other past the cap), type (query, mutation, subscription; unknown when the document never reached an operation) and outcome (ok, or error when the response had errors).
# TYPE copydesk_graphql_operations_total counter
copydesk_graphql_operations_total{operation="Op",outcome="error",type="unknown"} 1
# HELP copydesk_scheduler_jobs_total Due publish jobs the scheduler handled, by outcome: published, held (until the report's embargo), dropped (the report could not be published) or retried (an internal error).
# TYPE copydesk_scheduler_jobs_total counter
copydesk_scheduler_jobs_total{outcome="dropped"} 0
copydesk_scheduler_jobs_total{outcome="held"} 0
copydesk_scheduler_jobs_total{outcome="other"} 1
copydesk_scheduler_jobs_total{outcome="published"} 0
copydesk_scheduler_jobs_total{outcome="retried"} 0
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"copydesk_build_info", "copydesk_http_requests_total", "copydesk_rate_limited_total", "copydesk_graphql_operations_total", "copydesk_scheduler_jobs_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.Registry(), "copydesk_http_request_duration_seconds"); n != 1 {
		t.Errorf("%d duration series, want 1 (the 101 is not observed)", n)
	}
	if n := testutil.CollectAndCount(m.Registry(), "copydesk_graphql_operation_duration_seconds"); n != 0 {
		t.Errorf("%d operation duration series, want 0 (a negative duration is not observed)", n)
	}
}

// Error codes and refusal reasons come from code, but are capped like
// operation names all the same.
func TestErrorCodesAndReasonsAreCapped(t *testing.T) {
	m := metrics.New(metrics.Options{})
	for i := range 200 {
		m.GraphQLError("CODE_" + strings.Repeat("X", i%100) + string(rune('A'+i%26)))
		m.Refused("reason_" + strings.Repeat("y", i))
	}
	m.GraphQLError("")
	if n := testutil.CollectAndCount(m.Registry(), "copydesk_graphql_errors_total"); n > 65 {
		t.Errorf("%d error code series, want at most 64 plus other", n)
	}
	if n := testutil.CollectAndCount(m.Registry(), "copydesk_graphql_refused_total"); n > 65 {
		t.Errorf("%d refusal reason series, want at most 64 plus other", n)
	}
}

// Every copydesk series follows the Prometheus naming conventions
// (promlint: units in names, _total on counters, ...).
func TestSeriesFollowTheNamingConventions(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.HTTPRequest("/graphql", "POST", 200, time.Millisecond, 2)
	m.GraphQLOperation("Op", "query", false, time.Millisecond)
	m.GraphQLError("NOT_FOUND")
	m.Refused("depth")
	m.ScheduledJob(metrics.JobPublished, time.Second)
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "copydesk_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

// The handler serves the registry, the runtime and process collectors
// included, in the text format.
func TestHandlerServesTheRegistry(t *testing.T) {
	m := metrics.New(metrics.Options{})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{"copydesk_build_info{version=\"dev\"} 1", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape has no %q", want)
		}
	}
}

// What one GraphQL request costs in metrics: its HTTP figures, its
// operation and an error code.
func BenchmarkRecordRequest(b *testing.B) {
	m := metrics.New(metrics.Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.HTTPRequest("/graphql", "POST", 200, 3*time.Millisecond, 4)
			m.GraphQLOperation(m.OperationName("ReportPage", true), "query", false, 3*time.Millisecond)
			m.GraphQLError("NOT_FOUND")
		}
	})
}
