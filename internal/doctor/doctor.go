// Package doctor is the preflight `eim doctor` runs before `eim serve`: for each configured
// provider and the modules eim.yaml enables, it checks DNS, reachability, TLS (chain, host
// name, expiry within 30 days), authentication, the permissions the modules need (from the
// same prereq.Spec `eim bootstrap` creates them from), database privileges and RLS, clock
// skew against the identity provider and the schema version. Every failure carries the exact
// fix. A check that cannot run because an earlier one failed is skipped, not failed, so that
// one fault is reported once.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eim-byoi/eim/internal/prereq"
	"github.com/eim-byoi/eim/providers/storage"
)

// Status is a check's outcome.
type Status string

// The outcomes of a check.
const (
	OK   Status = "ok"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Finding is the outcome of one check.
type Finding struct {
	// Target is identity, secrets, database or messaging.
	Target string `json:"target"`
	// Check is dns, reach, tls, discovery, auth, audience, permissions, clock, rls,
	// privileges or schema.
	Check string `json:"check"`
	// Subject names what was checked: a host, a Vault path, a role, a table.
	Subject string `json:"subject"`
	Status  Status `json:"status"`
	// Detail says what was found; never a secret.
	Detail string `json:"detail,omitempty"`
	// Fix is the exact remedy of a failure.
	Fix string `json:"fix,omitempty"`
}

// Report is every finding of one run.
type Report struct {
	Modules  []string  `json:"modules"`
	Findings []Finding `json:"findings"`
}

// Failed returns the failed findings.
func (r *Report) Failed() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == Fail {
			out = append(out, f)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes one row per finding and, below, the fix of each failure.
func (r *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCHECK\tSUBJECT\tSTATUS\tDETAIL")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Target, f.Check, f.Subject, strings.ToUpper(string(f.Status)), oneLine(f.Detail))
	}
	_ = tw.Flush()
	for i, f := range r.Failed() {
		fmt.Fprintf(w, "\n%d. %s %s %s: %s\n   fix: %s\n", i+1, f.Target, f.Check, f.Subject, oneLine(f.Detail),
			strings.ReplaceAll(f.Fix, "\n", "\n        "))
	}
}

func oneLine(s string) string {
	if s == "" {
		return "-"
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// Options tune a run.
type Options struct {
	// Targets limits the run to identity, secrets, database and/or messaging; all when empty.
	Targets []string
	// Now is the local clock; time.Now when nil.
	Now func() time.Time
	// MaxSkew is the clock difference to the identity provider that fails; 30 s when zero.
	MaxSkew time.Duration
	// CertMinValidity is how long a server certificate must stay valid; 30 days when zero.
	CertMinValidity time.Duration
	// Resolver looks host names up; net.DefaultResolver when nil.
	Resolver *net.Resolver
	// SchemaStatus reports the database's schema versions against this binary's migrations
	// (process.MigrateDB with statusOnly); the schema check is skipped when nil.
	SchemaStatus func(ctx context.Context) ([]storage.SchemaStatus, error)
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 30 * time.Second
	}
	if o.CertMinValidity == 0 {
		o.CertMinValidity = 30 * 24 * time.Hour
	}
}

func (o *Options) wants(target string) bool {
	return len(o.Targets) == 0 || slices.Contains(o.Targets, target)
}

// Run checks everything spec needs and returns the findings: secrets first (the other
// providers' credentials may be references into it), then identity, database and messaging.
func Run(ctx context.Context, spec *prereq.Spec, o Options) *Report {
	o.defaults()
	r := &Report{Modules: spec.Modules}
	prereq.ResolveLocal(ctx, spec.Config)
	var refs refResolver
	var dyn *issued
	if spec.Vault != nil {
		v := &vaultCheck{spec: spec, o: &o}
		found := v.run(ctx) // also when secrets is not a target: the others' references resolve through it
		defer v.close(ctx)  // after the database check: revoking the token drops the issued user
		if o.wants("secrets") {
			r.Findings = append(r.Findings, found...)
		}
		refs, dyn = v.refs, v.issued
	}
	if o.wants("identity") && (spec.Identity != nil || spec.OIDC != nil) {
		k := &identityCheck{spec: spec, o: &o, refs: refs}
		r.Findings = append(r.Findings, k.run(ctx)...)
	}
	if o.wants("database") && spec.Database != nil {
		d := &databaseCheck{spec: spec, o: &o, refs: refs, issued: dyn}
		r.Findings = append(r.Findings, d.run(ctx)...)
	}
	if o.wants(prereq.KindMessaging) && (spec.NATS != nil || spec.RabbitMQ != nil || spec.Redis != nil) {
		b := &brokerCheck{spec: spec, o: &o, refs: refs}
		r.Findings = append(r.Findings, b.run(ctx)...)
	}
	return r
}

// collector gathers a target's findings; after a failure of a check later ones depend on,
// blocked is set and later checks are skipped with its reason.
type collector struct {
	target   string
	findings []Finding
}

func (c *collector) ok(check, subject, detail string) {
	c.findings = append(c.findings, Finding{Target: c.target, Check: check, Subject: subject, Status: OK, Detail: detail})
}

func (c *collector) fail(check, subject, detail, fix string) {
	c.findings = append(c.findings, Finding{Target: c.target, Check: check, Subject: subject, Status: Fail, Detail: detail, Fix: fix})
}

func (c *collector) skip(check, subject, why string) {
	c.findings = append(c.findings, Finding{Target: c.target, Check: check, Subject: subject, Status: Skip, Detail: why})
}
