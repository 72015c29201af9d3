package vault

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/vault/api"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
)

// store is the store driver: KV version 2 under kv.mount, and dynamic secrets (names under
// one of dynamicPrefixes) read from their engine with a lease.
type store struct {
	c       *client
	mount   string
	dynamic []string
}

func (s *store) isDynamic(name string) bool {
	for _, p := range s.dynamic {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Get reads the latest KV version, or a new lease of a dynamic secret.
func (s *store) Get(ctx context.Context, name string) (*secrets.Secret, error) {
	if s.isDynamic(name) {
		return s.readDynamic(ctx, name)
	}
	var kv *api.KVSecret
	err := s.c.call(ctx, func(ctx context.Context) (err error) {
		kv, err = s.c.api.KVv2(s.mount).Get(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if kv == nil || kv.Data == nil || kv.VersionMetadata == nil {
		return nil, provider.Errorf(provider.NotFound, "no secret at %s/data/%s (the latest version is deleted)", s.mount, name)
	}
	return &secrets.Secret{Data: decodeValues(kv.Data), Version: strconv.Itoa(kv.VersionMetadata.Version)}, nil
}

func (s *store) readDynamic(ctx context.Context, name string) (*secrets.Secret, error) {
	var sec *api.Secret
	err := s.c.call(ctx, func(ctx context.Context) (err error) {
		sec, err = s.c.api.Logical().ReadWithContext(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if sec == nil || sec.Data == nil {
		return nil, provider.Errorf(provider.NotFound, "no secret at %s", name)
	}
	version := sec.LeaseID
	if version == "" {
		version = sec.RequestID
	}
	return &secrets.Secret{Data: decodeValues(sec.Data), Version: version, Lease: secrets.Lease{
		ID: sec.LeaseID, Duration: time.Duration(sec.LeaseDuration) * time.Second, Renewable: sec.Renewable}}, nil
}

// Put writes a new KV version.
func (s *store) Put(ctx context.Context, name string, data map[string][]byte) (string, error) {
	if s.isDynamic(name) {
		return "", provider.Errorf(provider.FailedPrecondition, "%s is a dynamic secret (dynamicPrefixes): it is issued by its engine, not written", name)
	}
	var kv *api.KVSecret
	err := s.c.call(ctx, func(ctx context.Context) (err error) {
		kv, err = s.c.api.KVv2(s.mount).Put(ctx, name, encodeValues(data))
		return err
	})
	if err != nil {
		return "", err
	}
	if kv == nil || kv.VersionMetadata == nil {
		return "", provider.Errorf(provider.Internal, "the server did not return the new version")
	}
	return strconv.Itoa(kv.VersionMetadata.Version), nil
}

// Delete removes the secret's metadata and every version.
func (s *store) Delete(ctx context.Context, name string) error {
	if s.isDynamic(name) {
		return provider.Errorf(provider.FailedPrecondition, "%s is a dynamic secret (dynamicPrefixes): revoke its lease instead", name)
	}
	return s.c.call(ctx, func(ctx context.Context) error {
		return s.c.api.KVv2(s.mount).DeleteMetadata(ctx, name)
	})
}

// List walks the KV metadata tree below the prefix's directory.
func (s *store) List(ctx context.Context, prefix string) ([]string, error) {
	dir := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dir = prefix[:i+1]
	}
	var out []string
	if err := s.walk(ctx, dir, prefix, &out); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

func (s *store) walk(ctx context.Context, dir, prefix string, out *[]string) error {
	var sec *api.Secret
	err := s.c.call(ctx, func(ctx context.Context) (err error) {
		sec, err = s.c.api.Logical().ListWithContext(ctx, s.mount+"/metadata/"+dir)
		return err
	})
	if err != nil || sec == nil {
		return err
	}
	keys, _ := sec.Data["keys"].([]any)
	for _, k := range keys {
		full := dir + fmt.Sprint(k)
		switch {
		case strings.HasSuffix(full, "/") && (strings.HasPrefix(full, prefix) || strings.HasPrefix(prefix, full)):
			if err := s.walk(ctx, full, prefix, out); err != nil {
				return err
			}
		case !strings.HasSuffix(full, "/") && strings.HasPrefix(full, prefix):
			*out = append(*out, full)
		}
	}
	return nil
}

// RenewLease extends a dynamic secret's lease.
func (s *store) RenewLease(ctx context.Context, l secrets.Lease, increment time.Duration) (secrets.Lease, error) {
	var sec *api.Secret
	err := s.c.call(ctx, func(ctx context.Context) (err error) {
		sec, err = s.c.api.Sys().RenewWithContext(ctx, l.ID, int(increment.Seconds()))
		return err
	})
	if err != nil {
		return secrets.Lease{}, err
	}
	if sec == nil {
		return secrets.Lease{}, provider.Errorf(provider.Internal, "lease renewal returned nothing")
	}
	return secrets.Lease{ID: l.ID, Duration: time.Duration(sec.LeaseDuration) * time.Second, Renewable: sec.Renewable}, nil
}

// As exposes the *api.Client.
func (s *store) As(target any) bool { return s.c.As(target) }

// LeasesLost implements secrets.LeaseLossNotifier: a value arrives each time the token was
// found revoked and a new one obtained, the leases of the old one being gone with it.
func (s *store) LeasesLost() <-chan struct{} { return s.c.lost }

// binaryKey marks a value stored as base64 because it is not UTF-8: {"base64": "..."}.
const binaryKey = "base64"

// encodeValues turns values into KV data: UTF-8 values as strings, others as {"base64": ...}.
func encodeValues(data map[string][]byte) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		if utf8.Valid(v) {
			out[k] = string(v)
		} else {
			out[k] = map[string]any{binaryKey: base64.StdEncoding.EncodeToString(v)}
		}
	}
	return out
}

// decodeValues turns KV data into values: strings as they are, {"base64": ...} decoded, and
// anything else (numbers, booleans, objects written by other tools) as its JSON text.
func decodeValues(data map[string]any) map[string][]byte {
	out := make(map[string][]byte, len(data))
	for k, v := range data {
		switch t := v.(type) {
		case string:
			out[k] = []byte(t)
		case map[string]any:
			if b64, ok := t[binaryKey].(string); ok && len(t) == 1 {
				if b, err := base64.StdEncoding.DecodeString(b64); err == nil {
					out[k] = b
					continue
				}
			}
			out[k], _ = json.Marshal(t)
		default:
			out[k], _ = json.Marshal(t)
		}
	}
	return out
}
