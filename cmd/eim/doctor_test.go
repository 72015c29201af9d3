package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/services/process"
)

// doctorCase breaks exactly one thing of a bootstrapped bed and names the failures doctor must
// report (target/check/subject) with a text each fix must hold; restore undoes the break.
type doctorCase struct {
	name   string
	brk    func(t *testing.T, b *bootBed) (config string, restore func())
	now    time.Duration // the local clock's offset
	sql    bool          // run on MariaDB too
	want   []string
	fixHas []string
}

// TestDoctorNamesEachFailure bootstraps a bed (PostgreSQL), migrates it, checks that doctor
// finds nothing wrong, then breaks one thing at a time — wrong CA, expired certificate, wrong
// password, missing Vault capability, missing Keycloak role, missing GRANT, skewed clock — and
// asserts that doctor fails exactly that check, with the right fix, and nothing else.
func TestDoctorNamesEachFailure(t *testing.T) {
	for _, dialect := range []string{"postgres", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testDoctorCases(t, dialect) })
	}
}

func testDoctorCases(t *testing.T, dialect string) {
	b := newBootStrapped(t, dialect)
	for _, tc := range doctorCases(t, b) {
		if dialect == "mysql" && !tc.sql {
			continue // the other providers' checks do not depend on the database
		}
		t.Run(tc.name, func(t *testing.T) {
			cfg, restore := b.config, func() {}
			if tc.brk != nil {
				cfg, restore = tc.brk(t, b)
			}
			defer restore()
			rep := runDoctor(t, cfg, tc.now)
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "PROXY", b.proxy)
			}
			var failed []string
			for _, f := range rep.Failed() {
				failed = append(failed, f.Target+"/"+f.Check+"/"+f.Subject)
			}
			require.ElementsMatch(t, want, failed, "%s", tableOf(rep))
			for i, f := range rep.Failed() {
				assert.NotEmpty(t, f.Fix, f.Subject)
				if i < len(tc.fixHas) {
					assert.Contains(t, f.Fix, tc.fixHas[i])
				}
			}
		})
	}
}

func tableOf(r *doctor.Report) string {
	var buf bytes.Buffer
	r.WriteTable(&buf)
	return buf.String()
}

// newBootStrapped is a bed after `eim bootstrap all` and `eim migrate db`.
func newBootStrapped(t *testing.T, dialect string) *bootBed {
	t.Helper()
	b := newBootBed(t, dialect, "all")
	_, out, err := b.bootstrap(t, "all")
	require.NoError(t, err, out)
	cmd := newMigrateDB()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetArgs([]string{"--config", b.config})
	require.NoError(t, cmd.Execute())
	return b
}

func runDoctor(t *testing.T, config string, offset time.Duration) *doctor.Report {
	t.Helper()
	cfg, err := process.LoadConfig(config)
	require.NoError(t, err)
	spec, err := prereq.Derive(cfg, process.Built)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return doctor.Run(ctx, spec, doctor.Options{Now: func() time.Time { return time.Now().Add(offset) }, SchemaStatus: schemaStatus(config)})
}

