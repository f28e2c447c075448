package operations_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/operations"
)

const (
	one = `query One { serverInfo { version } }`
	two = `query Two { desks { name } }`
)

func apollo(ops ...map[string]any) string {
	raw, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
	return string(raw)
}

func op(name, body string) map[string]any {
	return map[string]any{"id": operations.Hash(body), "name": name, "type": "query", "body": body}
}

func TestParseManifestReadsBothFormats(t *testing.T) {
	relay, _ := json.Marshal(map[string]string{operations.Hash(two): two, strings.ToUpper(operations.Hash(one)): one})
	cases := []struct {
		name, manifest, format string
		hashes                 []string
	}{
		{"Apollo, in file order", apollo(op("Two", two), op("One", one)), operations.FormatApollo, []string{operations.Hash(two), operations.Hash(one)}},
		{"Apollo, a duplicate kept once", apollo(op("One", one), op("One", one)), operations.FormatApollo, []string{operations.Hash(one)}},
		{"Relay, by hash, upper-case accepted", string(relay), operations.FormatRelay, sorted(operations.Hash(one), operations.Hash(two))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := operations.ParseManifest([]byte(c.manifest), 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != c.format || len(m.Entries) != len(c.hashes) {
				t.Fatalf("got %s with %d entries, want %s with %d", m.Format, len(m.Entries), c.format, len(c.hashes))
			}
			for i, e := range m.Entries {
				if e.Hash != c.hashes[i] || operations.Hash(e.Body) != e.Hash {
					t.Errorf("entry %d: hash %s, want %s", i, e.Hash, c.hashes[i])
				}
			}
		})
	}
}

func sorted(a, b string) []string {
	if a > b {
		a, b = b, a
	}
	return []string{a, b}
}

func TestParseManifestRefusesTheWholeManifestNamingTheFirstBadEntry(t *testing.T) {
	wrong := op("Two", two)
	wrong["id"] = operations.Hash(one)
	cases := []struct{ name, manifest, has string }{
		{"empty", ``, "must be a JSON object"},
		{"an array", `[]`, "must be a JSON object"},
		{"broken JSON", `{"a": `, "not valid JSON"},
		{"a wrong hash", apollo(op("One", one), wrong), "operations[1] (Two): the id is not the SHA-256 of the body (which is " + operations.Hash(two) + ")"},
		{"no id", apollo(map[string]any{"name": "X", "body": one}), "operations[0] (X): every operation needs an `id`"},
		{"an empty body", apollo(map[string]any{"id": operations.Hash(""), "body": ""}), "operations[0]: the body is empty"},
		{"a bad type", apollo(map[string]any{"id": operations.Hash(one), "type": "fragment", "body": one}), `type "fragment" is not query`},
		{"no operations", apollo(), "has no operations"},
		{"version 2", `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "only version 1"},
		{"operations without format", `{"operations": []}`, "no `format`"},
		{"Relay's MD5", `{"0123456789abcdef0123456789abcdef": "query X { a }"}`, `"algorithm": "SHA256"`},
		{"a Relay value that is no string", `{"` + operations.Hash(one) + `": 3}`, "query text as a string"},
		{"a Relay key that is no hash", `{"GetReport": "query X { a }"}`, `the id "GetReport" is not a SHA-256`},
		{"too big a body", apollo(op("Big", "query Big { a }"+strings.Repeat(" ", 200))), "at most 100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := operations.ParseManifest([]byte(c.manifest), 100)
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			if cerr.Code(err) != cerr.Invalid || !strings.Contains(cerr.Message(err), c.has) {
				t.Errorf("got %v, want BAD_USER_INPUT containing %q", err, c.has)
			}
		})
	}
}

// FuzzParseManifest: whatever the input, ParseManifest returns a coded
// error or entries whose hashes are the SHA-256 of their bodies; it never
// panics.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(apollo(op("One", one), op("Two", two))))
	relay, _ := json.Marshal(map[string]string{operations.Hash(one): one})
	f.Add(relay)
	f.Add([]byte(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": null}]}`))
	f.Add([]byte(`{"": ""}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := operations.ParseManifest(data, 0)
		if err != nil {
			if cerr.Code(err) != cerr.Invalid {
				t.Fatalf("error without BAD_USER_INPUT: %v", err)
			}
			return
		}
		if len(m.Entries) == 0 || len(m.Entries) > operations.MaxManifestOperations {
			t.Fatalf("%d entries accepted", len(m.Entries))
		}
		seen := map[string]bool{}
		for _, e := range m.Entries {
			if operations.Hash(e.Body) != e.Hash || seen[e.Hash] || strings.TrimSpace(e.Body) == "" {
				t.Fatalf("entry %+v: hash does not match, repeats or body is empty", e)
			}
			seen[e.Hash] = true
		}
	})
}
