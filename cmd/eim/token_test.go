package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewcomerCallsTheAPI is the README's first minute on the embedded defaults: `eim serve`,
// `eim token --project demo --create`, then curl lists the project's regions; and a request in
// flight when the process is told to stop is served before it exits.
func TestNewcomerCallsTheAPI(t *testing.T) {
	p := startServe(t, t.TempDir())
	tokCmd := exec.Command(p.bin, "token", "--project", "demo", "--create")
	tokCmd.Env = p.env()
	out, err := tokCmd.Output()
	require.NoError(t, err)
	token := strings.TrimSpace(string(out))
	require.Len(t, strings.Split(token, "."), 3, "a JWT")

	req, err := http.NewRequest("GET", "http://"+p.HTTP+"/v1/projects/demo/regions", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.JSONEq(t, `{"regions":[],"totalElements":0,"hasNext":false}`, string(body))

	// A create in flight when SIGTERM comes (its handler is reading the body: the server has
	// answered "100 Continue") completes, then the process exits.
	conn, err := net.Dial("tcp", p.HTTP)
	require.NoError(t, err)
	defer conn.Close()
	payload := `{"name":"drained"}`
	_, err = fmt.Fprintf(conn, "POST /v1/projects/demo/regions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", p.HTTP, token, len(payload))
	require.NoError(t, err)
	rd := bufio.NewReader(conn)
	cont, err := http.ReadResponse(rd, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusContinue, cont.StatusCode)
	p.Terminate(t)
	p.waitFor(t, `"msg":"shutting down"`)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", p.HTTP)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "the listener closes: the server is draining")
	_, err = io.WriteString(conn, payload)
	require.NoError(t, err)
	drained, err := http.ReadResponse(rd, nil)
	require.NoError(t, err)
	body, _ = io.ReadAll(drained.Body)
	assert.Equal(t, http.StatusOK, drained.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"name":"drained"`)
	p.wait(t)
}
