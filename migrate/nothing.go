package migrate

import (
	"fmt"
	"strings"
)

// NothingToMigrateError is input that gives the migration nothing to translate: it deploys no
// legacy EIM module and configures no provider. Its input keys — the keys under the roots the
// migration translates from, after resolving an EMF cluster's profiles — are none, or say
// nothing about EIM; the migration writes nothing rather than a skeleton the input never asked
// for.
type NothingToMigrateError struct {
	// Inputs are the input documents, in merge order.
	Inputs []string
	// Reason says what the input lacks and how to fix it.
	Reason string
}

// Error says there is nothing to migrate, and why.
func (e *NothingToMigrateError) Error() string { return "nothing to migrate: " + e.Reason }

// nothingToMigrate explains why l gives nothing to translate: an empty input; an EMF cluster
// that enables no EIM application (no root.clusterValues, or profiles that enable none); or
// values of other components only.
func nothingToMigrate(l loaded, cls classification) error {
	e := &NothingToMigrateError{Inputs: l.inputs}
	keys := len(cls.keys)
	names := strings.Join(sourceNames(l), ", ")
	switch {
	case l.emf != nil:
		e.Reason = emfNothing(l)
	case keys == 0 && len(l.sourceKeys) == 1:
		e.Reason = names + " holds no values (an empty document); " + giveEIM
	case keys == 0:
		e.Reason = names + " hold no values (empty documents); " + giveEIM
	default:
		e.Reason = fmt.Sprintf("%s deploys no EIM module and configures no provider (%s: %s); %s",
			names, plural(keys, "legacy key"), classCounts(cls.keys), giveEIM)
		if _, ok := l.tree["argo"]; ok {
			e.Reason += "; argo.* keys are EMF cluster values, which reach the EIM releases only when EMF renders them: give the cluster file with --emf-cluster"
		}
	}
	return e
}

// giveEIM says what input the migration needs.
const giveEIM = "give the values of the EIM releases (helm get values --all of infra-core, infra-managers, infra-onboarding, infra-external, or a chart of theirs) or the EMF cluster file (--emf-cluster)"

func emfNothing(l loaded) string {
	var why string
	switch {
	case l.emf.own == 0:
		why = "it sets no values itself, and lists no profile that does"
	case !l.emf.listed:
		why = "it has no root.clusterValues, the list of profiles (such as orch-configs/profiles/enable-edgeinfra.yaml) that enable the applications"
	case len(l.emf.files) == 0:
		why = "its root.clusterValues is empty"
	default:
		why = fmt.Sprintf("none of the %d profiles root.clusterValues lists turns one on", len(l.emf.files))
	}
	r := fmt.Sprintf("the EMF cluster %s deploys no EIM: argo.enabled turns on none of %s (%s); list the EIM profiles in root.clusterValues, "+
		"e.g. orch-configs/profiles/enable-edgeinfra.yaml", l.emf.cluster, strings.Join(Umbrellas(), ", "), why)
	if len(l.sourceKeys) > 0 {
		r += ", or give the values of the EIM releases with -f"
	}
	return r
}

func sourceNames(l loaded) []string {
	var out []string
	for _, s := range l.sourceKeys {
		out = append(out, s.name)
	}
	return out
}

// classCounts summarizes entries by class: "3 dropped, 1 unknown".
func classCounts(es []Entry) string {
	n := map[Class]int{}
	for _, e := range es {
		n[e.Class]++
	}
	var parts []string
	for _, c := range Classes() {
		if n[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
		}
	}
	return strings.Join(parts, ", ")
}

// plural writes n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
