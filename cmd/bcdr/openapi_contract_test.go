package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/api"
)

// TestOpenAPIContract runs Schemathesis (installed by .ci/run from PyPI) against a
// fresh bcdr dev, with every role, and fails on any finding of the four checks that make
// api/openapi.yaml a contract clients can be generated from: no server error, only
// documented status codes, documented content types, responses that match their schema.
// The examples are bounded and the seed fixed, so that the run is short and repeatable.
func TestOpenAPIContract(t *testing.T) {
	st, err := exec.LookPath("st")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("schemathesis is not installed; .ci/run installs it: pip install 'schemathesis==4.*'")
		}
		t.Skip("schemathesis is not installed: pip install 'schemathesis==4.*'")
	}
	e := newEnv(t)
	cfg := "groups:\n  incident-commanders: [alice, bob]\n" +
		"auth:\n  tokens:\n    - {name: contract, hash: \"" + api.HashToken("contract-token") + "\", roles: [admin]}\n"
	require.NoError(t, os.WriteFile(e.vars["BCDR_CONFIG"], []byte(cfg), 0o600))
	port, httpPort := freePort(t), freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	dev := e.spawnDev(port, 0, "127.0.0.1:"+strconv.Itoa(httpPort))
	dev.eventually(t, "bcdr dev to be ready", time.Minute, func() bool { return ready(base) })

	// One worker: with two, Hypothesis parses lambda sources from two threads at once,
	// and CPython 3.11's ast module (the Python .ci/run's machines have) can fail with
	// "AST constructor recursion depth mismatch", an error of the interpreter and not of
	// the API (python/cpython#106905, HypothesisWorks/hypothesis#4364).
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	report := filepath.Join(e.dir, "schemathesis")
	cmd := exec.CommandContext(ctx, st, "run", base+"/v1/openapi.yaml",
		"--header", "Authorization: Bearer contract-token",
		"--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
		"--max-examples", "8", "--seed", "20261203", "--generation-deterministic",
		"--workers", "1", "--request-timeout", "30", "--wait-for-schema", "30",
		"--report", "junit", "--report-dir", report, "--no-color")
	cmd.Env = append(os.Environ(), "SCHEMATHESIS_HOOKS=")
	cmd.Dir = e.dir // its cache (.schemathesis) stays out of the checkout
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "schemathesis found what api/openapi.yaml does not say:\n%s", out)
}
