package imagebuild

import (
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// OCI annotation and label keys the images carry.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	LabelRefName  = "org.opencontainers.image.ref.name"
)

// labels are the image's OCI labels (also the index's annotations).
func labels(o Options, spec Image) map[string]string {
	return map[string]string{
		LabelVersion:                           o.Version,
		LabelRevision:                          o.Revision,
		LabelSource:                            o.Source,
		LabelCreated:                           o.Created.UTC().Format(time.RFC3339),
		LabelTitle:                             spec.Repository,
		"org.opencontainers.image.description": "EIM BYO-Infrastructure: " + strings.Join(spec.Args, " "),
	}
}

// index is spec's image index: one image per platform, in Options.Platforms order.
func index(o Options, spec Image, base v1.Layer, plats []platformLayers) (v1.ImageIndex, error) {
	var adds []mutate.IndexAddendum
	for _, pl := range plats {
		img, err := image(o, spec, base, pl)
		if err != nil {
			return nil, err
		}
		p := pl.platform
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.AppendManifests(idx, adds...)
	return mutate.Annotations(idx, labels(o, spec)).(v1.ImageIndex), nil
}

// image is spec's image for one platform: the base, the binary and the SBOM layers, running
// /eim with spec.Args as user 65532.
func image(o Options, spec Image, base v1.Layer, pl platformLayers) (v1.Image, error) {
	created := v1.Time{Time: o.Created.UTC()}
	cfg := &v1.ConfigFile{
		Architecture: pl.platform.Architecture, OS: pl.platform.OS, Variant: pl.platform.Variant, Created: created,
		RootFS: v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User:       strconv.Itoa(UID) + ":" + strconv.Itoa(GID),
			Entrypoint: []string{"/eim"},
			Cmd:        spec.Args,
			Env:        []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "HOME=/home/nonroot"},
			WorkingDir: "/home/nonroot",
			Labels:     labels(o, spec),
		},
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{Created: created, CreatedBy: "imagebuild: CA certificates, users root and nonroot (65532)"}},
		mutate.Addendum{Layer: pl.binary, MediaType: types.OCILayer, History: v1.History{Created: created, CreatedBy: "imagebuild: /eim " + o.Version + " (" + o.Revision + ")"}},
		mutate.Addendum{Layer: pl.sbom, MediaType: types.OCILayer, History: v1.History{Created: created, CreatedBy: "imagebuild: " + SBOMPath + " (cyclonedx-gomod)"}},
	)
}