func doctorCases(t *testing.T, b *bootBed) []doctorCase {
	table := firstTable(t, b)
	return []doctorCase{
		{name: "healthy", sql: true},
		{name: "wrong CA", brk: func(t *testing.T, b *bootBed) (string, func()) {
			ca := newCA(t, "eim-test-ca")
			other := newCA(t, "another-ca")
			return b.behindTLS(t, ca.issue(t, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour)), other.pem)
		}, want: []string{"secrets/tls/" + "PROXY"}, fixHas: []string{"providers.secrets.config.tls.ca"}},
		{name: "expired certificate", brk: func(t *testing.T, b *bootBed) (string, func()) {
			ca := newCA(t, "eim-test-ca")
			return b.behindTLS(t, ca.issue(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)), ca.pem)
		}, want: []string{"secrets/tls/PROXY"}, fixHas: []string{"renew the server certificate"}},
		{name: "wrong password", sql: true, brk: func(t *testing.T, b *bootBed) (string, func()) {
			return b.config, b.swapKV(t, "eim/database", "runtime", "not-the-password")
		}, want: []string{"database/auth/runtime " + b.runtime}, fixHas: []string{b.sqlText(`ALTER ROLE "`+b.runtime+`" PASSWORD`,
			"ALTER USER '"+b.runtime+"'@'%' IDENTIFIED BY")}},
		{name: "missing Vault capability", brk: func(t *testing.T, b *bootBed) (string, func()) {
			return b.config, b.dropPolicyPath(t, b.transit+"/decrypt/eim")
		}, want: []string{"secrets/permissions/" + b.transit + "/decrypt/eim"},
			fixHas: []string{"bao policy write " + b.policy + " - <<'EOF'\n"}},
		{name: "missing Keycloak role", brk: func(t *testing.T, b *bootBed) (string, func()) {
			return b.config, b.dropAdminRole(t, "view-clients")
		}, want: []string{"identity/permissions/view-clients"}, fixHas: []string{"--rolename view-clients"}},
		{name: "missing GRANT", sql: true, brk: func(t *testing.T, b *bootBed) (string, func()) {
			return b.config, b.revoke(t, table)
		}, want: []string{"database/privileges/" + table}, fixHas: []string{b.sqlText(`GRANT DELETE ON "`+table+`" TO "`+b.runtime+`"`,
			"GRANT DELETE ON `"+b.database+"`.`"+table+"` TO '"+b.runtime+"'@'%'")}},
		{name: "skewed clock", now: 5 * time.Minute,
			// Keycloak sends no Date header: the token's iat is what shows the skew.
			want: []string{"identity/clock/token iat"}, fixHas: []string{"NTP"}},
	}
}

// TestDoctorCommand runs `eim doctor --json` on a healthy bed (exit 0) and with a missing
// Keycloak role (exit non-zero, the fix in the JSON).
func TestDoctorCommand(t *testing.T) {
	b := newBootStrapped(t, "postgres")
	run := func() (doctor.Report, error) {
		var out bytes.Buffer
		cmd := newDoctor()
		cmd.SetOut(&out)
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs([]string{"--config", b.config, "--json"})
		err := cmd.Execute()
		var rep doctor.Report
		require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
		return rep, err
	}
	rep, err := run()
	require.NoError(t, err)
	assert.Empty(t, rep.Failed())
	b.dropAdminRole(t, "manage-realm")
	rep, err = run()
	require.Error(t, err)
	require.Len(t, rep.Failed(), 1)
	assert.Contains(t, rep.Failed()[0].Fix, "--rolename manage-realm")
}

// sqlText picks the PostgreSQL or the MySQL text.
func (b *bootBed) sqlText(pg, my string) string {
	if b.dialect == "mysql" {
		return my
	}
	return pg
}

// firstTable is a table (MySQL: a tenant view) the runtime role works on.
func firstTable(t *testing.T, b *bootBed) string {
	t.Helper()
	q := `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'eim\_%' ORDER BY 1 LIMIT 1`
	if b.dialect == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + b.database +
			"' AND table_name NOT LIKE 'eim\\_%' AND table_name NOT LIKE '%" + storage.BaseSuffix + "' ORDER BY 1 LIMIT 1"
	}
	db := b.dbAdmin
	if b.dialect != "mysql" {
		var err error
		db, err = sql.Open("pgx", b.pgURL(b.database))
		require.NoError(t, err)
		defer db.Close()
	}
	var name string
	require.NoError(t, db.QueryRow(q).Scan(&name))
	return name
}

// revoke takes DELETE on table away from the runtime role.
func (b *bootBed) revoke(t *testing.T, table string) func() {
	t.Helper()
	on, to := `"`+table+`"`, `"`+b.runtime+`"`
	db := b.dbAdmin
	if b.dialect == "mysql" {
		on, to = "`"+b.database+"`.`"+table+"`", "'"+b.runtime+"'@'%'"
	} else {
		var err error
		db, err = sql.Open("pgx", b.pgURL(b.database))
		require.NoError(t, err)
	}
	_, err := db.Exec("REVOKE DELETE ON " + on + " FROM " + to)
	require.NoError(t, err)
	return func() {
		_, err := db.Exec("GRANT DELETE ON " + on + " TO " + to)
		require.NoError(t, err)
		if db != b.dbAdmin {
			db.Close()
		}
	}
}

