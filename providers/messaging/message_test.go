package messaging_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/providers/messaging"
)

func TestValidateNames(t *testing.T) {
	tests := []struct {
		name  string
		topic string
		group string
		ok    bool
	}{
		{"plain", "hosts.changed", "inventory", true},
		{"dashes and underscores", "eim-1.host_events", "g-1_a", true},
		{"wildcard", "hosts.*", "g", false},
		{"nats tail wildcard", "hosts.>", "g", false},
		{"empty word", "hosts..changed", "g", false},
		{"leading dot", ".hosts", "g", false},
		{"space", "hosts changed", "g", false},
		{"dotted group", "hosts", "a.b", false},
		{"empty group", "hosts", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := messaging.ValidateTopic(tt.topic)
			if err == nil {
				err = messaging.ValidateGroup(tt.group)
			}
			assert.Equal(t, tt.ok, err == nil, "%v", err)
		})
	}
}

func TestDeadLetterTopic(t *testing.T) {
	assert.Equal(t, "hosts.changed.dead", messaging.DeadLetterTopic("hosts.changed"))
	assert.NoError(t, messaging.ValidateTopic(messaging.DeadLetterTopic("hosts.changed")))
}

func TestHeadersRoundTrip(t *testing.T) {
	for _, h := range []map[string]string{nil, {}, {"a": "", "B": "ü ✓"}} {
		got, err := messaging.DecodeHeaders(messaging.EncodeHeaders(h))
		assert.NoError(t, err)
		if len(h) == 0 {
			assert.Nil(t, got)
			continue
		}
		assert.Equal(t, h, got)
	}
}
