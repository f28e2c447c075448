// Package metrics is copydesk's Prometheus instrumentation: the series the
// server exports at /metrics, on a registry of its own (never the global
// default, so that every test can build a fresh one), with the Go runtime
// and process collectors.
//
// Other packages do not import Prometheus: they call the methods of a
// *Metrics (the HTTP middleware, the GraphQL extension in graph/) or are
// given a hook (ratelimit.Config.OnLimited, scheduler.Options.OnJob) that
// internal/app points at one. Every method is safe on a nil *Metrics and
// then does nothing, so code and tests that do not configure metrics need
// nothing.
//
// Every label has a bounded set of values: routes, methods and status
// classes are fixed lists; operation names, error codes and refusal reasons
// come from clients or from code, so they are clipped to a safe charset and
// length and capped in number, the rest folded into "other". No label ever
// holds query text, variables, tokens or user ids.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label values used when a value is missing or not admitted.
const (
	// Other replaces a value past a label's cap or outside its charset.
	Other = "other"
	// Anonymous is the operation name of an operation without one.
	Anonymous = "anonymous"
	// Unknown is the operation type of a document that never got as far as
	// an operation (it did not parse, or named no operation it holds).
	Unknown = "unknown"
)

// Outcomes of a GraphQL operation.
const (
	OK    = "ok"
	Error = "error" // the response had at least one error
)

// Scheduler job outcomes, the label of copydesk_scheduler_jobs_total.
const (
	JobPublished = "published" // the report was published
	JobHeld      = "held"      // moved to the report's embargo instant
	JobDropped   = "dropped"   // refused (a client error); the job was deleted
	JobRetried   = "retried"   // an internal error; the job was moved later
)

// Rate-limit kinds, the label of copydesk_rate_limited_total.
const (
	LimitedToken    = "token"     // a bearer token's bucket was empty
	LimitedIP       = "ip"        // an anonymous client IP's bucket was empty
	LimitedNewToken = "new_token" // the client IP's budget for unseen tokens was empty
)

// Options tune New; zero values take the defaults.
type Options struct {
	// Version is the build's version, the label of copydesk_build_info.
	Version string
	// MaxOperationNames caps the distinct operation names kept as label
	// values (default 200); names first seen past it count as "other".
	MaxOperationNames int
}

// Default caps of the client- or code-supplied label values.
const (
	DefaultMaxOperationNames = 200
	maxCodes                 = 64 // error codes and refusal reasons
	maxNameLen               = 64
)

// Metrics holds copydesk's collectors and their registry.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpSQL      *prometheus.HistogramVec

	operations    *prometheus.CounterVec
	opDuration    *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	refused       *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	schedJobs     *prometheus.CounterVec
	schedLateness prometheus.Histogram

	names   *labelSet // operation names
	codes   *labelSet // error codes
	reasons *labelSet // refusal reasons
}

// New returns a Metrics with its own registry, holding every copydesk
// series plus the Go runtime and process collectors.
func New(opts Options) *Metrics {
	if opts.MaxOperationNames <= 0 {
		opts.MaxOperationNames = DefaultMaxOperationNames
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_http_requests_total",
			Help: "HTTP requests served, by route (a fixed set; other for the rest), method and status class (2xx, 4xx, ...).",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "copydesk_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route; WebSocket connections (101) are not observed.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		httpSQL: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "copydesk_http_request_sql_queries",
			Help:    "SQL round trips one HTTP request made, by route; WebSocket connections (101) are not observed.",
			Buckets: []float64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144},
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_graphql_operations_total",
			Help: "GraphQL operations, by operation name (clipped and capped; anonymous when absent, other past the cap), type (query, mutation, subscription; unknown when the document never reached an operation) and outcome (ok, or error when the response had errors).",
		}, []string{"operation", "type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "copydesk_graphql_operation_duration_seconds",
			Help:    "Time from a GraphQL request's start to its response, parsing and validation included, by operation name and type; subscriptions are not observed.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_graphql_errors_total",
			Help: "Errors in GraphQL responses, by extensions.code (BAD_USER_INPUT, NOT_FOUND, GRAPHQL_VALIDATION_FAILED, ...).",
		}, []string{"code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_graphql_refused_total",
			Help: "GraphQL documents refused for their cost before they ran, by reason (depth, aliases, complexity, tokens, ...).",
		}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_rate_limited_total",
			Help: "Requests refused with 429 by the rate limiter, by the bucket that was empty: token, ip (anonymous) or new_token (the client IP's budget for tokens not seen recently).",
		}, []string{"kind"}),
		schedJobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copydesk_scheduler_jobs_total",
			Help: "Due publish jobs the scheduler handled, by outcome: published, held (until the report's embargo), dropped (the report could not be published) or retried (an internal error).",
		}, []string{"outcome"}),
		schedLateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "copydesk_scheduler_publish_lateness_seconds",
			Help:    "How late a scheduled publication ran: the time its job was claimed minus the time it was due.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600},
		}),
		names:   newLabelSet(opts.MaxOperationNames),
		codes:   newLabelSet(maxCodes),
		reasons: newLabelSet(maxCodes),
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "copydesk_build_info",
		Help: "Always 1; its label is the version of the running build.",
	}, []string{"version"})
	buildInfo.WithLabelValues(clip(opts.Version, maxNameLen, isVersionChar)).Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		m.httpRequests, m.httpDuration, m.httpSQL,
		m.operations, m.opDuration, m.errors, m.refused,
		m.rateLimited, m.schedJobs, m.schedLateness,
	)
	// The fixed label values start at zero, so that rate() and alerts see
	// the series before the first event.
	for _, k := range []string{LimitedToken, LimitedIP, LimitedNewToken} {
		m.rateLimited.WithLabelValues(k)
	}
	for _, o := range []string{JobPublished, JobHeld, JobDropped, JobRetried} {
		m.schedJobs.WithLabelValues(o)
	}
	return m
}

