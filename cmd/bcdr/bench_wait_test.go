package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities/aws/awstest"
	"github.com/bcdr/bcdr/internal/config"
	"github.com/bcdr/bcdr/workflows"
)

// waitIterations is how many state changes each wait of measurement 3 sees.
const waitIterations = 5

// benchWaitDetection is measurement 3: a DB instance (moto) reaches "available" while a
// run's aws.rds.wait_instance step waits for it; the latency is from the change (the
// StartDBInstance call returning: moto makes the instance available at once) to the
// step's end in the run's record. The baseline is the AWS SDK's
// DBInstanceAvailableWaiter with its default options, on the same moto server. The change
// comes at an offset into the wait that varies by iteration (0.3 s, 0.7 s, ... 1.9 s).
func benchWaitDetection(b *testing.B, t *benchTable) {
	endpoint := awstest.StartMoto(b)
	cfg := &config.Config{AWS: config.AWS{Region: awstest.Region, Endpoint: endpoint}}
	c, stop := benchEngine(b, false, cfg)
	defer stop()
	ctx := context.Background()
	sdk := awstest.SDKConfig(b, endpoint, awstest.Region)
	db := rds.NewFromConfig(sdk)

	const id = "bench-wait"
	createStoppedInstance(b, db, id)
	rb := parseBench(b, cfg, fmt.Sprintf(`apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: bench-wait}
steps:
  - id: wait_available
    uses: aws.rds.wait_instance
    with: {db_instance_identifier: %s, status: available}
`, id))
	var bcdr []time.Duration
	for i := range waitIterations {
		runID, err := startRun(ctx, c, "bench", workflows.Input{Runbook: *rb, Mode: workflows.ModeLive, Initiator: workflows.Actor{Name: "bench"}})
		require.NoError(b, err)
		time.Sleep(offset(i))
		reached := startInstance(b, db, id)
		st, err := waitRun(ctx, c, runID)
		require.NoError(b, err)
		require.Equal(b, workflows.RunSucceeded, st.State, st.Error)
		bcdr = append(bcdr, st.Steps[0].EndedAt.Sub(reached))
		_, err = db.StopDBInstance(ctx, &rds.StopDBInstanceInput{DBInstanceIdentifier: awssdk.String(id)})
		require.NoError(b, err)
	}

	// The SDK's waiter polls every 30 s or more: its iterations run side by side, each
	// on its own instance, so that they take one wait's time.
	sdkLat := make([]time.Duration, waitIterations)
	var wg sync.WaitGroup
	for i := range waitIterations {
		iid := fmt.Sprintf("bench-wait-sdk-%d", i)
		createStoppedInstance(b, db, iid)
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan time.Time, 1)
			go func() {
				err := rds.NewDBInstanceAvailableWaiter(db).Wait(ctx,
					&rds.DescribeDBInstancesInput{DBInstanceIdentifier: awssdk.String(iid)}, 5*time.Minute)
				if err != nil {
					b.Error(err)
				}
				done <- time.Now()
			}()
			time.Sleep(offset(i))
			reached := startInstance(b, db, iid)
			sdkLat[i] = (<-done).Sub(reached)
		}()
	}
	wg.Wait()

	mb, ms2 := median(bcdr), median(sdkLat)
	worst := bcdr[0]
	for _, d := range bcdr {
		worst = max(worst, d)
	}
	b.ReportMetric(ms(mb), "detect-ms-bcdr")
	b.ReportMetric(ms(ms2), "detect-ms-sdk-waiter")
	t.add(benchRow{
		measure:  "3 wait detection: RDS instance available (moto) -> step ends (median; worst)",
		bcdr:     fmt.Sprintf("%.2f s; %.2f s", mb.Seconds(), worst.Seconds()),
		baseline: fmt.Sprintf("%.2f s SDK waiter (defaults)", ms2.Seconds()),
		ratio:    float64(mb) / float64(ms2), target: "<= 2 s", met: met(worst <= 2*time.Second),
	})
}

// offset is when, into a wait, iteration i changes the instance's state.
func offset(i int) time.Duration {
	return 300*time.Millisecond + time.Duration(i%5)*400*time.Millisecond
}

func createStoppedInstance(b *testing.B, db *rds.Client, id string) {
	b.Helper()
	ctx := context.Background()
	_, err := db.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: awssdk.String(id), DBInstanceClass: awssdk.String("db.t3.micro"),
		Engine: awssdk.String("postgres"), AllocatedStorage: awssdk.Int32(20),
		MasterUsername: awssdk.String("admin"), MasterUserPassword: awssdk.String("not-a-secret-1"),
	})
	require.NoError(b, err)
	_, err = db.StopDBInstance(ctx, &rds.StopDBInstanceInput{DBInstanceIdentifier: awssdk.String(id)})
	require.NoError(b, err)
}

// startInstance starts a stopped instance and returns when the call returned: the moment
// moto made it available.
func startInstance(b *testing.B, db *rds.Client, id string) time.Time {
	_, err := db.StartDBInstance(context.Background(), &rds.StartDBInstanceInput{DBInstanceIdentifier: awssdk.String(id)})
	if err != nil {
		b.Error(err)
	}
	return time.Now()
}
