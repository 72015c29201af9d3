// Command gen writes the generated files of charts/ (package chartgen): run by go generate ./charts.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/eim-byoi/eim/charts/internal/chartgen"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "charts/internal/gen:", err)
		os.Exit(1)
	}
}

// run regenerates the files below dir (charts/), reading VERSION from its parent.
func run(dir string) error {
	in, err := chartgen.ReadInput(dir)
	if err != nil {
		return err
	}
	out, err := chartgen.Generate(in)
	if err != nil {
		return err
	}
	for p, b := range out.Files {
		f := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return err
		}
	}
	for p, target := range out.Links {
		f := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		_ = os.Remove(f)
		if err := os.Symlink(target, f); err != nil {
			return err
		}
	}
	return nil
}
