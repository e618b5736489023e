package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/codec"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/internal/figures"
	"github.com/bcdr/bcdr/workflows"
)

// rawHistory is a run's event history as the Temporal service stores it: read with a
// client that has no codec, and marshalled to bytes.
func (e *env) rawHistory(runID string) ([]byte, []*commonpb.Payload) {
	e.t.Helper()
	c, err := client.Dial(client.Options{HostPort: e.vars["BCDR_TEMPORAL_ADDRESS"], Logger: sdkDiscard{}})
	require.NoError(e.t, err)
	defer c.Close()
	it := c.GetWorkflowHistory(context.Background(), runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var raw bytes.Buffer
	var inputs []*commonpb.Payload
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(e.t, err)
		b, err := proto.Marshal(ev)
		require.NoError(e.t, err)
		raw.Write(b)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			inputs = append(inputs, a.GetInput().GetPayloads()...)
		}
	}
	return raw.Bytes(), inputs
}

type sdkDiscard struct{}

func (sdkDiscard) Debug(string, ...any) {}
func (sdkDiscard) Info(string, ...any)  {}
func (sdkDiscard) Warn(string, ...any)  {}
func (sdkDiscard) Error(string, ...any) {}

const secretRunbook = `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: secret-handling, service: security, owner: sec}
parameters:
  - {name: api_token, type: string, secret: true, required: true}
  - {name: base_url, type: string, required: true}
  - {name: path, type: string, default: ok}
steps:
  - id: call
    uses: http.request
    retry: {attempts: 1}
    with:
      url: "${{ params.base_url }}/${{ params.path }}?token=${{ params.api_token }}"
      headers: {Authorization: "Bearer ${{ params.api_token }}"}
      body: {note: "token ${{ params.api_token }}"}
  - id: echo
    uses: noop
    needs: call
    with: {output: {seen: "${{ params.api_token }}"}}
`

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// TestSecretsNeverInPlainText runs a runbook whose secret parameter goes into a header,
// a URL, a body and a step's outputs, and whose failing run echoes it in an error, on
// bcdr dev with a payload codec. The secret appears nowhere in plain text: not in the
// history the Temporal service stores (read raw, without the codec), not in any log, not
// in the evidence bundles. The same run started without the codec does leave it in the
// history, so the check can fail. The codec endpoint decrypts for an operator, refuses a
// viewer and strangers, and the dev Web UI is told where it is.
func TestSecretsNeverInPlainText(t *testing.T) {
	secret := "s3cr3t-" + randomHex(t, 12)
	key := make([]byte, codec.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	operatorToken, viewerToken := "bcdr_op_"+randomHex(t, 16), "bcdr_view_"+randomHex(t, 16)

	var served []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		served = append(served, r.URL.Path)
		switch {
		case r.Header.Get("Authorization") != "Bearer "+secret || !strings.Contains(string(body), secret):
			http.Error(w, "wrong token", http.StatusUnauthorized)
		case r.URL.Path == "/fail":
			http.Error(w, "upstream refused "+r.Header.Get("Authorization"), http.StatusInternalServerError)
		default:
			w.Write([]byte(`{"ok": true}`))
		}
	}))
	defer upstream.Close()

	e := newEnv(t)
	e.vars["BCDR_CODEC_KEY"] = base64.StdEncoding.EncodeToString(key)
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte(`groups:
  incident-commanders: [alice, bob]
auth:
  tokens:
    - {name: olivia, hash: "`+api.HashToken(operatorToken)+`", roles: [operator]}
    - {name: victor, hash: "`+api.HashToken(viewerToken)+`", roles: [viewer]}
`), 0o600))
	file := filepath.Join(e.dir, "secret.yaml")
	require.NoError(t, os.WriteFile(file, []byte(secretRunbook), 0o600))
	port, uiPort, httpPort := freePort(t), freePort(t), freePort(t)
	dev := e.startDevAt(port, uiPort, httpPort)

	var cliOut bytes.Buffer
	runWith := func(params ...string) (string, int) {
		args := []string{"run", file, "--wait", "--output", "json", "--param", "api_token=" + secret, "--param", "base_url=" + upstream.URL}
		for _, p := range params {
			args = append(args, "--param", p)
		}
		out, errOut, code := e.cli(args...)
		cliOut.WriteString(out + errOut)
		var st struct{ RunID string }
		require.NoError(t, json.Unmarshal([]byte(out), &st), "%s\n%s", out, errOut)
		return st.RunID, code
	}
	okRun, code := runWith()
	require.Equal(t, 0, code, cliOut.String())
	failRun, code := runWith("path=fail")
	require.Equal(t, 1, code, "the failing run fails")
	assert.Equal(t, []string{"/ok", "/fail"}, served, "the secret reached the upstream: it was used")

	// The history the service stores holds ciphertext only.
	for _, id := range []string{okRun, failRun} {
		raw, _ := e.rawHistory(id)
		assert.False(t, bytes.Contains(raw, []byte(secret)), "run %s: the secret is in the history in plain text", id)
		assert.True(t, bytes.Contains(raw, []byte(codec.Encoding)), "run %s: payloads are encrypted", id)
	}
	status := e.mustCLI("status", failRun, "--output", "json")
	assert.Contains(t, status, "upstream refused", "the CLI, with the key, reads the record")
	assert.NotContains(t, status, secret, "and the record redacts the secret")

	// Started without the codec, the same run leaves the secret in the history: the
	// check above can fail.
	delete(e.vars, "BCDR_CODEC_KEY")
	plainRun := strings.TrimSpace(e.mustCLI("run", file, "--param", "api_token="+secret, "--param", "base_url="+upstream.URL))
	e.vars["BCDR_CODEC_KEY"] = base64.StdEncoding.EncodeToString(key)
	assert.Equal(t, workflows.RunSucceeded, e.waitDone(plainRun, time.Minute).State, "a worker with a codec reads plain payloads")
	raw, _ := e.rawHistory(plainRun)
	assert.True(t, bytes.Contains(raw, []byte(secret)), "without the codec the secret is in the history")

	// A CLI with another key cannot read the runs, and says why.
	other := make([]byte, codec.KeySize)
	_, _ = rand.Read(other)
	e.vars["BCDR_CODEC_KEY"] = base64.StdEncoding.EncodeToString(other)
	_, errOut, code := e.cli("status", okRun)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `payload encrypted with key "`+codec.KeyID(key)+`"`)
	e.vars["BCDR_CODEC_KEY"] = base64.StdEncoding.EncodeToString(key)

	// No log and no evidence file holds it.
	assert.NotContains(t, dev.logs.String(), secret, "bcdr dev's logs")
	assert.NotContains(t, cliOut.String(), secret, "the CLI's output")
	evidenceFiles := 0
	require.NoError(t, filepath.WalkDir(filepath.Join(e.dir, "data", "evidence"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		evidenceFiles++
		assert.NotContains(t, string(b), secret, "evidence file %s", p)
		return nil
	}))
	assert.GreaterOrEqual(t, evidenceFiles, 12, "three runs' bundles were read")

	// The codec endpoint decrypts for an operator only.
	_, inputs := e.rawHistory(okRun)
	require.NotEmpty(t, inputs)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: inputs})
	require.NoError(t, err)
	decode := func(url, token, origin string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(httpPort) + "/codec/decode"
	resp, out := decode(endpoint, "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.NotContains(t, out, secret)
	resp, out = decode(endpoint, viewerToken, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.NotContains(t, out, secret)
	resp, out = decode(endpoint, operatorToken, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, decodedData(t, out), secret, "an operator sees the run's input")

	// The dev Web UI is told where its codec is, and may call it from its pages.
	settings, err := http.Get("http://127.0.0.1:" + strconv.Itoa(uiPort) + "/api/v1/settings")
	require.NoError(t, err)
	var ui struct{ Codec struct{ Endpoint string } }
	require.NoError(t, json.NewDecoder(settings.Body).Decode(&ui))
	settings.Body.Close()
	require.True(t, strings.HasPrefix(ui.Codec.Endpoint, "http://127.0.0.1:"+strconv.Itoa(httpPort)+"/codec/"), ui.Codec.Endpoint)
	uiOrigin := "http://127.0.0.1:" + strconv.Itoa(uiPort)
	resp, out = decode(ui.Codec.Endpoint+"/decode", "", uiOrigin)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, uiOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, decodedData(t, out), secret)
	resp, _ = decode("http://127.0.0.1:"+strconv.Itoa(httpPort)+"/codec/guessed-token/decode", "", uiOrigin)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "another path is the authenticated endpoint")
}

