package workflow

import (
	"slices"

	"github.com/copydesk/copydesk/internal/auth"
)

// Action is a workflow action: a transition a viewer may ask for. Each
// state machine names its own (Actions, TranslationActions).
type Action string

// Transition is one row of a state machine's table, the same for every
// machine: the report workflow (Transitions) and the translation workflow
// (TranslationTransitions). S is the machine's state, R what it moves (a
// report, a translation) and F the facts its preconditions read.
type Transition[S ~string, R, F any] struct {
	Action Action
	// From lists the states the action may run in.
	From []S
	// To is the state it leads to; empty for an action that keeps the state
	// or whose target depends on the subject (see Next, NextTranslation).
	To S
	// Auth is the rule of internal/auth that decides who may run it.
	Auth auth.Action
	// Audit is the action of the audit entry the transition records.
	Audit string
	// Done says what the action does, in the words of the machine's
	// messages ("submitted for review"); the report machine names actions
	// instead and leaves it empty.
	Done string
	// pre checks what else must hold (after Auth and From).
	pre func(t *Transition[S, R, F], v *auth.Viewer, r R, f F) error
}

// Table is a state machine: one row per action.
type Table[S ~string, R, F any] []Transition[S, R, F]

// Lookup returns the row of action a, or nil when there is none.
func (tb Table[S, R, F]) Lookup(a Action) *Transition[S, R, F] {
	for i := range tb {
		if tb[i].Action == a {
			return &tb[i]
		}
	}
	return nil
}

// check is the order in which every machine checks a transition: the rule
// of internal/auth for Auth on res, then whether the action runs in state
// (the error of wrongState when it does not), then the precondition.
func (t *Transition[S, R, F]) check(v *auth.Viewer, res auth.Resource, state S, r R, f F, wrongState func() error) error {
	if err := auth.Check(v, t.Auth, res); err != nil {
		return err
	}
	if !slices.Contains(t.From, state) {
		return wrongState()
	}
	if t.pre != nil {
		return t.pre(t, v, r, f)
	}
	return nil
}

// orList names states for a message: "A", "A or B", "A, B or C".
func orList[S ~string](ss []S) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return join(names, "or")
}
