// Command gen writes services/config/descriptions_gen.go: the descriptions of every field of
// eim.yaml's configuration types and of the configuration of every adapter built into the
// binary, from the fields' doc comments (see package configdoc). It runs anywhere in the
// module; go generate runs it in services/config:
//
//	go generate ./services/config
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"github.com/eim-byoi/eim/internal/configdoc"
	"github.com/eim-byoi/eim/services/config"
	"github.com/eim-byoi/eim/services/process"
)

func main() {
	out := flag.String("o", "", "file to write (default: descriptions_gen.go in the directory of services/config)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "configdoc/gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	top := reflect.TypeFor[config.Config]()
	if out == "" {
		dir, err := configdoc.PackageDir(".", top.PkgPath())
		if err != nil {
			return err
		}
		out = filepath.Join(dir, "descriptions_gen.go")
	}
	roots, err := configdoc.Roots(top, process.ConfigSources())
	if err != nil {
		return err
	}
	src, err := configdoc.Generate("config", "descriptions", ".", roots)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
