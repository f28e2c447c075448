package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// API tokens look like "cdk_" followed by the unpadded base64url encoding of
// 32 random bytes (43 characters). Only SHA-256(token) is stored.
const (
	TokenPrefix    = "cdk_"
	tokenBytes     = 32
	tokenSecretLen = 43 // base64.RawURLEncoding.EncodedLen(tokenBytes)
	// TokenLen is the length of a whole token.
	TokenLen = len(TokenPrefix) + tokenSecretLen
	// DisplayPrefixLen is how many characters of the secret part a token
	// list shows (Token.Prefix).
	DisplayPrefixLen = 8
)

// NewToken returns a fresh API token, its SHA-256 hash (what the database
// keeps) and its display prefix (the first 8 characters after "cdk_").
func NewToken() (token string, hash []byte, prefix string, err error) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	token = TokenPrefix + secret
	return token, HashToken(token), secret[:DisplayPrefixLen], nil
}

// HashToken returns SHA-256(token), the key a token is stored and looked up by.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// value (the scheme compared case-insensitively, spaces around the token
// ignored) and whether there was a non-empty one. Whether the token is
// well formed is ParseToken's business.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// ParseToken extracts an API token from s, which is either the token itself
// or an Authorization header value ("Bearer cdk_…", the scheme compared
// case-insensitively), with surrounding spaces ignored. It returns false
// unless the token has the shape NewToken gives: "cdk_" and the canonical
// unpadded base64url encoding of 32 bytes.
func ParseToken(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > len("bearer ") && strings.EqualFold(s[:len("bearer ")], "bearer ") {
		s = strings.TrimLeft(s[len("bearer "):], " ")
	}
	if len(s) != TokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return "", false
	}
	secret := s[len(TokenPrefix):]
	b, err := base64.RawURLEncoding.Strict().DecodeString(secret)
	if err != nil || len(b) != tokenBytes {
		return "", false
	}
	return s, true
}
