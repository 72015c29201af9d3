// Command images builds the OCI images of eim without a container runtime (make images,
// docs/images.md): internal/imagebuild does the work; this reads the flags make passes, writes
// the OCI layout and its archive under -out and pushes to -registry when one is given.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/eim-byoi/eim/internal/imagebuild"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	var o imagebuild.Options
	var created, platforms, modules, registry string
	fs.StringVar(&o.Root, "root", ".", "repository root")
	fs.StringVar(&o.Out, "out", "dist", "output directory")
	fs.StringVar(&o.Version, "version", "", "release version (VERSION)")
	fs.StringVar(&o.Revision, "revision", "", "git commit (git rev-parse HEAD)")
	fs.StringVar(&created, "created", "", "commit time, seconds since the epoch (git log -1 --format=%ct)")
	fs.StringVar(&o.Source, "source", "https://github.com/eim-byoi/eim", "label org.opencontainers.image.source")
	fs.StringVar(&o.Repo, "repo", "ghcr.io/eim-byoi", "image name prefix")
	fs.StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "comma-separated os/arch")
	fs.StringVar(&modules, "modules", strings.Join(imagebuild.Modules(), ","), "modules that get an image of their own")
	fs.StringVar(&o.CACerts, "ca-certs", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of CA certificates")
	fs.StringVar(&o.SBOMTool, "sbom-tool", ".tools/bin/cyclonedx-gomod", "cyclonedx-gomod binary")
	fs.StringVar(&registry, "registry", "", "push to this registry and prefix, e.g. 127.0.0.1:5000/eim-byoi (none: no push)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secs, err := strconv.ParseInt(created, 10, 64)
	if err != nil {
		return fmt.Errorf("-created %q: give the commit time in seconds since the epoch: %w", created, err)
	}
	o.Created = time.Unix(secs, 0).UTC()
	o.Platforms, o.Modules = split(platforms), split(modules)
	if o.Out, err = filepath.Abs(o.Out); err != nil {
		return err
	}
	res, err := imagebuild.Build(ctx, o)
	if err != nil {
		return err
	}
	archive := filepath.Join(o.Out, "eim-images-"+o.Version+".oci.tar")
	if err := res.Write(filepath.Join(o.Out, "oci"), archive, o.Created); err != nil {
		return err
	}
	for _, img := range res.Images {
		d, err := img.Index.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s@%s\n", img.Name, d)
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(o.Out, "oci"), archive)
	if registry == "" {
		return nil
	}
	refs, err := res.Push(ctx, registry)
	for _, r := range refs {
		fmt.Fprintf(stdout, "pushed %s\n", r)
	}
	return err
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
