package provider

import "context"

// Checker is implemented by everything whose health can be checked: providers and modules.
// CheckHealth does one bounded round trip to the backend and returns nil when it is usable; the
// error carries a Code (Unavailable, Unauthenticated, ...) and says what is wrong.
type Checker interface {
	CheckHealth(ctx context.Context) error
}

// CheckFunc adapts a function to a Checker.
type CheckFunc func(ctx context.Context) error

// CheckHealth calls f.
func (f CheckFunc) CheckHealth(ctx context.Context) error { return f(ctx) }

// Detailer is implemented by a Checker with something to report while healthy (inputs it
// skipped, say): readiness reports show HealthDetail beside the check.
type Detailer interface {
	HealthDetail() string
}
