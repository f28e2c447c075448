//go:build tools

// Package tools pins the code generators copydesk uses, so `go run` gets the
// version in go.mod.
package tools

import _ "github.com/99designs/gqlgen"
