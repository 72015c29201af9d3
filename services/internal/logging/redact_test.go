package logging_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/internal/logging"
)

func TestLoggerRedacts(t *testing.T) {
	const planted = "hunter2-planted"
	r := logging.NewRedactor()
	r.Add(planted)
	r.Add("abc") // too short to scrub by content
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var out strings.Builder
			log := logging.New(&out, "debug", format, r)
			log.Info("connecting with "+planted,
				"dsn", "postgres://eim:"+planted+"@db/eim",
				"error", errors.New("auth failed for "+planted),
				"password", "not-known-but-named",
				"client_secret", "also-named",
				"access_token", "tok",
				"token_url", "https://kc/token",
				"value", provider.NewSecretValue([]byte("typed-secret")),
				"note", "abc is fine")
			s := out.String()
			for _, leak := range []string{planted, "not-known-but-named", "also-named", "typed-secret", `"tok"`} {
				assert.NotContains(t, s, leak)
			}
			assert.Contains(t, s, provider.Redacted)
			assert.Contains(t, s, "https://kc/token", "a URL named token_url is not a credential")
			assert.Contains(t, s, "abc is fine")
		})
	}
}

func TestLoggerLevel(t *testing.T) {
	var out strings.Builder
	log := logging.New(&out, "warn", "json", nil)
	log.Info("hidden")
	log.Warn("shown")
	assert.NotContains(t, out.String(), "hidden")
	assert.Contains(t, out.String(), "shown")
}

func TestSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"password": true, "DB_PASSWORD": true, "clientSecret": true, "api-key": true, "Authorization": true,
		"refresh_token": true, "private.key": true, "token_url": false, "host": false, "tokens_issued": false,
	} {
		assert.Equal(t, want, logging.SecretKey(key), key)
	}
}