// decodedData is the data of the payloads in a codec answer, as text.
func decodedData(t *testing.T, answer string) string {
	var ps commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(answer), &ps), answer)
	var b strings.Builder
	for _, p := range ps.Payloads {
		b.Write(p.Data)
	}
	return b.String()
}

// TestDevListensOnLoopbackOnly starts bcdr dev with the Web UI, giving ports but no
// address, and reads the kernel's table of listening sockets for the process: every one
// is on 127.0.0.1. The defaults of every listener's address are loopback too.
func TestDevListensOnLoopbackOnly(t *testing.T) {
	for _, key := range []string{"http.address", "metrics.address"} {
		host, _, err := net.SplitHostPort(config.Defaults("", "")[key].(string))
		require.NoError(t, err)
		assert.True(t, net.ParseIP(host).IsLoopback(), "default %s is loopback", key)
	}
	assert.True(t, net.ParseIP(config.Defaults("", "")["dev.ip"].(string)).IsLoopback())
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp: not Linux")
	}

	e := newEnv(t)
	port, uiPort, httpPort := freePort(t), freePort(t), freePort(t)
	// --http :PORT is every interface, on purpose: the check must see it.
	dev := e.spawnDev(port, uiPort, ":"+strconv.Itoa(httpPort))
	dev.eventually(t, "bcdr dev to accept connections", 2*time.Minute, e.engineAnswers)
	for _, url := range []string{"http://127.0.0.1:" + strconv.Itoa(uiPort) + "/healthz", "http://127.0.0.1:" + strconv.Itoa(httpPort) + "/healthz"} {
		eventually(t, url, time.Minute, func() bool {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		})
	}
	listeners := listening(t, dev.cmd.Process.Pid)
	var wide []int
	for _, l := range listeners {
		if !l.ip.IsLoopback() {
			wide = append(wide, l.port)
		}
	}
	assert.Equal(t, []int{httpPort}, wide,
		"only the address given as every interface is beyond loopback; all: %v", listeners)
	assert.GreaterOrEqual(t, len(listeners), 6, "frontend, history, matching, worker, Web UI, HTTP: %v", listeners)
	figures.Report(t, "dev_listeners=%d beyond_loopback_unasked=%d", len(listeners), len(wide)-1)
}

type listener struct {
	ip   net.IP
	port int
}

func (l listener) String() string { return net.JoinHostPort(l.ip.String(), strconv.Itoa(l.port)) }

// listening reads the TCP sockets pid listens on from /proc.
func listening(t *testing.T, pid int) []listener {
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	require.NoError(t, err)
	for _, fd := range fds {
		target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name())
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	var out []listener
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
				continue
			}
			addr, portHex, _ := strings.Cut(f[1], ":")
			p, _ := strconv.ParseInt(portHex, 16, 32)
			out = append(out, listener{ip: procIP(addr), port: int(p)})
		}
	}
	return out
}

// procIP decodes an address of /proc/net/tcp{,6}: hex, in 32-bit words of host order.
func procIP(h string) net.IP {
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil
	}
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b)
}
