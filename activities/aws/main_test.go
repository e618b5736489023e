package aws

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// One moto server serves the whole package: the tests create uniquely named resources,
// so they do not see each other's.
var moto struct {
	once sync.Once
	srv  *awstest.Server
	err  error
}

func TestMain(m *testing.M) {
	for k, v := range awstest.Env() {
		os.Setenv(k, v)
	}
	code := m.Run()
	if moto.srv != nil {
		moto.srv.Stop()
	}
	os.Exit(code)
}

// motoEndpoint starts the shared moto server on first use. Without moto the test is
// skipped loudly, or fails in CI.
func motoEndpoint(t testing.TB) string {
	t.Helper()
	moto.once.Do(func() {
		moto.srv, moto.err = awstest.Start()
		if moto.err == nil {
			// Lambda without Docker: the function echoes its payload
			moto.err = moto.srv.Configure(`{"lambda": {"use_docker": false}}`)
		}
	})
	if errors.Is(moto.err, awstest.ErrNoMoto) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: the AWS tests must run)", moto.err)
		}
		t.Skipf("\n\n*** SKIPPING AWS TEST %s: %v ***\n\n", t.Name(), moto.err)
	}
	require.NoError(t, moto.err, "start moto")
	return moto.srv.Endpoint
}

// newActions returns the actions pointed at moto, polling fast so the tests are quick.
func newActions(t testing.TB) *Actions {
	return New(Config{Region: awstest.Region, Endpoint: motoEndpoint(t), PollInterval: 20 * time.Millisecond})
}

// sdkConfig is an SDK configuration pointed at moto, for creating the tests' resources
// with the real clients.
func sdkConfig(t testing.TB, region string) awssdk.Config {
	t.Helper()
	ep := motoEndpoint(t)
	return awstest.SDKConfig(t, ep, region)
}

// rig is what most tests begin with: actions against the tests' moto, a client of one
// service (made by its NewFromConfig) against the same moto, and the test's context.
func rig[C, O any](t testing.TB, newClient func(awssdk.Config, ...func(*O)) C) (*Actions, C, context.Context) {
	return newActions(t), newClient(sdkConfig(t, awstest.Region)), testCtx(t)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// request is a step request of this test's run.
func request(t testing.TB, with map[string]any) activities.Request {
	return activities.Request{RunID: "run-" + t.Name(), StepID: "step", Mode: "live", With: with}
}

// requireErrorType checks that err is a non-retryable step error of the type whose
// message names every one of the given words.
func requireErrorType(t testing.TB, err error, errType string, names ...string) {
	t.Helper()
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app), "want an application error, got %T: %v", err, err)
	assert.Equal(t, errType, app.Type(), "error type of %v", err)
	assert.True(t, app.NonRetryable(), "want non-retryable: %v", err)
	for _, n := range names {
		assert.Contains(t, err.Error(), n)
	}
}

// requireRetryable checks that err is an error Temporal will retry.
func requireRetryable(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	assert.False(t, activities.IsNonRetryable(err), "want retryable: %v", err)
}

// unique returns a resource name unique within the test run.
func unique(t testing.TB, prefix string) string {
	n := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(n) > 30 {
		n = n[len(n)-30:]
	}
	return strings.Trim(prefix+"-"+n, "-")
}
