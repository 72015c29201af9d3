package config

import _ "embed"

//go:embed example.yaml
var example string

// Example returns a commented, complete eim.yaml that validates with the adapters built in.
func Example() string { return example }
