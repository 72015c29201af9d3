package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/providers/provider"
)

const planted = "s3cr3t-planted-value"

type mapStore map[string]string

func (m mapStore) ReadSecret(_ context.Context, path, key string) ([]byte, error) {
	v, ok := m[path+"#"+key]
	if !ok {
		return nil, provider.Errorf(provider.NotFound, "no secret %s", path)
	}
	return []byte(v), nil
}

func TestSecretRefValidate(t *testing.T) {
	tests := []struct {
		name string
		ref  provider.SecretRef
		want string
	}{
		{"env", provider.SecretRef{Env: "X"}, ""},
		{"file", provider.SecretRef{File: "/x"}, ""},
		{"secret", provider.SecretRef{Secret: "db/app#password"}, ""},
		{"none", provider.SecretRef{}, "no source is set"},
		{"two", provider.SecretRef{Env: "X", File: "/x"}, "more than one"},
		{"no key", provider.SecretRef{Secret: "db/app"}, "secret: is not of the form path#key (the value is not shown)"},
		{"empty key", provider.SecretRef{Secret: "db/app#"}, "is not of the form path#key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ref.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			if tt.ref.Secret != "" {
				assert.NotContains(t, err.Error(), tt.ref.Secret, "a malformed reference may be a literal credential: never echoed")
			}
		})
	}
}

func TestSecretRefResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(file, []byte(planted+"\n"), 0o600))
	unreadable := filepath.Join(dir, "locked")
	require.NoError(t, os.Mkdir(unreadable, 0o700))
	src := provider.SecretSources{
		LookupEnv: func(k string) (string, bool) { return map[string]string{"PW": planted}[k], k == "PW" },
		ReadFile:  os.ReadFile,
		Store:     mapStore{"db/app#password": planted},
	}
	tests := []struct {
		name     string
		ref      provider.SecretRef
		src      provider.SecretSources
		wantCode provider.Code
		wantMsg  string
	}{
		{"env", provider.SecretRef{Env: "PW"}, src, provider.OK, ""},
		{"file trims one newline", provider.SecretRef{File: file}, src, provider.OK, ""},
		{"secret", provider.SecretRef{Secret: "db/app#password"}, src, provider.OK, ""},
		{"env missing", provider.SecretRef{Env: "NOPE"}, src, provider.NotFound, "environment variable NOPE is not set"},
		{"file missing", provider.SecretRef{File: filepath.Join(dir, "nope")}, src, provider.NotFound, "{file: "},
		{"file is a directory", provider.SecretRef{File: unreadable}, src, provider.Unavailable, "is a directory"},
		{"secret missing", provider.SecretRef{Secret: "db/other#password"}, src, provider.NotFound, `{secret: "db/other#password"}`},
		{"no store", provider.SecretRef{Secret: "db/app#password"}, provider.SecretSources{}, provider.FailedPrecondition, "no secrets provider is configured"},
		{"invalid", provider.SecretRef{}, src, provider.InvalidArgument, "no source is set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := tt.ref
			err := ref.Resolve(context.Background(), tt.src)
			assert.Equal(t, tt.wantCode, provider.CodeOf(err), "error: %v", err)
			if tt.wantCode == provider.OK {
				assert.Equal(t, planted, ref.Value().Reveal())
				return
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.NotContains(t, err.Error(), planted, "errors never carry the value")
			assert.True(t, ref.Value().IsEmpty())
		})
	}
}

func TestSecretValueNeverPrints(t *testing.T) {
	v := provider.NewSecretValue([]byte(planted))
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("resolved", "value", v, "struct", struct{ P provider.SecretValue }{v})
	js, err := json.Marshal(map[string]any{"v": v})
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s", v, v, v, v), logs.String(), string(js)} {
		assert.NotContains(t, out, planted)
		assert.Contains(t, out, provider.Redacted)
	}
	assert.Equal(t, planted, v.Reveal())
	b := v.Bytes()
	b[0] = 'X'
	assert.Equal(t, planted, v.Reveal(), "Bytes returns a copy")
}

func TestWalkSecretRefs(t *testing.T) {
	type cfg struct {
		Token  provider.SecretRef            `yaml:"token"`
		DB     *inner                        `yaml:"db"`
		List   []inner                       `yaml:"list"`
		ByName map[string]provider.SecretRef `yaml:"byName"`
		Env    *provider.Envelope            `yaml:"env"`
		Skip   provider.SecretRef            `yaml:"-"`
	}
	c := &cfg{DB: &inner{}, List: []inner{{}, {}}, ByName: map[string]provider.SecretRef{"a": {Env: "A"}},
		Env: &provider.Envelope{Type: "x", Settings: &inner{}}}
	var paths []string
	provider.WalkSecretRefs(c, "root", func(path string, ref *provider.SecretRef) {
		paths = append(paths, path)
		ref.Env = "SET"
	})
	assert.ElementsMatch(t, []string{"root.token", "root.db.password", "root.list[0].password", "root.list[1].password",
		"root.byName.a", "root.env.config.password"}, paths)
	assert.Equal(t, "SET", c.List[1].Password.Env, "references are visited in place")
	assert.Equal(t, "SET", c.ByName["a"].Env, "map values are written back")
	assert.Equal(t, "SET", c.Env.Settings.(*inner).Password.Env)
}

type inner struct {
	Password provider.SecretRef `yaml:"password"`
}

func (*inner) Validate() error { return nil }

func TestValidation(t *testing.T) {
	var v provider.Validation
	assert.NoError(t, v.Err())
	v.Required("host", "", "set the host")
	v.Check(true, "port", "never", "")
	v.Nest("tls", provider.ValidationError{{Field: "ca", Problem: "is required", Fix: "set ca"}})
	v.Nest("auth", fmt.Errorf("plain error"))
	err := v.Err()
	require.Error(t, err)
	assert.Equal(t, "host: is required (fix: set the host)\ntls.ca: is required (fix: set ca)\nauth: plain error", err.Error())
	assert.Equal(t, "a.b[0]", provider.JoinPath("a.b", "[0]"))
}
