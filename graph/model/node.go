package model

// Node is any object that implements the GraphQL Node interface. The bound
// types (editorial.Report, auth.User, the wrappers in localized.go, …) do
// not know about GraphQL, so the interface has no methods: the generated
// executor switches on the concrete type, and the Node resolvers take care
// to return only types that implement Node in the schema.
type Node interface{}
