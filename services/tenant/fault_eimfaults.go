//go:build eimfaults

package tenant

import "os"

// FaultPauseEnv names the file the eimfaults build writes when a deletion reaches the purge of
// the project's resources (its clients revoked and journaled); the process then stops there
// until it is killed (the crash test kills it with SIGKILL at that point). Only binaries built
// with -tags eimfaults have it.
const FaultPauseEnv = "EIM_TEST_TENANT_PAUSE_BEFORE_PURGE"

// faultBeforeStep pauses forever before StepResourcesPurged after writing the file
// $EIM_TEST_TENANT_PAUSE_BEFORE_PURGE, when it is set.
func faultBeforeStep() func(Step) error {
	path := os.Getenv(FaultPauseEnv)
	if path == "" {
		return nil
	}
	return func(s Step) error {
		if s == StepResourcesPurged {
			_ = os.WriteFile(path, []byte("paused before the purge\n"), 0o600)
			select {} // until the process is killed
		}
		return nil
	}
}
