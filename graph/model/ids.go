package model

import (
	"encoding/base64"
	"strconv"
)

// GlobalID returns the global ID of object number id of GraphQL type typ:
// base64url("Type:number"), opaque to clients and enough for node(id:) to
// know which table to read (graph/ids.go decodes it).
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}
