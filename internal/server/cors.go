package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/rs/cors"
)

// CORSMaxAge is how long browsers may cache a preflight answer.
const CORSMaxAge = 10 * time.Minute

// ParseOrigins splits a comma-separated --cors-origins value, dropping
// blanks: "" is no origin (no CORS headers at all), "*" is any origin.
func ParseOrigins(s string) []string {
	var out []string
	for o := range strings.SplitSeq(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// withCORS lets browser pages on origins call next cross-origin: GET, POST
// and OPTIONS, with the headers a GraphQL client sends, and with the caching
// and rate-limit headers readable by the page. No origins: next unchanged,
// so no CORS headers are sent. Credentials (cookies) are never allowed:
// tokens travel as bearer headers.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Accept", "Accept-Language", "If-None-Match", "X-Request-Id"},
		ExposedHeaders: []string{"ETag", "X-Request-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"},
		MaxAge:         int(CORSMaxAge / time.Second),
	}).Handler(next)
}
