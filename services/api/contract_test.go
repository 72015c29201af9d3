package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eim-byoi/eim/services/api"
	"github.com/eim-byoi/eim/test/apitest"
)

// TestContract is the contract test: it exercises every operation of the legacy apiv2 document
// under /v1/projects/{projectName}/ (and every operation of the regions, sites and hosts under
// /edge-infra.orchestrator.apis/v2/) against the API over a real inventory, with realistic
// bodies and the resources they need created first; it validates every request and every 200
// answer against the document, and every error answer's document and status. An operation the
// document gains and the test does not exercise fails it.
func TestContract(t *testing.T) {
	spec := loadLegacySpec(t)
	bed := apitest.New(t, apitest.Options{})
	name, id := bed.Project(t)
	book := &ledger{}
	c := &client{t: t, spec: spec, bed: bed, project: name, projectID: id, token: bed.Token(t, id), record: book}
	newWalk(c).run()

	// The v2 binding takes the project from the ActiveProjectID header (its name or its id); the
	// legacy document declares a required projectName query parameter there too.
	byName := *c
	byName.header, byName.query = http.Header{api.ProjectHeader: {name}}, url.Values{"projectName": {name}}
	newWalk(&byName).walkV2()
	byID := byName
	byID.header = http.Header{api.ProjectHeader: {id}}
	byID.do(exchange{Method: http.MethodGet, Path: v2Prefix + "regions"})

	legacy := spec.under(projectPrefix)
	served := book.served()
	summary := fmt.Sprintf("%d/%d legacy operations served, %d responses valid",
		countServed(legacy, served), len(legacy), len(book.outcomes)-len(book.invalid()))
	t.Log(summary)
	fmt.Printf("%s\n", summary)

	if missing := notServed(append(legacy, v2Ops(spec, v2Services)...), served); len(missing) > 0 {
		t.Errorf("%d operations of the legacy document not served with a valid 200 answer (exercise them in the contract walk):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
	if invalid := book.report(); len(invalid) > 0 {
		t.Errorf("%d of %d exchanges the legacy document rejects (or not answered as expected):\n  %s",
			len(invalid), len(book.outcomes), strings.Join(invalid, "\n  "))
	}
	assert.Empty(t, book.servicesWithoutError(spec, legacy),
		"services with no error answer checked: add one (e.g. a GET of a missing id) to walk.errors")
}

// served returns the operations with at least one valid 200 answer.
func (l *ledger) served() map[string]bool {
	out := map[string]bool{}
	for _, o := range l.outcomes {
		if o.status == http.StatusOK && len(o.problems) == 0 {
			out[o.op] = true
		}
	}
	return out
}

// invalid returns the outcomes with problems.
func (l *ledger) invalid() []outcome {
	var out []outcome
	for _, o := range l.outcomes {
		if len(o.problems) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// report renders every invalid outcome: the operation, the status and the problems.
func (l *ledger) report() []string {
	var out []string
	for _, o := range l.invalid() {
		out = append(out, fmt.Sprintf("%s -> %d:\n      %s", o.op, o.status, strings.Join(o.problems, "\n      ")))
	}
	return out
}

// servicesWithoutError lists the services of ops none of whose operations answered a checked,
// expected error.
func (l *ledger) servicesWithoutError(spec *legacySpec, ops []legacyOp) []string {
	checked := map[string]bool{}
	for _, o := range l.outcomes {
		if o.status != http.StatusOK && len(o.problems) == 0 {
			checked[spec.ops[o.op].service] = true
		}
	}
	var out []string
	for _, op := range ops {
		if !checked[op.service] && !contains(out, op.service) {
			out = append(out, op.service)
		}
	}
	sort.Strings(out)
	return out
}

// countServed counts the operations of ops that were served.
func countServed(ops []legacyOp, served map[string]bool) int {
	n := 0
	for _, op := range ops {
		if served[op.key()] {
			n++
		}
	}
	return n
}

// notServed lists the operations of ops that were not served.
func notServed(ops []legacyOp, served map[string]bool) []string {
	var out []string
	for _, op := range ops {
		if !served[op.key()] {
			out = append(out, op.key())
		}
	}
	return out
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
