package graph

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// The two response media types of GraphQL over HTTP.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// unavailableRetryAfter is the Retry-After sent with a 503 when the database
// cannot be reached.
const unavailableRetryAfter = "5"

// CachePolicy says how anonymous GET queries may be cached by browsers and
// CDNs. The zero value caches nothing publicly (every response is no-store).
type CachePolicy struct {
	// MaxAge is Cache-Control max-age for anonymous GET queries answered
	// without errors; 0 disables public caching.
	MaxAge time.Duration
	// StaleWhileRevalidate is Cache-Control stale-while-revalidate: how long
	// after MaxAge a cache may serve the stale copy while it refetches.
	StaleWhileRevalidate time.Duration
}

// httpTransport is GraphQL over HTTP as the specification
// (https://graphql.github.io/graphql-over-http/draft/) says: GET for
// queries, POST with application/json for everything, the response media
// type negotiated by Accept, status codes by media type, and no "data" key
// when the request never executed. It also sets the caching headers.
type httpTransport struct {
	cache CachePolicy
	log   *slog.Logger // the cause of an INTERNAL the transport answers itself; nil: discarded
}

var _ graphql.Transport = httpTransport{}

// Supports takes every plain HTTP request except OPTIONS (the Options
// transport) and WebSocket upgrades; methods other than GET and POST get a
// 405 with Allow.
func (t httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method != http.MethodOptions
}

