package chartgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadInput reads VERSION (beside dir, charts/) and charts/eim/values.yaml.
func ReadInput(dir string) (Input, error) {
	v, err := os.ReadFile(filepath.Join(dir, "..", "VERSION"))
	if err != nil {
		return Input{}, fmt.Errorf("VERSION: %w", err)
	}
	values, err := os.ReadFile(filepath.Join(dir, Umbrella, "values.yaml"))
	if err != nil {
		return Input{}, err
	}
	return Input{Version: strings.TrimSpace(string(v)), UmbrellaValues: values}, nil
}
