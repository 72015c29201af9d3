package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/eim-byoi/eim/migrate"
)

func newMigrate() *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Migrate a legacy EIM/EMF deployment's configuration"}
	cmd.AddCommand(newMigrateHelmValues(), newMigrateDB())
	return cmd
}

// migrateOptions are the flags of eim migrate helm-values.
type migrateOptions struct {
	files        []string
	emfCluster   string
	emfRoot      string
	output       string
	format       string
	report       string
	reportFormat string
	check        bool
	strict       bool
}

func newMigrateHelmValues() *cobra.Command {
	var o migrateOptions
	cmd := &cobra.Command{
		Use:   "helm-values [-f [CHART=]FILE]... [--emf-cluster FILE [--emf-root DIR]]",
		Short: "Turn legacy EIM/EMF Helm values into values for charts/eim (or an eim.yaml), with a report",
		Long: `Reads legacy values — chart values files, ` + "`helm get values`" + ` output of the infra-core,
infra-managers, infra-onboarding and infra-external releases, and/or an EMF cluster file resolved with its
profiles and application templates — and writes values for charts/eim, an eim.yaml with
--format eim-config, or a terraform.tfvars.json for terraform/modules/eim with --format terraform. Values files merge in order, later ones winning, over the EMF cluster. A file
next to a Chart.yaml is taken as that chart's values; CHART=FILE names the chart explicitly.

Exit codes: 0 done; 1 error, or --check found the output out of date; 2 --strict found unknown keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMigrate(cmd, o) },
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.files, "values", "f", nil, "legacy values file, optionally CHART=FILE (repeatable; later files win)")
	f.StringVar(&o.emfCluster, "emf-cluster", "", "EMF cluster file, e.g. orch-configs/clusters/onprem.yaml")
	f.StringVar(&o.emfRoot, "emf-root", "", "checkout of edge-manageability-framework (default: two levels above the cluster file's directory)")
	f.StringVarP(&o.output, "output", "o", "", "write the result to FILE (default standard output)")
	f.StringVar(&o.format, "format", string(migrate.ChartValues), "output format: chart-values, eim-config or terraform (a terraform.tfvars.json for terraform/modules/eim)")
	f.StringVar(&o.report, "report", "", "write the migration report to FILE")
	f.StringVar(&o.reportFormat, "report-format", "md", "report format: md or json")
	f.BoolVar(&o.check, "check", false, "write nothing; exit 1 if the output would differ from the -o file (for CI)")
	f.BoolVar(&o.strict, "strict", false, "exit 2 if any legacy key is unknown")
	return cmd
}

func runMigrate(cmd *cobra.Command, o migrateOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	in, err := o.input()
	if err != nil {
		return err
	}
	res, err := migrate.Translate(in, migrate.Format(o.format))
	if err != nil {
		return err
	}
	if err := o.writeReport(res.Report); err != nil {
		return err
	}
	fmt.Fprintln(cmd.ErrOrStderr(), res.Report.SummaryLine())
	if unknown := res.Report.Unknown(); o.strict && len(unknown) > 0 {
		keys := make([]string, len(unknown))
		for i, e := range unknown {
			keys[i] = e.Key
		}
		return &exitError{code: 2, err: fmt.Errorf("--strict: %d unknown legacy key(s): %s", len(keys), strings.Join(keys, ", "))}
	}
	if o.check {
		return checkOutput(o.output, res.Output)
	}
	if o.output == "" {
		_, err = cmd.OutOrStdout().Write(res.Output)
		return err
	}
	if err := os.WriteFile(o.output, res.Output, 0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func (o migrateOptions) validate() error {
	switch {
	case len(o.files) == 0 && o.emfCluster == "":
		return errors.New("nothing to migrate: give -f FILE and/or --emf-cluster FILE")
	case o.emfRoot != "" && o.emfCluster == "":
		return errors.New("--emf-root needs --emf-cluster")
	case o.check && o.output == "":
		return errors.New("--check needs -o FILE: the file to compare with")
	case o.reportFormat != "md" && o.reportFormat != "markdown" && o.reportFormat != "json":
		return fmt.Errorf("unknown --report-format %q: use md or json", o.reportFormat)
	}
	for _, f := range migrate.AllFormats() {
		if string(f) == o.format {
			return nil
		}
	}
	return fmt.Errorf("unknown --format %q: use %s, %s or %s", o.format, migrate.ChartValues, migrate.EIMConfig, migrate.Terraform)
}

func (o migrateOptions) input() (migrate.Input, error) {
	var in migrate.Input
	if o.emfCluster != "" {
		e, err := emfInput(o.emfCluster, o.emfRoot)
		if err != nil {
			return in, err
		}
		in.EMF = e
	}
	for _, arg := range o.files {
		s, err := readSource(arg)
		if err != nil {
			return in, err
		}
		in.Sources = append(in.Sources, s)
	}
	return in, nil
}

var chartName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// readSource reads -f [CHART=]FILE. Without CHART, a Chart.yaml next to the file names the chart.
func readSource(arg string) (migrate.Source, error) {
	chart, file := "", arg
	if c, f, ok := strings.Cut(arg, "="); ok && chartName.MatchString(c) {
		if _, err := os.Stat(arg); err != nil {
			chart, file = c, f
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return migrate.Source{}, fmt.Errorf("read values: %w", err)
	}
	if chart == "" {
		chart = chartBeside(file)
	}
	return migrate.Source{Name: file, Data: data, Chart: chart}, nil
}

// chartBeside returns the name in the Chart.yaml next to file, or "".
func chartBeside(file string) string {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "Chart.yaml"))
	if err != nil {
		return ""
	}
	var c struct {
		Name string `yaml:"name"`
	}
	if yaml.Unmarshal(data, &c) != nil {
		return ""
	}
	return c.Name
}

// emfInput locates the cluster file inside the EMF checkout.
func emfInput(cluster, root string) (*migrate.EMF, error) {
	abs, err := filepath.Abs(cluster)
	if err != nil {
		return nil, fmt.Errorf("--emf-cluster: %w", err)
	}
	if root == "" {
		root = filepath.Dir(filepath.Dir(filepath.Dir(abs)))
	} else if !filepath.IsAbs(cluster) {
		if _, err := os.Stat(filepath.Join(root, cluster)); err == nil {
			abs = filepath.Join(root, cluster)
		}
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("--emf-root: %w", err)
	}
	absCluster, _ := filepath.Abs(abs)
	rel, err := filepath.Rel(rootAbs, absCluster)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("--emf-cluster %s is not inside the EMF checkout %s (set --emf-root)", cluster, rootAbs)
	}
	if _, err := os.Stat(absCluster); err != nil {
		return nil, fmt.Errorf("--emf-cluster: %w", err)
	}
	return &migrate.EMF{Root: os.DirFS(rootAbs), Cluster: filepath.ToSlash(rel)}, nil
}

func (o migrateOptions) writeReport(r *migrate.Report) error {
	if o.report == "" {
		return nil
	}
	body := r.Markdown()
	if o.reportFormat == "json" {
		var err error
		if body, err = r.JSON(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(o.report, body, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// checkOutput compares the would-be output with the existing file.
func checkOutput(path string, want []byte) error {
	have, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: 1, err: fmt.Errorf("--check: %s does not exist: run without --check to create it", path)}
	}
	if err != nil {
		return fmt.Errorf("--check: %w", err)
	}
	if !bytes.Equal(have, want) {
		return &exitError{code: 1, err: fmt.Errorf("--check: %s is out of date: run without --check to regenerate it", path)}
	}
	return nil
}
