package faultproxy

import (
	"context"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestLatenciesHoldTheAnswerOfTheirOperationOnly: with the realistic latencies set, a
// PutItem is applied, then its answer is held for DynamoDBReplicaWrite (waited out on
// the test's Wait, which records instead of sleeping); a GetItem is not held; the log
// says which call was held and for how long.
func TestLatenciesHoldTheAnswerOfTheirOperationOnly(t *testing.T) {
	var mu sync.Mutex
	var waited []time.Duration
	p, err := Start(Options{Target: motoURL, Wait: func(_ context.Context, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waited = append(waited, d)
	}})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	p.SetLatencies(RealisticLatencies())

	ctx := context.Background()
	cfg := awstest.SDKConfig(t, p.URL, awstest.Region, awsconfig.WithRetryMaxAttempts(1))
	db := dynamodb.NewFromConfig(cfg)
	_, err = db.CreateTable(ctx, awstest.KeyTable("latency"))
	require.NoError(t, err)
	t.Cleanup(func() { // the package's tests share one moto
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: awssdk.String("latency")})
	})
	key := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "canary"}}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: awssdk.String("latency"), Item: key})
	require.NoError(t, err)
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: awssdk.String("latency"), Key: key})
	require.NoError(t, err)
	assert.NotEmpty(t, got.Item, "the held write was applied")

	assert.Equal(t, []time.Duration{DynamoDBReplicaWrite}, waited, "only PutItem waits")
	held := map[string]time.Duration{}
	for _, e := range p.Log() {
		held[e.Action] = e.Latency
		assert.False(t, e.Done.Before(e.At), "%s: answered after it arrived", e.Action)
	}
	assert.Equal(t, map[string]time.Duration{"CreateTable": 0, "PutItem": DynamoDBReplicaWrite, "GetItem": 0}, held)

	p.SetLatencies(nil)
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: awssdk.String("latency"), Item: key})
	require.NoError(t, err)
	assert.Len(t, waited, 1, "latencies off")
}

// TestBusyCountsOverlappingCallsOnce: Busy is the union of the calls' spans within the
// window, not their sum.
func TestBusyCountsOverlappingCallsOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	p := &Proxy{log: []Entry{
		{At: at(1), Done: at(4)},    // 1-4
		{At: at(2), Done: at(3)},    // inside the first
		{At: at(3.5), Done: at(6)},  // overlaps its end: 1-6
		{At: at(8), Done: at(9)},    // apart: +1
		{At: at(9.5), Done: at(12)}, // cut at the window's end (10): +0.5
	}}
	assert.Equal(t, 6500*time.Millisecond, p.Busy(at(0), at(10)))
	assert.Equal(t, 1500*time.Millisecond, p.Busy(at(5), at(8.5)), "5-6 and 8-8.5: both clipped to the window")
}
