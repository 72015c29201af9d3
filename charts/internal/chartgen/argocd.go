package chartgen

import (
	"fmt"
	"path"

	"github.com/eim-byoi/eim/services/module"
)

// ArgoCD is the directory of the Argo CD Application-of-Applications example.
const ArgoCD = "argocd"

// argoApps returns the example's child Applications, one per module sub-chart: each deploys
// charts/eim-<module> with release name eim (so every sub-chart names the others' Services alike)
// and the site's values file from a second source; the inventory (with the migration hook) syncs
// in an earlier wave than the modules requiring it.
func argoApps(g *module.Graph, version string) map[string][]byte {
	out := map[string][]byte{}
	for _, d := range g.Modules() {
		wave := 1
		if len(d.Requires) == 0 {
			wave = 0
		}
		out[path.Join(ArgoCD, "apps", d.Name+".yaml")] = fmt.Appendf(nil, `%sapiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: eim-%s
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "%d"
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: eim
  sources:
    - repoURL: https://github.com/eim-byoi/eim
      targetRevision: v%s
      path: charts/%s
      helm:
        releaseName: eim
        valueFiles: [$values/eim/values.yaml]
    - repoURL: https://git.example.com/site-config.git
      targetRevision: main
      ref: values
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`, generated, d.Name, wave, version, SubChart(d.Name))
	}
	return out
}
