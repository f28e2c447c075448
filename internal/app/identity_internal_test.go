package app

import "testing"

func TestExplorerBase(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":8080":          "http://127.0.0.1:8080",
		"0.0.0.0:9000":   "http://127.0.0.1:9000",
		"[::1]:8080":     "http://[::1]:8080",
		"127.0.0.1:0":    "http://127.0.0.1:PORT",
		"":               "http://127.0.0.1:PORT",
	} {
		if got := explorerBase(addr); got != want {
			t.Errorf("explorerBase(%q) = %q, want %q", addr, got, want)
		}
	}
}
