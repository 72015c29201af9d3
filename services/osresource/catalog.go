package osresource

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/eim-byoi/eim/providers/provider"
)

//go:embed profiles/*.yaml
var builtIn embed.FS

// Limits of a catalog source.
const (
	maxManifestBytes = 1 << 20  // one manifest
	maxCatalogBytes  = 16 << 20 // a whole tarball, uncompressed
	maxManifests     = 1000
	fetchTimeout     = 30 * time.Second
)

// Catalog is the loaded OS profiles: the valid ones, by file name, and the manifests skipped
// with the reason.
type Catalog struct {
	// Source says where the catalog was read from.
	Source string
	// Profiles are the valid manifests, sorted by file name.
	Profiles []*Profile
	// Skipped are the invalid manifests, sorted by file name.
	Skipped []*ManifestError
}

// Profile returns the profile named name, if the catalog has it.
func (c *Catalog) Profile(name string) (*Profile, bool) {
	for _, p := range c.Profiles {
		if p.Spec.ProfileName == name {
			return p, true
		}
	}
	return nil, false
}

// BuiltIn returns the catalog built into the binary: the legacy os-profiles.
func BuiltIn() *Catalog {
	sub, _ := fs.Sub(builtIn, "profiles")
	files, err := readFS(sub)
	if err != nil {
		panic("osresource: the built-in catalog is unreadable: " + err.Error()) // data error, caught by tests
	}
	return parse("built-in", files)
}

// Load reads the catalog from source: empty for the built-in catalog, a directory of *.yaml
// files, or an https:// URL serving a .tar.gz of them (verified with client). The manifests
// that do not validate are skipped (Catalog.Skipped); a source that cannot be read at all is an
// error.
func Load(ctx context.Context, source string, client *http.Client) (*Catalog, error) {
	switch {
	case source == "":
		return BuiltIn(), nil
	case strings.HasPrefix(source, "https://"):
		files, err := fetch(ctx, source, client)
		if err != nil {
			return nil, err
		}
		return parse(redact(source), files), nil
	default:
		files, err := readFS(os.DirFS(source))
		if err != nil {
			return nil, provider.Errorf(provider.FailedPrecondition, "osresource.source %s: %v (fix: point it at a directory of profile *.yaml files)", source, err)
		}
		return parse(source, files), nil
	}
}

// parse validates every file, keeping the valid profiles and the reasons of the others.
func parse(source string, files map[string][]byte) *Catalog {
	c := &Catalog{Source: source}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, n := range names {
		p, err := ParseManifest(n, files[n])
		var me *ManifestError
		switch {
		case errors.As(err, &me):
			c.Skipped = append(c.Skipped, me)
		case seen[p.Spec.ProfileName] != "":
			c.Skipped = append(c.Skipped, &ManifestError{File: n, Field: "spec.profileName",
				Reason: fmt.Sprintf("%q is also the profile of %s", p.Spec.ProfileName, seen[p.Spec.ProfileName]), Fix: "keep one manifest per profile"})
		default:
			seen[p.Spec.ProfileName] = n
			c.Profiles = append(c.Profiles, p)
		}
	}
	return c
}

// readFS returns the *.yaml and *.yml files at the top of fsys.
func readFS(fsys fs.FS) (map[string][]byte, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !isManifest(e.Name()) {
			continue
		}
		if len(files) == maxManifests {
			return nil, fmt.Errorf("more than %d manifests", maxManifests)
		}
		b, err := readLimited(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err == nil && len(b) > maxManifestBytes {
		err = fmt.Errorf("%s is larger than %d bytes", name, maxManifestBytes)
	}
	return b, err
}

func isManifest(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// fetch downloads the tarball at u and returns its manifests (regular *.yaml files, by base
// name).
func fetch(ctx context.Context, u string, client *http.Client) (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "osresource.source %s: %v", redact(u), err)
	}
	resp, err := client.Do(req)
	if err != nil {
		code := provider.Unavailable
		if provider.IsTLSError(err) {
			code = provider.FailedPrecondition
		}
		return nil, provider.Errorf(code, "osresource.source %s: %v (fix: check the URL, and osresource.tls.ca for a private CA)", redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, provider.Errorf(provider.Unavailable, "osresource.source %s: HTTP %d (fix: serve the catalog tarball there)", redact(u), resp.StatusCode)
	}
	files, err := untar(io.LimitReader(resp.Body, maxCatalogBytes))
	if err != nil {
		return nil, provider.Errorf(provider.InvalidArgument, "osresource.source %s: %v (fix: serve a .tar.gz of profile *.yaml files)", redact(u), err)
	}
	return files, nil
}

func untar(r io.Reader) (map[string][]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not a tarball: %w", err)
		}
		name := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !isManifest(name) || strings.HasPrefix(name, ".") {
			continue
		}
		if len(files) == maxManifests || h.Size > maxManifestBytes {
			return nil, fmt.Errorf("%s: too many or too large manifests", h.Name)
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		files[name] = b
	}
}

// redact drops the user information and query of a URL, which may carry credentials.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	p.User, p.RawQuery = nil, ""
	return p.String()
}
