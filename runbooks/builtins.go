package runbooks

import (
	"sync"
	"time"
)

// Names of the builtin step kinds.
const (
	KindApproval    = "approval"
	KindManual      = "manual"
	KindWait        = "wait"
	KindRunbook     = "runbook"
	KindHTTPCheck   = "http.check"
	KindHTTPRequest = "http.request"
	KindNotify      = "notify"
	KindNoop        = "noop"
	KindRollCall    = "people.roll_call"
)

// Builtins returns the step kinds every registry starts with: the workflow-interpreted
// kinds (approval, manual, wait, runbook, people.roll_call) and the generic activities (http.check,
// http.request, notify, noop).
func Builtins() []Kind {
	return []Kind{
		approvalKind(), manualKind(), waitKind(), runbookKind(), rollCallKind(),
		httpCheckKind(), httpRequestKind(), notifyKind(), noopKind(),
	}
}

// DefaultRegistry returns a registry of the builtin kinds plus extra (the AWS kinds,
// for example).
func DefaultRegistry(extra ...Kind) (*Registry, error) {
	return NewRegistry(append(Builtins(), extra...)...)
}

// builtinRegistry is the registry Parse uses when given none.
var builtinRegistry = sync.OnceValue(func() *Registry {
	r, err := DefaultRegistry()
	if err != nil {
		panic(err) // the builtins are fixed; a clash is a programming error
	}
	return r
})

func est(d time.Duration) Duration { return Duration(d) }

func approvalKind() Kind {
	return Kind{
		Name:        KindApproval,
		Description: "Waits until enough approvers approve (four-eyes by default: the initiator cannot approve).",
		Executor:    ByWorkflow,
		Inputs: []Field{
			{Name: "approvers", Type: TypeList, Required: true, Description: `users ("alice") or groups ("group:dba")`},
			{Name: "quorum", Type: TypeInt, Default: 1, Description: "distinct approvals needed"},
			{Name: "allow_initiator", Type: TypeBool, Default: false, Description: "whether the person who started the run may approve"},
			{Name: "timeout", Type: TypeDuration, Description: "how long to wait; none waits forever"},
			{Name: "on_timeout", Type: TypeString, Allowed: []string{"fail", "approve", "escalate"}, Default: "fail"},
			{Name: "escalate_to", Type: TypeList, Description: "approvers asked when on_timeout is escalate"},
			{Name: "escalation_timeout", Type: TypeDuration, Description: "how long the escalation approvers have"},
		},
		Outputs: []Field{
			{Name: "approved_by", Type: TypeList, Description: "who approved"},
			{Name: "comment", Type: TypeString, Description: "the approvers' comments"},
		},
		DefaultEstimate: est(15 * time.Minute),
	}
}

func rollCallKind() Kind {
	return Kind{
		Name: KindRollCall,
		Description: "Asks people to acknowledge (bcdr complete RUN STEP, or the API's complete action) and records who did and when; " +
			"after timeout it notifies escalate_to about whoever is missing. It never fails for a missing person: it says who is missing.",
		Executor: ByWorkflow,
		Inputs: []Field{
			{Name: "people", Type: TypeList, Required: true, Description: `users ("alice") or groups ("group:oncall", answered by any one member)`},
			{Name: "message", Type: TypeString, Description: "what the people are asked to acknowledge"},
			{Name: "quorum", Type: TypeInt, Description: "acknowledgements that end the roll call early; default: everyone named"},
			{Name: "timeout", Type: TypeDuration, Required: true, Description: "how long the people have before the roll call escalates (or ends)"},
			{Name: "escalate_to", Type: TypeList, Description: "users or groups told who is missing when timeout passes; they may acknowledge too"},
			{Name: "escalation_timeout", Type: TypeDuration, Description: "how long after escalating the roll call stays open (default: timeout)"},
		},
		Outputs: []Field{
			{Name: "acknowledged", Type: TypeList, Description: "[{user, at}] in the order they acknowledged"},
			{Name: "missing", Type: TypeList, Description: "the people named who did not acknowledge"},
			{Name: "escalated", Type: TypeBool, Description: "whether the timeout passed and escalate_to was told"},
		},
		DefaultEstimate: est(15 * time.Minute),
	}
}

func manualKind() Kind {
	return Kind{
		Name:        KindManual,
		Description: "A task a person carries out by following the step's instructions, then marks done.",
		Executor:    ByWorkflow,
		Inputs: []Field{
			{Name: "assignee", Type: TypeString, Description: `who does it: a user or "group:name"`},
		},
		Outputs: []Field{
			{Name: "completed_by", Type: TypeString},
			{Name: "comment", Type: TypeString},
		},
		SideEffects:     true,
		Rollbackable:    true, // by another manual task
		DefaultEstimate: est(15 * time.Minute),
	}
}

