// Package faultproxy is an in-process TCP proxy that conformance tests put between an adapter
// and its backend, to cut and restore the connection as a backend restart or a network
// partition would, and to count the traffic that reaches the backend.
package faultproxy

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// Mode is the proxy's behaviour.
type Mode int

// The modes.
const (
	// Forward passes traffic both ways.
	Forward Mode = iota
	// Refuse closes every connection and the listener: new connections are refused, as when
	// the backend is restarting or down.
	Refuse
	// Blackhole accepts connections and drops live ones but forwards nothing: requests hang
	// until the client's timeout, as in a network partition.
	Blackhole
)

// Proxy forwards 127.0.0.1:<port> to a target address.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	mode  Mode
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup

	accepted atomic.Int64
	reads    atomic.Int64
	bytes    atomic.Int64
}

// New starts a proxy on a free loopback port forwarding to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	return p, nil
}

// NewDown reserves a loopback port for a proxy to target that starts in Refuse mode: nothing
// listens until Set(Forward).
func NewDown(target string) (*Proxy, error) {
	p, err := New(target)
	if err != nil {
		return nil, err
	}
	p.Set(Refuse)
	return p, nil
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// Set switches the mode, dropping the live connections.
func (p *Proxy) Set(m Mode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m == p.mode {
		return nil
	}
	prev := p.mode
	p.mode = m
	for c := range p.conns { // a mode change drops live connections, held ones included
		_ = c.Close()
	}
	switch {
	case m == Refuse && p.ln != nil:
		err := p.ln.Close()
		p.ln = nil
		return err
	case prev == Refuse && m != Refuse:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return err
		}
		p.serveLocked(ln)
	}
	return nil
}

// Stats returns the connections accepted, and the reads and bytes forwarded from clients to
// the backend. A client that made no request forwarded zero bytes.
func (p *Proxy) Stats() (accepted, reads, bytes int64) {
	return p.accepted.Load(), p.reads.Load(), p.bytes.Load()
}

// Close stops the proxy and drops every connection.
func (p *Proxy) Close() error {
	err := p.Set(Refuse)
	p.wg.Wait()
	return err
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serveLocked(ln)
}

func (p *Proxy) serveLocked(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			p.handle(c)
		}
	}()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == Refuse {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *Proxy) current() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

func (p *Proxy) handle(client net.Conn) {
	if !p.track(client) {
		_ = client.Close()
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.untrack(client)
		defer client.Close()
		if p.current() == Blackhole {
			_, _ = io.Copy(io.Discard, client) // hold it open, forward nothing
			return
		}
		backend, err := net.Dial("tcp", p.target)
		if err != nil {
			return
		}
		if !p.track(backend) {
			_ = backend.Close()
			return
		}
		defer p.untrack(backend)
		defer backend.Close()
		done := make(chan struct{}, 2)
		go func() { p.pipe(backend, client, true); done <- struct{}{} }()
		go func() { p.pipe(client, backend, false); done <- struct{}{} }()
		<-done
	}()
}

// pipe copies src to dst until either side closes, counting client-to-backend traffic.
func (p *Proxy) pipe(dst, src net.Conn, count bool) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if count {
				p.reads.Add(1)
				p.bytes.Add(int64(n))
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = dst.Close()
			return
		}
	}
}
