package bootstrap

import (
	"net"
	"sync"
)

// handoff shares one listener between two servers in turn: the startup server, then the real
// one. One goroutine accepts; each view (next) takes the connections while it is open. A
// connection accepted while no view reads waits for the next view: none is lost or refused.
type handoff struct {
	ln    net.Listener
	conns chan net.Conn
	// back holds the connections a view received as it was being closed, for the next view.
	back chan net.Conn
	errs chan error
	done chan struct{} // closed with the last view: a connection no view takes is closed
}

// newHandoff starts accepting on ln.
func newHandoff(ln net.Listener) *handoff {
	h := &handoff{ln: ln, conns: make(chan net.Conn), back: make(chan net.Conn, 64), errs: make(chan error, 1), done: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				h.errs <- err
				close(h.conns)
				return
			}
			select {
			case h.conns <- c:
			case <-h.done:
				_ = c.Close()
			}
		}
	}()
	return h
}

// next returns a listener taking the connections until it is closed; with last, closing it
// closes the real listener too.
func (h *handoff) next(last bool) net.Listener {
	return &view{h: h, last: last, closed: make(chan struct{})}
}

// view is one server's turn of a handoff.
type view struct {
	h      *handoff
	last   bool
	once   sync.Once
	closed chan struct{}
}

var _ net.Listener = (*view)(nil)

// Accept returns the next connection, or net.ErrClosed once the view is closed.
func (v *view) Accept() (net.Conn, error) {
	select {
	case <-v.closed:
		return nil, net.ErrClosed
	case c := <-v.h.back:
		return c, nil
	default:
	}
	select {
	case c, ok := <-v.h.conns:
		if !ok {
			err := <-v.h.errs
			v.h.errs <- err // for the next caller
			return nil, err
		}
		select {
		case <-v.closed: // closed meanwhile: the connection is the next view's
			v.h.back <- c
			return nil, net.ErrClosed
		default:
			return c, nil
		}
	case <-v.closed:
		return nil, net.ErrClosed
	}
}

// Close ends the view's turn (and closes the real listener when it is the last view).
func (v *view) Close() error {
	var err error
	v.once.Do(func() {
		close(v.closed)
		if v.last {
			close(v.h.done)
			err = v.h.ln.Close()
		}
	})
	return err
}

// Addr is the real listener's address.
func (v *view) Addr() net.Addr { return v.h.ln.Addr() }
