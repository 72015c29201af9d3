package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/eim-byoi/eim/services/edgesim"
	"github.com/eim-byoi/eim/services/process"
)

// edgeSimFlags are the options of eim edge-sim beyond edgesim.Config.
type edgeSimFlags struct {
	config, credentials, tokenURL, apiURL, apiTokenFile, prefix, seed, out, os string
	nodes, tenants, registerConcurrency                                        int
	onboard, register, registerOnly, createProjects, instances                 bool
	tokenTTL                                                                   time.Duration
}

// newEdgeSim is `eim edge-sim`: N simulated edge nodes calling the southbound managers.
func newEdgeSim() *cobra.Command {
	var f edgeSimFlags
	var cfg edgesim.Config
	cmd := &cobra.Command{
		Use:   "edge-sim",
		Short: "Simulate edge nodes calling the host and maintenance managers",
		Long: `Simulate N edge nodes speaking the legacy southbound protocols of the real agents: each sends
its hardware inventory at start (UpdateHostSystemInfoByGUID), heartbeats (UpdateInstanceStateStatusByHostGUID,
every 10s) and polls the maintenance manager (PlatformUpdateStatus, every 20s), following the update
schedule it is answered. Each node has its own credentials:

  --credentials FILE   client id and secret per node, issued in your identity provider (Keycloak, any OIDC)
  --onboard            onboarding through OnboardNodeStream, then the client it is given (--token-url)
  (neither)            tokens signed by the embedded issuer, as eim token does (the server's eim.yaml)

--register creates the hosts (and with --create-projects the projects) through the API first. The
summary (JSON) goes to stdout or --out; progress goes to stderr when it is a terminal. Interrupt once
to stop and count the calls in flight, twice to cancel them. See docs/edge-sim.md.

  eim edge-sim --nodes 100 --tenants 2 --register --create-projects --duration 2m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runEdgeSim(cmd, f, cfg) },
	}
	fl := cmd.Flags()
	configFlag(cmd, &f.config)
	fl.IntVarP(&f.nodes, "nodes", "n", 100, "number of simulated nodes (ignored with --credentials: one per entry)")
	fl.IntVar(&f.tenants, "tenants", 1, "number of projects the nodes are spread over")
	fl.StringVar(&f.prefix, "project-prefix", "edge-sim", "the projects are named <prefix>-1 .. <prefix>-<tenants>")
	fl.StringVar(&f.seed, "seed", "edge-sim", "seed of the nodes' GUIDs and serials: the same seed, the same fleet")
	fl.StringVar(&cfg.Address, "address", "", "southbound host:port (default southbound.address, or southbound.plaintext with --plaintext)")
	fl.BoolVar(&cfg.Plaintext, "plaintext", false, "call without TLS (the loopback plaintext listener)")
	fl.StringVar(&cfg.CAFile, "ca", "", "PEM CA the server certificate is verified against (default <dataDir>/southbound/ca.pem when it exists, else the system roots)")
	fl.StringVar(&cfg.ServerName, "server-name", "", "name the server certificate must carry (default the address's host)")
	fl.DurationVarP(&cfg.Duration, "duration", "d", time.Minute, "how long the nodes call (0: until interrupted)")
	fl.DurationVar(&cfg.Steady, "steady", 0, "measure a steady window this long once every node is through its start sequence or --duration has passed, then end (0: none; the summary's steady object)")
	fl.DurationVar(&cfg.Heartbeat, "heartbeat", edgesim.DefaultHeartbeat, "node agent heartbeat interval")
	fl.DurationVar(&cfg.Poll, "poll", edgesim.DefaultPoll, "platform update agent poll interval")
	fl.DurationVar(&cfg.SystemInfo, "system-info", 0, "hardware inventory interval (0: at start only)")
	fl.Float64Var(&cfg.Jitter, "jitter", edgesim.DefaultJitter, "spread of each interval, ±fraction (0 to 0.5; negative: none)")
	fl.DurationVar(&cfg.RampUp, "ramp-up", 10*time.Second, "the nodes' starts are spread evenly over this time")
	fl.IntVar(&cfg.Connections, "connections", edgesim.DefaultConnections, "HTTP/2 connections the nodes share")
	fl.IntVar(&cfg.Workers, "workers", edgesim.DefaultWorkers, "calls in flight at most")
	fl.DurationVar(&cfg.Timeout, "timeout", edgesim.DefaultTimeout, "timeout of each call")
	fl.IntVar(&cfg.Retries, "retries", edgesim.DefaultRetries, "retries of a failed heartbeat (negative: none)")
	fl.StringVar(&cfg.ProjectHeader, "project-header", "", "send the node's project id in this header, as a proxy would (the agents send none)")
	fl.StringVar(&f.credentials, "credentials", "", "JSON file of the nodes' client credentials (docs/edge-sim.md)")
	fl.BoolVar(&f.onboard, "onboard", false, "obtain each node's client through OnboardNodeStream")
	fl.StringVar(&f.tokenURL, "token-url", "", "token endpoint of the clients obtained by onboarding (default the embedded issuer's, when it is the identity provider)")
	fl.DurationVar(&f.tokenTTL, "token-ttl", time.Hour, "lifetime of the tokens the embedded issuer signs")
	fl.BoolVar(&f.register, "register", false, "register the nodes' hosts through the API first")
	fl.BoolVar(&f.registerOnly, "register-only", false, "with --register: register, print what was registered (JSON) and exit without simulating")
	fl.IntVar(&f.registerConcurrency, "register-concurrency", 16, "with --register: API requests in flight at most")
	fl.BoolVar(&f.createProjects, "create-projects", false, "with --register: create missing projects through the API")
	fl.BoolVar(&f.instances, "instances", false, "with --register: give each new host an instance of an OS resource of its project (the maintenance manager answers only hosts with one)")
	fl.StringVar(&f.os, "os", "", "with --instances: the OS resource (id or profile name); the project's first by name when empty")
	fl.StringVar(&f.apiURL, "api", "", "API base URL for --register (default http://<listen.http>)")
	fl.StringVar(&f.apiTokenFile, "api-token-file", "", "file holding the API token for --register (read on each request; default: signed by the embedded issuer)")
	fl.StringVarP(&f.out, "out", "o", "", "write the JSON summary to this file instead of stdout")
	return cmd
}

// runEdgeSim wires the flags to edgesim, runs it and prints the summary.
func runEdgeSim(cmd *cobra.Command, f edgeSimFlags, cfg edgesim.Config) error {
	conf, err := process.LoadConfig(f.config)
	if err != nil {
		return err
	}
	r := process.NewRedactor()
	log := process.NewLogger(cmd.ErrOrStderr(), conf, r)
	w := &edgeSimWiring{flags: f, conf: conf}
	defer w.close(cmd.Context())
	if err := w.credentials(cmd.Context(), log, r, &cfg); err != nil {
		return err
	}
	if f.register {
		reg, err := w.registration(cmd.Context(), log, r)
		if err != nil {
			return err
		}
		done, err := edgesim.Register(cmd.Context(), reg, cfg.Fleet)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "registered %d hosts (%d already were), created %d projects\n",
			done.HostsCreated, done.HostsExisting, done.ProjectsCreated)
		if f.registerOnly {
			return writeJSON(cmd, f.out, done)
		}
	}
	southboundDefaults(conf.DataDir, conf.Southbound.Address, conf.Southbound.Plaintext, &cfg)
	if isTerminal(cmd.ErrOrStderr()) {
		cfg.Progress = cmd.ErrOrStderr()
	}
	ctx, stop, cancel := interrupts(cmd)
	defer cancel()
	cfg.Stop = stop
	sum, err := edgesim.Run(ctx, cfg)
	if err != nil {
		return err
	}
	return writeSummary(cmd, f.out, sum)
}

// southboundDefaults fills the address and CA from the server's configuration.
func southboundDefaults(dataDir, tlsAddr, plainAddr string, cfg *edgesim.Config) {
	if cfg.Address == "" {
		cfg.Address = tlsAddr
		if cfg.Plaintext {
			cfg.Address = plainAddr
		}
	}
	if cfg.CAFile == "" && !cfg.Plaintext {
		if ca := filepath.Join(dataDir, "southbound", "ca.pem"); fileExists(ca) {
			cfg.CAFile = ca
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// interrupts returns a context canceled by a second SIGINT/SIGTERM and a channel closed by
// the first: the first stops the run and counts the calls in flight, the second cancels them.
func interrupts(cmd *cobra.Command) (ctx context.Context, stop <-chan struct{}, cancel func()) {
	ctx, cancelCtx := context.WithCancel(cmd.Context())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	first := make(chan struct{})
	go func() {
		select {
		case <-sig:
			close(first)
		case <-ctx.Done():
			return
		}
		select {
		case <-sig:
			cancelCtx()
		case <-ctx.Done():
		}
	}()
	return ctx, first, func() { signal.Stop(sig); cancelCtx() }
}

// writeSummary prints sum as indented JSON to out (stdout when empty).
func writeSummary(cmd *cobra.Command, out string, sum *edgesim.Summary) error {
	return writeJSON(cmd, out, sum)
}

// writeJSON prints v as indented JSON to out (stdout when empty).
func writeJSON(cmd *cobra.Command, out string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	if out == "" {
		_, err = cmd.OutOrStdout().Write(raw)
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}
