package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// withViewer authenticates the request. With no Authorization header it is
// anonymous (public reads only). A bearer token that is malformed, unknown,
// expired or revoked fails the whole request with 401 and UNAUTHENTICATED:
// a client that meant to sign in must not silently get public results.
func withViewer(ids *identity.Service, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r.WithContext(auth.WithViewer(r.Context(), auth.Anonymous())))
			return
		}
		scheme, token, _ := strings.Cut(header, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			writeError(w, http.StatusUnauthorized, cerr.Unauthenticated, "Send the API token as `Authorization: Bearer <token>`.")
			return
		}
		v, err := ids.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if cerr.Code(err) == cerr.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="copydesk"`)
				writeError(w, http.StatusUnauthorized, cerr.Unauthenticated, cerr.Message(err))
				return
			}
			if cerr.Code(err) == cerr.Unavailable {
				w.Header().Set("Retry-After", unavailableRetryAfter)
				writeError(w, http.StatusServiceUnavailable, cerr.Unavailable, cerr.Message(err))
				return
			}
			log.ErrorContext(r.Context(), "authenticating a request", "err", err, "request_id", reqctx.RequestID(r.Context()))
			writeError(w, http.StatusInternalServerError, cerr.Internal, "Internal error.")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithViewer(r.Context(), v)))
	})
}

// writeError answers a request that never reached GraphQL execution with a
// GraphQL-shaped error.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]string{"code": code}}},
	})
}
