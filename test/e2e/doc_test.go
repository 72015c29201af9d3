// Package e2e_test runs whole EIM deployments end to end: the real eim binary (test/proc) on the
// test bed's real backends, driven by real clients — the northbound REST API and eim edge-sim's
// nodes speaking the legacy southbound protos.
package e2e_test
