package faultproxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// calls are one read-only call per protocol, through a client pointed at endpoint, with
// the SDK's retries off so that each call meets exactly one fault.
func calls(t *testing.T, endpoint string) map[string]func(context.Context) error {
	cfg := awstest.SDKConfig(t, endpoint, awstest.Region, awsconfig.WithRetryMaxAttempts(1))
	return map[string]func(context.Context) error{
		"rds (query)": func(ctx context.Context) error {
			_, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
			return err
		},
		"ec2": func(ctx context.Context) error {
			_, err := ec2.NewFromConfig(cfg).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		},
		"dynamodb (json)": func(ctx context.Context) error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		},
		"lambda (rest-json)": func(ctx context.Context) error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		},
		"route53 (rest-xml)": func(ctx context.Context) error {
			_, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
			return err
		},
		"s3": func(ctx context.Context) error {
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
			return err
		},
	}
}

func start(t *testing.T, target string, rates map[Fault]float64) *Proxy {
	p, err := Start(Options{Target: target, Rates: rates, Seed: 1, Hold: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func apiError(err error) (code string, status int) {
	var api smithy.APIError
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

// TestErrorsAreWhatTheSDKExpects checks that every protocol's injected errors parse
// into the codes and statuses AWS itself sends, which the SDK and bcdr classify.
func TestErrorsAreWhatTheSDKExpects(t *testing.T) {
	moto := motoURL
	wantThrottle := map[string]string{
		"rds (query)": "Throttling", "ec2": "RequestLimitExceeded", "dynamodb (json)": "ThrottlingException",
		"lambda (rest-json)": "ThrottlingException", "route53 (rest-xml)": "Throttling", "s3": "SlowDown",
	}
	for _, tc := range []struct {
		fault  Fault
		status int
	}{{Throttle, 0}, {SlowDown, http.StatusServiceUnavailable}, {ServerError, http.StatusInternalServerError}} {
		p := start(t, moto, map[Fault]float64{tc.fault: 1})
		for name, call := range calls(t, p.URL) {
			t.Run(string(tc.fault)+"/"+name, func(t *testing.T) {
				code, status := apiError(call(context.Background()))
				switch tc.fault {
				case Throttle:
					assert.Equal(t, wantThrottle[name], code)
				case SlowDown:
					assert.Equal(t, "SlowDown", code)
				case ServerError:
					assert.Equal(t, "InternalError", code)
				}
				if tc.status != 0 {
					assert.Equal(t, tc.status, status)
				}
			})
		}
		assert.Equal(t, len(wantThrottle), p.Counts()[tc.fault])
	}
}

func TestConnectionFaults(t *testing.T) {
	moto := motoURL
	for _, f := range []Fault{Timeout, Reset} {
		p := start(t, moto, map[Fault]float64{f: 1})
		began := time.Now()
		err := calls(t, p.URL)["rds (query)"](context.Background())
		require.Error(t, err, f)
		code, status := apiError(err)
		assert.Empty(t, code, "%s: no answer, so no AWS error code: %v", f, err)
		assert.Zero(t, status)
		if f == Timeout {
			assert.GreaterOrEqual(t, time.Since(began), 100*time.Millisecond, "held before the drop")
		}
		assert.Equal(t, 1, p.Counts()[f])
	}
}

// TestLostResponseAppliesTheCall is the fault that finds non-idempotent callers: moto
// creates the table, the client never hears so.
func TestLostResponseAppliesTheCall(t *testing.T) {
	moto := motoURL
	p := start(t, moto, map[Fault]float64{LostResponse: 1})
	ctx := context.Background()
	_, err := dynamodb.NewFromConfig(awstest.SDKConfig(t, p.URL, awstest.Region, awsconfig.WithRetryMaxAttempts(1))).CreateTable(ctx, awstest.KeyTable("markers-lost"))
	require.Error(t, err, "the client saw no answer")
	direct := dynamodb.NewFromConfig(awstest.SDKConfig(t, moto, awstest.Region, awsconfig.WithRetryMaxAttempts(1)))
	out, err := direct.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{"markers-lost"}, out.TableNames, "but the table exists")

	log := p.Log()
	require.Len(t, log, 1)
	assert.Equal(t, "CreateTable", log[0].Action)
	assert.Equal(t, "dynamodb", log[0].Service)
	assert.Equal(t, http.StatusOK, log[0].Status)
	assert.Equal(t, LostResponse, log[0].Fault)
}

func TestForwardsAndLogsUntouchedCalls(t *testing.T) {
	moto := motoURL
	p := start(t, moto, nil)
	for name, call := range calls(t, p.URL) {
		require.NoError(t, call(context.Background()), name)
	}
	log := p.Log()
	require.Len(t, log, 6)
	byService := map[string]Entry{}
	for _, e := range log {
		assert.Empty(t, e.Fault)
		assert.Equal(t, http.StatusOK, e.Status, e.Action)
		byService[e.Service] = e
	}
	assert.Equal(t, "DescribeDBInstances", byService["rds"].Action)
	assert.Equal(t, "DescribeDBInstances", byService["rds"].Form.Get("Action"))
	assert.Equal(t, "ListTables", byService["dynamodb"].Action)
	assert.Equal(t, "GET /2013-04-01/hostedzone", byService["route53"].Action)
	assert.Empty(t, p.Counts())
}

func TestDrawsAreSeededAndRatesChecked(t *testing.T) {
	rates := map[Fault]float64{Throttle: 0.2, ServerError: 0.2, Reset: 0.1}
	seq := func() []Fault {
		p, err := Start(Options{Target: "http://127.0.0.1:1", Rates: rates, Seed: 42})
		require.NoError(t, err)
		defer p.Close()
		var out []Fault
		for range 200 {
			out = append(out, p.draw())
		}
		return out
	}
	a, b := seq(), seq()
	assert.Equal(t, a, b)
	n := 0
	for _, f := range a {
		if f != "" {
			n++
		}
	}
	assert.InDelta(t, 100, n, 30, "about half the calls are faulted")

	_, err := Start(Options{Target: "http://127.0.0.1:1", Rates: map[Fault]float64{Throttle: 0.7, Reset: 0.7}})
	assert.ErrorContains(t, err, "add up to 1.4")
	_, err = Start(Options{Target: "::"})
	assert.Error(t, err)
}

// TestLogsWhatTheTargetDidWhenTheClientLeaves: a client that gives up mid-call (a worker
// killed) does not cancel the call; the log has the target's answer.
func TestLogsWhatTheTargetDidWhenTheClientLeaves(t *testing.T) {
	applied := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		applied <- struct{}{}
		w.WriteHeader(http.StatusCreated)
	}))
	defer slow.Close()
	p := start(t, slow.URL, nil)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	_, err := client.Post(p.URL+"/create", "application/json", strings.NewReader("{}"))
	require.Error(t, err, "the client gave up")
	<-applied
	require.Eventually(t, func() bool { return len(p.Log()) == 1 }, 2*time.Second, 10*time.Millisecond)
	assert.Equal(t, http.StatusCreated, p.Log()[0].Status, "the call was applied, and the log says so")
}
