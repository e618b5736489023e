package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"
)

// reconcileNamespace brings an existing namespace in line with the options:
// the retention (stored on create, but Options.Retention may have changed
// since) and bcdr's search attributes (a newer bcdr may add some). A fresh
// namespace already matches and costs two reads.
func reconcileNamespace(ctx context.Context, wf workflowservice.WorkflowServiceClient, op operatorservice.OperatorServiceClient, ns string, retention time.Duration) error {
	if err := reconcileRetention(ctx, wf, ns, retention); err != nil {
		return err
	}
	return reconcileSearchAttributes(ctx, wf, op, ns)
}

func reconcileRetention(ctx context.Context, wf workflowservice.WorkflowServiceClient, ns string, retention time.Duration) error {
	desc, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		return fmt.Errorf("describe namespace %q: %w", ns, err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == retention {
		return nil
	}
	_, err = wf.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: ns,
		Config:    &namespace.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)},
	})
	if err != nil {
		return fmt.Errorf("set retention of namespace %q to %s: %w", ns, retention, err)
	}
	return nil
}

func reconcileSearchAttributes(ctx context.Context, wf workflowservice.WorkflowServiceClient, op operatorservice.OperatorServiceClient, ns string) error {
	list, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %q: %w", ns, err)
	}
	have := list.GetCustomAttributes()
	var wrongType []string
	for _, name := range slices.Sorted(maps.Keys(SearchAttributes)) {
		if typ, ok := have[name]; ok && typ != SearchAttributes[name] {
			wrongType = append(wrongType, fmt.Sprintf("%s is %s, want %s", name, typ, SearchAttributes[name]))
		}
	}
	if len(wrongType) > 0 {
		return fmt.Errorf("namespace %q has search attributes of the wrong type: %s", ns, strings.Join(wrongType, "; "))
	}
	missing := missingSearchAttributes(have)
	if len(missing) == 0 {
		return nil
	}
	add := make(map[string]enums.IndexedValueType, len(missing))
	for _, name := range missing {
		add[name] = SearchAttributes[name]
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: ns, SearchAttributes: add,
	}); err != nil {
		return fmt.Errorf("add search attributes %s to namespace %q: %w", strings.Join(missing, ", "), ns, err)
	}
	// The frontend validates queries against its namespace cache, which
	// refreshes every few seconds (system.namespaceCacheRefreshInterval);
	// wait until a query may name the new attributes.
	query := strings.Join(missing, " IS NULL AND ") + " IS NULL"
	err = poll(ctx, func(ctx context.Context) error {
		_, err := wf.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: ns, Query: query})
		return err
	})
	if err != nil {
		return fmt.Errorf("search attributes %s of namespace %q: %w", strings.Join(missing, ", "), ns, err)
	}
	return nil
}

func missingSearchAttributes(have map[string]enums.IndexedValueType) []string {
	var missing []string
	for _, name := range slices.Sorted(maps.Keys(SearchAttributes)) {
		if _, ok := have[name]; !ok {
			missing = append(missing, name)
		}
	}
	return missing
}
