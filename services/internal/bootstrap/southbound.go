package bootstrap

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/internal/southbound"
	"github.com/eim-byoi/eim/services/module"
)

// newSouthbound builds the southbound server when a module of mods serves the agents: its
// certificate is southbound.tls, read again every reloadInterval, or a local CA and server
// certificate generated under <dataDir>/southbound.
func (a *App) newSouthbound(ctx context.Context, opts Options, mods []module.Descriptor) error {
	if !anySouthbound(mods) {
		return nil
	}
	sb := opts.Config.Southbound
	load, err := a.certLoader(sb, opts.Config.DataDir)
	if err != nil {
		return err
	}
	cert, err := southbound.NewCertificate(ctx, load)
	if err != nil {
		return fmt.Errorf("southbound.tls: %w", err)
	}
	go cert.Follow(a.lifetime, sb.TLS.ReloadInterval.Std(), a.log)
	a.south = southbound.New(cert, sb.ProjectHeader, sb.Plaintext != "",
		grpcServerOptions(opts.Deps.Metrics, "southbound", opts.Config.Telemetry.Enabled)...)
	a.south.Limit(sb.MaxInFlight)
	if a.set.Identity != nil { // checkModuleNeeds made sure an identity provider is open
		a.south.Bind(a.set.Identity)
	}
	return nil
}

func anySouthbound(mods []module.Descriptor) bool {
	for _, m := range mods {
		if m.Southbound {
			return true
		}
	}
	return false
}

// certLoader reads southbound.tls's references again through the secret sources on each
// load, or generates (and renews) the local CA's server certificate.
func (a *App) certLoader(sb config.Southbound, dataDir string) (southbound.Loader, error) {
	if sb.Generated() {
		dir := filepath.Join(dataDir, "southbound")
		hosts := certHosts(sb)
		l, err := southbound.EnsureLocal(dir, hosts)
		if err != nil {
			return nil, err
		}
		a.log.Warn("southbound: serving a certificate of a generated local CA; devices must trust it, or set southbound.tls",
			"ca", l.CA, "hosts", hosts)
		return southbound.LocalLoader(dir, hosts), nil
	}
	return a.refLoader("southbound.tls", sb.TLS), nil
}

// certHosts are the names a generated certificate carries: the listener's host (unless it is
// every interface), localhost and 127.0.0.1.
func certHosts(sb config.Southbound) []string {
	hosts := []string{"localhost", "127.0.0.1"}
	host, _, _ := net.SplitHostPort(sb.Address)
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) && host != "localhost" && host != "127.0.0.1" {
		hosts = append([]string{host}, hosts...)
	}
	return hosts
}

// Southbound returns the southbound server, nil when no module of the process serves the
// agents.
func (a *App) Southbound() *southbound.Server { return a.south }

// serveSouthbound listens on southbound.address (and southbound.plaintext) unless the options
// carry listeners, and serves the southbound services until stopped.
func serveSouthbound(o RunOptions, sb *southbound.Server) error {
	tlsLn, plainLn := o.SouthboundListener, o.PlaintextListener
	var err error
	if tlsLn == nil {
		if tlsLn, err = net.Listen("tcp", o.Config.Southbound.Address); err != nil {
			return fmt.Errorf("southbound.address: %w", err)
		}
	}
	if plainLn == nil && o.Config.Southbound.Plaintext != "" {
		if plainLn, err = net.Listen("tcp", o.Config.Southbound.Plaintext); err != nil {
			_ = tlsLn.Close()
			return fmt.Errorf("southbound.plaintext: %w", err)
		}
	}
	sb.Serve(tlsLn, plainLn, o.Logger)
	args := []any{"southbound", tlsLn.Addr().String(), "services", sb.Services()}
	if plainLn != nil {
		args = append(args, "plaintext", plainLn.Addr().String())
	}
	o.Logger.Info("listening", args...)
	return nil
}
