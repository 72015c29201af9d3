// Package imagebuild builds the OCI images of eim without a container runtime (make images,
// docs/images.md): the static eim binary for each platform, a base layer assembled here (CA
// certificates, /etc/passwd and /etc/group of the non-root user 65532, no shell), a CycloneDX SBOM
// of each binary, and one multi-platform image index per image name: the binary's
// (<repo>/eim:<version>, arguments "serve") and one per module (<repo>/eim-<module>:<version>,
// arguments "serve --target=<module>"). Every timestamp is the commit's, so two builds of one
// commit give the same digests.
package imagebuild

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/services/module"
)

// Options configures a build.
type Options struct {
	// Root is the repository root (the module holding ./cmd/eim).
	Root string
	// Out is the output directory (dist/): binaries, SBOMs, the OCI layout and its archive.
	Out string
	// Version is the release version (VERSION) and the images' tag.
	Version string
	// Revision is the git commit built.
	Revision string
	// Created is the commit time: the images' creation time and every file's mtime.
	Created time.Time
	// Source is the repository URL (label org.opencontainers.image.source).
	Source string
	// Repo prefixes the image names, e.g. ghcr.io/eim-byoi.
	Repo string
	// Modules are the modules that get an image of their own (eim-<module>).
	Modules []string
	// Platforms are os/arch pairs, e.g. linux/amd64.
	Platforms []string
	// CACerts is the PEM bundle of CA certificates copied into the image.
	CACerts string
	// SBOMTool is the cyclonedx-gomod binary.
	SBOMTool string
}

// Image is one named multi-platform image.
type Image struct {
	// Name is the reference without the registry override, e.g. ghcr.io/eim-byoi/eim:0.2.0.
	Name string
	// Repository is the last path element of the name, e.g. eim-hostmgr.
	Repository string
	// Args are the default arguments (the image config's Cmd).
	Args []string
	// Index is the image index, one manifest per platform.
	Index v1.ImageIndex
}

// Result is what Build made.
type Result struct {
	// Images are the binary's image first, then one per module in Options.Modules order.
	Images []Image
}

// Build compiles the binary and its SBOM for each platform and assembles the images in memory
// (Write and Push store them).
func Build(ctx context.Context, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	base, err := baseLayer(o.CACerts, o.Created)
	if err != nil {
		return nil, err
	}
	var plats []platformLayers
	for _, p := range o.Platforms {
		pl, err := buildPlatform(ctx, o, p)
		if err != nil {
			return nil, err
		}
		plats = append(plats, pl)
	}
	res := &Result{}
	for _, spec := range o.specs() {
		idx, err := index(o, spec, base, plats)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", spec.Name, err)
		}
		spec.Index = idx
		res.Images = append(res.Images, spec)
	}
	return res, nil
}

// specs names the images: the binary's, then one per module.
func (o Options) specs() []Image {
	out := []Image{{Name: o.Repo + "/eim:" + o.Version, Repository: "eim", Args: []string{"serve"}}}
	for _, m := range o.Modules {
		out = append(out, Image{Name: o.Repo + "/eim-" + m + ":" + o.Version, Repository: "eim-" + m,
			Args: []string{"serve", "--target=" + m}})
	}
	return out
}

func (o Options) validate() error {
	var v provider.Validation
	v.Required("root", o.Root, "the repository root holding ./cmd/eim")
	v.Required("out", o.Out, "an output directory, e.g. dist")
	v.Required("version", o.Version, "the content of VERSION")
	v.Required("revision", o.Revision, "git rev-parse HEAD")
	v.Required("repo", o.Repo, "an image name prefix, e.g. ghcr.io/eim-byoi")
	v.Required("caCerts", o.CACerts, "a PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt")
	v.Required("sbomTool", o.SBOMTool, "the cyclonedx-gomod binary (make deps builds .tools/bin/cyclonedx-gomod)")
	v.Check(!o.Created.IsZero(), "created", "is required", "the commit time (git log -1 --format=%ct)")
	v.Check(len(o.Platforms) > 0, "platforms", "is required", "e.g. linux/amd64,linux/arm64")
	for _, p := range o.Platforms {
		plat, err := v1.ParsePlatform(p)
		v.Check(err == nil && plat.OS != "" && plat.Architecture != "", "platforms", p+" is not os/arch", "e.g. linux/arm64")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !filepath.IsAbs(o.Out) {
		return provider.Errorf(provider.InvalidArgument, "out %q: give an absolute path", o.Out)
	}
	return nil
}

// Modules are the modules of the EIM module graph (services/module.EIM), each of which gets an
// image of its own.
func Modules() []string {
	var out []string
	for _, d := range module.EIM().Modules() {
		out = append(out, d.Name)
	}
	return out
}
