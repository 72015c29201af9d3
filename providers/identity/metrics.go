package identity

import "github.com/prometheus/client_golang/prometheus"

// Collectors returns the verifier's Prometheus collectors, for the process's registry: the
// verified-token cache's hits and misses and the issuer key-set (JWKS) refreshes by outcome.
// They read counters the verifier keeps anyway, so a verifier without a registry pays nothing.
// No label names a token, subject, tenant or key.
func (v *Verifier) Collectors() []prometheus.Collector {
	var out []prometheus.Collector
	if v.tokens != nil {
		for _, r := range []struct {
			result string
			n      func() int64
		}{{"hit", v.tokens.hits.Load}, {"miss", v.tokens.misses.Load}} {
			out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eim_identity_token_cache_requests_total",
				Help:        "Bearer tokens looked up in the verified-token cache, by result: hit (answered from the cache) or miss (verified).",
				ConstLabels: prometheus.Labels{"result": r.result}}, func() float64 { return float64(r.n()) }))
		}
		out = append(out, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "eim_identity_token_cache_entries",
			Help: "Verified tokens held in the cache."}, func() float64 { return float64(v.tokens.len()) }))
	}
	for _, r := range []struct {
		outcome string
		n       func() int64
	}{{"ok", v.keys.fetched.Load}, {"error", v.keys.failures.Load}} {
		out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "eim_identity_jwks_refreshes_total",
			Help:        "Fetches of the issuer's metadata and key set (JWKS), by outcome: ok or error.",
			ConstLabels: prometheus.Labels{"outcome": r.outcome}}, func() float64 { return float64(r.n()) }))
	}
	return out
}

// Collectors returns the provider's Prometheus collectors: its verifier's (see
// Verifier.Collectors).
func (p *Provider) Collectors() []prometheus.Collector { return p.parts.Verifier.Collectors() }
