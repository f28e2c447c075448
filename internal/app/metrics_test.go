package app_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/ratelimit"
	"github.com/copydesk/copydesk/internal/scheduler"
)

// scrape GETs url (a /metrics endpoint) and parses the text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d, want 200", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: not the Prometheus text format: %v", url, err)
	}
	return families
}

// value is the value of the series of family name whose labels include
// labels (a counter's or gauge's value, a histogram's count), and whether
// there is one.
func value(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := families[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Requests through the real server show up at /metrics: HTTP requests by
// route, method and status class, GraphQL operations by name, SQL round
// trips, refusals of the cost limits and of the rate limiter, the pool, the
// runtime, the build.
func TestMetricsCountWhatTheServerDid(t *testing.T) {
	base := startServer(t, app.Config{DatabaseURL: pgtest.NewDSN(t), Demo: app.DemoNever,
		RateLimit: ratelimit.Config{AnonymousPerMinute: 1, AnonymousBurst: 3}})
	query := `{"query": "query ServerVersion { serverInfo { schemaVersion } }"}`
	var aliases strings.Builder
	for i := range 31 { // the public audience may have 30
		fmt.Fprintf(&aliases, " a%d: __typename", i)
	}
	aliasBomb := `{"query": "{` + aliases.String() + ` }"}`
	for i, req := range []struct {
		body string
		want int
	}{{query, 200}, {query, 200}, {aliasBomb, 200}, {query, 429}} {
		if got := post(t, base+"/graphql", req.body); got != req.want {
			t.Fatalf("request %d: status %d, want %d", i+1, got, req.want)
		}
	}
	get(t, base+"/readyz")
	get(t, base+"/wp-login.php")
	// /metrics is not rate-limited: the anonymous bucket is empty by now.
	scrape(t, base+"/metrics")
	m := scrape(t, base+"/metrics")

	tests := []struct {
		name   string
		labels map[string]string
		want   float64 // -1: present, any value
	}{
		{"copydesk_http_requests_total", map[string]string{"route": "/graphql", "method": "POST", "status": "2xx"}, 3},
		{"copydesk_http_requests_total", map[string]string{"route": "/graphql", "method": "POST", "status": "4xx"}, 1},
		{"copydesk_http_requests_total", map[string]string{"route": "/readyz", "method": "GET", "status": "2xx"}, 1},
		{"copydesk_http_requests_total", map[string]string{"route": "other", "method": "GET", "status": "4xx"}, 1},
		{"copydesk_http_requests_total", map[string]string{"route": "/metrics", "method": "GET", "status": "2xx"}, 1},
		{"copydesk_http_request_duration_seconds", map[string]string{"route": "/graphql"}, 4},
		{"copydesk_http_request_sql_queries", map[string]string{"route": "/graphql"}, 4},
		{"copydesk_graphql_operations_total", map[string]string{"operation": "ServerVersion", "type": "query", "outcome": "ok"}, 2},
		{"copydesk_graphql_operation_duration_seconds", map[string]string{"operation": "ServerVersion", "type": "query"}, 2},
		{"copydesk_graphql_operations_total", map[string]string{"operation": "anonymous", "type": "unknown", "outcome": "error"}, 1},
		{"copydesk_graphql_refused_total", map[string]string{"reason": "aliases"}, 1},
		{"copydesk_graphql_errors_total", map[string]string{"code": "QUERY_TOO_COMPLEX"}, 1},
		{"copydesk_rate_limited_total", map[string]string{"kind": "ip"}, 1},
		{"copydesk_rate_limited_total", map[string]string{"kind": "token"}, 0},
		{"copydesk_scheduler_jobs_total", map[string]string{"outcome": "published"}, 0},
		{"copydesk_scheduler_publish_lateness_seconds", nil, 0},
		{"copydesk_build_info", nil, 1},
		{"go_sql_open_connections", map[string]string{"db_name": "copydesk"}, -1},
		{"go_sql_wait_count_total", map[string]string{"db_name": "copydesk"}, -1},
		{"go_goroutines", nil, -1},
		{"process_resident_memory_bytes", nil, -1},
	}
	for _, tt := range tests {
		got, ok := value(m, tt.name, tt.labels)
		switch {
		case !ok:
			t.Errorf("%s%v: no such series", tt.name, tt.labels)
		case tt.want >= 0 && got != tt.want:
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	// The two schemaVersion queries made SQL round trips, and the refused
	// request none.
	if sum := m["copydesk_http_request_sql_queries"].GetMetric()[0].GetHistogram().GetSampleSum(); sum < 2 {
		t.Errorf("SQL round trips of /graphql sum to %v, want at least 2", sum)
	}
}

// awaitListening is listening over what has been logged so far, waiting up
// to 10 s for the line when want says the listener exists: a side
// listener is bound before the server reports ready, but its goroutine
// logs "listening" on its own schedule.
func awaitListening(logged *syncBuffer, name string, want bool) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		addr := listening(logged.String(), name)
		if addr != "" || !want || time.Now().After(deadline) {
			return addr
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// listening returns the address the log says the named side listener
// ("metrics", "pprof") is on, or "".
func listening(log, name string) string {
	for _, line := range strings.Split(log, "\n") {
		var rec struct{ Msg, Listener, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" && rec.Listener == name {
			return rec.Addr
		}
	}
	return ""
}

// warnings returns the messages of the WARN records in log.
func warnings(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		var rec struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "WARN" {
			out = append(out, rec.Msg)
		}
	}
	sort.Strings(out)
	return out
}

// By default /metrics is on the main listener and pprof is off; with
// MetricsAddr it is on that address only, and with PprofAddr pprof is
// served there (and nowhere else), with a warning in the log.
func TestMetricsAndPprofListeners(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	tests := []struct {
		name               string
		cfg                app.Config
		metricsOnMain      bool
		metricsListener    bool
		pprofListener      bool
		wantWarnAboutPprof bool
	}{
		{name: "defaults", metricsOnMain: true},
		{name: "metrics address", cfg: app.Config{MetricsAddr: "127.0.0.1:0"}, metricsListener: true},
		{name: "pprof address", cfg: app.Config{PprofAddr: "127.0.0.1:0"}, metricsOnMain: true, pprofListener: true, wantWarnAboutPprof: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged syncBuffer
			cfg := tt.cfg
			cfg.DatabaseURL, cfg.Demo, cfg.NoScheduler = dsn, app.DemoNever, true
			base := startServerLogging(t, cfg, slog.New(slog.NewJSONHandler(&logged, nil)))

			if code, _ := get(t, base+"/metrics"); (code == 200) != tt.metricsOnMain {
				t.Errorf("main listener /metrics = %d, want served: %v", code, tt.metricsOnMain)
			}
			if code, _ := get(t, base+"/debug/pprof/"); code == 200 {
				t.Errorf("main listener /debug/pprof/ = %d: pprof must never be on the main listener", code)
			}
			maddr := awaitListening(&logged, "metrics", tt.metricsListener)
			if (maddr != "") != tt.metricsListener {
				t.Fatalf("metrics listener logged at %q, want one: %v", maddr, tt.metricsListener)
			}
			if maddr != "" {
				if code, body := get(t, "http://"+maddr+"/metrics"); code != 200 || !strings.Contains(body, "copydesk_build_info") {
					t.Errorf("metrics listener /metrics = %d, want 200 with copydesk_build_info", code)
				}
				if code, _ := get(t, "http://"+maddr+"/graphql"); code != 404 {
					t.Errorf("metrics listener /graphql = %d, want 404: it serves /metrics only", code)
				}
			}
			paddr := awaitListening(&logged, "pprof", tt.pprofListener)
			if (paddr != "") != tt.pprofListener {
				t.Fatalf("pprof listener logged at %q, want one: %v", paddr, tt.pprofListener)
			}
			if paddr != "" {
				if code, body := get(t, "http://"+paddr+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
					t.Errorf("pprof listener /debug/pprof/ = %d, want 200 listing the profiles", code)
				}
				if code, _ := get(t, "http://"+paddr+"/debug/pprof/goroutine?debug=1"); code != 200 {
					t.Errorf("pprof listener goroutine profile = %d, want 200", code)
				}
			}
			warned := strings.Contains(strings.Join(warnings(logged.String()), "\n"), "must not be reachable from the public")
			if warned != tt.wantWarnAboutPprof {
				t.Errorf("warned about pprof: %v, want %v; warnings: %q", warned, tt.wantWarnAboutPprof, warnings(logged.String()))
			}
		})
	}
}

// The scheduler reports its outcomes in the words the metrics label them
// with (app passes one to the other as they are).
func TestSchedulerOutcomesAreMetricsLabels(t *testing.T) {
	for got, want := range map[string]string{
		scheduler.JobPublished: metrics.JobPublished,
		scheduler.JobHeld:      metrics.JobHeld,
		scheduler.JobDropped:   metrics.JobDropped,
		scheduler.JobRetried:   metrics.JobRetried,
	} {
		if got != want {
			t.Errorf("scheduler outcome %q is labelled %q in metrics", got, want)
		}
	}
}
