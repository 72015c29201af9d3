package dbtest

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eim-byoi/eim/test/testenv"
)

// RDSIAM stands in for the front door of an RDS PostgreSQL instance with IAM database
// authentication, on 127.0.0.1. Like RDS it requires TLS (the test CA's server certificate)
// and asks the client for a cleartext password. For an IAM user the password must be an RDS
// IAM token that verifies: a SigV4-presigned "connect" request for this endpoint and that
// user, signed for the region with the access key the front was given, not expired. Other
// users authenticate with their password. The session is then handed to the real test-bed
// PostgreSQL, logged in as the user's role there, and the bytes are relayed both ways.
//
// It is what can be run here instead of RDS: the token check is the one RDS documents,
// recomputed with the AWS SDK's signer; RDS itself is not involved.
type RDSIAM struct {
	// Addr is the front's host:port, the endpoint tokens must be signed for.
	Addr string

	region string
	creds  aws.Credentials
	server *testenv.PostgresServer
	iam    map[string]Login // IAM user -> role it logs in as
	plain  map[string]Login // password user -> its login
	tlsCfg *tls.Config

	mu     sync.Mutex
	tokens []Token
	ln     net.Listener
	wg     sync.WaitGroup
}

// Token is an accepted IAM token's verified content.
type Token struct {
	User      string    // DBUser
	AccessKey string    // of the credential that signed it
	Region    string    // of the signature scope
	SignedAt  time.Time // X-Amz-Date
	Signature string    // X-Amz-Signature, to tell tokens apart
}

// NewRDSIAM starts the front for server: IAM users log in as the role of the same name with
// its password from logins; the other logins authenticate with their passwords. Tokens must
// be signed for region with creds. It stops when the test ends.
func NewRDSIAM(t testenv.TB, server *testenv.PostgresServer, region string, creds aws.Credentials, iamUsers []string, logins ...Login) *RDSIAM {
	t.Helper()
	f := newFront(t, region, creds)
	f.server, f.iam, f.plain = server, map[string]Login{}, map[string]Login{}
	for _, l := range logins {
		f.plain[l.User] = l
	}
	for _, u := range iamUsers {
		f.iam[u] = f.plain[u]
		delete(f.plain, u)
	}
	f.start(t, f.session)
	return f
}

// newFront listens on 127.0.0.1 with the test CA's server certificate, for tokens signed for
// region with creds.
func newFront(t testenv.TB, region string, creds aws.Credentials) *RDSIAM {
	t.Helper()
	files := testenv.TLS(t)
	cert, err := tls.LoadX509KeyPair(files.ServerCertFile, files.ServerKeyFile)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return &RDSIAM{Addr: ln.Addr().String(), region: region, creds: creds, ln: ln,
		tlsCfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
}

// start serves every connection with session until the test ends.
func (f *RDSIAM) start(t testenv.TB, session func(net.Conn) error) {
	f.wg.Go(func() {
		for {
			c, err := f.ln.Accept()
			if err != nil {
				return
			}
			f.wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				_ = session(c)
			})
		}
	})
	t.Cleanup(func() { _ = f.ln.Close(); f.wg.Wait() })
}

// Tokens returns the IAM tokens accepted so far, one per connection opened with one.
func (f *RDSIAM) Tokens() []Token {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Token(nil), f.tokens...)
}

// session runs one client connection: TLS, startup, authentication, then the relay.
func (f *RDSIAM) session(raw net.Conn) error {
	conn, startup, err := f.startup(raw)
	if err != nil {
		return err
	}
	be := pgproto3.NewBackend(conn, conn)
	user, database := startup.Parameters["user"], startup.Parameters["database"]
	login, err := f.authenticate(be, user)
	if err != nil {
		be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "PAM authentication failed for user \"" + user + "\""})
		return errors.Join(err, be.Flush())
	}
	upstream, err := f.login(login, database)
	if err != nil {
		be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "08006", Message: "upstream: " + err.Error()})
		return errors.Join(err, be.Flush())
	}
	defer upstream.Conn.Close()
	be.Send(&pgproto3.AuthenticationOk{})
	for k, v := range upstream.ParameterStatuses {
		be.Send(&pgproto3.ParameterStatus{Name: k, Value: v})
	}
	be.Send(&pgproto3.BackendKeyData{ProcessID: upstream.PID, SecretKey: upstream.SecretKey})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := be.Flush(); err != nil {
		return err
	}
	_ = raw.SetDeadline(time.Time{})
	return relay(conn, upstream.Conn)
}

