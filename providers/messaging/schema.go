package messaging

import (
	"embed"
	"encoding/json"
	"io/fs"

	"github.com/eim-byoi/eim/providers/storage"
)

//go:embed migrations
var migrations embed.FS

// Schema is the messaging kind's database schema: the transactional outbox (eim_outbox), the
// consumers' record of processed message IDs (eim_inbox) and the sql adapter's queue tables
// (eim_queue, eim_queue_groups). Bootstrap applies it with the other schemas.
func Schema() storage.Schema {
	sub, _ := fs.Sub(migrations, "migrations")
	return storage.Schema{Name: "messaging", Migrations: sub}
}

// EncodeHeaders serializes headers for a database column (JSON; "{}" when empty).
func EncodeHeaders(h map[string]string) string {
	if len(h) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(h)
	return string(b)
}

// DecodeHeaders parses what EncodeHeaders wrote; nil when empty.
func DecodeHeaders(s string) (map[string]string, error) {
	var h map[string]string
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, nil
	}
	return h, nil
}
