package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// RunID names a run after its runbook and start time, with a random suffix.
func RunID(runbook string, now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", runbook, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// StartRun starts the interpreter workflow under the given run id. With dedupe, a run of
// that id that is open or already ran is not started again: started is then false.
func StartRun(ctx context.Context, c client.Client, taskQueue, id string, in workflows.Input, dedupe bool) (started bool, err error) {
	summary, details := workflows.WebUISummary(in) // what the Temporal Web UI shows of it
	opts := client.StartWorkflowOptions{
		ID: id, TaskQueue: taskQueue, TypedSearchAttributes: workflows.SearchAttributes(in),
		WorkflowExecutionErrorWhenAlreadyStarted: true, Memo: proofMemo(in),
		StaticSummary: summary, StaticDetails: details,
	}
	if dedupe {
		opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
		opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	}
	_, err = c.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, in)
	if err != nil {
		if dedupe && isAlreadyStarted(err) {
			return false, nil
		}
		return false, fmt.Errorf("start run of %s: %w", in.Runbook.Metadata.Name, err)
	}
	return true, nil
}

// memoProof is the memo field that carries a run's runbooks.Proof, so that the runs
// listed from the engine (those that left no evidence) are judged by the proof rule
// like the evidence records.
const memoProof = "proof"

func proofMemo(in workflows.Input) map[string]any {
	return map[string]any{memoProof: runbooks.Proof{Service: in.Runbook.Metadata.Service, Digest: in.Runbook.Source.Digest, Authorized: in.Authorized}}
}

func isAlreadyStarted(err error) bool {
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &already) || temporal.IsWorkflowExecutionAlreadyStartedError(err)
}
