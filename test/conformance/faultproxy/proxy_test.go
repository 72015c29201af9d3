package faultproxy_test

import (
	"bufio"
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
