package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// Sampling of the debug listener: one mutex contention event in mutexFraction, and blocking
// events of blockRate nanoseconds or more on average.
const (
	mutexFraction = 5
	blockRate     = int(10 * time.Microsecond)
)

// debugServer serves Go's profiles on listen.debug (loopback only, off by default).
type debugServer struct {
	srv *http.Server
	log *slog.Logger
}

// serveDebug starts the profiles' listener on addr, or nothing when addr is empty; it turns
// mutex and block sampling on, which the profiles need.
func serveDebug(addr string, log *slog.Logger) (*debugServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen.debug: %w", err)
	}
	runtime.SetMutexProfileFraction(mutexFraction)
	runtime.SetBlockProfileRate(blockRate)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	d := &debugServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, log: log}
	go func() {
		if err := d.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug server stopped", "error", err)
		}
	}()
	log.Warn("serving profiles", "debug", ln.Addr().String())
	return d, nil
}

// stop closes the listener (the profiles in flight are cut: a CPU profile lasts seconds).
func (d *debugServer) stop(context.Context) {
	if d == nil {
		return
	}
	runtime.SetMutexProfileFraction(0)
	runtime.SetBlockProfileRate(0)
	if err := d.srv.Close(); err != nil {
		d.log.Warn("debug server close", "error", err)
	}
}
