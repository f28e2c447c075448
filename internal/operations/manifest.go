// Package operations holds copydesk's persisted GraphQL operations: the
// documents clients may run by their SHA-256 instead of their text. It
// parses and verifies the manifests frontends produce at build time, and
// its Registry keeps operations in PostgreSQL (shared by every instance)
// behind a small in-process cache. It does not parse GraphQL against the
// schema: callers pass a Checker for that (graph.CheckOperation).
package operations

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
)

// Operation is one persisted operation.
type Operation = editorial.PersistedOperation

// Source says how an operation was registered: SourceAPQ or SourceManifest.
type Source = editorial.PersistedSource

// The sources.
const (
	SourceAPQ      = editorial.PersistedAPQ
	SourceManifest = editorial.PersistedManifest
)

// Limits of what is persisted.
const (
	// DefaultMaxBodyBytes is the largest document persisted (64 KiB):
	// larger APQ queries still run but are not stored, and a manifest
	// entry larger than this is refused.
	DefaultMaxBodyBytes = 64 << 10
	// MaxManifestOperations is the most operations one manifest may hold.
	MaxManifestOperations = 10000
	// MaxManifestBytes is the largest manifest accepted (16 MiB).
	MaxManifestBytes = 16 << 20
)

// Manifest formats.
const (
	FormatApollo = "apollo-persisted-query-manifest" // {"format": …, "version": 1, "operations": [{id, name, type, body}]}
	FormatRelay  = "relay"                           // {"<sha256>": "<text>"}
)

// Hash is the persisted-operation ID of body: the lower-case hex SHA-256
// of its exact UTF-8 bytes, as Apollo's and Relay's tools compute it.
func Hash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

var (
	sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	md5Hex    = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
)

// ValidHash reports whether h is written as a SHA-256 in hex (either case).
func ValidHash(h string) bool { return sha256Hex.MatchString(h) }

// Entry is one operation of a manifest.
type Entry struct {
	// Label names the entry in error messages: "operations[3] (GetReport)"
	// for Apollo, the hash for Relay.
	Label string
	Hash  string // lower-case
	Name  string // Apollo's name; "" for Relay (the Checker supplies it)
	Type  string // Apollo's type: query, mutation or subscription; "" for Relay
	Body  string
}

// Manifest is a parsed, verified manifest: its entries in the file's order
// (Relay's: by hash), duplicates removed.
type Manifest struct {
	Format  string
	Entries []Entry
}

// Digest identifies the manifest's set of operations: the SHA-256 of its
// sorted hashes, for the audit trail.
func (m *Manifest) Digest() string {
	hs := make([]string, len(m.Entries))
	for i, e := range m.Entries {
		hs[i] = e.Hash
	}
	sort.Strings(hs)
	return Hash(strings.Join(hs, "\n"))
}

