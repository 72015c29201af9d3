package faultproxy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/conformance/faultproxy"
)

// echoServer echoes each line back, on loopback.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return err
	}
	_, err = bufio.NewReader(c).ReadString('\n')
	return err
}

func TestModes(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, roundTrip(p.Addr()), "forward")
	_, reads, bytes := p.Stats()
	assert.Equal(t, int64(1), reads)
	assert.Equal(t, int64(5), bytes)

	require.NoError(t, p.Set(faultproxy.Refuse))
	err = roundTrip(p.Addr())
	assert.ErrorContains(t, err, "refused", "refuse: nothing listens")

	require.NoError(t, p.Set(faultproxy.Blackhole))
	err = roundTrip(p.Addr())
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "blackhole: the request hangs until the client gives up")

	require.NoError(t, p.Set(faultproxy.Forward))
	assert.NoError(t, roundTrip(p.Addr()), "restored on the same address")
}

func TestNewDown(t *testing.T) {
	p, err := faultproxy.NewDown(echoServer(t))
	require.NoError(t, err)
	defer p.Close()
	assert.Error(t, roundTrip(p.Addr()))
	require.NoError(t, p.Set(faultproxy.Forward))
	assert.NoError(t, roundTrip(p.Addr()))
}

// TestCutEndClosesHeldConnections: a connection accepted while the proxy blackholes is closed
// when the cut ends (its client sees the connection end, it does not wait for an answer that
// never comes), and a new connection then reaches the backend.
func TestCutEndClosesHeldConnections(t *testing.T) {
	p, err := faultproxy.New(echoServer(t))
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.Set(faultproxy.Blackhole))
	held, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	require.NoError(t, err)
	defer held.Close()
	_, err = held.Write([]byte("ping\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { accepted, _, _ := p.Stats(); return accepted == 1 }, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, p.Set(faultproxy.Forward))
	_ = held.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = bufio.NewReader(held).ReadString('\n')
	require.Error(t, err)
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "closed when the cut ends, not held: %v", err)
	assert.NoError(t, roundTrip(p.Addr()))
}
