package main

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/workflows"
)

// The benchmarks and reliability tests follow runs on a client of their own, through the
// run service's engine adapter as the CLI does (bench_test.go starts them).

func waitRun(ctx context.Context, c client.Client, runID string) (workflows.Status, error) {
	return api.NewEngine(api.Options{Client: c}, workflows.Actor{}, "test").Wait(ctx, runID)
}

func queryStatus(ctx context.Context, c client.Client, runID string) (workflows.Status, error) {
	return api.NewEngine(api.Options{Client: c}, workflows.Actor{}, "test").Run(ctx, runID)
}
