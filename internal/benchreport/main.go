// Command benchreport turns `go test -bench` output into docs/benchmarks.md: one section per
// package, one row per benchmark with every metric it reported (the side-by-side ratios of
// dbtest.Compare and msgtest among them). Sections of packages not in the input are kept, so a
// run of some packages updates only theirs. `make bench` runs it; nobody edits the tables.
//
//	go test -run '^$' -bench . ./... | go run ./internal/benchreport -out docs/benchmarks.md
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	out := flag.String("out", "docs/benchmarks.md", "the document to update")
	in := flag.String("in", "-", "the go test -bench output (- for standard input)")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	r := io.Reader(os.Stdin)
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	results, err := Parse(r)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return fmt.Errorf("no benchmark results in the input: run go test -run '^$' -bench . and pipe its output here")
	}
	doc, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(out, []byte(Update(string(doc), results)), 0o644)
}
