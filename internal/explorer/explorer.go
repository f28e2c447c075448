// Package explorer serves an interactive GraphQL explorer (GraphiQL) for the
// copydesk API.
//
// The page and its assets are built from npm packages at development time
// (see build.sh and README.md) and embedded into the binary from dist/, so
// serving the explorer needs neither npm nor any network access, and the page
// loads nothing from any other host: its Content-Security-Policy allows only
// this origin (plus data: fonts and images, and WebSocket connections for
// subscriptions).
package explorer

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed dist/index.html dist/explorer.js dist/explorer.css
var dist embed.FS

const (
	// assetPrefix is the URL path under which the bundle's files are served.
	assetPrefix = "/explorer/"

	// noncePlaceholder is replaced in index.html by a fresh CSP nonce on
	// every request (see web/src/main.jsx for why the page needs one).
	noncePlaceholder = "__CSP_NONCE__"

	assetCacheControl = "public, max-age=3600"
)

// assetTypes lists the files served under assetPrefix and their content
// types. Anything else under the prefix is a 404.
var assetTypes = map[string]string{
	"explorer.js":  "text/javascript; charset=utf-8",
	"explorer.css": "text/css; charset=utf-8",
}

// Handler serves the explorer page at "/" and its assets under "/explorer/".
//
// Only GET and HEAD are allowed. Any other path it is asked to serve is a
// 404, so mount it for exactly "/" and "/explorer/" (or behind a router that
// sends it only those paths).
func Handler() http.Handler {
	h, err := load()
	if err != nil {
		// The files are embedded at compile time; failing here means the
		// committed dist/ is broken, not a runtime condition.
		panic("explorer: " + err.Error())
	}
	return h
}

type handler struct {
	page   string // index.html with versioned asset URLs, nonce placeholder intact
	assets map[string]*asset
}

type asset struct {
	contentType string
	body        []byte
	etag        string

	gzipOnce sync.Once
	gzipBody []byte
	gzipETag string
}

func load() (*handler, error) {
	h := &handler{assets: make(map[string]*asset, len(assetTypes))}
	page, err := fs.ReadFile(dist, "dist/index.html")
	if err != nil {
		return nil, err
	}
	h.page = string(page)
	if !strings.Contains(h.page, noncePlaceholder) {
		return nil, fmt.Errorf("dist/index.html lacks the %s placeholder", noncePlaceholder)
	}
	for name, contentType := range assetTypes {
		body, err := fs.ReadFile(dist, "dist/"+name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		version := hex.EncodeToString(sum[:8])
		h.assets[name] = &asset{
			contentType: contentType,
			body:        body,
			etag:        `"` + version + `"`,
		}
		// Version the URLs in the page so that a new build is picked up at
		// once despite the assets' max-age.
		ref := `"` + assetPrefix + name + `"`
		if !strings.Contains(h.page, ref) {
			return nil, fmt.Errorf("dist/index.html does not reference %s", ref)
		}
		h.page = strings.ReplaceAll(h.page, ref, `"`+assetPrefix+name+"?v="+version+`"`)
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/":
		if !allowMethod(w, r) {
			return
		}
		h.servePage(w, r)
	case strings.HasPrefix(path, assetPrefix):
		a, ok := h.assets[strings.TrimPrefix(path, assetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowMethod(w, r) {
			return
		}
		a.serve(w, r)
	default:
		http.NotFound(w, r)
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// contentSecurityPolicy is the page's policy: everything from this origin
// only, inline styles only with the request's nonce, no inline scripts or
// eval, fonts and images also from data: URLs (the bundled fonts are data:
// URLs), and WebSockets (ws:/wss:) for GraphQL subscriptions.
func contentSecurityPolicy(nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"connect-src 'self' ws: wss:",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	nonce := newNonce()
	body := strings.ReplaceAll(h.page, noncePlaceholder, nonce)

	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
	hdr.Set("Cache-Control", "no-store") // the nonce is per response
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

func newNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", assetCacheControl)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Add("Vary", "Accept-Encoding")

	body, etag := a.body, a.etag
	if acceptsGzip(r) {
		a.gzipOnce.Do(a.compress)
		if a.gzipBody != nil {
			body, etag = a.gzipBody, a.gzipETag
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// compress gzips the asset once, on first demand, rather than at start-up
// or in the repository.
func (a *asset) compress() {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return
	}
	if _, err := zw.Write(a.body); err != nil {
		return
	}
	if err := zw.Close(); err != nil {
		return
	}
	a.gzipBody = buf.Bytes()
	a.gzipETag = strings.TrimSuffix(a.etag, `"`) + `-gzip"`
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (listed, or covered by "*", and not with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, field := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(field, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q="), "0.") == "" {
				return false
			}
			return true
		}
	}
	return false
}