// startup answers the client's SSLRequest with TLS, as RDS requires for IAM, and reads the
// startup message.
func (f *RDSIAM) startup(raw net.Conn) (net.Conn, *pgproto3.StartupMessage, error) {
	msg, err := pgproto3.NewBackend(raw, raw).ReceiveStartupMessage()
	if err != nil {
		return nil, nil, err
	}
	if _, ok := msg.(*pgproto3.SSLRequest); !ok {
		return nil, nil, fmt.Errorf("rds front: %T before TLS: TLS is required", msg)
	}
	if _, err := raw.Write([]byte{'S'}); err != nil {
		return nil, nil, err
	}
	conn := tls.Server(raw, f.tlsCfg)
	msg, err = pgproto3.NewBackend(conn, conn).ReceiveStartupMessage()
	if err != nil {
		return nil, nil, err
	}
	startup, ok := msg.(*pgproto3.StartupMessage)
	if !ok {
		return nil, nil, fmt.Errorf("rds front: got %T, want a startup message", msg)
	}
	return conn, startup, nil
}

// authenticate asks for the password and checks it: an IAM token for IAM users, the password
// for the others.
func (f *RDSIAM) authenticate(be *pgproto3.Backend, user string) (Login, error) {
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return Login{}, err
	}
	if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return Login{}, err
	}
	msg, err := be.Receive()
	if err != nil {
		return Login{}, err
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return Login{}, fmt.Errorf("rds front: got %T, want a password", msg)
	}
	if login, ok := f.iam[user]; ok {
		tok, err := f.verify(pw.Password, user)
		if err != nil {
			return Login{}, err
		}
		f.mu.Lock()
		f.tokens = append(f.tokens, tok)
		f.mu.Unlock()
		return login, nil
	}
	login, ok := f.plain[user]
	if !ok || subtle.ConstantTimeCompare([]byte(pw.Password), []byte(login.Password)) != 1 {
		return Login{}, errors.New("rds front: wrong password")
	}
	return login, nil
}

// verify checks token the way RDS does: it must be the presigned URL of a "connect" action
// for this endpoint and user, signed with f's credentials for f's region, within its 15
// minutes. The signature is recomputed with the SDK's SigV4 signer at the token's own time.
func (f *RDSIAM) verify(token, user string) (Token, error) {
	u, err := url.Parse("https://" + token)
	if err != nil {
		return Token{}, fmt.Errorf("rds front: token is not a URL: %w", err)
	}
	q := u.Query()
	signedAt, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return Token{}, fmt.Errorf("rds front: X-Amz-Date: %w", err)
	}
	switch {
	case u.Host != f.Addr:
		return Token{}, fmt.Errorf("rds front: token signed for %s, not %s", u.Host, f.Addr)
	case q.Get("Action") != "connect" || q.Get("DBUser") != user:
		return Token{}, errors.New("rds front: token is not for connecting as " + user)
	case q.Get("X-Amz-Expires") != "900" || time.Since(signedAt) > 15*time.Minute || time.Until(signedAt) > 5*time.Minute:
		return Token{}, errors.New("rds front: token expired or not yet valid")
	}
	want, err := f.sign(user, signedAt)
	if err != nil {
		return Token{}, err
	}
	got := q.Get("X-Amz-Signature")
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return Token{}, errors.New("rds front: signature does not verify (wrong key, region or endpoint)")
	}
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	return Token{User: user, AccessKey: scope[0], Region: scope[2], SignedAt: signedAt, Signature: got}, nil
}

// sign presigns the connect request for user at t, as the RDS client does.
func (f *RDSIAM) sign(user string, t time.Time) (string, error) {
	req, err := http.NewRequest(http.MethodGet, "https://"+f.Addr+"/?"+url.Values{
		"Action": {"connect"}, "DBUser": {user}, "X-Amz-Expires": {"900"}}.Encode(), nil)
	if err != nil {
		return "", err
	}
	const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), f.creds, req, emptyPayloadHash, "rds-db", f.region, t)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(signed)
	if err != nil {
		return "", err
	}
	return u.Query().Get("X-Amz-Signature"), nil
}

// login opens the session on the real server as login and takes over its connection.
func (f *RDSIAM) login(login Login, database string) (*pgconn.HijackedConn, error) {
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s sslmode=disable connect_timeout=10", f.server.Host, f.server.Port, database))
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password = login.User, login.Password
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return c.Hijack()
}

// relay copies bytes both ways until either side closes.
func relay(a, b net.Conn) error {
	done := make(chan error, 2)
	go func() { _, err := io.Copy(a, b); done <- err; _ = a.Close() }()
	go func() { _, err := io.Copy(b, a); done <- err; _ = b.Close() }()
	err := <-done
	<-done
	return err
}

// AWSEnv makes creds the process's AWS credentials for the test (the SDK's default chain reads
// them from the environment), with no shared config files or instance metadata to fall back on.
func AWSEnv(t *testing.T, creds aws.Credentials) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey, "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}