func waitKind() Kind {
	return Kind{
		Name:        KindWait,
		Description: "Waits for a duration (a durable workflow timer).",
		Executor:    ByWorkflow,
		Inputs: []Field{
			{Name: "duration", Type: TypeDuration, Required: true},
		},
	}
}

func runbookKind() Kind {
	return Kind{
		Name:        KindRunbook,
		Description: "Runs another runbook as a child run, in the same mode.",
		Executor:    ByWorkflow,
		Inputs: []Field{
			{Name: "path", Type: TypeString, Required: true, Description: "the child runbook, relative to the library"},
			{Name: "params", Type: TypeMap, Description: "the child's parameters"},
		},
		Outputs: []Field{
			{Name: "status", Type: TypeString, Description: "the child run's final status"},
			{Name: "outputs", Type: TypeMap, Description: "the child's step outputs, by step id"},
		},
		SideEffects:     true,
		DefaultEstimate: est(10 * time.Minute),
	}
}

var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func httpCheckKind() Kind {
	return Kind{
		Name: KindHTTPCheck,
		Description: "Checks an HTTP endpoint: fails unless it answers expect_status (and body_contains). " +
			"With expect_down, it succeeds only when the endpoint does not answer or answers 5xx.",
		Inputs: []Field{
			{Name: "url", Type: TypeString, Required: true},
			{Name: "method", Type: TypeString, Allowed: httpMethods, Default: "GET"},
			{Name: "expect_status", Type: TypeInt, Default: 200},
			{Name: "expect_down", Type: TypeBool, Default: false, Description: "succeed when the endpoint is down"},
			{Name: "body_contains", Type: TypeString},
			{Name: "timeout", Type: TypeDuration, Default: "10s", Description: "per request"},
			{Name: "headers", Type: TypeMap},
		},
		Outputs: []Field{
			{Name: "status", Type: TypeInt, Description: "the HTTP status; 0 when there was no answer"},
			{Name: "latency_ms", Type: TypeNumber},
			{Name: "body", Type: TypeString, Description: "the first 64 KiB of the body"},
		},
		DefaultEstimate: est(2 * time.Second),
	}
}

func httpRequestKind() Kind {
	return Kind{
		Name:        KindHTTPRequest,
		Description: "Sends an HTTP request that changes something (an admin API, a webhook).",
		Inputs: []Field{
			{Name: "url", Type: TypeString, Required: true},
			{Name: "method", Type: TypeString, Allowed: httpMethods, Default: "POST"},
			{Name: "body", Type: TypeAny, Description: "a string is sent as is; anything else as JSON"},
			{Name: "headers", Type: TypeMap},
			{Name: "expect_status", Type: TypeInt, Description: "default: any 2xx"},
		},
		Outputs: []Field{
			{Name: "status", Type: TypeInt},
			{Name: "body", Type: TypeString},
		},
		SideEffects:     true,
		Rollbackable:    true,
		DefaultEstimate: est(2 * time.Second),
	}
}

func notifyKind() Kind {
	return Kind{
		Name: KindNotify,
		Description: "Sends a message: to an http(s) URL channel as a JSON POST {\"text\": message} " +
			"(a Slack or Teams incoming webhook, a chat bridge); any other channel name writes it to the worker's log. " +
			"It does not send e-mail or page anyone by itself: point channel at a webhook that does.",
		Inputs: []Field{
			{Name: "channel", Type: TypeString, Required: true, Description: "an http(s) webhook URL, or a name (logged)"},
			{Name: "message", Type: TypeString, Required: true},
		},
		DefaultEstimate: est(time.Second),
	}
}

func noopKind() Kind {
	return Kind{
		Name: KindNoop,
		Description: "Does nothing (optionally for a while) and returns `output` as its outputs; " +
			"with `fail` it fails with that message. It counts as a side effect so that tests " +
			"and benchmarks can exercise rollback and drill variants.",
		Inputs: []Field{
			{Name: "sleep", Type: TypeDuration},
			{Name: "output", Type: TypeMap, Description: "returned as the step's outputs"},
			{Name: "fail", Type: TypeString, Description: "fail with this message"},
		},
		OutputsFrom:     "output",
		SideEffects:     true,
		Rollbackable:    true,
		DefaultEstimate: est(time.Millisecond),
	}
}
