package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newWorkerCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Serve bcdr's workflows and step activities on an existing Temporal cluster",
		Long: `worker connects to the Temporal frontend in temporal.address (TLS/mTLS with
temporal.tls.*, Temporal Cloud with temporal.api_key) and serves the runbook interpreter
and every step kind on temporal.task_queue. Run several, in several regions: they share
the work, and a worker in the recovery region keeps a recovery going when the primary
region is gone. Stops cleanly on SIGINT/SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger := a.logger()
			c, err := dial(cmd.Context(), a.cfg, logger)
			if err != nil {
				return err
			}
			defer c.Close()
			w := newWorker(c, a.cfg, logger)
			logger.Info("bcdr worker started", "address", a.cfg.Temporal.Address,
				"namespace", a.cfg.Temporal.Namespace, "task_queue", a.cfg.Temporal.TaskQueue)
			interrupt := make(chan any)
			go func() { <-cmd.Context().Done(); close(interrupt) }()
			if err := w.Run(interrupt); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().String("task-queue", "", "task queue (config temporal.task_queue, default bcdr)")
	return cmd
}