func (b *bootBed) swapKV(t *testing.T, path, key, value string) func() {
	t.Helper()
	ctx := context.Background()
	kv, err := b.bao.KVv2(b.kvMount).Get(ctx, path)
	require.NoError(t, err)
	old := kv.Data[key]
	_, err = b.bao.KVv2(b.kvMount).Patch(ctx, path, map[string]any{key: value})
	require.NoError(t, err)
	return func() {
		_, err := b.bao.KVv2(b.kvMount).Patch(ctx, path, map[string]any{key: old})
		require.NoError(t, err)
	}
}

// dropPolicyPath rewrites the policy without the block of path.
func (b *bootBed) dropPolicyPath(t *testing.T, path string) func() {
	t.Helper()
	ctx := context.Background()
	old, err := b.bao.Sys().GetPolicyWithContext(ctx, b.policy)
	require.NoError(t, err)
	var kept []string
	for _, block := range strings.SplitAfter(old, "}\n") {
		if !strings.Contains(block, `"`+path+`"`) {
			kept = append(kept, block)
		}
	}
	require.Less(t, len(strings.Join(kept, "")), len(old), "the policy names %s", path)
	require.NoError(t, b.bao.Sys().PutPolicyWithContext(ctx, b.policy, strings.Join(kept, "")))
	return func() { require.NoError(t, b.bao.Sys().PutPolicyWithContext(ctx, b.policy, old)) }
}

// dropAdminRole removes a realm-management role from the admin client's service account.
func (b *bootBed) dropAdminRole(t *testing.T, role string) func() {
	t.Helper()
	var clients []map[string]any
	b.kcAdmin(t, http.MethodGet, "/clients?clientId=eim-admin", nil, &clients)
	require.Len(t, clients, 1)
	var rm []map[string]any
	b.kcAdmin(t, http.MethodGet, "/clients?clientId=realm-management", nil, &rm)
	require.Len(t, rm, 1)
	var user map[string]any
	b.kcAdmin(t, http.MethodGet, "/clients/"+clients[0]["id"].(string)+"/service-account-user", nil, &user)
	var rep map[string]any
	b.kcAdmin(t, http.MethodGet, "/clients/"+rm[0]["id"].(string)+"/roles/"+role, nil, &rep)
	p := "/users/" + user["id"].(string) + "/role-mappings/clients/" + rm[0]["id"].(string)
	b.kcAdmin(t, http.MethodDelete, p, []any{rep}, nil)
	return func() { b.kcAdmin(t, http.MethodPost, p, []any{rep}, nil) }
}

func (b *bootBed) kcAdmin(t *testing.T, method, p string, body, out any) {
	t.Helper()
	var rd *bytes.Reader
	raw, _ := json.Marshal(body)
	if body == nil {
		raw = nil
	}
	rd = bytes.NewReader(raw)
	req, err := http.NewRequest(method, b.kc.BaseURL+"/admin/realms/"+b.realm+p, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+b.kc.AdminToken(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "%s %s", method, p)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}

// behindTLS serves OpenBao through a TLS proxy with cert and returns an eim.yaml that reaches
// Vault through it trusting caPEM. The proxy's address replaces PROXY in the expectations.
func (b *bootBed) behindTLS(t *testing.T, cert tls.Certificate, caPEM []byte) (string, func()) {
	t.Helper()
	target, err := url.Parse(b.baoAddr)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, caPEM, 0o600))
	raw, err := os.ReadFile(b.config)
	require.NoError(t, err)
	cfg := strings.Replace(string(raw), "      address: "+b.baoAddr+"\n",
		"      address: "+srv.URL+"\n      tls: {ca: {file: "+ca+"}}\n", 1)
	out := filepath.Join(t.TempDir(), "eim.yaml")
	require.NoError(t, os.WriteFile(out, []byte(cfg), 0o600))
	b.proxy = strings.TrimPrefix(srv.URL, "https://")
	return out, func() {}
}

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-72 * time.Hour),
		NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a server certificate for 127.0.0.1 valid from notBefore to notAfter.
func (ca *testCA) issue(t *testing.T, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
