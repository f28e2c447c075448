package auth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash, prefix, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %s generated twice", tok)
		}
		seen[tok] = true
		if !strings.HasPrefix(tok, "cdk_") || len(tok) != auth.TokenLen {
			t.Fatalf("token %q: want cdk_ and %d characters", tok, auth.TokenLen)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok[4:])
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q does not encode 32 bytes: %v", tok, err)
		}
		want := sha256.Sum256([]byte(tok))
		if !bytes.Equal(hash, want[:]) || !bytes.Equal(auth.HashToken(tok), want[:]) {
			t.Fatalf("hash of %q is not SHA-256 of the token", tok)
		}
		if prefix != tok[4:12] {
			t.Fatalf("prefix %q, want %q", prefix, tok[4:12])
		}
		if got, ok := auth.ParseToken(tok); !ok || got != tok {
			t.Fatalf("ParseToken(%q) = %q, %v", tok, got, ok)
		}
	}
}

func TestParseToken(t *testing.T) {
	tok, _, _, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	valid := []string{tok, "Bearer " + tok, "bearer " + tok, "BEARER  " + tok, "  Bearer " + tok + " \t"}
	for _, s := range valid {
		if got, ok := auth.ParseToken(s); !ok || got != tok {
			t.Errorf("ParseToken(%q) = %q, %v; want the token", s, got, ok)
		}
	}
	last := tok[len(tok)-1]
	flipped := "A"
	if last == 'A' {
		flipped = "B"
	}
	invalid := []string{
		"", "Bearer", "Bearer ", "cdk_", tok[:len(tok)-1], tok + "A", "xyz_" + tok[4:],
		"Basic " + tok, "Bearer" + tok, strings.ToUpper(tok[:4]) + tok[4:],
		tok[:10] + "+" + tok[11:], tok[:10] + "/" + tok[11:], tok[:10] + "=" + tok[11:],
		tok[:len(tok)-1] + flipped + "=",
		"cdk_" + strings.Repeat("_", 43) + "/",
		"cdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", // non-zero padding bits
	}
	for _, s := range invalid {
		if got, ok := auth.ParseToken(s); ok {
			t.Errorf("ParseToken(%q) = %q, true; want false", s, got)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _, _, err := auth.NewToken()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{tok, "Bearer " + tok, "", "Bearer ", "cdk_", "bearer cdk_AAAA", "cdk_" + strings.Repeat("A", 43), "Bearer \x00" + tok} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := auth.ParseToken(s)
		if !ok {
			if got != "" {
				t.Fatalf("ParseToken(%q) = %q with ok false", s, got)
			}
			return
		}
		if len(got) != auth.TokenLen || !strings.HasPrefix(got, "cdk_") || !strings.Contains(s, got) {
			t.Fatalf("ParseToken(%q) = %q", s, got)
		}
		raw, err := base64.RawURLEncoding.DecodeString(got[4:])
		if err != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != got[4:] {
			t.Fatalf("ParseToken(%q) = %q: not the canonical encoding of 32 bytes", s, got)
		}
		// Parsing is idempotent and accepts the header form of its result.
		for _, again := range []string{got, "Bearer " + got} {
			if g2, ok := auth.ParseToken(again); !ok || g2 != got {
				t.Fatalf("ParseToken(%q) = %q, %v after ParseToken(%q) = %q", again, g2, ok, s, got)
			}
		}
	})
}
