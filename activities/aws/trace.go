package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
	"go.temporal.io/sdk/activity"

	"github.com/bcdr/bcdr/activities"
)

// Traceability: an AWS change made by bcdr can be tied to the run and step that made it,
// from either side.
//
//   - CloudTrail records an assumed role's session name in every event's userIdentity
//     (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION). A step that assumes a role uses a
//     session named after its run and step (sessionName), so CloudTrail shows which run
//     and step called.
//   - bcdr logs every change call (anything but Describe, Get, List, ...) after AWS
//     answers, with the request id AWS gave it, which CloudTrail records as requestID:
//     the worker's log leads to the CloudTrail event and back.

// stepKey carries the run and step of the request an action serves.
type stepKey struct{}

type stepRef struct{ run, step string }

// withStep records the run and step an action serves, for the clients it creates.
func withStep(ctx context.Context, req activities.Request) context.Context {
	return context.WithValue(ctx, stepKey{}, stepRef{run: req.RunID, step: req.StepID})
}

func stepOf(ctx context.Context) stepRef {
	r, _ := ctx.Value(stepKey{}).(stepRef)
	return r
}

// maxSessionName is STS's limit on RoleSessionName
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html: 2 to 64
// characters of [\w+=,.@-]).
const maxSessionName = 64

// sessionName is the RoleSessionName of a step's assumed role: "RUN@STEP", with every
// character STS does not allow replaced by "-". A name longer than 64 characters keeps
// the step whole (up to 24 characters) and the start of the run, and adds 8 hex
// characters of a hash of the full names, so two runs never share a name:
// "RUN-START.HASH@STEP".
func sessionName(run, step string) string {
	run, step = sessionSafe(run), sessionSafe(step)
	if run == "" {
		run = "bcdr"
	}
	if step == "" {
		step = "step"
	}
	name := run + "@" + step
	if len(name) <= maxSessionName {
		return name
	}
	sum := sha256.Sum256([]byte(run + "\x00" + step))
	hash := hex.EncodeToString(sum[:4])
	if len(step) > 24 {
		step = step[:24]
	}
	keep := maxSessionName - len(step) - len(hash) - 2
	return run[:min(keep, len(run))] + "." + hash + "@" + step
}

func sessionSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			return r
		}
		return '-'
	}, s)
}

// readOnlyPrefixes start the names of operations that change nothing.
var readOnlyPrefixes = []string{"Describe", "Get", "List", "Head", "Query", "Scan", "BatchGet", "Lookup", "Search", "Select", "Check", "Validate", "Estimate"}

// isChange reports whether an operation may change something in AWS.
func isChange(service, op string) bool {
	if service == "STS" {
		return false // credentials, not changes
	}
	for _, p := range readOnlyPrefixes {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}

// changeLog returns the middleware every client carries: it logs each change call once
// AWS has answered, with service, operation, region, AWS's request id, outcome, run,
// step and the assumed role's session name (session, "" without a role). It logs no
// input or output: they may hold secrets.
func (a *Actions) changeLog(session string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error { return a.addChangeLog(stack, session) }
}

func (a *Actions) addChangeLog(stack *middleware.Stack, session string) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bcdrChangeLog",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			if !isChange(service, op) {
				return out, md, err
			}
			requestID, _ := awsmiddleware.GetRequestIDMetadata(md)
			outcome := "ok"
			if err != nil {
				var re *awshttp.ResponseError
				if errors.As(err, &re) {
					requestID = re.ServiceRequestID()
				}
				outcome = errorCode(err)
				if outcome == "" {
					outcome = "no answer"
				}
			}
			st := stepOf(ctx)
			a.logInfo(ctx, "AWS change", "service", service, "operation", op, "region", awsmiddleware.GetRegion(ctx),
				"request_id", requestID, "outcome", outcome, "run_id", st.run, "step_id", st.step, "role_session", session)
			return out, md, err
		}), middleware.After)
}

// logInfo logs to the activity's logger, or outside an activity to the configured one.
func (a *Actions) logInfo(ctx context.Context, msg string, keyvals ...any) {
	switch {
	case activity.IsActivity(ctx):
		activity.GetLogger(ctx).Info(msg, keyvals...)
	case a.cfg.Logger != nil:
		a.cfg.Logger.InfoContext(ctx, msg, keyvals...)
	}
}
