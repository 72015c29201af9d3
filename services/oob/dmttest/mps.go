package dmttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The answers of MPS's spec examples (PowerActionResponse, DeactivateResponse,
// DeleteErrorResponse), filled in.
func powerActionAnswer() map[string]any {
	return map[string]any{
		"Header": map[string]any{"To": "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous", "RelatesTo": 0,
			"Action":      "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_PowerManagementService/RequestPowerStateChangeResponse",
			"MessageID":   "uuid:00000000-8086-8086-8086-0000000450A6",
			"ResourceURI": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_PowerManagementService"},
		"Body": map[string]any{"ReturnValue": 0, "ReturnValueStr": "SUCCESS"},
	}
}

func notConnected(guid string) map[string]any {
	return map[string]any{"error": "Device not found/connected. Please connect again using CIRA.", "errorDescription": "guid : " + guid}
}

// resulting is the power state a device reaches after a power action.
var resulting = map[int]int{2: 2, 5: 2, 8: 8, 10: 2, 4: 4, 7: 7, 12: 8, 14: 2, 500: 2, 501: 2}

func (s *Stand) handleMPS(c *call) (int, any) {
	guid := c.params["guid"]
	switch c.route.Method + " " + c.route.Path {
	case "POST /api/v1/authorize":
		return s.authorize(c)
	case "GET /api/v1/ciracert":
		return http.StatusOK, s.cert
	case "GET /api/v1/amt/power/state/{guid}":
		return s.withDevice(c, guid, func(d *Device) (int, any) {
			if d.settling > 0 {
				if d.settling--; d.settling == 0 {
					d.PowerState = d.pending
				}
			}
			return http.StatusOK, map[string]any{"powerstate": d.PowerState, "OSPowerSavingState": 2}
		})
	case "POST /api/v1/amt/power/action/{guid}":
		var req struct {
			Action int `json:"action"`
		}
		_ = c.decode(&req)
		return s.withDevice(c, guid, func(d *Device) (int, any) {
			d.Actions = append(d.Actions, req.Action)
			if st, ok := resulting[req.Action]; ok {
				d.pending, d.settling = st, s.o.SettleReads
				if d.settling == 0 {
					d.PowerState = st
				}
			}
			return http.StatusOK, powerActionAnswer()
		})
	case "DELETE /api/v1/amt/deactivate/{guid}":
		return s.withDevice(c, guid, func(d *Device) (int, any) {
			d.Deactivated = true
			delete(s.devices, guid)
			return http.StatusOK, map[string]any{"status": "SUCCESS"}
		})
	case "GET /api/v1/devices/{guid}":
		return s.withDevice(c, guid, func(d *Device) (int, any) {
			return http.StatusOK, map[string]any{"guid": d.GUID, "hostname": "AMTDEVICE", "connectionStatus": true, "tenantid": d.Tenant,
				"mpsInstance": "stand-in", "tags": []string{}}
		})
	}
	s.violate("mps: %s %s is in the spec but not served by the stand-in", c.Method, c.route.Path)
	return http.StatusNotImplemented, nil
}

// withDevice runs fn on the tenant's connected device guid, or answers MPS's 404.
func (s *Stand) withDevice(c *call, guid string, fn func(*Device) (int, any)) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[guid]
	if !ok || d.Tenant != c.tenant {
		return http.StatusNotFound, notConnected(guid)
	}
	return fn(d)
}

// authorize is MPS's login: a JWT (unsigned here) whose exp says when it expires.
func (s *Stand) authorize(c *call) (int, any) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	_ = c.decode(&req)
	if req.Username != s.o.Username || req.Password != s.o.Password {
		return http.StatusUnauthorized, nil
	}
	exp := time.Now().Add(s.o.TokenTTL)
	claims, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "tenantId": ""})
	sig := make([]byte, 16)
	_, _ = rand.Read(sig)
	enc := base64.RawURLEncoding
	tok := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = exp.Truncate(time.Second)
	s.logins++
	return http.StatusOK, map[string]any{"token": tok}
}

// AddDevice connects a device of tenant to MPS, in power state (2 on, 8 off).
func (s *Stand) AddDevice(guid, tenant string, powerState int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices[guid] = &Device{GUID: guid, Tenant: tenant, PowerState: powerState}
}

// RemoveDevice disconnects a device from MPS.
func (s *Stand) RemoveDevice(guid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.devices, guid)
}

// Device returns a copy of a connected device.
func (s *Stand) Device(guid string) (Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[guid]
	if !ok {
		return Device{}, false
	}
	c := *d
	c.Actions = append([]int(nil), d.Actions...)
	return c, true
}

// CIRACert returns the PEM root certificate MPS serves at /api/v1/ciracert.
func (s *Stand) CIRACert() string { return s.cert }

// newCert is MPS's self-signed CIRA root certificate.
func newCert(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "MPSRoot-standin"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