// requestError is a problem with the HTTP request itself, found before
// GraphQL could run. presentError gives it the code BAD_REQUEST.
type requestError struct {
	status int
	msg    string
	allow  string // the Allow header of a 405
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	h := w.Header()
	h.Add("Vary", "Accept, Accept-Language, Authorization")
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		t.fail(w, r, exec, mediaJSON, &requestError{status: http.StatusNotAcceptable,
			msg: "This endpoint answers application/graphql-response+json or application/json: send one of them (or */*) in Accept."})
		return
	}
	start := graphql.Now()
	params, rerr := parseRequest(r)
	if rerr != nil {
		t.fail(w, r, exec, media, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		// Parse, validation and variable coercion failures (and anything an
		// extension rejects): the operation never executed.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		t.write(w, r, media, status, resp, false, false)
		return
	}
	if op := rc.Operation; op != nil {
		if r.Method == http.MethodGet && op.Operation != ast.Query {
			t.fail(w, r, exec, media, &requestError{status: http.StatusMethodNotAllowed, allow: http.MethodPost,
				msg: fmt.Sprintf("A %s cannot be sent with GET: use POST (GET is for queries only).", op.Operation)})
			return
		}
		if op.Operation == ast.Subscription {
			t.fail(w, r, exec, media, badRequest("Subscriptions run over WebSocket (graphql-transport-ws) on this path, not over a plain HTTP request."))
			return
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	cacheable := r.Method == http.MethodGet && rc.Operation != nil && rc.Operation.Operation == ast.Query
	t.write(w, r, media, http.StatusOK, resp, true, cacheable)
}

// fail answers a request that never reached execution with one error; the
// error presenter gives it its code.
func (t httpTransport) fail(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, e *requestError) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	resp := exec.DispatchError(r.Context(), gqlerror.List{{Message: e.msg, Err: e}})
	t.write(w, r, media, e.status, resp, false, false)
}

// wireResponse is a GraphQL response as sent: "data" is present exactly
// when execution started (it may then be null).
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// encode is json.Marshal(resp) without re-reading "data": gqlgen's
// executor wrote it as valid JSON already, and json.Marshal would compact
// and validate every byte of it again (the largest cost of writing a
// response with a rendered body, by profile).
func (resp wireResponse) encode() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(resp.Data) + 64)
	b.WriteByte('{')
	field := func(name string, raw []byte) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + name + `":`)
		b.Write(raw)
	}
	if len(resp.Errors) > 0 {
		e, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		field("errors", e)
	}
	if resp.Data != nil {
		field("data", resp.Data)
	}
	if len(resp.Extensions) > 0 {
		x, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		field("extensions", x)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (t httpTransport) write(w http.ResponseWriter, r *http.Request, media string, status int, resp *graphql.Response, executed, cacheable bool) {
	out := wireResponse{Errors: resp.Errors, Extensions: resp.Extensions}
	if executed {
		out.Data = resp.Data
		if len(out.Data) == 0 {
			out.Data = json.RawMessage("null")
		}
	}
	body, err := out.encode()
	if err != nil {
		// Only a resolver returning something unmarshalable gets here.
		id := reqctx.RequestID(r.Context())
		if t.log != nil {
			t.log.ErrorContext(r.Context(), "internal error", "err", err.Error(), "cause", "encoding the response", "request_id", id)
		}
		body, _ = json.Marshal(map[string]any{"errors": []map[string]any{{"message": "Internal error.",
			"extensions": map[string]any{"code": cerr.Internal, "requestId": id}}}})
		status, cacheable = http.StatusInternalServerError, false
	}
	h := w.Header()
	if s, retry := statusForErrors(out); s != 0 {
		status = s
		h.Set("Retry-After", retry)
	}
	h.Set("Content-Type", media+"; charset=utf-8")

	switch {
	case r.Header.Get("Authorization") != "":
		h.Set("Cache-Control", "private, no-store")
	case cacheable && status == http.StatusOK && len(out.Errors) == 0 && t.cache.MaxAge >= time.Second:
		etag, ok := documentTag(r, media)
		if !ok {
			etag = entityTag(media, body)
		}
		h.Set("ETag", etag)
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d",
			int(t.cache.MaxAge/time.Second), int(max(t.cache.StaleWhileRevalidate, 0)/time.Second)))
		if ifNoneMatch(r.Header.Values("If-None-Match"), etag) {
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	default:
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusForErrors returns 503 when a response without data failed only
// because the database is unavailable, and 429 when it was only rate
// limited, with the Retry-After to send; 0 otherwise.
func statusForErrors(resp wireResponse) (int, string) {
	if len(resp.Errors) == 0 || !(len(resp.Data) == 0 || string(resp.Data) == "null") {
		return 0, ""
	}
	all := func(code string) bool {
		for _, e := range resp.Errors {
			if c, _ := e.Extensions["code"].(string); c != code {
				return false
			}
		}
		return true
	}
	switch {
	case all(cerr.Unavailable):
		return http.StatusServiceUnavailable, unavailableRetryAfter
	case all(cerr.RateLimited):
		secs := 1
		for _, e := range resp.Errors {
			secs = max(secs, seconds(e.Extensions["retryAfter"]))
		}
		return http.StatusTooManyRequests, strconv.Itoa(secs)
	}
	return 0, ""
}

// seconds reads extensions.retryAfter, rounding up to whole seconds.
func seconds(v any) int {
	var f float64
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		f = n
	case json.Number:
		f, _ = n.Float64()
	default:
		return 0
	}
	if f > 86400 {
		return 86400
	}
	return int(math.Ceil(f))
}

// negotiate picks the response media type from the Accept header values:
// application/graphql-response+json when the client asks for it at least as
// much as for application/json, application/json for legacy clients, for
// */* and application/* and when there is no Accept header. ok is false
// when the client accepts neither.
func negotiate(accept []string) (media string, ok bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	// q of each candidate from its most specific matching range: 3 exact,
	// 2 application/*, 1 */*.
	type match struct {
		q           float64
		specificity int
	}
	var gr, js match
	seen := false
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			seen = true
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
				continue // we only write UTF-8
			}
			for _, c := range []struct {
				m    *match
				name string
			}{{&gr, mediaGraphQLResponse}, {&js, mediaJSON}} {
				spec := 0
				switch mt {
				case c.name:
					spec = 3
				case "application/*":
					spec = 2
				case "*/*":
					spec = 1
				}
				if spec > c.m.specificity {
					*c.m = match{q: q, specificity: spec}
				}
			}
		}
	}
	if !seen {
		return mediaJSON, true
	}
	switch {
	case gr.q == 0 && js.q == 0:
		return "", false
	case gr.q > js.q, gr.q == js.q && gr.specificity == 3:
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// parseRequest reads the GraphQL parameters of a GET (query string) or POST
// (JSON body) request.
func parseRequest(r *http.Request) (*graphql.RawParams, *requestError) {
	switch r.Method {
	case http.MethodGet:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, badRequest("The query string is not valid URL encoding: send ?query=...&variables=...")
		}
		return paramsFromQueryString(q)
	case http.MethodPost:
		ct := r.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != mediaJSON {
			return nil, &requestError{status: http.StatusUnsupportedMediaType, msg: "POST requests must have Content-Type: application/json."}
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, &requestError{status: http.StatusUnsupportedMediaType, msg: "POST bodies must be UTF-8: send Content-Type: application/json (charset=utf-8 or none)."}
		}
		if r.Body == nil {
			return nil, badRequest("The request body is empty. Send {\"query\": \"...\", \"variables\": {...}}.")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("The request body is larger than %d bytes.", tooLarge.Limit)}
			}
			return nil, badRequest("The request body could not be read.")
		}
		return paramsFromBody(body)
	default:
		return nil, &requestError{status: http.StatusMethodNotAllowed, allow: "GET, POST, OPTIONS", msg: "Use POST (or GET for queries) on /graphql."}
	}
}

