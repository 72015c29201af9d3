//go:build eimfaults

package onboarding

import (
	"context"
	"os"
)

// FaultPauseEnv names the file the eimfaults build writes once a device's client is created and
// before its host is updated; the process then stops there until it is killed (the crash test
// kills it with SIGKILL at that point). Only binaries built with -tags eimfaults have it.
const FaultPauseEnv = "EIM_TEST_ONBOARDING_PAUSE_AFTER_CREATE"

// faultAfterCreate pauses forever after writing the file $EIM_TEST_ONBOARDING_PAUSE_AFTER_CREATE,
// when it is set.
func faultAfterCreate() func(context.Context) {
	path := os.Getenv(FaultPauseEnv)
	if path == "" {
		return func(context.Context) {}
	}
	return func(context.Context) {
		_ = os.WriteFile(path, []byte("paused after the client was created\n"), 0o600)
		select {} // until the process is killed
	}
}
