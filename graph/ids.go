package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/copydesk/copydesk/internal/cerr"
)

// Global IDs are base64url("Type:number"): opaque to clients, stable, and
// enough for node(id:) to know which table to read.

// encodeID returns the global ID of object number id of type typ.
func encodeID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// decodeAnyID returns the type and number inside a global ID, or a
// BAD_USER_INPUT error naming field.
func decodeAnyID(field, gid string) (string, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(gid, "="))
	if err == nil {
		if typ, num, ok := strings.Cut(string(raw), ":"); ok && typ != "" {
			if id, err := strconv.ParseInt(num, 10, 64); err == nil && id > 0 {
				return typ, id, nil
			}
		}
	}
	return "", 0, cerr.FieldErrorf(cerr.Invalid, field, "%q is not a copydesk ID. Use an id returned by the API.", truncate(gid, 80))
}

// decodeID returns the number inside a global ID that must be of type typ.
func decodeID(field, typ, gid string) (int64, error) {
	got, id, err := decodeAnyID(field, gid)
	if err != nil {
		return 0, err
	}
	if got != typ {
		return 0, cerr.FieldErrorf(cerr.Invalid, field, "Expected the ID of a %s, got the ID of a %s.", typ, got)
	}
	return id, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
