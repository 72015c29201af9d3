package e2e_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eim-byoi/eim/test/testenv"
)

// faultStack is a row of the matrix: the backends eim runs on and the scenarios that apply.
type faultStack struct {
	name     string
	secrets  secretsMode
	identity identityMode
	// mariaRabbit runs eim on MariaDB and RabbitMQ (the embedded issuer, no secrets backend).
	mariaRabbit bool
	// embedded runs eim on the embedded defaults (SQLite, the in-memory bus, the embedded
	// issuer, local secrets): no backend of its own to stop or cut.
	embedded bool
	// forms are the forms (short, long) the stack runs in.
	forms []string
	// scenarios are the faults run in turn on the stack's deployment.
	scenarios func(plan faultPlan) []faultScenario
}

// faultsStackEnv selects the stacks whose name contains its value, whatever the form (a
// partial run: -update refuses to write the table then); "all" runs every stack of the matrix,
// at the form's sizes (the generated table then has every row).
const faultsStackEnv = "E2E_FAULTS_STACK"

// allFaultStacks is the matrix. The short form (make test, whose e2e package has 20 minutes for
// every test) runs one stack; Keycloak runs in the long form only: its starts (a JVM, the realm
// import) take about two minutes on the shared 2-core machine, its restart one more.
func allFaultStacks() []faultStack {
	kv := func(plan faultPlan) []faultScenario {
		return append(faultScenarios(plan), baoRestartScenario(), staticRotationScenario())
	}
	return []faultStack{
		{name: "Keycloak + OpenBao (KV password) + PostgreSQL + NATS", secrets: secretsKV, identity: identityKeycloak, forms: []string{"long"},
			scenarios: func(plan faultPlan) []faultScenario { return append(kv(plan), keycloakRotationScenario()) }},
		{name: "embedded issuer + OpenBao (KV password) + PostgreSQL + NATS", secrets: secretsKV, forms: []string{"short"}, scenarios: kv},
		{name: "embedded issuer + OpenBao (dynamic credentials) + PostgreSQL + NATS", secrets: secretsDynamic, forms: []string{"long"},
			scenarios: func(faultPlan) []faultScenario {
				return []faultScenario{dynamicRotationScenario(), baoRestartScenario()}
			}},
		{name: "MariaDB + RabbitMQ", mariaRabbit: true, forms: []string{"long"},
			scenarios: func(faultPlan) []faultScenario { return mariaRabbitScenarios() }},
		{name: "embedded defaults (SQLite, in-memory bus, embedded issuer, local secrets)", embedded: true, forms: []string{"short", "long"},
			scenarios: func(faultPlan) []faultScenario { return []faultScenario{killScenario()} }},
	}
}

// faultStacks are the stacks of a form (or those faultsStackEnv names), in the order they run.
func faultStacks(plan faultPlan) []faultStack {
	var out []faultStack
	only := os.Getenv(faultsStackEnv)
	for _, st := range allFaultStacks() {
		if only == "all" || (only != "" && strings.Contains(st.name, only)) || (only == "" && slices.Contains(st.forms, plan.form)) {
			out = append(out, st)
		}
	}
	return out
}

// baoRestartScenario restarts OpenBao (SIGTERM, down for the broker's time, start and unseal)
// and then revokes every token eim obtained: eim logs in again and, with dynamic credentials
// (whose leases the revoked token held: their users are dropped), gets new database users.
func baoRestartScenario() faultScenario {
	return faultScenario{name: "OpenBao restarted, eim's token revoked", inject: func(t *testing.T, b *faultBed, plan faultPlan) string {
		const login = "vault login"
		logins := logCount(b, login)
		b.bao.srv.Stop(t)
		time.Sleep(plan.brokerDown)
		b.bao.srv.Start(t)
		b.bao.revokeLogins(t)
		require.Eventually(t, func() bool { return logCount(b, login) > logins }, time.Minute, 100*time.Millisecond,
			"eim logs in again once its token is revoked")
		if b.stack.secrets == secretsDynamic {
			awaitNewIssuedUser(t, b, issuedUsers(t, b))
		}
		return fmt.Sprintf("SIGTERM, %s, start and unseal; revoke-prefix auth/approle/login", plan.brokerDown)
	}}
}

// staticRotationScenario rotates the runtime role's password as an operator does: ALTER ROLE,
// then the KV secret; once eim said it took the new value, the sessions logged in with the old
// one are terminated, so every new connection logs in with the new password.
func staticRotationScenario() faultScenario {
	return faultScenario{name: "database password rotated (KV secret)", inject: func(t *testing.T, b *faultBed, _ faultPlan) string {
		const said = "database password rotated"
		before := logCount(b, said)
		pw := "rot-" + testenv.Unique(t, "pw")
		b.secrets = append(b.secrets, pw)
		b.pgAdmin.Exec(t, fmt.Sprintf(`ALTER ROLE %q PASSWORD '%s'`, b.db.Runtime.User, pw))
		_, err := b.bao.srv.Root(t).KVv2("secret").Patch(t.Context(), kvDB, map[string]any{"password": pw})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return logCount(b, said) > before }, time.Minute, 100*time.Millisecond,
			"eim reads the rotated secret")
		b.pgAdmin.Exec(t, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '%s'`, b.db.Runtime.User))
		return "ALTER ROLE, KV secret updated, the old sessions terminated"
	}}
}

// dynamicRotationScenario waits, under load, until the lease of the dynamic credentials reached
// its maximum and eim logs in as a newly issued user.
func dynamicRotationScenario() faultScenario {
	return faultScenario{name: "Vault dynamic credentials replaced", inject: func(t *testing.T, b *faultBed, _ faultPlan) string {
		awaitNewIssuedUser(t, b, issuedUsers(t, b))
		return fmt.Sprintf("lease %s, max %s: renewed, then a new user issued", dynamicTTL, dynamicMaxTTL)
	}}
}

// awaitNewIssuedUser waits (up to two minutes) until a dynamic user that is not in old has a
// session on the database.
func awaitNewIssuedUser(t *testing.T, b *faultBed, old map[string]bool) {
	require.Eventually(t, func() bool {
		for u := range issuedUsers(t, b) {
			if !old[u] {
				return true
			}
		}
		return false
	}, 2*time.Minute, 200*time.Millisecond, "eim logs in as a newly issued user")
}
