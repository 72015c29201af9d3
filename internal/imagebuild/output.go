package imagebuild

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ContainerdName is the annotation containerd (ctr import) reads an image's name from.
const ContainerdName = "io.containerd.image.name"

// Write stores every image in the OCI layout dir (replaced whole), each named by the
// annotations org.opencontainers.image.ref.name and io.containerd.image.name (its full
// reference), then archives the layout as archive (an oci-archive tar: skopeo, podman load,
// ctr import), with created as every entry's mtime.
func (r *Result) Write(dir, archive string, created time.Time) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	for _, img := range r.Images {
		if err := p.AppendIndex(img.Index, layout.WithAnnotations(map[string]string{
			LabelRefName: img.Name, ContainerdName: img.Name})); err != nil {
			return err
		}
	}
	return tarDir(dir, archive, created)
}

// Push writes every image to registry (e.g. 127.0.0.1:5000/eim-byoi): <registry>/<repository>:<tag>,
// the tag of its name. A loopback registry is reached over plain HTTP.
func (r *Result) Push(ctx context.Context, registry string) ([]name.Reference, error) {
	var refs []name.Reference
	for _, img := range r.Images {
		tag, err := name.NewTag(img.Name)
		if err != nil {
			return nil, err
		}
		ref, err := name.NewTag(registry + "/" + img.Repository + ":" + tag.TagStr())
		if err != nil {
			return nil, err
		}
		if err := remote.WriteIndex(ref, img.Index, remote.WithContext(ctx)); err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// tarDir archives dir's files (sorted, as WalkDir visits them) into archive with mtime, owner 0.
func tarDir(dir, archive string, mtime time.Time) error {
	f, err := os.Create(archive)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Mode: 0o644, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if d.IsDir() {
			h.Name, h.Mode, h.Typeflag = h.Name+"/", 0o755, tar.TypeDir
			return tw.WriteHeader(h)
		}
		return addFile(tw, h, p)
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// addFile writes the regular file p under h.
func addFile(tw *tar.Writer, h *tar.Header, p string) error {
	src, err := os.Open(p)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	h.Size = st.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(tw, src)
	return err
}
