package messagingtest

import "github.com/eim-byoi/eim/test/conformance"

// T is conformance.T, what a case may use of its test, under the name the cases use.
type T = conformance.T

// Case is conformance.Case, one case over a harness H.
type Case[H any] = conformance.Case[H]
