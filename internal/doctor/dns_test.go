package doctor_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/eim-byoi/eim/internal/doctor"
	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/test/testenv"
)

// dnsServer is a DNS server on 127.0.0.1 (UDP) authoritative for nothing: it answers A
// queries for found with 127.0.0.1 and NXDOMAIN for every other name.
func dnsServer(t *testing.T, found string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out, ok := answer(buf[:n], found); ok {
				_, _ = pc.WriteTo(out, addr)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func answer(query []byte, found string) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RCode: dnsmessage.RCodeNameError}
	hit := strings.EqualFold(q.Name.String(), found+".")
	if hit {
		rh.RCode = dnsmessage.RCodeSuccess
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	if hit && q.Type == dnsmessage.TypeA {
		_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
	}
	out, err := b.Finish()
	return out, err == nil
}

// TestDoctorDNS points doctor's resolver at a DNS server on loopback (nothing of the machine's
// resolver or network is used): a name it answers NXDOMAIN for fails the dns check, naming the
// host and the fix, and only that (the rest is skipped); a name it resolves passes dns and
// reach.
func TestDoctorDNS(t *testing.T) {
	srv := testenv.NATS(t)
	addr := dnsServer(t, "nats.eim-doctor.test")
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
	run := func(host string) *doctor.Report {
		spec := specOf(t, "  messaging:\n    type: nats\n    config: {url: \"nats://"+host+":"+strings.Split(srv.Addr(), ":")[1]+"\", username: eim, password: {env: EIM_TEST_NATS_PW}}\n")
		return doctor.Run(context.Background(), spec, doctor.Options{Targets: []string{prereq.KindMessaging}, Resolver: res})
	}
	t.Setenv("EIM_TEST_NATS_PW", srv.Password)

	rep := run("missing.eim-doctor.test")
	require.Equal(t, []string{"messaging/dns/missing.eim-doctor.test"}, failedOf(rep), "%s", tableOf(rep))
	f := rep.Failed()[0]
	assert.Contains(t, f.Detail, "no such host")
	assert.Equal(t, "make missing.eim-doctor.test resolvable from this host (DNS record or /etc/hosts), or fix the host name in eim.yaml", f.Fix)
	for _, f := range rep.Findings[1:] {
		assert.Equal(t, doctor.Skip, f.Status, f.Check)
	}

	rep = run("nats.eim-doctor.test")
	require.GreaterOrEqual(t, len(rep.Findings), 2, "%s", tableOf(rep))
	assert.Equal(t, doctor.Finding{Target: "messaging", Check: "dns", Subject: "nats.eim-doctor.test", Status: doctor.OK, Detail: "127.0.0.1"}, rep.Findings[0])
	assert.Equal(t, "reach", rep.Findings[1].Check)
	assert.Equal(t, doctor.OK, rep.Findings[1].Status, "%s", tableOf(rep))
}
