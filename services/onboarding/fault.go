//go:build !eimfaults

package onboarding

import "context"

// faultAfterCreate is the crash test's fault point between "client created" and "host
// updated". Production builds have none: it exists only in binaries built with the eimfaults
// build tag (fault_eimfaults.go), which the crash test builds for itself.
func faultAfterCreate() func(context.Context) { return func(context.Context) {} }
