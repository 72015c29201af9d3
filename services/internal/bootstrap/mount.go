package bootstrap

import (
	"fmt"
	"net/http"
)

// HTTPMounter is implemented by providers that serve HTTP endpoints in `eim serve` (the
// embedded identity issuer): bootstrap mounts the handler at the ServeMux pattern. A nil
// handler mounts nothing.
type HTTPMounter interface {
	HTTPHandler() (pattern string, h http.Handler)
}

// mountHandlers mounts the HTTP endpoints of the opened providers on mux (nil: nothing to
// mount on, as for `eim conformance`). A pattern that conflicts with one already registered
// is an error, not a panic. The providers' endpoints serve while the modules start (st).
func mountHandlers(mux *http.ServeMux, st *Startup, opened []namedProvider) (err error) {
	if mux == nil {
		return nil
	}
	for _, o := range opened {
		m, ok := o.p.(HTTPMounter)
		if !ok {
			continue
		}
		pattern, h := m.HTTPHandler()
		if h == nil {
			continue
		}
		if err := handle(mux, pattern, h); err != nil {
			return fmt.Errorf("mount the %s provider's endpoints at %q: %w", o.kind, pattern, err)
		}
		st.serveWhileStarting(pattern)
	}
	return nil
}

func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}
