package dbtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eim-byoi/eim/test/testenv"
)

// MySQL capability flags the RDS MySQL stand-in uses.
const (
	capLongPassword   = 1 << 0
	capLongFlag       = 1 << 2
	capConnectWithDB  = 1 << 3
	capProtocol41     = 1 << 9
	capSSL            = 1 << 11
	capTransactions   = 1 << 13
	capSecureConn     = 1 << 15
	capMultiResults   = 1 << 17
	capPluginAuth     = 1 << 19
	frontCapabilities = capLongPassword | capLongFlag | capConnectWithDB | capProtocol41 | capSSL |
		capTransactions | capSecureConn | capMultiResults | capPluginAuth
)

// MySQL command bytes the stand-in answers.
const (
	comQuit  = 0x01
	comQuery = 0x03
	comPing  = 0x0e
)

// RDSIAMMySQL stands in for the authentication of an RDS MySQL instance with IAM database
// authentication, on 127.0.0.1: it greets like a MySQL 8 server, requires TLS (the test CA's
// server certificate), switches the IAM user to the mysql_clear_password plugin as RDS does,
// and accepts the connection only if the password is an RDS IAM token that verifies (see
// RDSIAM.verify). After that it answers only what a connection check needs — SET statements
// and COM_PING — so it tests how the mysql adapter authenticates, not queries (those run
// against the real MariaDB in the other tests).
type RDSIAMMySQL struct {
	*RDSIAM
	users map[string]bool
}

// NewRDSIAMMySQL starts the MySQL stand-in accepting IAM tokens for users, signed for region
// with creds. It stops when the test ends.
func NewRDSIAMMySQL(t testenv.TB, region string, creds aws.Credentials, users ...string) *RDSIAMMySQL {
	t.Helper()
	f := &RDSIAMMySQL{RDSIAM: newFront(t, region, creds), users: map[string]bool{}}
	for _, u := range users {
		f.users[u] = true
	}
	f.start(t, f.mysqlSession)
	return f
}

// mysqlSession greets, upgrades to TLS, authenticates and then answers commands.
func (f *RDSIAMMySQL) mysqlSession(raw net.Conn) error {
	p := &packets{r: raw, w: raw} // unbuffered: the TLS handshake follows the SSL request
	if err := p.write(greeting()); err != nil {
		return err
	}
	req, err := p.read()
	if err != nil {
		return err
	}
	if len(req) < 32 || binary.LittleEndian.Uint32(req)&capSSL == 0 {
		return p.write(errPacket(1045, "28000", "Access denied: IAM authentication requires TLS"))
	}
	conn := tls.Server(raw, f.tlsCfg)
	p = &packets{r: bufio.NewReader(conn), w: conn, seq: p.seq}
	resp, err := p.read()
	if err != nil {
		return err
	}
	user, err := handshakeUser(resp)
	if err != nil {
		return err
	}
	if err := p.write(append([]byte{0xfe}, "mysql_clear_password\x00"...)); err != nil {
		return err
	}
	pw, err := p.read()
	if err != nil {
		return err
	}
	if err := f.checkToken(user, string(bytes.TrimSuffix(pw, []byte{0}))); err != nil {
		return p.write(errPacket(1045, "28000", fmt.Sprintf("Access denied for user '%s'@'127.0.0.1' (using password: YES)", user)))
	}
	if err := p.write(okPacket()); err != nil {
		return err
	}
	return commands(p)
}

// checkToken verifies token for an IAM user and records it.
func (f *RDSIAMMySQL) checkToken(user, token string) error {
	if !f.users[user] {
		return errors.New("rds front: not an IAM user")
	}
	tok, err := f.verify(token, user)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = append(f.tokens, tok)
	return nil
}

// commands answers SET statements and pings with OK until the client quits.
func commands(p *packets) error {
	for {
		p.seq = 0
		cmd, err := p.read()
		if err != nil || len(cmd) == 0 || cmd[0] == comQuit {
			return err
		}
		switch {
		case cmd[0] == comPing, cmd[0] == comQuery && bytes.HasPrefix(bytes.ToUpper(cmd[1:]), []byte("SET ")):
			err = p.write(okPacket())
		default:
			err = p.write(errPacket(1235, "42000", "the RDS IAM stand-in only answers SET and PING"))
		}
		if err != nil {
			return err
		}
	}
}

// greeting is a MySQL 8 HandshakeV10 offering TLS and the native password plugin.
func greeting() []byte {
	b := []byte{0x0a}
	b = append(b, "8.0.36-rds-iam-stand-in\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = append(b, "abcdefgh\x00"...)
	b = binary.LittleEndian.AppendUint16(b, frontCapabilities&0xffff)
	b = append(b, 45) // utf8mb4_general_ci
	b = binary.LittleEndian.AppendUint16(b, 0x0002)
	b = binary.LittleEndian.AppendUint16(b, frontCapabilities>>16)
	b = append(b, 21)
	b = append(b, make([]byte, 10)...)
	b = append(b, "ijklmnopqrst\x00"...)
	return append(b, "mysql_native_password\x00"...)
}

// handshakeUser returns the user name of a HandshakeResponse41.
func handshakeUser(resp []byte) (string, error) {
	if len(resp) < 33 {
		return "", errors.New("rds front: short handshake response")
	}
	rest := resp[32:]
	end := bytes.IndexByte(rest, 0)
	if end < 0 {
		return "", errors.New("rds front: no user name")
	}
	return string(rest[:end]), nil
}

func okPacket() []byte { return []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00} }

func errPacket(code uint16, state, msg string) []byte {
	b := binary.LittleEndian.AppendUint16([]byte{0xff}, code)
	return append(append(append(b, '#'), state...), msg...)
}

// packets reads and writes MySQL protocol packets, keeping the sequence number.
type packets struct {
	r   io.Reader
	w   io.Writer
	seq byte
}

func (p *packets) read() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(p.r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	p.seq = h[3] + 1
	body := make([]byte, n)
	_, err := io.ReadFull(p.r, body)
	return body, err
}

func (p *packets) write(body []byte) error {
	h := []byte{byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16), p.seq}
	p.seq++
	_, err := p.w.Write(append(h, body...))
	return err
}
