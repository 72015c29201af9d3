package identity

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// checkClaims applies the registered-claim rules and returns the Principal's standard fields.
func (v *Verifier) checkClaims(c map[string]any) (*Principal, error) {
	p := &Principal{Claims: c}
	iss, _ := c["iss"].(string)
	switch {
	case iss == "":
		return nil, errors.New("the token has no issuer")
	case iss != v.policy.Issuer:
		return nil, fmt.Errorf("issuer %s is not the configured issuer %q", quote(iss, 2*maxQuoted), v.policy.Issuer)
	}
	p.Issuer = iss
	aud, err := audiences(c["aud"])
	if err != nil {
		return nil, err
	}
	p.Audiences = aud
	if !slices.ContainsFunc(p.Audiences, func(a string) bool { return slices.Contains(v.policy.Audiences, a) }) {
		return nil, fmt.Errorf("audience %s does not include any of %s", quoteList(p.Audiences), quoteList(v.policy.Audiences))
	}
	if err := v.checkTimes(p, c); err != nil {
		return nil, err
	}
	p.Subject, _ = c["sub"].(string)
	return p, nil
}

// audiences reads the aud claim (RFC 7519 §4.1.3): one string, which is one audience whatever
// it contains (never split on spaces), or an array of strings.
func audiences(aud any) ([]string, error) {
	switch x := aud.(type) {
	case nil:
	case string:
		if x != "" {
			return []string{x}, nil
		}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("claim aud is not a string or an array of strings")
			}
			if s != "" {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	default:
		return nil, errors.New("claim aud is not a string or an array of strings")
	}
	return nil, errors.New("the token has no audience")
}

func (v *Verifier) checkTimes(p *Principal, c map[string]any) error {
	now, skew := v.now(), v.policy.ClockSkew.Std()
	exp, ok, err := numericDate(c, "exp")
	switch {
	case err != nil:
		return err
	case !ok:
		return errors.New("the token has no expiry (exp)")
	case now.After(exp.Add(skew)):
		return fmt.Errorf("the token expired at %s (now %s, clock skew %s)", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew)
	}
	p.Expiry = exp
	nbf, ok, err := numericDate(c, "nbf")
	switch {
	case err != nil:
		return err
	case ok && now.Add(skew).Before(nbf):
		return fmt.Errorf("the token is not valid yet: not before %s (now %s, clock skew %s)", nbf.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew)
	}
	iat, ok, err := numericDate(c, "iat")
	switch {
	case err != nil:
		return err
	case ok && now.Add(skew).Before(iat):
		return fmt.Errorf("the token is issued in the future: at %s (now %s, clock skew %s)", iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew)
	case ok:
		p.IssuedAt = iat
	}
	return nil
}

// numericDate reads a JWT NumericDate claim (seconds since the epoch, possibly fractional).
func numericDate(c map[string]any, name string) (time.Time, bool, error) {
	raw, ok := c[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, isNum := raw.(float64)
	if !isNum || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e12 {
		return time.Time{}, false, fmt.Errorf("claim %s is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}
