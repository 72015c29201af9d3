package edgesim

import (
	"io"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// The legacy agents' timing, the defaults of a Config.
const (
	// DefaultHeartbeat is the node agent's heartbeatInterval.
	DefaultHeartbeat = 10 * time.Second
	// DefaultPoll is the platform update agent's tickerInterval.
	DefaultPoll = 20 * time.Second
	// DefaultTimeout is the node agent's per-call timeout (CONN_TIMEOUT).
	DefaultTimeout = 5 * time.Second
	// DefaultRetries is how often the node agent retries a failed heartbeat (NUM_RETRIES).
	DefaultRetries = 3
	// DefaultJitter spreads each interval by up to ±10%, so that a fleet started together
	// does not stay in lock step.
	DefaultJitter = 0.1
	// DefaultConnections is the size of the shared HTTP/2 connection pool.
	DefaultConnections = 4
	// DefaultWorkers bounds the calls in flight.
	DefaultWorkers = 1024
)

// DefaultBackoff is the wait before a retry: the node agent's exponential backoff starts at
// half a second; the simulator never waits longer than a heartbeat interval.
func DefaultBackoff() provider.Backoff {
	return provider.Backoff{Min: 500 * time.Millisecond, Max: DefaultHeartbeat, Jitter: 0.5}
}

// Config configures a simulation. Fleet and Credentials are required; zero durations and
// counts take the defaults above.
type Config struct {
	// Address is the host:port of the southbound listener.
	Address string
	// Plaintext calls without TLS (the listener's loopback plaintext port).
	Plaintext bool
	// CAFile is the PEM bundle of the CAs the server certificate is verified against (the
	// generated <dataDir>/southbound/ca.pem on the embedded defaults); the system roots when empty.
	CAFile string
	// ServerName is the name the server certificate must carry; the host of Address when empty.
	ServerName string
	// Fleet are the simulated nodes.
	Fleet []Node
	// Credentials give each node its bearer token.
	Credentials Credentials
	// Duration is how long nodes keep calling; until ctx ends when zero. Calls in flight at the
	// end are completed (within Timeout) and counted.
	Duration time.Duration
	// Steady, when positive, measures a steady window: the run does not end at Duration but
	// opens the window once every node is through its start sequence (system information,
	// instance status running and update status acknowledged) or Duration has passed (zero: no
	// limit), whichever comes first, counts the calls sent from then on afresh
	// (Summary.Steady) and ends Steady later.
	Steady time.Duration
	// Stop, when closed, ends the run as the end of Duration does (calls in flight are
	// completed and counted); ctx ending cancels them instead.
	Stop <-chan struct{}
	// Heartbeat is the node agent's interval (UpdateInstanceStateStatusByHostGUID).
	Heartbeat time.Duration
	// Poll is the platform update agent's interval (PlatformUpdateStatus).
	Poll time.Duration
	// SystemInfo is the hardware discovery agent's interval; zero sends the inventory at start only.
	SystemInfo time.Duration
	// Jitter spreads every interval by up to ±Jitter of it (0 to 0.5; DefaultJitter when zero,
	// none when negative).
	Jitter float64
	// RampUp spreads the nodes' starts evenly over this time.
	RampUp time.Duration
	// Connections is the number of HTTP/2 connections the nodes share.
	Connections int
	// Workers bounds the calls in flight.
	Workers int
	// Timeout bounds each call.
	Timeout time.Duration
	// Retries is how often a failed heartbeat is retried before the next one is due; the
	// inventory is retried until acknowledged, a poll waits for the next one (as the agents do).
	Retries int
	// Backoff is the wait before a retry (DefaultBackoff() when zero).
	Backoff provider.Backoff
	// ProjectHeader, when set, is sent with the node's project id (as a proxy in front of the
	// managers would: activeprojectid); the agents send no tenant header.
	ProjectHeader string
	// Progress receives a progress line every ProgressInterval (default 1s) when not nil.
	Progress io.Writer
	// ProgressInterval is how often Progress is written.
	ProgressInterval time.Duration
}

// withDefaults returns c with the defaults filled in.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Heartbeat, DefaultHeartbeat)
	def(&c.Poll, DefaultPoll)
	def(&c.Timeout, DefaultTimeout)
	def(&c.ProgressInterval, time.Second)
	switch {
	case c.Jitter == 0:
		c.Jitter = DefaultJitter
	case c.Jitter < 0:
		c.Jitter = 0
	}
	if c.Connections <= 0 {
		c.Connections = DefaultConnections
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Retries < 0 {
		c.Retries = 0
	} else if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.Backoff.Min <= 0 {
		c.Backoff = DefaultBackoff()
		c.Backoff.Max = min(c.Backoff.Max, c.Heartbeat)
	}
	return c
}

// Validate reports the first setting that cannot work, naming the field and the fix.
func (c Config) Validate() error {
	switch {
	case c.Address == "":
		return provider.Errorf(provider.InvalidArgument, "address: name the southbound listener's host:port")
	case len(c.Fleet) == 0:
		return provider.Errorf(provider.InvalidArgument, "fleet: simulate at least one node (NewFleet)")
	case len(c.Fleet) > 1<<31-1:
		return provider.Errorf(provider.InvalidArgument, "fleet: at most 2^31-1 nodes")
	case c.Credentials == nil:
		return provider.Errorf(provider.InvalidArgument, "credentials: give the nodes credentials (Minted, ClientCredentials or Onboarding)")
	case c.Steady < 0:
		return provider.Errorf(provider.InvalidArgument, "steady %s: give a positive window length, or 0 for none", c.Steady)
	case c.Jitter > 0.5:
		return provider.Errorf(provider.InvalidArgument, "jitter %.2f: use at most 0.5", c.Jitter)
	case c.Plaintext && c.CAFile != "":
		return provider.Errorf(provider.InvalidArgument, "plaintext: a CA file makes no sense without TLS; drop one of them")
	}
	return nil
}
