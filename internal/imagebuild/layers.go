package imagebuild

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/eim-byoi/eim/providers/provider"
)

// UID and GID are the non-root user the images run as (the "nonroot" of distroless images).
const (
	UID = 65532
	GID = 65532
)

// entry is one file or directory of a layer.
type entry struct {
	name     string // absolute path in the image
	mode     fs.FileMode
	uid, gid int
	data     []byte // nil for a directory
}

// passwd and group hold root and the non-root user; neither has a login shell (there is none).
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// baseLayer is what every image holds besides the binary: CA certificates, the users, a home
// directory and /tmp.
func baseLayer(caCerts string, mtime time.Time) (v1.Layer, error) {
	certs, err := os.ReadFile(caCerts)
	if err != nil {
		return nil, provider.Errorf(provider.FailedPrecondition, "caCerts %s: %v (install Debian's ca-certificates)", caCerts, err)
	}
	return tarLayer([]entry{
		{name: "/etc", mode: fs.ModeDir | 0o755},
		{name: "/etc/group", mode: 0o644, data: []byte(group)},
		{name: "/etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "/etc/ssl", mode: fs.ModeDir | 0o755},
		{name: "/etc/ssl/certs", mode: fs.ModeDir | 0o755},
		{name: "/etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
		{name: "/home", mode: fs.ModeDir | 0o755},
		{name: "/home/nonroot", mode: fs.ModeDir | 0o700, uid: UID, gid: GID},
		{name: "/tmp", mode: fs.ModeDir | fs.ModeSticky | 0o777},
	}, mtime)
}

// fileLayer is a layer of one file (and its parent directories, which must be listed first).
func fileLayer(mtime time.Time, files ...entry) (v1.Layer, error) { return tarLayer(files, mtime) }

// tarLayer writes entries, in order, with mtime and no user or group names, and returns the
// gzip-compressed OCI layer.
func tarLayer(entries []entry, mtime time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: path.Clean(e.name)[1:], Mode: int64(e.mode.Perm()), Uid: e.uid, Gid: e.gid,
			ModTime: mtime, Format: tar.FormatPAX}
		if e.mode&fs.ModeSticky != 0 {
			h.Mode |= 0o1000
		}
		if e.mode.IsDir() {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
