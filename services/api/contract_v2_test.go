package api_test

import (
	"net/http"
	"net/url"
)

// v2Services are the services whose /edge-infra.orchestrator.apis/v2 binding the contract test
// exercises in full.
var v2Services = []string{"RegionService", "SiteService", "HostService"}

// v2 is the prefix of the v2 binding's paths.
const v2 = v2Prefix

// walkV2 exercises every operation of the regions, sites and hosts through the
// /edge-infra.orchestrator.apis/v2 binding, whose project is the ActiveProjectID header.
func (w *walk) walkV2() {
	region := w.create("v2region", v2+"regions", nil, map[string]any{"name": "v2-root", "metadata": meta("geo", "apac")})
	sub := w.create("v2subregion", v2+"regions", nil, map[string]any{"name": "v2-sub", "parentId": region})
	w.get(v2+"regions", nil, page("showTotalSites", "true"))
	w.get(v2+"regions/{resourceId}", res(region), nil)
	w.write(http.MethodPut, v2+"regions/{resourceId}", res(sub), nil, map[string]any{"name": "v2-sub-1", "parentId": region})
	w.write(http.MethodPatch, v2+"regions/{resourceId}", res(sub), nil, map[string]any{"name": "v2-sub-2"})

	site := w.create("v2site", v2+"sites", nil, map[string]any{"name": "v2-site", "regionId": sub, "siteLat": 13756331,
		"siteLng": 1005017651})
	w.get(v2+"sites", nil, page("filter", `name="v2-site"`))
	w.get(v2+"sites/{resourceId}", res(site), nil)
	w.write(http.MethodPut, v2+"sites/{resourceId}", res(site), nil, map[string]any{"name": "v2-site-1", "regionId": sub})
	w.write(http.MethodPatch, v2+"sites/{resourceId}", res(site), url.Values{"fieldMask": {"name"}}, map[string]any{"name": "v2-site-2"})
	w.v2Hosts(site)

	w.c.do(exchange{Method: http.MethodGet, Path: v2 + "regions/{resourceId}", Params: res("region-00000000"), Want: http.StatusNotFound})
	w.c.do(exchange{Method: http.MethodGet, Path: v2 + "sites/{resourceId}", Params: res("site-00000000"), Want: http.StatusNotFound})
	w.c.do(exchange{Method: http.MethodGet, Path: v2 + "hosts/{resourceId}", Params: res("host-00000000"), Want: http.StatusNotFound})
	w.remove(v2+"sites/{resourceId}", res(site))
	w.remove(v2+"regions/{resourceId}", res(sub))
	w.remove(v2+"regions/{resourceId}", res(region))
}

// v2Hosts exercises the hosts' operations of the v2 binding at site.
func (w *walk) v2Hosts(site string) {
	host := w.create("v2host", v2+"hosts", nil, map[string]any{"name": "v2-host", "uuid": "9b5f1e1a-3c3b-4c8e-9d0a-2f6f4b1f7a10",
		"siteId": site})
	w.c.do(exchange{Method: http.MethodPost, Path: v2 + "hosts/register", Body: map[string]any{"name": "v2-reg",
		"serialNumber": "V2SERIAL01", "autoOnboard": false}})
	reg := w.hostByName(v2+"hosts", "v2-reg")
	w.get(v2+"hosts", nil, page("orderBy", "name"))
	w.get(v2+"hosts/{resourceId}", res(host), nil)
	w.get(v2+"hosts_summary", nil, url.Values{"filter": {`site.resource_id="` + site + `"`}})
	w.write(http.MethodPut, v2+"hosts/{resourceId}", res(host), nil, map[string]any{"name": "v2-host-1", "siteId": site})
	w.write(http.MethodPatch, v2+"hosts/{resourceId}", res(host), url.Values{"fieldMask": {"metadata"}},
		map[string]any{"name": "v2-host-1", "metadata": meta("tier", "gold")})
	w.write(http.MethodPatch, v2+"hosts/{resourceId}/register", res(reg), nil, map[string]any{"name": "v2-reg-1",
		"autoOnboard": true})
	w.write(http.MethodPatch, v2+"hosts/{resourceId}/onboard", res(reg), nil, nil)
	w.c.do(exchange{Method: http.MethodPut, Path: v2 + "hosts/{resourceId}/invalidate", Params: res(reg),
		Query: url.Values{"note": {"decommissioned"}}})
	w.remove(v2+"hosts/{resourceId}", res(host))
	w.remove(v2+"hosts/{resourceId}", res(reg))
}

// v2Ops returns the operations of the v2 binding of services.
func v2Ops(s *legacySpec, services []string) []legacyOp {
	var out []legacyOp
	for _, o := range s.under(v2Prefix) {
		for _, svc := range services {
			if o.service == svc {
				out = append(out, o)
			}
		}
	}
	return out
}
