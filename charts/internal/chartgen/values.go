package chartgen

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// subValues cuts a sub-chart's values.yaml from the umbrella's: providers, tenancy, global and
// the module's own block, comments included, so that both default alike.
func subValues(umbrella []byte, mod string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(umbrella, &doc); err != nil {
		return nil, fmt.Errorf("charts/eim/values.yaml: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("charts/eim/values.yaml: not a mapping")
	}
	top := doc.Content[0]
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, want := range []string{"providers", "tenancy", mod, "global"} {
		found := false
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == want {
				out.Content = append(out.Content, top.Content[i], top.Content[i+1])
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("charts/eim/values.yaml has no %s block", want)
		}
	}
	var b bytes.Buffer
	b.WriteString(generated)
	fmt.Fprintf(&b, "# The values of the %s module alone, cut from charts/eim/values.yaml; give this chart the same\n", mod)
	b.WriteString("# values file as the umbrella (target is ignored: this chart deploys its module).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{out}}); err != nil {
		return nil, fmt.Errorf("values of %s: %w", mod, err)
	}
	return b.Bytes(), nil
}
