package explorer

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func getPage(t *testing.T, h http.Handler) (*httptest.ResponseRecorder, string) {
	t.Helper()
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	return rec, rec.Body.String()
}

func TestPage(t *testing.T) {
	rec, page := getPage(t, Handler())
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if !strings.Contains(page, "copydesk") {
		t.Error("page does not mention copydesk")
	}
	if !strings.Contains(page, "<title>copydesk explorer</title>") {
		t.Error("page title is not \"copydesk explorer\"")
	}
	for _, s := range []string{"http://", "https://", "//cdn", noncePlaceholder} {
		if strings.Contains(page, s) {
			t.Errorf("page contains %q", s)
		}
	}
}

var (
	scriptSrcRE = regexp.MustCompile(`(?is)<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)`)
	linkHrefRE  = regexp.MustCompile(`(?is)<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)`)
	scriptTagRE = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	jsTypeRE    = regexp.MustCompile(`^(text|application)/javascript\b`)
	cssTypeRE   = regexp.MustCompile(`^text/css\b`)
)

func TestPageReferencesOnlyLocalAssets(t *testing.T) {
	h := Handler()
	_, page := getPage(t, h)

	type ref struct {
		url    string
		wantCT *regexp.Regexp
	}
	var refs []ref
	for _, m := range scriptSrcRE.FindAllStringSubmatch(page, -1) {
		refs = append(refs, ref{m[1], jsTypeRE})
	}
	for _, m := range linkHrefRE.FindAllStringSubmatch(page, -1) {
		refs = append(refs, ref{m[1], cssTypeRE})
	}
	if n := len(scriptTagRE.FindAllString(page, -1)); n != len(scriptSrcRE.FindAllString(page, -1)) {
		t.Errorf("page has %d <script> tags, only %d with src: inline scripts are blocked by the CSP", n, len(scriptSrcRE.FindAllString(page, -1)))
	}
	var sawJS, sawCSS bool
	for _, r := range refs {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("bad URL %q: %v", r.url, err)
			continue
		}
		if u.Scheme != "" || u.Host != "" || strings.HasPrefix(r.url, "//") {
			t.Errorf("%q is not a relative or root-relative path", r.url)
			continue
		}
		target := u.String()
		if !strings.HasPrefix(target, "/") {
			target = "/" + target // relative to the page at "/"
		}
		rec := get(t, h, http.MethodGet, target, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", target, rec.Code)
			continue
		}
		ct := rec.Header().Get("Content-Type")
		if !r.wantCT.MatchString(ct) {
			t.Errorf("GET %s: Content-Type = %q, want %v", target, ct, r.wantCT)
		}
		if rec.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", target)
		}
		sawJS = sawJS || r.wantCT == jsTypeRE
		sawCSS = sawCSS || r.wantCT == cssTypeRE
	}
	if !sawJS || !sawCSS {
		t.Errorf("page references script: %v, stylesheet: %v; want both", sawJS, sawCSS)
	}
}

func TestAssets(t *testing.T) {
	h := Handler()
	for name, want := range map[string]*regexp.Regexp{
		"/explorer/explorer.js":  jsTypeRE,
		"/explorer/explorer.css": cssTypeRE,
	} {
		rec := get(t, h, http.MethodGet, name, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", name, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); !want.MatchString(ct) {
			t.Errorf("GET %s: Content-Type = %q", name, ct)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Errorf("GET %s: Cache-Control = %q", name, cc)
		}
		if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s without Accept-Encoding: Content-Encoding = %q", name, rec.Header().Get("Content-Encoding"))
		}
		embedded, err := fs.ReadFile(dist, "dist"+strings.TrimPrefix(name, "/explorer"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body.Bytes(), embedded) {
			t.Errorf("GET %s: body differs from the embedded file", name)
		}

		// Conditional request.
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", name)
		} else if rec := get(t, h, http.MethodGet, name, http.Header{"If-None-Match": {etag}}); rec.Code != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match = %d, want 304", name, rec.Code)
		}

		// gzip.
		rec = get(t, h, http.MethodGet, name, http.Header{"Accept-Encoding": {"br, gzip, deflate"}})
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s with Accept-Encoding gzip = %d, Content-Encoding %q", name, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		if rec.Header().Get("ETag") == etag {
			t.Errorf("GET %s: gzip and identity responses share ETag %s", name, etag)
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain, embedded) {
			t.Errorf("GET %s: gunzipped body differs from the embedded file", name)
		}

		// HEAD.
		rec = get(t, h, http.MethodHead, name, nil)
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("HEAD %s = %d with %d body bytes", name, rec.Code, rec.Body.Len())
		}
	}
}

