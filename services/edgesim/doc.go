// Package edgesim simulates a fleet of edge nodes speaking the legacy southbound protocols of
// the real edge-node agents: the node agent's heartbeat (Hostmgr UpdateInstanceStateStatusByHostGUID),
// the hardware discovery agent's inventory (UpdateHostSystemInfoByGUID) and the platform update
// agent's poll (MaintmgrService PlatformUpdateStatus), whose schedule it follows. Each node holds
// its own credentials (client credentials from the identity provider, tokens of the embedded
// issuer, or credentials obtained through onboarding) and sends `authorization: Bearer <JWT>`
// on every unary call.
//
// The simulator is built to scale to 100,000 nodes on a small machine: nodes share a bounded
// pool of HTTP/2 connections, calls are dispatched from one time-ordered schedule (a heap, not
// a goroutine per node) to a bounded set of workers, and latencies go to HDR histograms.
// `eim edge-sim` is its command line; Run returns a Summary to print as JSON.
package edgesim
