package oob

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
	"github.com/eim-byoi/eim/providers/secrets"
	"github.com/eim-byoi/eim/services/config"
)

// Passwords are a project's AMT admin, MEBx and CIRA (MPS) passwords.
type Passwords struct {
	AMT, MEBx, CIRA provider.SecretValue
}

// The keys of a project's secret (SecretPrefix/<project id>).
const (
	keyAMT        = "amt"
	keyMEBx       = "mebx"
	keyCIRA       = "cira"
	keyConfigured = "configured"
)

// vault keeps the projects' passwords and the record of the projects configured in RPS in the
// secrets provider, under prefix/<project id>.
type vault struct {
	store  *secrets.Store // nil without a secrets provider
	prefix string
	cfg    config.OOBPasswords
}

func (v *vault) name(tenant string) string { return v.prefix + "/" + tenant }

// passwords returns tenant's passwords: the static ones, or the project's generated ones
// (generated and stored the first time).
func (v *vault) passwords(ctx context.Context, tenant string) (Passwords, error) {
	if v.cfg.Policy == config.PasswordPolicyStatic {
		return Passwords{AMT: v.cfg.AMT.Value(), MEBx: v.cfg.MEBx.Value(), CIRA: v.cfg.CIRA.Value()}, nil
	}
	if v.store == nil {
		return Passwords{}, provider.Errorf(provider.FailedPrecondition,
			"oob: passwords policy generated keeps the passwords in the secrets provider: configure providers.secrets, or use policy static")
	}
	sec, err := v.store.Get(ctx, v.name(tenant))
	if err == nil && len(sec.Data[keyAMT]) > 0 && len(sec.Data[keyMEBx]) > 0 && len(sec.Data[keyCIRA]) > 0 {
		return Passwords{AMT: provider.NewSecretValue(sec.Data[keyAMT]), MEBx: provider.NewSecretValue(sec.Data[keyMEBx]),
			CIRA: provider.NewSecretValue(sec.Data[keyCIRA])}, nil
	}
	if err != nil && provider.CodeOf(err) != provider.NotFound {
		return Passwords{}, err
	}
	data := map[string][]byte{keyConfigured: []byte("true")}
	for _, k := range []string{keyAMT, keyMEBx, keyCIRA} {
		pw, err := GeneratePassword(16)
		if err != nil {
			return Passwords{}, err
		}
		data[k] = []byte(pw)
	}
	if _, err := v.store.Put(ctx, v.name(tenant), data); err != nil {
		return Passwords{}, fmt.Errorf("oob: keep the generated passwords of project %s: %w", tenant, err)
	}
	return Passwords{AMT: provider.NewSecretValue(data[keyAMT]), MEBx: provider.NewSecretValue(data[keyMEBx]),
		CIRA: provider.NewSecretValue(data[keyCIRA])}, nil
}

// record notes that tenant is configured in RPS (with policy generated, its passwords are the
// record); a store that cannot write keeps no record, and the sweep then only knows the
// projects deleted while the module ran.
func (v *vault) record(ctx context.Context, tenant string) error {
	if v.store == nil || v.cfg.Policy != config.PasswordPolicyStatic {
		return nil
	}
	if _, err := v.store.Get(ctx, v.name(tenant)); err == nil {
		return nil
	}
	_, err := v.store.Put(ctx, v.name(tenant), map[string][]byte{keyConfigured: []byte("true")})
	if provider.CodeOf(err) == provider.Unimplemented {
		return nil
	}
	return err
}

// forget deletes tenant's record and passwords.
func (v *vault) forget(ctx context.Context, tenant string) error {
	if v.store == nil {
		return nil
	}
	err := v.store.Delete(ctx, v.name(tenant))
	if provider.CodeOf(err) == provider.Unimplemented || provider.CodeOf(err) == provider.NotFound {
		return nil
	}
	return err
}

// recorded returns the projects with a record, or nil when the store cannot list.
func (v *vault) recorded(ctx context.Context) ([]string, error) {
	if v.store == nil || !v.store.Capabilities().Has(secrets.CapList) {
		return nil, nil
	}
	names, err := v.store.List(ctx, v.prefix+"/")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		id := strings.TrimPrefix(n, v.prefix+"/")
		if id != "" && !strings.Contains(id, "/") {
			out = append(out, id)
		}
	}
	return out, nil
}

// Password character classes: AMT requires an upper-case letter, a lower-case letter, a digit
// and a special character, 8 to 32 characters.
var passwordClasses = []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*-_=+"}

// GeneratePassword returns a random password of n (8 to 32) characters that meets AMT's
// complexity rules.
func GeneratePassword(n int) (string, error) {
	if n < 8 || n > 32 {
		return "", provider.Errorf(provider.InvalidArgument, "oob: an AMT password has 8 to 32 characters, not %d", n)
	}
	all := strings.Join(passwordClasses, "")
	b := make([]byte, n)
	for i := range b {
		set := all
		if i < len(passwordClasses) {
			set = passwordClasses[i]
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		b[i] = c
	}
	// shuffle so that the classes are not always in front
	for i := len(b) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", provider.WithCode(provider.Internal, err)
		}
		b[i], b[j.Int64()] = b[j.Int64()], b[i]
	}
	return string(b), nil
}

func pick(set string) (byte, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, provider.WithCode(provider.Internal, err)
	}
	return set[i.Int64()], nil
}
