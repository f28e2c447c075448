package server

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// withRequestLog gives each request an ID (from X-Request-Id when the client
// or load balancer sent a sane one), counts its SQL round trips and logs one
// line when it ends: method, path, status, bytes, latency, SQL count. It
// records the same figures in m (which may be nil) by route.
func withRequestLog(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = reqctx.NewID()
		}
		w.Header().Set("X-Request-Id", id)
		var queries postgres.QueryCounter
		ctx := reqctx.WithRequestID(r.Context(), id)
		ctx = postgres.WithQueryCounter(ctx, &queries)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		elapsed := time.Since(start)
		m.HTTPRequest(route(r.URL.Path), r.Method, rec.status, elapsed, queries.Count())
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes would drown the log
		}
		log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("sql", queries.Count()),
			slog.String("request_id", id),
		)
	})
}

// route is the route label of a request path: one of the paths the server
// serves, "/explorer/" for the explorer's assets, "other" for the rest
// (so that a scan of random paths adds no series).
func route(path string) string {
	switch path {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/":
		return path
	}
	if strings.HasPrefix(path, "/explorer/") {
		return "/explorer/"
	}
	return metrics.Other
}

// withRecover turns a panic outside gqlgen (which has its own recovery) into
// a 500 with a JSON body instead of a dropped connection.
func withRecover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]any{
					"errors": []map[string]any{{"message": "Internal error.", "extensions": map[string]string{"code": "INTERNAL", "requestId": reqctx.RequestID(r.Context())}}},
				})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxRequestBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{
				"errors": []map[string]any{{"message": fmt.Sprintf("The request body is larger than %d bytes.", MaxRequestBytes), "extensions": map[string]string{"code": "BAD_REQUEST"}}},
			})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBytes)
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush and Hijack keep streaming (SSE) and WebSocket upgrades working through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response does not support hijacking")
	}
	s.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
