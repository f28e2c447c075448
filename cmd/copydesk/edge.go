package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/server"
)

// edgeFlags are serve's flags for the edge of the API: cost limits,
// deadlines, connection limits, persisted operations, caching and CORS
// (README, "Safe on the public internet").
type edgeFlags struct {
	costs                                                graph.Limits
	conns                                                server.ConnLimits
	publicLimits, newsroomLimits, publicOps, corsOrigins *string
	lockTimeout, cacheMaxAge, cacheSWR                   *time.Duration
	publicIntrospection                                  *bool
	apqMax, publicCacheMB                                *int
}

func registerEdge(fs *flag.FlagSet) *edgeFlags {
	e := &edgeFlags{costs: graph.DefaultLimits(), conns: server.DefaultConnLimits()}
	e.publicLimits = fs.String("limits-public", os.Getenv("COPYDESK_LIMITS_PUBLIC"),
		"cost limits for anonymous and READ_PUBLISHED requests over the defaults, e.g. depth=12,complexity=5000; keys: bytes, tokens, depth, fields, aliases, duplicates, complexity, introspections, resolved (env COPYDESK_LIMITS_PUBLIC)")
	e.newsroomLimits = fs.String("limits-newsroom", os.Getenv("COPYDESK_LIMITS_NEWSROOM"),
		"cost limits for newsroom staff with a FULL token, same keys (env COPYDESK_LIMITS_NEWSROOM)")
	fs.DurationVar(&e.costs.Timeout, "request-timeout", envDuration("COPYDESK_REQUEST_TIMEOUT", e.costs.Timeout),
		"deadline of one query or mutation; its SQL is cancelled when it passes, and the sessions' statement_timeout is 5s more (env COPYDESK_REQUEST_TIMEOUT)")
	e.lockTimeout = fs.Duration("lock-timeout", envDuration("COPYDESK_LOCK_TIMEOUT", 10*time.Second),
		"how long a statement may wait for a lock before failing with UNAVAILABLE (env COPYDESK_LOCK_TIMEOUT)")
	fs.IntVar(&e.conns.Total, "max-conns", envInt("COPYDESK_MAX_CONNS", e.conns.Total), "most open HTTP and WebSocket connections; 0: no limit (env COPYDESK_MAX_CONNS)")
	fs.IntVar(&e.conns.PerIP, "max-conns-per-ip", envInt("COPYDESK_MAX_CONNS_PER_IP", e.conns.PerIP),
		"most open connections from one client address (IPv6: per /64); 0: no limit; ignored with --trust-proxy (env COPYDESK_MAX_CONNS_PER_IP)")
	e.publicOps = fs.String("public-operations", envOr("COPYDESK_PUBLIC_OPERATIONS", string(graph.PublicAny)),
		"what anonymous and READ_PUBLISHED requests may run: any operation, or only the allowlist of operations registered from manifests (env COPYDESK_PUBLIC_OPERATIONS)")
	e.publicIntrospection = fs.Bool("public-introspection", envBoolOr("COPYDESK_PUBLIC_INTROSPECTION", true),
		"allow __schema and __type to anonymous and READ_PUBLISHED requests; turn off in production (env COPYDESK_PUBLIC_INTROSPECTION)")
	e.apqMax = fs.Int("apq-max", envInt("COPYDESK_APQ_MAX", operations.DefaultMaxAutomatic),
		"most operations registered automatically (APQ) kept in the database, least recently used evicted; manifest operations do not count (env COPYDESK_APQ_MAX)")
	e.cacheMaxAge = fs.Duration("cache-max-age", envDuration("COPYDESK_CACHE_MAX_AGE", 60*time.Second),
		"Cache-Control max-age of anonymous GET queries answered without errors, for browsers and CDNs; 0 disables public caching (env COPYDESK_CACHE_MAX_AGE)")
	e.cacheSWR = fs.Duration("cache-stale-while-revalidate", envDuration("COPYDESK_CACHE_SWR", 300*time.Second),
		"Cache-Control stale-while-revalidate of those responses: how long past max-age a cache may serve them while it refetches (env COPYDESK_CACHE_SWR)")
	e.publicCacheMB = fs.Int("public-cache-mb", envInt("COPYDESK_PUBLIC_CACHE_MB", 32),
		"MiB of hot public documents each instance keeps in memory, kept current across instances through LISTEN/NOTIFY; 0 turns the cache off (env COPYDESK_PUBLIC_CACHE_MB)")
	e.corsOrigins = fs.String("cors-origins", os.Getenv("COPYDESK_CORS_ORIGINS"),
		"comma-separated origins whose pages may call /graphql from a browser, e.g. https://news.example; * allows any; empty sends no CORS headers (env COPYDESK_CORS_ORIGINS)")
	return e
}

// apply checks the flags and sets them in cfg.
func (e *edgeFlags) apply(cfg *app.Config) error {
	var err error
	if cfg.PublicOperations, err = graph.ParsePublicOperations(*e.publicOps); err != nil {
		return fmt.Errorf("--public-operations: %w", err)
	}
	if *e.apqMax < 1 {
		return fmt.Errorf("--apq-max: %d is not a positive number", *e.apqMax)
	}
	cfg.NoPublicIntrospection, cfg.MaxAutomaticOperations = !*e.publicIntrospection, *e.apqMax
	if *e.publicCacheMB < 0 {
		return fmt.Errorf("--public-cache-mb: %d is negative", *e.publicCacheMB)
	}
	cfg.PublicCacheBytes = *e.publicCacheMB << 20
	if *e.cacheMaxAge < 0 || *e.cacheSWR < 0 {
		return fmt.Errorf("--cache-max-age and --cache-stale-while-revalidate must not be negative")
	}
	cfg.Cache = graph.CachePolicy{MaxAge: *e.cacheMaxAge, StaleWhileRevalidate: *e.cacheSWR}
	cfg.CORSOrigins = server.ParseOrigins(*e.corsOrigins)
	if e.costs.Public, err = graph.ParseAudience(*e.publicLimits, e.costs.Public); err != nil {
		return fmt.Errorf("--limits-public: %w", err)
	}
	if e.costs.Newsroom, err = graph.ParseAudience(*e.newsroomLimits, e.costs.Newsroom); err != nil {
		return fmt.Errorf("--limits-newsroom: %w", err)
	}
	cfg.Limits, cfg.LockTimeout, cfg.Connections = &e.costs, *e.lockTimeout, &e.conns
	return nil
}
