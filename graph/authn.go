package graph

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

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
			servePublic(w, r.WithContext(auth.WithViewer(r.Context(), auth.Anonymous())), next)
			return
		}
		token, ok := auth.BearerToken(header)
		if !ok {
			writeError(w, http.StatusUnauthorized, cerr.Unauthenticated, "Send the API token as `Authorization: Bearer <token>`.")
			return
		}
		v, err := ids.Authenticate(r.Context(), token)
		if err != nil {
			if cerr.Code(err) == cerr.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer realm="copydesk"`)
				writeError(w, http.StatusUnauthorized, cerr.Unauthenticated, cerr.Message(err))
				return
			}
			// Storage has classified outages and timeouts (postgres.FormatError).
			if code := cerr.Code(err); code == cerr.Unavailable || code == cerr.Timeout {
				log.WarnContext(r.Context(), "authenticating a request", "code", code, "err", err, "request_id", reqctx.RequestID(r.Context()))
				w.Header().Set("Retry-After", unavailableRetryAfter)
				writeError(w, http.StatusServiceUnavailable, code, cerr.Message(err))
				return
			}
			log.ErrorContext(r.Context(), "authenticating a request", "err", err, "request_id", reqctx.RequestID(r.Context()))
			writeError(w, http.StatusInternalServerError, cerr.Internal, "Internal error.")
			return
		}
		r = r.WithContext(auth.WithViewer(r.Context(), v))
		if !v.SeesDrafts() {
			servePublic(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// PublicMaxBody bounds the body (and the URL query of a GET) of a public
// request (anonymous, or a token that reads published content only): 64 KiB
// of query (the public limit) and its variables; a public socket's messages
// are bounded alike. The newsroom may send the server-wide 4 MiB (a long
// report, an XLIFF file). A body over it is refused before it is read
// whole, so a flood of large bodies costs the server little.
const PublicMaxBody = 128 << 10

func servePublic(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if len(r.URL.RawQuery) > PublicMaxBody {
		writeError(w, http.StatusRequestURITooLong, "BAD_REQUEST",
			fmt.Sprintf("The URL's query is longer than %d bytes, the most a public request may send: use POST, or a persisted query.", PublicMaxBody))
		return
	}
	if r.ContentLength > PublicMaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "BAD_REQUEST",
			fmt.Sprintf("The request body is larger than %d bytes, the most a public request may send.", PublicMaxBody))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, PublicMaxBody)
	}
	next.ServeHTTP(w, r)
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
