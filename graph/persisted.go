package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/go-viper/mapstructure/v2"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/graph/cost"
	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/operations"
)

// Codes of the persisted-operation protocol, in extensions.code (README,
// "Persisted operations").
const (
	// CodePersistedQueryNotFound: the request sent a persistedQuery hash
	// without the query, and no operation is registered under it (for the
	// public in allowlist mode: no manifest operation). The message is
	// "PersistedQueryNotFound", which Apollo Client and urql recognise:
	// they send the request again with the query text.
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// CodePersistedQueryRequired: in allowlist mode, the public audience
	// sent an operation no manifest registered.
	CodePersistedQueryRequired = "PERSISTED_QUERY_REQUIRED"
	// CodeIntrospectionDisabled: the public audience asked for __schema or
	// __type where --public-introspection=false.
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
)

// PublicOperations says which operations the public audience (anonymous
// requests and READ_PUBLISHED tokens) may run.
type PublicOperations string

// The modes of PublicOperations.
const (
	// PublicAny: any valid operation, ad hoc or by hash; hashes the public
	// sends with their text are registered automatically (APQ). The default.
	PublicAny PublicOperations = "any"
	// PublicAllowlist: only operations registered from a manifest, by hash
	// or by their exact text; nothing is registered automatically for the
	// public. The newsroom keeps ad-hoc operations and APQ.
	PublicAllowlist PublicOperations = "allowlist"
)

// ParsePublicOperations reads the --public-operations flag.
func ParsePublicOperations(s string) (PublicOperations, error) {
	switch m := PublicOperations(strings.ToLower(strings.TrimSpace(s))); m {
	case "", PublicAny:
		return PublicAny, nil
	case PublicAllowlist:
		return m, nil
	}
	return "", fmt.Errorf("%q is not one of any, allowlist", s)
}

// persisted is the gqlgen extension for persisted operations: it replaces
// gqlgen's extension.AutomaticPersistedQuery, whose mismatch and version
// errors carry no code and which stores every hash it is sent, valid or
// not, for anyone. It supplies the document of a request sent by hash
// (MutateOperationParameters, before the cost limiter measures it),
// enforces the allowlist, and registers APQ operations only once gqlgen
// has validated them (MutateOperationContext).
type persisted struct {
	reg  *operations.Registry
	mode PublicOperations
}

var (
	_ graphql.OperationParameterMutator = (*persisted)(nil)
	_ graphql.OperationContextMutator   = (*persisted)(nil)
)

func (*persisted) ExtensionName() string                   { return "PersistedOperations" }
func (*persisted) Validate(graphql.ExecutableSchema) error { return nil }

// pendingKey names the Stats extension that carries an APQ registration
// from MutateOperationParameters to MutateOperationContext.
const pendingKey = "copydesk.persisted"

type pending struct{ hash string }

func protocolError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

func notRegistered() *gqlerror.Error {
	return protocolError(CodePersistedQueryRequired, "This operation is not registered: the public API runs only the operations of registered manifests. "+
		"Register the frontend's persisted-query manifest (registerPersistedOperations, or `copydesk operations register`), or send a newsroom token.")
}

// storageError hands a storage failure to the presenter, which maps a
// transient one to UNAVAILABLE and logs anything else as INTERNAL.
func storageError(err error) *gqlerror.Error {
	return &gqlerror.Error{Message: "Internal error.", Err: err}
}

func (p *persisted) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	public := !auth.ViewerFrom(ctx).SeesDrafts()
	allowlist := public && p.mode == PublicAllowlist
	ext, sent := raw.Extensions["persistedQuery"]
	if !sent || ext == nil {
		if !allowlist || raw.Query == "" {
			return nil
		}
		_, src, ok, err := p.reg.Lookup(ctx, operations.Hash(raw.Query))
		if err != nil {
			return storageError(err)
		}
		if !ok || src != operations.SourceManifest {
			return notRegistered()
		}
		return nil
	}
	var pq struct {
		Sha256  string `mapstructure:"sha256Hash"`
		Version int64  `mapstructure:"version"`
	}
	if err := mapstructure.Decode(ext, &pq); err != nil {
		return protocolError(cerr.Invalid, `extensions.persistedQuery must be {"version": 1, "sha256Hash": "<hex SHA-256 of the query>"}.`)
	}
	if pq.Version != 1 {
		return protocolError(cerr.Invalid, fmt.Sprintf("extensions.persistedQuery.version is %d; only version 1 is supported.", pq.Version))
	}
	if !operations.ValidHash(pq.Sha256) {
		return protocolError(cerr.Invalid, "extensions.persistedQuery.sha256Hash must be the SHA-256 of the query in hex (64 characters 0-9, a-f).")
	}
	hash := strings.ToLower(pq.Sha256)
	if raw.Query == "" {
		body, src, ok, err := p.reg.Lookup(ctx, hash)
		if err != nil {
			return storageError(err)
		}
		if !ok || (allowlist && src != operations.SourceManifest) {
			return protocolError(CodePersistedQueryNotFound, "PersistedQueryNotFound")
		}
		raw.Query = body
		return nil
	}
	if got := operations.Hash(raw.Query); got != hash {
		return protocolError(cerr.Invalid, fmt.Sprintf("extensions.persistedQuery.sha256Hash is not the SHA-256 of the query (which is %s): hash the exact query text sent, as UTF-8.", got))
	}
	if allowlist {
		_, src, ok, err := p.reg.Lookup(ctx, hash)
		if err != nil {
			return storageError(err)
		}
		if !ok || src != operations.SourceManifest {
			return notRegistered()
		}
		return nil
	}
	if len(raw.Query) <= p.reg.MaxBodyBytes() {
		graphql.GetOperationContext(ctx).Stats.SetExtension(pendingKey, &pending{hash: hash})
	}
	return nil
}