// Registry is the registry every series is on (for tests and for
// collectors registered later).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format (or
// OpenMetrics, when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// RegisterDB adds the connection pool statistics of db (go_sql_* series
// with db_name="copydesk": open, in use, idle, waits and wait time).
func (m *Metrics) RegisterDB(db *sql.DB) error {
	return m.reg.Register(collectors.NewDBStatsCollector(db, "copydesk"))
}

// HTTPRequest records one served HTTP request: route is one of a fixed set
// (the server's), status its status code, d how long it took and queries
// its SQL round trips. A 101 (a WebSocket upgrade, whose duration is that
// of the connection) is counted but not observed in the histograms.
func (m *Metrics) HTTPRequest(route, method string, status int, d time.Duration, queries int64) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, methodLabel(method), statusClass(status)).Inc()
	if status == http.StatusSwitchingProtocols {
		return
	}
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
	m.httpSQL.WithLabelValues(route).Observe(float64(queries))
}

// OperationName returns the label value for a client's operation name: ""
// is "anonymous"; a name is clipped to 64 characters; a name with a
// character GraphQL names do not have ([_A-Za-z0-9]), or a new name once
// the cap of distinct names is reached, is "other". Only names admitted
// (admit true) are added to the capped set; the others are kept only if
// they are in it already.
func (m *Metrics) OperationName(name string, admit bool) string {
	if m == nil {
		return Other
	}
	if name == "" {
		return Anonymous
	}
	name = clip(name, maxNameLen, isNameChar)
	if name == Other {
		return Other
	}
	return m.names.get(name, admit)
}

// GraphQLOperation records one GraphQL operation: name is a label from
// OperationName, opType query, mutation, subscription or "unknown", failed
// whether its response had errors, d its duration (negative: not
// observed, as for a subscription).
func (m *Metrics) GraphQLOperation(name, opType string, failed bool, d time.Duration) {
	if m == nil {
		return
	}
	switch opType {
	case "query", "mutation", "subscription":
	default:
		opType = Unknown
	}
	outcome := OK
	if failed {
		outcome = Error
	}
	m.operations.WithLabelValues(name, opType, outcome).Inc()
	if d >= 0 {
		m.opDuration.WithLabelValues(name, opType).Observe(d.Seconds())
	}
}

// GraphQLError counts one error of a GraphQL response by its
// extensions.code ("" counts as "none").
func (m *Metrics) GraphQLError(code string) {
	if m == nil {
		return
	}
	if code == "" {
		code = "none"
	}
	m.errors.WithLabelValues(m.codes.get(clip(code, maxNameLen, isNameChar), true)).Inc()
}

// Refused counts a GraphQL document refused for its cost, by reason
// ("depth", "aliases", "complexity", "tokens", ...).
func (m *Metrics) Refused(reason string) {
	if m == nil {
		return
	}
	m.refused.WithLabelValues(m.reasons.get(clip(reason, maxNameLen, isNameChar), true)).Inc()
}

// RateLimited counts a request the rate limiter refused; kind is
// LimitedToken, LimitedIP or LimitedNewToken (anything else is "other").
func (m *Metrics) RateLimited(kind string) {
	if m == nil {
		return
	}
	switch kind {
	case LimitedToken, LimitedIP, LimitedNewToken:
	default:
		kind = Other
	}
	m.rateLimited.WithLabelValues(kind).Inc()
}

// ScheduledJob records a due publish job the scheduler handled: outcome is
// one of the Job* constants, late how long after its due time it was
// claimed (observed for published jobs only).
func (m *Metrics) ScheduledJob(outcome string, late time.Duration) {
	if m == nil {
		return
	}
	switch outcome {
	case JobPublished:
		m.schedLateness.Observe(max(late, 0).Seconds())
	case JobHeld, JobDropped, JobRetried:
	default:
		outcome = Other
	}
	m.schedJobs.WithLabelValues(outcome).Inc()
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return Other
}

func statusClass(code int) string {
	if code < 100 || code > 599 {
		return Other
	}
	return strconv.Itoa(code/100) + "xx"
}
