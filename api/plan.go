package api

import (
	"context"
	"fmt"
	"net/http"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/runbooks"
	"github.com/bcdr/bcdr/workflows"
)

// runPlan serves the plan (layers, critical path, estimates) of the runbook a run runs,
// as the run carries it: a later edit of the runbook's file does not change it.
func (s *Server) runPlan(w http.ResponseWriter, r *http.Request, id *Identity) error {
	runID := r.PathValue("id")
	if _, err := s.engine(r, id).describe(r.Context(), runID, Viewer); err != nil {
		return err
	}
	in, err := s.runInput(r.Context(), runID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, runbooks.NewPlanNested(&in.Runbook, s.opts.Registry, in.Nested))
	return nil
}

// runInput reads a run's input from the first event of its (latest) history.
func (s *Server) runInput(ctx context.Context, runID string) (workflows.Input, error) {
	var in workflows.Input
	it := s.opts.Client.GetWorkflowHistory(ctx, runID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return in, errorf(http.StatusNotFound, "", "run %s has no history", runID)
	}
	ev, err := it.Next()
	if err != nil {
		return in, temporalError(err, "history of run "+runID)
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return in, fmt.Errorf("history of run %s does not begin with its start", runID)
	}
	dc := s.opts.DataConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	if err := dc.FromPayloads(attrs.GetInput(), &in); err != nil {
		return in, fmt.Errorf("decode the input of run %s: %w", runID, err)
	}
	return in, nil
}
