package oob

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

func TestPowerStateOf(t *testing.T) {
	for _, c := range []struct {
		mps  int
		want computev1.PowerState
	}{
		{2, computev1.PowerState_POWER_STATE_ON}, {3, computev1.PowerState_POWER_STATE_SLEEP}, {4, computev1.PowerState_POWER_STATE_SLEEP},
		{6, computev1.PowerState_POWER_STATE_OFF}, {8, computev1.PowerState_POWER_STATE_OFF}, {13, computev1.PowerState_POWER_STATE_OFF},
		{7, computev1.PowerState_POWER_STATE_HIBERNATE}, {9, computev1.PowerState_POWER_STATE_ON}, {0, computev1.PowerState_POWER_STATE_UNSPECIFIED},
	} {
		assert.Equal(t, c.want, PowerStateOf(c.mps), "MPS power state %d", c.mps)
	}
	_, ok := PowerAction(computev1.PowerState_POWER_STATE_UNSPECIFIED)
	assert.False(t, ok)
	a, _ := PowerAction(computev1.PowerState_POWER_STATE_RESET_REPEAT)
	assert.Equal(t, 10, a, "a repeated reset is a reset")
}

func TestRenewTime(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, c := range []struct {
		name string
		exp  time.Time
		want time.Time
	}{
		{"long-lived: renewed before expiry", now.Add(time.Hour), now.Add(time.Hour - time.Minute)},
		{"shorter than the margin: halfway", now.Add(40 * time.Second), now.Add(20 * time.Second)},
		{"no expiry: five minutes", time.Time{}, now.Add(5 * time.Minute)},
	} {
		assert.Equal(t, c.want, renewTime(now, c.exp, time.Minute), c.name)
	}
	enc := base64.RawURLEncoding
	tok := enc.EncodeToString([]byte(`{}`)) + "." + enc.EncodeToString([]byte(`{"exp":1700000000}`)) + ".sig"
	assert.Equal(t, time.Unix(1700000000, 0), expiry(tok))
	assert.True(t, expiry("not-a-jwt").IsZero())
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw, err := GeneratePassword(16)
		require.NoError(t, err)
		assert.Len(t, pw, 16)
		for _, class := range passwordClasses {
			assert.True(t, strings.ContainsAny(pw, class), "%q has a character of %q (AMT's complexity rules)", pw, class)
		}
		assert.False(t, seen[pw])
		seen[pw] = true
	}
	_, err := GeneratePassword(7)
	assert.Equal(t, provider.InvalidArgument, provider.CodeOf(err))
}

func TestCIRAAddress(t *testing.T) {
	for _, c := range []struct {
		in     string
		host   string
		port   int
		format int
		code   provider.Code
	}{
		{"127.0.0.1:4433", "127.0.0.1", 4433, 3, provider.OK},
		{"mps.example.com:443", "mps.example.com", 443, 201, provider.OK},
		{"mps.example.com", "mps.example.com", 4433, 201, provider.OK},
		{"mps.example.com:x", "", 0, 0, provider.InvalidArgument},
	} {
		host, port, err := splitCIRAAddress(c.in)
		assert.Equal(t, c.code, provider.CodeOf(err), c.in)
		if err == nil {
			assert.Equal(t, c.host, host)
			assert.Equal(t, c.port, port)
			assert.Equal(t, c.format, addressFormat(host))
		}
	}
}

func TestStatusCode(t *testing.T) {
	for status, code := range map[int]provider.Code{http.StatusNotFound: provider.NotFound, http.StatusUnauthorized: provider.Unauthenticated,
		http.StatusForbidden: provider.PermissionDenied, http.StatusBadGateway: provider.Unavailable, http.StatusBadRequest: provider.InvalidArgument} {
		assert.Equal(t, code, statusCode(status), "status %d", status)
	}
}
