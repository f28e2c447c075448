package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/operations"
)

func TestOperationsRegisterAndList(t *testing.T) {
	setup(t)
	bodies := []string{`query One { serverInfo { version } }`, `query Two { desks { name } }`}
	var ops []map[string]any
	for i, b := range bodies {
		ops = append(ops, map[string]any{"id": operations.Hash(b), "name": []string{"One", "Two"}[i], "type": "query", "body": b})
	}
	raw, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
	dir := t.TempDir()
	file := filepath.Join(dir, "persisted-query-manifest.json")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	out := cli(t, "operations", "register", file).ok(t)
	if !strings.HasPrefix(out.stdout, "registered 2 operation(s), 0 already registered (apollo-persisted-query-manifest manifest ") {
		t.Errorf("register printed %q", out.stdout)
	}
	if out := cli(t, "operations", "register", file).ok(t); !strings.HasPrefix(out.stdout, "registered 0 operation(s), 2 already registered") {
		t.Errorf("registering again printed %q", out.stdout)
	}

	bad := filepath.Join(dir, "bad.json")
	badOps, _ := json.Marshal(map[string]string{operations.Hash(`{ nope }`): `{ nope }`})
	if err := os.WriteFile(bad, badOps, 0o644); err != nil {
		t.Fatal(err)
	}
	cli(t, "operations", "register", bad).fails(t, operations.Hash(`{ nope }`), "not a valid operation of this schema", `Cannot query field "nope"`)
	cli(t, "operations", "register", filepath.Join(dir, "missing.json")).fails(t, "reading the manifest")
	cli(t, "operations", "register").fails(t, "give one manifest FILE")

	list := cli(t, "operations", "list").ok(t).stdout
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "HASH") {
		t.Fatalf("list:\n%s", list)
	}
	for i, name := range []string{"Two", "One"} { // newest first
		if f := strings.Fields(lines[i+1]); f[0] != operations.Hash(bodies[1-i]) || f[1] != "manifest" || f[2] != name {
			t.Errorf("line %d: %q", i+1, lines[i+1])
		}
	}
	if apq := cli(t, "operations", "list", "--source", "apq").ok(t).stdout; strings.Count(apq, "\n") != 1 {
		t.Errorf("list --source apq:\n%s", apq)
	}
	cli(t, "operations", "list", "--source", "other").fails(t, "--source")

	cli(t, "operations", "unregister", operations.Hash(bodies[0])).ok(t)
	if list := cli(t, "operations", "list").ok(t).stdout; strings.Contains(list, operations.Hash(bodies[0])) {
		t.Errorf("unregistered operation still listed:\n%s", list)
	}
	cli(t, "operations", "unregister", operations.Hash(bodies[0])).fails(t, "No operation is registered")
}

func TestServeRefusesAnUnknownPublicOperationsMode(t *testing.T) {
	cli(t, "serve", "--public-operations", "some").fails(t, `--public-operations: "some" is not one of any, allowlist`)
	cli(t, "serve", "--apq-max", "0").fails(t, "--apq-max")
}
