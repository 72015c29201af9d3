package edgesim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

// Registration creates the fleet's hosts (and projects) through the northbound API, so that
// the managers find them by GUID in the nodes' projects.
type Registration struct {
	// APIURL is the API's base URL (http://127.0.0.1:8080).
	APIURL string
	// HTTPClient makes the requests (a default when nil).
	HTTPClient *http.Client
	// Token returns a token for the API: holding im-rw in project (a name), or, for project ""
	// and with CreateProjects, project-write-role.
	Token func(ctx context.Context, project string) (string, error)
	// CreateProjects creates missing projects (PUT /v1/projects/{name}) first.
	CreateProjects bool
	// Concurrency bounds the requests in flight (default 16).
	Concurrency int
	// Instances gives every host it registers an instance of an OS resource of its project (the
	// maintenance manager answers only hosts that have one; the onboarding of a real device
	// provisions it): the OS resource whose id or profile name is OS, or the project's first
	// OS resource by name when OS is empty.
	Instances bool
	// OS names the OS resource of the instances (an id, os-…, or a profile name).
	OS string
	// OSWait bounds how long Register waits for a project's OS resources with Instances: the
	// osresource module creates them shortly after the project (DefaultOSWait when zero).
	OSWait time.Duration
}

// Registered is what Register did.
type Registered struct {
	// ProjectsCreated and HostsCreated count what was created; HostsExisting the hosts that
	// were registered already.
	ProjectsCreated int `json:"projectsCreated"`
	HostsCreated    int `json:"hostsCreated"`
	HostsExisting   int `json:"hostsExisting"`
	// InstancesCreated counts the instances created for the hosts created (with Instances).
	InstancesCreated int `json:"instancesCreated"`
}

// Register registers fleet's hosts (with auto-onboard, their UUID and serial number) through
// POST /v1/projects/{project}/compute/hosts/register, creating the projects first when asked,
// and fills in the nodes' project ids (Tenant.ID) from the API.
func Register(ctx context.Context, r Registration, fleet []Node) (*Registered, error) {
	if r.HTTPClient == nil {
		r.HTTPClient = http.DefaultClient
	}
	if r.Concurrency <= 0 {
		r.Concurrency = 16
	}
	r.APIURL = strings.TrimRight(r.APIURL, "/")
	out := &Registered{}
	ids := map[string]string{}
	for _, n := range fleet {
		if _, ok := ids[n.Tenant.Name]; ok {
			continue
		}
		if n.Tenant.Name == "" {
			return nil, provider.Errorf(provider.InvalidArgument, "node %s has no project: give the fleet tenants", n.GUID)
		}
		id, created, err := r.project(ctx, n.Tenant.Name)
		if err != nil {
			return nil, err
		}
		ids[n.Tenant.Name] = id
		if created {
			out.ProjectsCreated++
		}
	}
	for i := range fleet {
		fleet[i].Tenant.ID = ids[fleet[i].Tenant.Name]
	}
	osIDs := map[string]string{}
	if r.Instances {
		for name := range ids {
			id, err := r.awaitOSResource(ctx, name)
			if err != nil {
				return nil, err
			}
			osIDs[name] = id
		}
	}
	return out, r.hosts(ctx, fleet, osIDs, out)
}

// DefaultOSWait is Registration.OSWait when zero.
const DefaultOSWait = 30 * time.Second

