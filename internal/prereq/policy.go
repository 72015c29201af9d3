package prereq

import (
	"fmt"
	"strings"
)

// PolicyHCL is EIM's least-privilege Vault policy: exactly the paths and capabilities of paths.
func PolicyHCL(paths []VaultPath) string {
	var b strings.Builder
	for _, p := range paths {
		caps := make([]string, len(p.Capabilities))
		for i, c := range p.Capabilities {
			caps[i] = fmt.Sprintf("%q", c)
		}
		fmt.Fprintf(&b, "# %s\npath %q {\n  capabilities = [%s]\n}\n", p.Why, p.Path, strings.Join(caps, ", "))
	}
	return b.String()
}

// PolicyWriteCommand is the shell command that writes the policy: the fix doctor prints.
func PolicyWriteCommand(name string, paths []VaultPath) string {
	return fmt.Sprintf("bao policy write %s - <<'EOF'\n%sEOF", name, PolicyHCL(paths))
}
