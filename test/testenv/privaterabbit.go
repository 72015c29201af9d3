package testenv

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// PrivateRabbitMQ starts a RabbitMQ node of the test's own (the broker of make deps, as the
// rabbitmq system user, registered with the test bed's epmd) on a free loopback port, its
// database in Dir (kept across restarts: durable exchanges, queues and persistent messages
// survive), with one administrator User on vhost /. Stop is SIGTERM to its process group (the
// node's clean shutdown).
func PrivateRabbitMQ(t TB) *Private {
	t.Helper()
	dir := privateDir(t, "rabbitmq")
	s := &Private{Name: "rabbitmq", Port: FreePort(t), User: "eim", Password: "pw-" + Unique(t, "rmq"), Dir: dir}
	node := "eimf" + rand.Text()[:10] + "@localhost"
	conf := fmt.Sprintf(`listeners.tcp.default = %s:%d
default_vhost = /
default_user = %s
default_pass = %s
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
disk_free_limit.absolute = 50MB
log.console = true
log.console.level = warning
log.file = false
`, Host, s.Port, s.User, s.Password)
	files := map[string]string{"rabbitmq.conf": conf, "enabled_plugins": "[].\n", "rabbitmq-env.conf": "# settings come from the environment\n",
		".erlang.cookie": rand.Text()}
	for name, content := range files {
		mode := os.FileMode(0o644)
		if name == ".erlang.cookie" {
			mode = 0o400
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		if out, err := exec.Command("chown", "rabbitmq:", p).CombinedOutput(); err != nil {
			t.Fatalf("testenv: chown %s: %v: %s", p, err, out)
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "HOME=" + dir, "RABBITMQ_NODENAME=" + node,
		"RABBITMQ_NODE_IP_ADDRESS=" + Host, "RABBITMQ_NODE_PORT=" + strconv.Itoa(s.Port),
		"RABBITMQ_DIST_PORT=" + strconv.Itoa(FreePort(t)), "ERL_EPMD_ADDRESS=" + Host, "ERL_EPMD_PORT=" + Var(t, "RABBITMQ_EPMD_PORT"),
		"RABBITMQ_CONF_ENV_FILE=" + filepath.Join(dir, "rabbitmq-env.conf"), "RABBITMQ_CONFIG_FILE=" + filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ENABLED_PLUGINS_FILE=" + filepath.Join(dir, "enabled_plugins"), "RABBITMQ_MNESIA_BASE=" + filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE=" + filepath.Join(dir, "log"), "RABBITMQ_PID_FILE=" + filepath.Join(dir, "rabbitmq-server.pid"),
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}"}
	s.start = func() *exec.Cmd {
		cmd := exec.Command("setpriv", "--reuid=rabbitmq", "--regid=rabbitmq", "--init-groups", "--",
			"/usr/lib/rabbitmq/bin/rabbitmq-server")
		cmd.Env, cmd.Dir = env, dir
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
