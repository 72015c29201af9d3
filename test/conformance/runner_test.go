package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/conformance"
)

type harness struct{ calls *[]string }

func demoSuite() conformance.Suite[harness] {
	return conformance.Suite[harness]{Kind: "demo", Cases: []conformance.Case[harness]{
		{Name: "passes", Run: func(t conformance.T, h harness) {
			t.Cleanup(func() { *h.calls = append(*h.calls, "cleanup-1") })
			t.Cleanup(func() { *h.calls = append(*h.calls, "cleanup-2") })
			require.Equal(t, 1, 1)
		}},
		{Name: "fails with require", Run: func(t conformance.T, h harness) {
			require.Equal(t, "want", "got")
			*h.calls = append(*h.calls, "not reached")
		}},
		{Name: "errors and goes on", Run: func(t conformance.T, h harness) {
			t.Errorf("first problem")
			*h.calls = append(*h.calls, "after Errorf")
		}},
		{Name: "panics", Run: func(conformance.T, harness) { panic("kaboom") }},
		{Name: "hangs", Run: func(t conformance.T, _ harness) { <-t.Context().Done(); time.Sleep(time.Second) }},
	}}
}

func TestExecute(t *testing.T) {
	var calls []string
	res := demoSuite().Execute(context.Background(), "mem", harness{&calls}, conformance.Options{CaseTimeout: 200 * time.Millisecond})
	require.Len(t, res, 5)
	outcomes := map[string]conformance.Outcome{}
	for _, r := range res {
		outcomes[r.Case] = r.Outcome
		assert.Equal(t, "demo", r.Kind)
		assert.Equal(t, "mem", r.Adapter)
	}
	assert.Equal(t, map[string]conformance.Outcome{"passes": conformance.Passed, "fails with require": conformance.Failed,
		"errors and goes on": conformance.Failed, "panics": conformance.Failed, "hangs": conformance.Failed}, outcomes)
	assert.Equal(t, []string{"cleanup-2", "cleanup-1", "after Errorf"}, calls, "cleanups run in reverse; FailNow ends the case")
	assert.Contains(t, res[3].Output[0], "panic: kaboom")
	assert.Contains(t, res[4].Output[0], "did not finish within 200ms")
	p, f := conformance.Summary(res)
	assert.Equal(t, []int{1, 4}, []int{p, f})
}

func TestSuiteRunUnderGoTest(t *testing.T) {
	var calls []string
	s := conformance.Suite[harness]{Kind: "demo", Cases: demoSuite().Cases[:1]}
	s.Run(t, harness{&calls})
	assert.Equal(t, []string{"cleanup-2", "cleanup-1"}, calls)
}

func TestReports(t *testing.T) {
	res := []conformance.Result{
		{Kind: "secrets", Adapter: "vault", Case: "get", Outcome: conformance.Passed, Duration: time.Millisecond},
		{Kind: "secrets", Adapter: "vault", Case: "put", Outcome: conformance.Failed, Output: []string{"boom <&>"}},
		{Kind: "storage", Adapter: "postgres", Case: "crud", Outcome: conformance.Passed},
	}
	var table bytes.Buffer
	require.NoError(t, conformance.WriteTable(&table, res))
	assert.Contains(t, table.String(), "--- FAIL secrets/vault put")
	assert.Contains(t, table.String(), "\n2 passed, 1 failed\n")

	var js bytes.Buffer
	require.NoError(t, conformance.WriteJSON(&js, res))
	var doc struct {
		Passed, Failed int
		Results        []conformance.Result
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	assert.Equal(t, 2, doc.Passed)
	assert.Equal(t, res, doc.Results)

	var junit bytes.Buffer
	require.NoError(t, conformance.WriteJUnit(&junit, res))
	var x struct {
		Tests  int `xml:"tests,attr"`
		Fails  int `xml:"failures,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(junit.Bytes(), &x))
	assert.Equal(t, 3, x.Tests)
	assert.Equal(t, 1, x.Fails)
	require.Len(t, x.Suites, 2)
	assert.Equal(t, "secrets/vault", x.Suites[0].Name)
	assert.Equal(t, "boom <&>", x.Suites[0].Cases[1].Failure.Text)
}
