package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary counts results by outcome.
func Summary(results []Result) (passed, failed int) {
	for _, r := range results {
		if r.Outcome == Passed {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// WriteTable writes one line per case and a closing "N passed, N failed" line.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tADAPTER\tCASE\tOUTCOME\tTIME")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Kind, r.Adapter, r.Case, r.Outcome, r.Duration.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Outcome == Failed {
			fmt.Fprintf(w, "\n--- FAIL %s/%s %s\n    %s\n", r.Kind, r.Adapter, r.Case, strings.Join(r.Output, "\n    "))
		}
	}
	passed, failed := Summary(results)
	_, err := fmt.Fprintf(w, "\n%d passed, %d failed\n", passed, failed)
	return err
}

// WriteJSON writes the results as a JSON document with a summary.
func WriteJSON(w io.Writer, results []Result) error {
	passed, failed := Summary(results)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Passed  int      `json:"passed"`
		Failed  int      `json:"failed"`
		Results []Result `json:"results"`
	}{passed, failed, results})
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Time  string      `xml:"time,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the results as JUnit XML, one test suite per kind and adapter.
func WriteJUnit(w io.Writer, results []Result) error {
	var doc junitSuites
	index := map[string]int{}
	for _, r := range results {
		name := r.Kind + "/" + r.Adapter
		i, ok := index[name]
		if !ok {
			i = len(doc.Suites)
			index[name] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: name})
		}
		s := &doc.Suites[i]
		c := junitCase{Name: r.Case, ClassName: name, Time: seconds(r.Duration)}
		if r.Outcome == Failed {
			c.Failure = &junitFailure{Message: "failed", Text: strings.Join(r.Output, "\n")}
			s.Fails++
			doc.Fails++
		}
		s.Tests++
		doc.Tests++
		s.Cases = append(s.Cases, c)
	}
	for i := range doc.Suites {
		var total time.Duration
		for _, r := range results {
			if r.Kind+"/"+r.Adapter == doc.Suites[i].Name {
				total += r.Duration
			}
		}
		doc.Suites[i].Time = seconds(total)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
