package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/locale"
)

// Global IDs are base64url("Type:number"): opaque to clients, stable, and
// enough for node(id:) to know which table to read. A translation, keyed by
// its report and locale, is base64url("ReportTranslation:number:locale").

// encodeID returns the global ID of object number id of type typ.
func encodeID(typ string, id int64) string { return model.GlobalID(typ, id) }

// encodeTranslationID returns the global ID of a report's translation.
func encodeTranslationID(reportID int64, loc string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeTranslation + ":" + strconv.FormatInt(reportID, 10) + ":" + loc))
}

// splitID returns the type and the rest of a global ID.
func splitID(field, gid string) (typ, rest string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(gid, "="))
	if err == nil {
		if typ, rest, ok := strings.Cut(string(raw), ":"); ok && typ != "" && rest != "" {
			return typ, rest, nil
		}
	}
	return "", "", cerr.FieldErrorf(cerr.Invalid, field, "%q is not a copydesk ID. Use an id returned by the API.", truncate(gid, 80))
}

// decodeAnyID returns the type and number inside a global ID (for a
// translation, its report's number), or a BAD_USER_INPUT error naming field.
func decodeAnyID(field, gid string) (string, int64, error) {
	typ, rest, err := splitID(field, gid)
	if err != nil {
		return "", 0, err
	}
	num := rest
	if typ == typeTranslation {
		num, _, _ = strings.Cut(rest, ":")
	}
	if id, err := strconv.ParseInt(num, 10, 64); err == nil && id > 0 {
		return typ, id, nil
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

// decodeTranslationID returns the report number and locale inside a
// translation's global ID.
func decodeTranslationID(field, gid string) (int64, string, error) {
	id, err := decodeID(field, typeTranslation, gid)
	if err != nil {
		return 0, "", err
	}
	_, rest, _ := splitID(field, gid)
	_, loc, _ := strings.Cut(rest, ":")
	if c, err := locale.Canonical(loc); err == nil && c == loc {
		return id, loc, nil
	}
	return 0, "", cerr.FieldErrorf(cerr.Invalid, field, "%q is not a copydesk ID. Use an id returned by the API.", truncate(gid, 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