// awaitOSResource returns osResource's answer, asking again for up to OSWait while the project
// has no such OS resource yet.
func (r Registration) awaitOSResource(ctx context.Context, project string) (string, error) {
	wait := r.OSWait
	if wait <= 0 {
		wait = DefaultOSWait
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var id string
	err := provider.Retry(ctx, provider.Backoff{Min: 200 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2},
		func(err error) bool {
			c := provider.CodeOf(err)
			return c == provider.NotFound || c == provider.FailedPrecondition
		},
		func() error {
			var err error
			id, err = r.osResource(ctx, project)
			return err
		})
	return id, err
}

// osResource returns the id of the OS resource of project that the instances use.
func (r Registration) osResource(ctx context.Context, project string) (string, error) {
	var doc struct {
		OperatingSystemResources []struct {
			ResourceID  string `json:"resourceId"`
			ProfileName string `json:"profileName"`
		} `json:"OperatingSystemResources"`
	}
	path := "/v1/projects/" + url.PathEscape(project) + "/compute/os?orderBy=name&pageSize=100"
	if _, err := r.do(ctx, http.MethodGet, path, project, nil, &doc); err != nil {
		return "", err
	}
	for _, o := range doc.OperatingSystemResources {
		if r.OS == "" || o.ResourceID == r.OS || o.ProfileName == r.OS {
			return o.ResourceID, nil
		}
	}
	if r.OS != "" {
		return "", provider.Errorf(provider.NotFound, "project %q has no OS resource %q: name one of its OS resources by id or profile name", project, r.OS)
	}
	return "", provider.Errorf(provider.FailedPrecondition,
		"project %q has no OS resource for the instances: run the osresource module, or create one through the API (POST /v1/projects/%s/compute/os), or leave out instances", project, project)
}

// project returns the id of project name, creating it first when asked to (PUT with
// update_if_exists=false: an existing project is left as it is).
func (r Registration) project(ctx context.Context, name string) (string, bool, error) {
	var doc struct {
		Status struct {
			ProjectStatus struct {
				UID string `json:"uID"`
			} `json:"projectStatus"`
		} `json:"status"`
	}
	path := "/v1/projects/" + url.PathEscape(name)
	created := false
	if r.CreateProjects {
		status, err := r.do(ctx, http.MethodPut, path+"?update_if_exists=false", "", map[string]string{"description": "eim edge-sim"}, nil)
		if err != nil && status != http.StatusConflict {
			return "", false, err
		}
		created = err == nil
	}
	status, err := r.do(ctx, http.MethodGet, path, name, nil, &doc)
	if status == http.StatusNotFound || provider.CodeOf(err) == provider.NotFound {
		return "", false, provider.Errorf(provider.NotFound, "project %q does not exist: create it, or ask to create the projects", name)
	}
	return doc.Status.ProjectStatus.UID, created, err
}

// hosts registers every node, Concurrency at a time.
func (r Registration) hosts(ctx context.Context, fleet []Node, osIDs map[string]string, out *Registered) error {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, r.Concurrency)
	for i, n := range fleet {
		sem <- struct{}{}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			name := fmt.Sprintf("edge-sim-%d", i)
			body := map[string]any{"name": name, "uuid": n.GUID, "serialNumber": n.Serial, "autoOnboard": true}
			var host struct {
				ResourceID string `json:"resourceId"`
			}
			err := r.retry(ctx, func() error {
				_, err := r.do(ctx, http.MethodPost, "/v1/projects/"+url.PathEscape(n.Tenant.Name)+"/compute/hosts/register", n.Tenant.Name, body, &host)
				return err
			})
			var instErr error
			if osID := osIDs[n.Tenant.Name]; err == nil && osID != "" {
				instErr = r.retry(ctx, func() error {
					_, err := r.do(ctx, http.MethodPost, "/v1/projects/"+url.PathEscape(n.Tenant.Name)+"/compute/instances", n.Tenant.Name,
						map[string]any{"name": name, "kind": "INSTANCE_KIND_METAL", "hostID": host.ResourceID, "osID": osID}, nil)
					return err
				})
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out.HostsCreated++
			case provider.CodeOf(err) == provider.AlreadyExists:
				out.HostsExisting++
			case firstErr == nil:
				firstErr = fmt.Errorf("registering node %s: %w", n.GUID, err)
			}
			switch {
			case err == nil && instErr == nil && osIDs[n.Tenant.Name] != "":
				out.InstancesCreated++
			case instErr != nil && firstErr == nil:
				firstErr = fmt.Errorf("the instance of node %s: %w", n.GUID, instErr)
			}
		})
	}
	wg.Wait()
	return firstErr
}

// registerAttempts bounds the attempts of one registration request that the API answers
// Aborted (a transaction that met another writer) or Unavailable.
const registerAttempts = 10

// retry runs call again, with backoff, while it fails Aborted or Unavailable, up to
// registerAttempts times.
func (r Registration) retry(ctx context.Context, call func() error) error {
	attempts := 0
	return provider.Retry(ctx, provider.Backoff{Min: 50 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.5},
		func(err error) bool {
			attempts++
			c := provider.CodeOf(err)
			return attempts < registerAttempts && (c == provider.Aborted || c == provider.Unavailable)
		}, call)
}

// do sends a request with a token for project and decodes a JSON answer into out; an answer
// other than 200 is an error with the API's message and its status.
func (r Registration) do(ctx context.Context, method, path, project string, body, out any) (int, error) {
	tok, err := r.Token(ctx, project)
	if err != nil {
		return 0, err
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.APIURL+path, rd)
	if err != nil {
		return 0, provider.Errorf(provider.InvalidArgument, "api URL %q: %v", r.APIURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.HTTPClient.Do(req)
	if err != nil {
		return 0, provider.Errorf(provider.Unavailable, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		code := httpCode(resp.StatusCode)
		var e struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Code == "Aborted" {
			code = provider.Aborted // a transaction that met another writer (SQLITE_BUSY): try again
		}
		return resp.StatusCode, provider.Errorf(code, "%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, provider.Errorf(provider.Internal, "%s %s: answer: %v", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// httpCode maps an API answer's status to a Code.
func httpCode(status int) provider.Code {
	switch status {
	case http.StatusBadRequest:
		return provider.InvalidArgument
	case http.StatusUnauthorized:
		return provider.Unauthenticated
	case http.StatusForbidden:
		return provider.PermissionDenied
	case http.StatusNotFound:
		return provider.NotFound
	case http.StatusConflict:
		return provider.AlreadyExists
	case http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		return provider.Unavailable
	}
	return provider.Internal
}
