package bootstrap

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// startupRetryAfter is the Retry-After (seconds) of the answers given while the process starts.
const startupRetryAfter = "1"

// Startup follows a starting process: what it is doing (opening the providers, starting a
// module) and which modules are not started yet. Until Done, the HTTP server answers every
// route of a module with 503 naming the modules still starting (never 404: the module's routes
// are not mounted yet), and the gRPC listener answers Unavailable. The zero value is usable;
// every method is safe for concurrent use, and a nil *Startup records nothing.
type Startup struct {
	mu      sync.Mutex
	doing   string
	pending []string
	open    map[string]bool // HTTP patterns served while starting (health, metrics, providers')
	done    bool
}

// serveWhileStarting marks an HTTP pattern as served before the modules are started.
func (s *Startup) serveWhileStarting(pattern string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[string]bool{}
	}
	s.open[pattern] = true
}

// modules records the modules the process starts, none started yet.
func (s *Startup) modules(names []string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = slices.Clone(names)
}

// starting records that module name starts now.
func (s *Startup) starting(name string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doing = "module " + name + " is starting"
}

// started records that module name is started.
func (s *Startup) started(name string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = slices.DeleteFunc(s.pending, func(n string) bool { return n == name })
}

// finish records that every module is started and serves: the gates open.
func (s *Startup) finish() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done, s.pending, s.doing = true, nil, ""
}

// Done reports whether every module is started.
func (s *Startup) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// state returns whether the process is still starting, the modules not started yet and what it
// does now.
func (s *Startup) state() (starting bool, pending []string, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false, nil, ""
	}
	doing := s.doing
	if doing == "" {
		doing = "opening the providers"
	}
	msg := "eim is starting (" + doing + ")"
	if len(s.pending) > 0 {
		msg += fmt.Sprintf(": module%s %s not started yet", plural(len(s.pending)), strings.Join(s.pending, ", "))
	}
	return true, slices.Clone(s.pending), msg + "; retry in " + startupRetryAfter + "s"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// startingBody is the answer to an HTTP request while the process starts: the legacy API's
// error document, with the modules not started yet.
type startingBody struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Modules []string `json:"modules"`
}

// gate serves next once the process started; before, every pattern not marked with
// serveWhileStarting (health, metrics, the providers' endpoints) is answered 503 with
// Retry-After and the modules still starting.
func (s *Startup) gate(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		starting, pending, msg := s.state()
		if starting {
			if _, pattern := mux.Handler(r); !s.served(pattern) {
				w.Header().Set("Retry-After", startupRetryAfter)
				writeJSON(w, http.StatusServiceUnavailable, startingBody{Code: codes.Unavailable.String(), Message: msg, Modules: pending})
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Startup) served(pattern string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return pattern != "" && s.open[pattern]
}

// grpcServer is the gRPC server of the listener while the process starts: every call, of any
// service, is answered Unavailable naming the modules still starting (the modules' services
// cannot be registered on a server that serves already).
func (s *Startup) grpcServer() *grpc.Server {
	return grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		_, _, msg := s.state()
		if msg == "" {
			msg = "eim is starting; retry in " + startupRetryAfter + "s"
		}
		return status.Error(codes.Unavailable, msg)
	}))
}