func TestCSSLoadsNothingRemote(t *testing.T) {
	css, err := fs.ReadFile(dist, "dist/explorer.css")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ToLower(string(css))
	if regexp.MustCompile(`@import\s*(url\()?\s*["']?\s*(https?:)?//`).MatchString(s) {
		t.Error("explorer.css @imports a remote URL")
	}
	if strings.Contains(s, "@import") {
		t.Error("explorer.css contains @import (esbuild should have inlined it)")
	}
	for _, m := range regexp.MustCompile(`url\(\s*["']?([^"')]*)`).FindAllStringSubmatch(s, -1) {
		if !strings.HasPrefix(m[1], "data:") {
			t.Errorf("explorer.css has url(%.60s), want only data: URLs", m[1])
		}
	}
	if strings.Contains(s, "url(http") || strings.Contains(s, "fonts.googleapis") {
		t.Error("explorer.css references a remote URL")
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	h := Handler()
	rec, page := getPage(t, h)
	csp := rec.Header().Get("Content-Security-Policy")
	if csp == "" {
		t.Fatal("no Content-Security-Policy header")
	}
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"connect-src":     "'self' ws: wss:",
		"img-src":         "'self' data:",
		"font-src":        "'self' data:",
		"frame-ancestors": "'none'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("CSP %s = %q, want %q", name, got, want)
		}
	}
	style := directives["style-src"]
	if !strings.HasPrefix(style, "'self' 'nonce-") || strings.Contains(style, "unsafe") {
		t.Errorf("CSP style-src = %q, want 'self' plus a nonce", style)
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("CSP allows too much: %q", csp)
	}

	// The nonce is fresh per response and is the one on the script tag.
	nonce := strings.TrimSuffix(strings.TrimPrefix(style, "'self' 'nonce-"), "'")
	if !strings.Contains(page, `nonce="`+nonce+`"`) {
		t.Errorf("page does not carry the CSP nonce %q", nonce)
	}
	rec2, _ := getPage(t, h)
	if rec2.Header().Get("Content-Security-Policy") == csp {
		t.Error("two responses share a CSP nonce")
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store", cc)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler()
	for _, path := range []string{
		"/index.html",
		"/graphiql",
		"/favicon.ico",
		"/explorer",
		"/explorer/",
		"/explorer/index.html",
		"/explorer/nope.js",
		"/explorer/explorer.js/x",
		"/explorer/../explorer.js",
	} {
		if rec := get(t, h, http.MethodGet, path, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
	for _, path := range []string{"/", "/explorer/explorer.js"} {
		rec := get(t, h, http.MethodPost, path, nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s = %d (Allow %q), want 405", path, rec.Code, rec.Header().Get("Allow"))
		}
	}
	rec := get(t, h, http.MethodHead, "/", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD / = %d with %d body bytes", rec.Code, rec.Body.Len())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 true,
		"GZIP":                 true,
		"br, gzip;q=0.5":       true,
		"deflate, br":          false,
		"gzip;q=0":             false,
		"gzip; q=0.000":        false,
		"*":                    true,
		"identity":             false,
		"x-gzip":               true,
		"gzip;q=0.001, br":     true,
		"br;q=1.0, gzip;q=0.0": false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			req.Header.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(req); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
