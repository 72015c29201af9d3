//go:build !eimfaults

package tenant

// faultBeforeStep is the crash test's fault point before a deletion step. Production builds
// have none: it exists only in binaries built with the eimfaults build tag
// (fault_eimfaults.go), which the crash test builds for itself.
func faultBeforeStep() func(Step) error { return nil }
