package identity

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a token may make the verifier do or say.
const (
	// DefaultMaxTokenSize is the largest token accepted unless Policy.MaxTokenSize says
	// otherwise: 16 KiB, the header size common proxies allow.
	DefaultMaxTokenSize = 16 << 10
	// MinMaxTokenSize and MaxMaxTokenSize bound Policy.MaxTokenSize.
	MinMaxTokenSize = 1 << 10
	MaxMaxTokenSize = 1 << 20

	// maxQuoted is how many characters of one value taken from a token an error shows.
	maxQuoted = 64
	// maxListed is how many values of a list (audiences) an error shows.
	maxListed = 3
	// maxReason bounds a reason taken from a parser or a fetch in an error.
	maxReason = 200
)

// checkCompact checks that raw is a JWS compact serialization in canonical form before
// anything parses it (RFC 7515 §7.1): at most maxSize bytes; three segments separated by
// dots; only the base64url alphabet otherwise (no whitespace, CR, LF or padding, which Go's
// base64 decoder would skip); and each segment's last character without stray low bits, so
// that exactly one string encodes a given token. It returns the reason for a rejection, or "".
// An empty signature is let through: the parser then names the algorithm ("none") it refuses.
func checkCompact(raw string, maxSize int) string {
	if len(raw) > maxSize {
		return fmt.Sprintf("the token is %d bytes, more than the %d allowed (maxTokenSize)", len(raw), maxSize)
	}
	seg, start := 0, 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '.' {
			if b64Value(raw[i]) < 0 {
				return fmt.Sprintf("malformed token: byte %s at offset %d is neither base64url nor '.'", strconv.QuoteRune(rune(raw[i])), i)
			}
			continue
		}
		if seg == 2 && i < len(raw) {
			return "malformed token: not a compact JWS (header.payload.signature)"
		}
		if !canonicalSegment(raw[start:i]) {
			return fmt.Sprintf("malformed token: %s is not canonical unpadded base64url", [3]string{"the header", "the payload", "the signature"}[seg])
		}
		seg, start = seg+1, i+1
	}
	if seg != 3 {
		return "malformed token: not a compact JWS (header.payload.signature)"
	}
	return ""
}

// canonicalSegment reports whether s (base64url characters only) is the one unpadded
// encoding of its bytes: its length leaves no lone character and the bits of its last
// character beyond the encoded bytes are zero.
func canonicalSegment(s string) bool {
	if s == "" {
		return true
	}
	last := b64Value(s[len(s)-1])
	switch len(s) % 4 {
	case 1:
		return false
	case 2:
		return last&0x0f == 0
	case 3:
		return last&0x03 == 0
	}
	return true
}

// b64Value returns the value of a base64url character, or -1.
func b64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// quote returns s quoted for an error message: at most n characters ("…" marks a cut), with
// control characters and invalid UTF-8 replaced by '?', so that the result is at most about
// 4n bytes whatever s holds.
func quote(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range s {
		if count == n {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		count++
	}
	return strconv.Quote(b.String())
}

// quoteList returns values quoted for an error message: the first maxListed, each cut to
// maxQuoted characters, then how many more there are: ["a", "b", "c", and 9997 more].
func quoteList(values []string) string {
	parts := make([]string, 0, maxListed+1)
	for i, v := range values {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(values)-maxListed))
			break
		}
		parts = append(parts, quote(v, maxQuoted))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// clip cuts s to at most n bytes on a character boundary, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
