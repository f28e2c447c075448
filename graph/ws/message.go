package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/internal/auth"
)

// message is a client message of graphql-transport-ws.
type message struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// outMessage is a server message.
type outMessage struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type"`
	Payload any    `json:"payload,omitempty"`
}

func encode(m outMessage) []byte {
	if raw, ok := m.Payload.(json.RawMessage); ok && isNull(raw) {
		m.Payload = nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		// Only a result gqlgen could not marshal gets here; say so rather
		// than sending nothing.
		b, _ = json.Marshal(outMessage{ID: m.ID, Type: "error", Payload: []map[string]any{{"message": "Internal error.", "extensions": map[string]any{"code": "INTERNAL"}}}})
	}
	return b
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// decodeMessage parses a client message: a JSON object with a string type.
func decodeMessage(data []byte) (message, error) {
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		return m, errors.New("not a JSON object with string type and id")
	}
	if m.Type == "" {
		return m, errors.New(`"type" is missing`)
	}
	return m, nil
}

// decodeSubscribe checks a subscribe message and returns its operation.
func decodeSubscribe(m message) (*graphql.RawParams, error) {
	if m.ID == "" {
		return nil, errors.New(`subscribe needs an "id"`)
	}
	if isNull(m.Payload) {
		return nil, errors.New(`subscribe needs a "payload" with the "query"`)
	}
	var shape struct {
		Query *string `json:"query"`
	}
	if err := json.Unmarshal(m.Payload, &shape); err != nil {
		return nil, errors.New(`the subscribe "payload" must be {"query": "...", "variables": {...}}`)
	}
	if shape.Query == nil {
		return nil, errors.New(`the subscribe "payload" has no "query"`)
	}
	var p graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(m.Payload))
	dec.UseNumber() // as gqlgen's HTTP transports decode variables
	if err := dec.Decode(&p); err != nil {
		return nil, errors.New(`the subscribe "payload" must be {"query": "...", "variables": {...}}`)
	}
	return &p, nil
}

// initToken returns the token a connection_init payload carries: in
// "Authorization" or "authorization" ("Bearer <token>", or the bare token),
// or in "authToken" or "token" (the bare token). "" when there is none.
func initToken(payload json.RawMessage) (string, error) {
	if isNull(payload) {
		return "", nil
	}
	var fields map[string]any
	if err := json.Unmarshal(payload, &fields); err != nil {
		return "", errors.New("the connection_init payload must be an object")
	}
	for _, key := range []string{"Authorization", "authorization", "authToken", "token"} {
		v, ok := fields[key]
		if !ok || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("connection_init %q must be a string", key)
		}
		s = strings.TrimSpace(s)
		if t, ok := auth.BearerToken(s); ok {
			s = t
		}
		if s != "" {
			return s, nil
		}
	}
	return "", nil
}
