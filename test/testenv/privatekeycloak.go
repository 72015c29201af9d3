package testenv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// PrivateKC is a Keycloak of the test's own (PrivateKeycloak): the distribution of make deps
// started on free loopback ports with the test realm (test/testdata/keycloak/eim-realm.json)
// imported into its own file database (dev-file), so that a restart keeps the realm, its users
// and its signing keys, as a production Keycloak does.
type PrivateKC struct {
	*Private
	// Server describes it like the shared one (same realm, clients, users and credentials).
	Server *KeycloakServer
}

// Start starts Keycloak and waits until the test realm's discovery document is served (a
// no-op when it runs).
func (s *PrivateKC) Start(t TB) {
	t.Helper()
	if s.Running() {
		return
	}
	s.Private.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), keycloakStartTimeout)
	defer cancel()
	for check := httpCheck(s.Server.DiscoveryURL()); check(ctx) != nil; time.Sleep(200 * time.Millisecond) {
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			t.Fatalf("testenv: private keycloak serves no discovery document within %s:\n%s", keycloakStartTimeout, tailBytes(log, 4000))
		}
	}
}

// keycloakStartTimeout bounds a start of the private Keycloak (a JVM on a busy machine).
const keycloakStartTimeout = 5 * time.Minute

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// PrivateKeycloak prepares a Keycloak home of the test's own (the distribution's bin, conf and
// the small generated parts of lib copied, its jars linked; data in Dir), imports the test
// realm and starts it. Stop is SIGTERM to its process group (Keycloak's clean shutdown).
func PrivateKeycloak(t TB) *PrivateKC {
	t.Helper()
	dist := filepath.Join(toolsDir(t), "keycloak-"+Var(t, "KEYCLOAK_VERSION"))
	dir := privateDir(t, "")
	home := filepath.Join(dir, "keycloak")
	prepareKeycloakHome(t, dist, home)
	realm := Var(t, "KEYCLOAK_REALM")
	if err := os.MkdirAll(filepath.Join(home, "data", "import"), 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	copyFile(t, filepath.Join(RepoRoot(t), "test", "testdata", "keycloak", "eim-realm.json"),
		filepath.Join(home, "data", "import", realm+"-realm.json"))
	port, mgmt := FreePort(t), FreePort(t)
	base := "http://" + net.JoinHostPort(Host, strconv.Itoa(port))
	shared := &KeycloakServer{
		BaseURL:       base,
		ManagementURL: "http://" + net.JoinHostPort(Host, strconv.Itoa(mgmt)),
		Realm:         realm, AdminUser: Var(t, "KEYCLOAK_ADMIN_USER"), AdminPassword: Var(t, "KEYCLOAK_ADMIN_PASSWORD"),
		Audience: Var(t, "KEYCLOAK_AUDIENCE"), ClientID: Var(t, "KEYCLOAK_CLIENT_ID"), ClientSecret: Var(t, "KEYCLOAK_CLIENT_SECRET"),
		AdminClientID: Var(t, "KEYCLOAK_ADMIN_CLIENT_ID"), AdminClientSecret: Var(t, "KEYCLOAK_ADMIN_CLIENT_SECRET"),
		PasswordClientID: Var(t, "KEYCLOAK_PASSWORD_CLIENT_ID"),
		User:             Var(t, "KEYCLOAK_USER"), UserPassword: Var(t, "KEYCLOAK_USER_PASSWORD"),
		User2: Var(t, "KEYCLOAK_USER2"), User2Password: Var(t, "KEYCLOAK_USER2_PASSWORD"),
		Project1: Var(t, "KEYCLOAK_PROJECT1"), Project2: Var(t, "KEYCLOAK_PROJECT2"),
	}
	s := &PrivateKC{Private: &Private{Name: "keycloak", Port: port, User: shared.AdminUser, Password: shared.AdminPassword, Dir: dir,
		Wait: keycloakStartTimeout}, Server: shared}
	java, heap := Var(t, "KEYCLOAK_JAVA_HOME"), Var(t, "KEYCLOAK_HEAP_MAX")
	s.start = func() *exec.Cmd {
		cmd := exec.Command(filepath.Join(home, "bin", "kc.sh"), "start-dev", "--db=dev-file", "--import-realm",
			"--hostname="+base, "--http-host="+Host, "--http-port="+strconv.Itoa(port),
			"--http-management-port="+strconv.Itoa(mgmt), "--health-enabled=true")
		cmd.Env = append(os.Environ(), "JAVA_HOME="+java, "JAVA_OPTS_KC_HEAP=-Xms64m -Xmx"+heap,
			"KC_BOOTSTRAP_ADMIN_USERNAME="+shared.AdminUser, "KC_BOOTSTRAP_ADMIN_PASSWORD="+shared.AdminPassword)
		return cmd
	}
	s.stop = func(cmd *exec.Cmd) error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
			return err
		}
		_ = cmd.Wait()
		return nil
	}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// prepareKeycloakHome makes home a Keycloak home: bin, conf and lib's generated parts copied
// (start-dev rewrites lib/quarkus), the jars (lib/lib), themes and providers linked to dist.
func prepareKeycloakHome(t TB, dist, home string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(home, "lib"), 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for _, d := range []string{"bin", "conf", "version.txt", "lib/app", "lib/quarkus", "lib/quarkus-run.jar"} {
		if out, err := exec.Command("cp", "-a", filepath.Join(dist, d), filepath.Join(home, d)).CombinedOutput(); err != nil {
			t.Fatalf("testenv: copy keycloak %s: %v: %s", d, err, out)
		}
	}
	for _, d := range []string{"lib/lib", "themes", "providers"} {
		if err := os.Symlink(filepath.Join(dist, d), filepath.Join(home, d)); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
}

func copyFile(t TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}