// MutateOperationContext registers the APQ operation of a request that
// sent its text with its hash, now that gqlgen has parsed and validated it:
// documents that fail never take a place in the bounded store.
func (p *persisted) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	pend, _ := oc.Stats.GetExtension(pendingKey).(*pending)
	if pend == nil {
		return nil
	}
	name := ""
	if oc.Operation != nil {
		name = oc.Operation.Name
	}
	if _, err := p.reg.RegisterAutomatic(ctx, pend.hash, oc.RawQuery, name); err != nil {
		return storageError(err)
	}
	return nil
}

// introspectionGate enables __schema and __type for the newsroom always and
// for the public audience when public is true (--public-introspection).
type introspectionGate struct{ public bool }

var _ graphql.OperationContextMutator = introspectionGate{}

func (introspectionGate) ExtensionName() string                   { return "Introspection" }
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }

func (i introspectionGate) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if i.public || auth.ViewerFrom(ctx).SeesDrafts() {
		oc.DisableIntrospection = false
		return nil
	}
	oc.DisableIntrospection = true
	if oc.Doc != nil && introspects(oc.Doc) {
		// Refused up front with a code, rather than gqlgen's uncoded
		// "introspection disabled" on the field.
		return protocolError(CodeIntrospectionDisabled, "Introspection (__schema, __type) is turned off for the public API on this server; use the schema file, or a newsroom token.")
	}
	return nil
}

// introspects reports whether doc selects __schema or __type anywhere.
func introspects(doc *ast.QueryDocument) bool {
	return cost.AnyField(doc, func(f *ast.Field) bool { return f.Name == "__schema" || f.Name == "__type" })
}

// CheckOperation parses body and validates it against copydesk's schema,
// for registering manifests (an operations.Checker). It returns the name
// and type (query, mutation or subscription) of its first operation.
func CheckOperation(body string) (name, typ string, err error) {
	doc, errs := gqlparser.LoadQuery(parsedSchema, body)
	if len(errs) > 0 {
		e := errs[0]
		where := ""
		if len(e.Locations) > 0 {
			where = fmt.Sprintf(" (line %d, column %d)", e.Locations[0].Line, e.Locations[0].Column)
		}
		return "", "", cerr.Errorf(cerr.Invalid, "it is not a valid operation of this schema%s: %s", where, strings.TrimSuffix(e.Message, "."))
	}
	if len(doc.Operations) == 0 {
		return "", "", cerr.Errorf(cerr.Invalid, "it holds fragments but no operation")
	}
	op := doc.Operations[0]
	return op.Name, string(op.Operation), nil
}

// --- resolvers ---

func (r *Resolver) registerPersistedOperations(ctx context.Context, in model.RegisterPersistedOperationsInput) (*model.RegisterPersistedOperationsPayload, error) {
	_, res, err := r.ops.RegisterManifest(ctx, []byte(in.Manifest), CheckOperation)
	if err != nil {
		ue, err := failed(ctx, cerr.DefaultField(err, "input.manifest"))
		return &model.RegisterPersistedOperationsPayload{UserErrors: ue}, err
	}
	return &model.RegisterPersistedOperationsPayload{RegisteredCount: &res.Added, UnchangedCount: &res.Unchanged, UserErrors: noUserErrors()}, nil
}

func (r *Resolver) unregisterPersistedOperations(ctx context.Context, in model.UnregisterPersistedOperationsInput) (*model.UnregisterPersistedOperationsPayload, error) {
	n, err := r.ops.Unregister(ctx, in.Hashes)
	if e := cerr.As(err); e != nil && strings.HasPrefix(e.Field, "hashes") {
		c := *e
		c.Field = "input." + e.Field // the argument's path
		err = &c
	}
	if err != nil {
		ue, err := failed(ctx, err)
		return &model.UnregisterPersistedOperationsPayload{UserErrors: ue}, err
	}
	return &model.UnregisterPersistedOperationsPayload{RemovedCount: &n, UserErrors: noUserErrors()}, nil
}

func (r *Resolver) listPersistedOperations(ctx context.Context, first *int, after *string, source *operations.Source) (*model.PersistedOperationConnection, error) {
	n, before, cur, err := idPage(first, after, 50)
	if err != nil {
		return nil, err
	}
	var src operations.Source
	if source != nil {
		src = *source
	}
	list, err := r.ops.List(ctx, src, n+1, before)
	if err != nil {
		return nil, err
	}
	list, cursors, info := page(list, n, cur, func(o *operations.Operation) editorial.Cursor { return editorial.Cursor{ID: o.ID} })
	return &model.PersistedOperationConnection{Nodes: list, PageInfo: info,
		Edges: edges(list, cursors, func(c string, n *operations.Operation) *model.PersistedOperationEdge {
			return &model.PersistedOperationEdge{Cursor: c, Node: n}
		})}, nil
}