// ParseManifest reads an Apollo persisted-query manifest or a Relay
// persisted-queries.json map and verifies that every ID is the SHA-256 of
// its body, that no body is empty or larger than maxBody bytes
// (DefaultMaxBodyBytes when 0), and that there are between 1 and
// MaxManifestOperations operations. Any failure is BAD_USER_INPUT naming
// the first bad entry; nothing of a bad manifest is to be registered.
func ParseManifest(data []byte, maxBody int) (*Manifest, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if len(data) > MaxManifestBytes {
		return nil, invalid("The manifest is %d bytes; the limit is %d. Split it and register each part.", len(data), MaxManifestBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, invalid("The manifest must be a JSON object: an Apollo persisted-query manifest (%q) or a Relay persisted-queries.json map of SHA-256 to query text.", FormatApollo)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, invalid("The manifest is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, ok := probe["format"]; ok {
		return parseApollo(data, maxBody)
	}
	if _, ok := probe["operations"]; ok {
		return nil, invalid("The manifest has `operations` but no `format`: an Apollo manifest starts with \"format\": %q, \"version\": 1.", FormatApollo)
	}
	return parseRelay(probe, maxBody)
}

func parseApollo(data []byte, maxBody int) (*Manifest, error) {
	var doc struct {
		Format     string `json:"format"`
		Version    int    `json:"version"`
		Operations []struct {
			ID   *string `json:"id"`
			Name string  `json:"name"`
			Type string  `json:"type"`
			Body *string `json:"body"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, invalid("The manifest does not have the shape of an Apollo persisted-query manifest: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	if doc.Format != FormatApollo {
		return nil, invalid("The manifest's format is %q; the only one known is %q (or send a Relay map without `format`).", cerr.Clip(doc.Format, 60), FormatApollo)
	}
	if doc.Version != 1 {
		return nil, invalid("The manifest's version is %d; only version 1 of %q is supported.", doc.Version, FormatApollo)
	}
	if err := count(len(doc.Operations)); err != nil {
		return nil, err
	}
	m := &Manifest{Format: FormatApollo}
	seen := map[string]bool{}
	for i, op := range doc.Operations {
		label := fmt.Sprintf("operations[%d]", i)
		if op.Name != "" {
			label += fmt.Sprintf(" (%s)", cerr.Clip(op.Name, 80))
		}
		if op.ID == nil || op.Body == nil {
			return nil, invalid("%s: every operation needs an `id` (the SHA-256 of its body) and a `body`.", label)
		}
		switch op.Type {
		case "", "query", "mutation", "subscription":
		default:
			return nil, invalid("%s: type %q is not query, mutation or subscription.", label, cerr.Clip(op.Type, 40))
		}
		e, err := entry(label, *op.ID, *op.Body, maxBody)
		if err != nil {
			return nil, err
		}
		if seen[e.Hash] {
			continue
		}
		seen[e.Hash] = true
		e.Name, e.Type = op.Name, op.Type
		m.Entries = append(m.Entries, e)
	}
	return m, nil
}

func parseRelay(probe map[string]json.RawMessage, maxBody int) (*Manifest, error) {
	if err := count(len(probe)); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(probe))
	for k := range probe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := &Manifest{Format: FormatRelay}
	seen := map[string]bool{}
	for _, k := range keys {
		label := fmt.Sprintf("%q", cerr.Clip(k, 70))
		var body string
		if err := json.Unmarshal(probe[k], &body); err != nil {
			return nil, invalid("%s: a Relay persisted-queries.json maps each SHA-256 to the query text as a string.", label)
		}
		if md5Hex.MatchString(k) {
			return nil, invalid("%s: this looks like an MD5 (Relay's default); copydesk accepts SHA-256 only. Set \"persistConfig\": {\"file\": …, \"algorithm\": \"SHA256\"} in relay.config.json and build again.", label)
		}
		e, err := entry(label, k, body, maxBody)
		if err != nil {
			return nil, err
		}
		if seen[e.Hash] {
			continue
		}
		seen[e.Hash] = true
		m.Entries = append(m.Entries, e)
	}
	return m, nil
}

func entry(label, id, body string, maxBody int) (Entry, error) {
	if !ValidHash(id) {
		return Entry{}, invalid("%s: the id %q is not a SHA-256 in hex (64 characters 0-9, a-f).", label, cerr.Clip(id, 70))
	}
	if strings.TrimSpace(body) == "" {
		return Entry{}, invalid("%s: the body is empty.", label)
	}
	if len(body) > maxBody {
		return Entry{}, invalid("%s: the body is %d bytes; persisted operations may be at most %d.", label, len(body), maxBody)
	}
	h := strings.ToLower(id)
	if got := Hash(body); got != h {
		return Entry{}, invalid("%s: the id is not the SHA-256 of the body (which is %s): hash the exact body text, as UTF-8, with nothing added.", label, got)
	}
	return Entry{Label: label, Hash: h, Body: body}, nil
}

func count(n int) error {
	if n == 0 {
		return invalid("The manifest has no operations.")
	}
	if n > MaxManifestOperations {
		return invalid("The manifest has %d operations; the limit is %d. Split it and register each part.", n, MaxManifestOperations)
	}
	return nil
}

func invalid(format string, args ...any) error { return cerr.Errorf(cerr.Invalid, format, args...) }
