package identitytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eim-byoi/eim/test/conformance/faultproxy"
)

// IdPFront stands in front of a real issuer for adapters' conformance tests: an HTTP reverse
// proxy that forwards every request and counts them, and adds the public keys of test keys it
// holds to the issuer's JWKS, so that a test can sign tokens the provider trusts next to the
// issuer's own (the negative cases need tokens with bad claims under a trusted key). It is
// reached through a faultproxy that Outage cuts. Rotation is done on the test keys: the
// issuer's own keys are left alone.
type IdPFront struct {
	jwksPath string
	srv      *http.Server
	backend  string
	fault    *faultproxy.Proxy
	requests atomic.Int64

	mu      sync.Mutex
	keys    []*TestKey // published; the last one signs
	retired int        // keys before this index are no longer published
}

// NewIdPFront starts a front for the issuer at upstream (scheme://host:port), adding its test
// keys to the JSON key set served at jwksPath.
func NewIdPFront(upstream, jwksPath string) (*IdPFront, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	key, err := NewTestKeyFor("RS256")
	if err != nil {
		return nil, err
	}
	f := &IdPFront{jwksPath: jwksPath, keys: []*TestKey{key}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = f.modify
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.backend = ln.Addr().String()
	f.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		r.Host = u.Host
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	if f.fault, err = faultproxy.New(f.backend); err != nil {
		_ = f.srv.Close()
		return nil, err
	}
	return f, nil
}

// URL is where the provider under test reaches the issuer: http://127.0.0.1:<port>.
func (f *IdPFront) URL() string { return "http://" + f.fault.Addr() }

// Backend is the front's own address, behind the faultproxy, for a second proxy (OpenDown).
func (f *IdPFront) Backend() string { return f.backend }

// Requests counts the requests that reached the front.
func (f *IdPFront) Requests() int64 { return f.requests.Load() }

// Sign signs claims with the current test key.
func (f *IdPFront) Sign(_ context.Context, claims map[string]any) (string, error) {
	f.mu.Lock()
	k := f.keys[len(f.keys)-1]
	f.mu.Unlock()
	return k.Sign(claims)
}

// Rotate publishes a new test key that signs from now on.
func (f *IdPFront) Rotate(context.Context) error {
	k, err := NewTestKeyFor("RS256")
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, k)
	return nil
}

// Retire stops publishing every test key but the current one.
func (f *IdPFront) Retire(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retired = len(f.keys) - 1
	return nil
}

// Outage makes the issuer unreachable (connections hang, as in a network partition) until
// restore.
func (f *IdPFront) Outage(context.Context) (func() error, error) {
	if err := f.fault.Set(faultproxy.Blackhole); err != nil {
		return nil, err
	}
	return func() error { return f.fault.Set(faultproxy.Forward) }, nil
}

// Close stops the front.
func (f *IdPFront) Close() error {
	return errors.Join(f.fault.Close(), f.srv.Close())
}

// modify adds the published test keys to the issuer's key set.
func (f *IdPFront) modify(resp *http.Response) error {
	if resp.Request.URL.Path != f.jwksPath || resp.StatusCode != http.StatusOK {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return err
	}
	f.mu.Lock()
	for _, k := range f.keys[f.retired:] {
		pub := k.Public()
		b, err := pub.MarshalJSON()
		if err != nil {
			f.mu.Unlock()
			return err
		}
		set.Keys = append(set.Keys, b)
	}
	f.mu.Unlock()
	out, err := json.Marshal(set)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	resp.Header.Del("ETag")
	return nil
}
