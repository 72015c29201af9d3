// Package logging builds the process's structured logger: log/slog, JSON or text, with secrets
// redacted twice over — by attribute name (password, token, ...) and by value (every
// credential the process resolved is scrubbed from every message and attribute).
package logging

import (
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/eim-byoi/eim/providers/provider"
)

// minScrubLen is the shortest value scrubbed by content; shorter ones would mangle ordinary text.
const minScrubLen = 4

// Redactor scrubs known secret values from text. Bootstrap adds every credential it resolves.
type Redactor struct {
	mu     sync.RWMutex
	values map[string]struct{}
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return &Redactor{values: map[string]struct{}{}} }

// Add registers a secret value to scrub; values shorter than four bytes are ignored.
func (r *Redactor) Add(v string) {
	if len(v) < minScrubLen {
		return
	}
	r.mu.Lock()
	r.values[v] = struct{}{}
	r.mu.Unlock()
}

// Scrub replaces every registered value in s with [REDACTED].
func (r *Redactor) Scrub(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, provider.Redacted)
		}
	}
	return s
}

// New returns a logger writing to w in format ("json" or "text") at level ("debug", "info",
// "warn", "error"), redacting secret-named attributes and every value r knows.
func New(w io.Writer, level, format string, r *Redactor) *slog.Logger {
	return NewWithLevels(w, format, r, NewLevels(level, nil))
}

// NewWithLevels is New at the levels of levels, changeable while the process runs; ForModule
// derives a module's logger at its own level.
func NewWithLevels(w io.Writer, format string, r *Redactor, levels *Levels) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: replacer(r)}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(levelHandler{inner: WithTrace(h), level: levels.Default()})
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

func replacer(r *Redactor) func([]string, slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		if SecretKey(a.Key) {
			return slog.String(a.Key, provider.Redacted)
		}
		switch a.Value.Kind() {
		case slog.KindString:
			return slog.String(a.Key, r.Scrub(a.Value.String()))
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				return slog.String(a.Key, r.Scrub(err.Error()))
			}
		}
		return a
	}
}

// SecretKey reports whether an attribute or field named key holds a credential by its name:
// password, secret, credential, authorization, private key, API key, or a name ending in token.
func SecretKey(key string) bool {
	k := strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(key))
	for _, s := range []string{"password", "passwd", "secret", "credential", "authorization", "privatekey", "apikey"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return strings.HasSuffix(k, "token")
}
