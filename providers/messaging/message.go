package messaging

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// Kind is the provider kind name used in errors and registries.
const Kind = "messaging"

// Message is what is published and delivered.
type Message struct {
	// ID identifies the message; consumers deduplicate by it. Publish fills an empty ID with a
	// time-ordered UUID (NewID).
	ID string
	// Key groups related messages (e.g. one host's changes): adapters that declare
	// CapOrderedKeys keep the messages of one key in publish order.
	Key string
	// Payload is the body, any bytes.
	Payload []byte
	// Headers are string attributes. Keys starting with "eim-" are reserved for the headers
	// this package sets.
	Headers map[string]string

	// Topic is the topic the message was published to; set on delivery.
	Topic string
	// Attempt counts deliveries of this message to the group, 1 for the first; set on delivery.
	Attempt int
}

// Headers this package sets on dead-lettered messages.
const (
	// HeaderError holds the last handler error of a dead-lettered message.
	HeaderError = "eim-dead-letter-error"
	// HeaderTopic holds the topic a dead-lettered message was published to.
	HeaderTopic = "eim-dead-letter-topic"
	// HeaderGroup holds the consumer group that gave up on a dead-lettered message.
	HeaderGroup = "eim-dead-letter-group"
	// HeaderAttempts holds how many deliveries a dead-lettered message had.
	HeaderAttempts = "eim-dead-letter-attempts"
)

// ReservedHeaderPrefix starts the header keys reserved for this package.
const ReservedHeaderPrefix = "eim-"

// DeadLetterSuffix is appended to a topic to name its dead-letter topic.
const DeadLetterSuffix = ".dead"

// DeadLetterTopic returns the topic that topic's poison messages go to.
func DeadLetterTopic(topic string) string { return topic + DeadLetterSuffix }

// NewID returns a new message ID: a time-ordered (version 7) UUID.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Clone returns a deep copy of m.
func (m Message) Clone() Message {
	c := m
	c.Payload = append([]byte(nil), m.Payload...)
	if m.Headers != nil {
		c.Headers = make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			c.Headers[k] = v
		}
	}
	return c
}

var (
	topicPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$`)
	groupPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// Name limits: topics and groups end up in broker object names (JetStream consumers,
// RabbitMQ queues, Redis keys, SQL columns).
const (
	MaxTopicLen = 200
	MaxGroupLen = 64
	MaxIDLen    = 128
	MaxKeyLen   = 255
)

// ValidateTopic checks a topic name: dot-separated words of letters, digits, '_' and '-'.
// Wildcards are not topics.
func ValidateTopic(topic string) error {
	if len(topic) > MaxTopicLen || !topicPattern.MatchString(topic) {
		return fmt.Errorf("topic %q is not valid: use dot-separated words of letters, digits, '_' and '-', at most %d characters", topic, MaxTopicLen)
	}
	return nil
}

// ValidateGroup checks a consumer group name: letters, digits, '_' and '-'.
func ValidateGroup(group string) error {
	if len(group) > MaxGroupLen || !groupPattern.MatchString(group) {
		return fmt.Errorf("group %q is not valid: use letters, digits, '_' and '-', at most %d characters", group, MaxGroupLen)
	}
	return nil
}

// validate checks a message before it is published.
func (m Message) validate(maxPayload int) error {
	switch {
	case len(m.ID) > MaxIDLen:
		return fmt.Errorf("message id is longer than %d bytes", MaxIDLen)
	case len(m.Key) > MaxKeyLen:
		return fmt.Errorf("message %s: key is longer than %d bytes", m.ID, MaxKeyLen)
	case maxPayload > 0 && len(m.Payload) > maxPayload:
		return fmt.Errorf("message %s: payload of %d bytes exceeds the adapter's maximum of %d", m.ID, len(m.Payload), maxPayload)
	}
	for k := range m.Headers {
		if k == "" || strings.ContainsAny(k, ":\r\n ") {
			return fmt.Errorf("message %s: header key %q is not valid", m.ID, k)
		}
	}
	return nil
}
