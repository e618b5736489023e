package aws

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// BenchmarkWaitDetection measures, against moto, how long after an EC2 instance reaches
// "running" a wait notices it: bcdr's wait (default 1 s jittered polling) against the
// SDK's ec2.InstanceRunningWaiter with its default options (15 s between polls). The
// instance is started from outside the wait, at an offset into it that varies by
// iteration; the metric is the time from StartInstances returning (moto makes the
// instance running at once) to the wait returning.
//
//	go test -run '^$' -bench WaitDetection -benchtime 5x ./activities/aws/
func BenchmarkWaitDetection(b *testing.B) {
	cfg := sdkConfig(b, awstest.Region)
	c := ec2.NewFromConfig(cfg)
	id := runInstance(b, c)
	ids := []string{id}
	a := New(Config{Region: awstest.Region, Endpoint: motoEndpoint(b)}) // production poll interval

	waits := map[string]func(context.Context) error{
		"bcdr": func(ctx context.Context) error {
			_, err := a.waitInstancesState(ctx, c, ids, "running")
			return err
		},
		"sdk-waiter": func(ctx context.Context) error {
			return ec2.NewInstanceRunningWaiter(c).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, 5*time.Minute)
		},
	}
	for _, name := range []string{"bcdr", "sdk-waiter"} {
		wait := waits[name]
		b.Run(name, func(b *testing.B) {
			var total, worst time.Duration
			for i := range b.N {
				ctx := context.Background()
				_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
				require.NoError(b, err)
				done := make(chan time.Time, 1)
				errs := make(chan error, 1)
				go func() {
					err := wait(ctx)
					done <- time.Now()
					errs <- err
				}()
				// flip the state at an offset into the wait: 0.3 s, 0.7 s, 1.1 s, ...
				time.Sleep(300*time.Millisecond + time.Duration(i%5)*400*time.Millisecond)
				_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
				require.NoError(b, err)
				reached := time.Now()
				noticed := <-done
				require.NoError(b, <-errs)
				lat := noticed.Sub(reached)
				total += lat
				worst = max(worst, lat)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "detect-ms/op")
			b.ReportMetric(float64(worst.Milliseconds()), "worst-detect-ms")
		})
	}
}
