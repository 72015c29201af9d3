package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	locationv1 "github.com/eim-byoi/eim/api/gen/resources/location/v1"
	"github.com/eim-byoi/eim/test/apitest"
	"github.com/eim-byoi/eim/test/dbtest"
)

// Size of the project the benchmarks read: benchHosts hosts spread evenly over benchSites sites
// of one region.
const (
	benchHosts = 1000
	benchSites = 4
)

// benchBed is the API on loopback over a PostgreSQL inventory holding one project's hosts, and
// a keep-alive HTTP client holding a token of that project.
type benchBed struct {
	bed     *apitest.Bed
	client  *http.Client
	name    string // the project's name, as the API's paths carry it
	tenant  string // its id, as the inventory knows it
	token   string
	sites   []string
	hosts   []string
	perSite int
}

func newBenchBed(b *testing.B) *benchBed {
	bed := apitest.New(b, apitest.Options{Dialect: "postgres"})
	name, id := bed.Project(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	bb := &benchBed{bed: bed, client: &http.Client{Transport: tr}, name: name, tenant: id, token: bed.Token(b, id)}
	bb.seed(b)
	return bb
}

// seed creates the region, its sites and the hosts through the inventory, 8 at a time.
func (bb *benchBed) seed(b *testing.B) {
	ctx := context.Background()
	create := func(r *inventoryv1.Resource) (*inventoryv1.Resource, error) {
		resp, err := bb.bed.Inventory.CreateResource(ctx, &inventoryv1.CreateResourceRequest{TenantId: bb.tenant, Resource: r})
		return resp.GetStored().GetResource(), err
	}
	reg, err := create(&inventoryv1.Resource{Resource: &inventoryv1.Resource_Region{Region: &locationv1.RegionResource{Name: "bench"}}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchSites {
		s, err := create(&inventoryv1.Resource{Resource: &inventoryv1.Resource_Site{Site: &locationv1.SiteResource{
			Name: fmt.Sprintf("site-%d", i), RegionId: reg.GetRegion().GetResourceId()}}})
		if err != nil {
			b.Fatal(err)
		}
		bb.sites = append(bb.sites, s.GetSite().GetResourceId())
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				h := &computev1.HostResource{Name: fmt.Sprintf("host-%05d", i), SiteId: bb.sites[i%benchSites],
					CpuCores: uint32(4 << (i % 3)), SerialNumber: fmt.Sprintf("SN%05d", i), CurrentState: computev1.HostState_HOST_STATE_ONBOARDED}
				r, err := create(&inventoryv1.Resource{Resource: &inventoryv1.Resource_Host{Host: h}})
				if err != nil {
					b.Error(err)
					continue
				}
				mu.Lock()
				bb.hosts = append(bb.hosts, r.GetHost().GetResourceId())
				mu.Unlock()
			}
		})
	}
	for i := range benchHosts {
		work <- i
	}
	close(work)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	bb.perSite = benchHosts / benchSites
}

// get sends GET path (under the project) with the token and returns the body of its 200.
func (bb *benchBed) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, bb.bed.URL+"/v1/projects/"+bb.name+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+bb.token)
	resp, err := bb.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// op is one side of a pair: a name and a call; compare records each call's duration.
type op struct {
	name string
	run  func() error
}

// compare runs the ops side by side with dbtest.Compare (interleaved, rotating order, each op's
// mean "<name>-ns/op" and the first's over each other's "ratio-vs-<name>") and adds each op's
// 99th percentile latency "<name>-p99-ns" and the first's p99 over each other's
// "ratio-p99-vs-<name>".
func compare(b *testing.B, ops ...op) {
	b.Helper()
	durations := make([][]time.Duration, len(ops))
	wrapped := make([]dbtest.Op, len(ops))
	for i, o := range ops {
		wrapped[i] = dbtest.Op{Name: o.name, Run: func() error {
			start := time.Now()
			err := o.run()
			durations[i] = append(durations[i], time.Since(start))
			return err
		}}
	}
	dbtest.Compare(b, wrapped...)
	p99 := make([]float64, len(ops))
	for i, o := range ops {
		p99[i] = float64(percentile(durations[i], 0.99).Nanoseconds())
		b.ReportMetric(p99[i], o.name+"-p99-ns")
		if i > 0 && p99[i] > 0 {
			b.ReportMetric(p99[0]/p99[i], "ratio-p99-vs-"+o.name)
		}
	}
}

// percentile returns the duration at or below which fraction q of ds lie (nearest rank).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*q+0.999999) - 1
	return s[max(0, min(rank, len(s)-1))]
}

// BenchmarkAPI compares, on PostgreSQL, the northbound API's full HTTP path (keep-alive client
// on loopback, bearer token verified, project name resolved, role checked, grpc-gateway handler,
// in-process inventory call, JSON answer read by the client) with the inventory client's call it
// makes, for the same host and the same filtered page: the ratio is what the API adds to the
// inventory.
func BenchmarkAPI(b *testing.B) {
	ctx := context.Background()
	bb := newBenchBed(b)
	kindHost := inventoryv1.ResourceKind_RESOURCE_KIND_HOST

	b.Run("get-host", func(b *testing.B) {
		var got struct {
			ResourceID string `json:"resourceId"`
			Site       struct {
				ResourceID string `json:"resourceId"`
			} `json:"site"`
		}
		body, err := bb.get(ctx, "/compute/hosts/"+bb.hosts[0])
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(body, &got); err != nil || got.ResourceID != bb.hosts[0] || got.Site.ResourceID == "" {
			b.Fatalf("GET host answered %s (%v)", body, err)
		}
		i, j := 0, 0
		compare(b,
			op{"http", func() error {
				i++
				_, err := bb.get(ctx, "/compute/hosts/"+bb.hosts[i%len(bb.hosts)])
				return err
			}},
			op{"direct", func() error {
				j++
				_, err := bb.bed.Inventory.GetResource(ctx, &inventoryv1.GetResourceRequest{TenantId: bb.tenant, ResourceId: bb.hosts[j%len(bb.hosts)], Kind: kindHost})
				return err
			}},
		)
	})

	filter := fmt.Sprintf("site.resourceId=%q", bb.sites[1])
	const pageSize = 20
	b.Run(fmt.Sprintf("list-filtered-%d-of-%d", pageSize, benchHosts), func(b *testing.B) {
		path := "/compute/hosts?" + url.Values{"filter": {filter}, "pageSize": {fmt.Sprint(pageSize)}}.Encode()
		direct := &inventoryv1.ListResourcesRequest{TenantId: bb.tenant, Kind: kindHost, Filter: filter, PageSize: pageSize}
		var got struct {
			Hosts         []json.RawMessage `json:"hosts"`
			TotalElements int               `json:"totalElements"`
		}
		body, err := bb.get(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(body, &got); err != nil || len(got.Hosts) != pageSize || got.TotalElements != bb.perSite {
			b.Fatalf("GET %s answered %d hosts of %d, want %d of %d (%v)", path, len(got.Hosts), got.TotalElements, pageSize, bb.perSite, err)
		}
		resp, err := bb.bed.Inventory.ListResources(ctx, direct)
		if err != nil || len(resp.GetResources()) != pageSize || int(resp.GetTotalElements()) != bb.perSite {
			b.Fatalf("ListResources answered %d of %d (%v)", len(resp.GetResources()), resp.GetTotalElements(), err)
		}
		compare(b,
			op{"http", func() error { _, err := bb.get(ctx, path); return err }},
			op{"direct", func() error { _, err := bb.bed.Inventory.ListResources(ctx, direct); return err }},
		)
	})
}