func paramsFromQueryString(q url.Values) (*graphql.RawParams, *requestError) {
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		m, err := decodeObject([]byte(v), "variables")
		if err != nil {
			return nil, err
		}
		p.Variables = m
	}
	if v := q.Get("extensions"); v != "" {
		m, err := decodeObject([]byte(v), "extensions")
		if err != nil {
			return nil, err
		}
		p.Extensions = m
	}
	return p, requireQuery(p)
}

func paramsFromBody(body []byte) (*graphql.RawParams, *requestError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest("The request body is empty. Send {\"query\": \"...\", \"variables\": {...}}.")
	}
	var fields map[string]json.RawMessage
	if err := strictDecode(body, &fields); err != nil || fields == nil {
		return nil, badRequest("The request body is not a JSON object. Send {\"query\": \"...\", \"variables\": {...}}.")
	}
	p := &graphql.RawParams{}
	for name, dst := range map[string]*string{"query": &p.Query, "operationName": &p.OperationName} {
		raw, ok := fields[name]
		if !ok || isNull(raw) {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return nil, badRequest("%q must be a string.", name)
		}
	}
	var err *requestError
	if raw, ok := fields["variables"]; ok && !isNull(raw) {
		if p.Variables, err = decodeObject(raw, "variables"); err != nil {
			return nil, err
		}
	}
	if raw, ok := fields["extensions"]; ok && !isNull(raw) {
		if p.Extensions, err = decodeObject(raw, "extensions"); err != nil {
			return nil, err
		}
	}
	return p, requireQuery(p)
}

// requireQuery rejects a request without a query, unless it names a
// persisted query (extensions.persistedQuery) for an extension to supply.
func requireQuery(p *graphql.RawParams) *requestError {
	if p.Query != "" {
		return nil
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return nil
	}
	return badRequest("The request has no query. Send {\"query\": \"...\"} (or ?query=... with GET).")
}

// decodeObject decodes a JSON object; numbers stay json.Number so that Int
// and Float variables keep their precision.
func decodeObject(raw []byte, name string) (map[string]any, *requestError) {
	var m map[string]any
	if err := strictDecode(raw, &m); err != nil || m == nil {
		return nil, badRequest("%q must be a JSON object, e.g. {\"id\": \"...\"}.", name)
	}
	return m, nil
}

// strictDecode decodes exactly one JSON value, with nothing after it.
func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// entityTag is a strong ETag for a response body: a hash of the media type
// and the bytes, which are all a cached representation varies by (the
// Accept-Language and Authorization it varies on already show in the body
// or keep it out of caches).
func entityTag(media string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(media))
	h.Write([]byte{0})
	h.Write(body)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// ifNoneMatch reports whether If-None-Match matches etag by the weak
// comparison of RFC 9110 section 13.1.2: "*", or any listed tag whose opaque
// part equals etag's, W/ or not.
func ifNoneMatch(values []string, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range values {
		s := v
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				return true
			}
			s = strings.TrimPrefix(s, "W/")
			if s == "" || s[0] != '"' {
				break // malformed: ignore the rest of this value
			}
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				break
			}
			if s[:end+2] == want {
				return true
			}
			s = s[end+2:]
		}
	}
	return false
}
