package aws

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.lambda.invoke

type invokeInput struct {
	FunctionName   string `json:"function_name"`
	Payload        any    `json:"payload,omitempty"`
	Qualifier      string `json:"qualifier,omitempty"`
	InvocationType string `json:"invocation_type"`
	Scope
}

var lambdaInvokeSpec = newSpec[invokeInput](runbooks.Kind{
	Name: "aws.lambda.invoke",
	Description: "Invoke a Lambda function (a custom step) with a JSON payload; a function error fails the step. Lambda has no " +
		"request token: the function receives bcdr_run_id, bcdr_step_id and bcdr_idempotency_key, the same on every retry, so " +
		"it can make itself idempotent: in the client context's custom fields for RequestResponse, and, since Lambda passes " +
		"the client context to synchronous invocations only, in the payload's \"bcdr\" field for Event (the payload must then " +
		"be a JSON object).",
	Inputs: []runbooks.Field{
		reqStr("function_name", "function name or ARN"),
		field("payload", runbooks.TypeAny, "the event, sent as JSON"),
		optStr("qualifier", "version or alias"),
		withDefault(allowed(optStr("invocation_type", "RequestResponse waits for the result; Event queues it"), "RequestResponse", "Event"), "RequestResponse"),
	},
	Outputs: []runbooks.Field{
		field("status_code", runbooks.TypeInt, "HTTP status of the invocation"),
		field("payload", runbooks.TypeAny, "the function's response (decoded JSON, else text)"),
		field("executed_version", runbooks.TypeString, "the version that ran"),
	},
	IAMActions:      []string{"lambda:InvokeFunction"},
	SideEffects:     true,
	DefaultEstimate: estimate(30 * time.Second),
})

type invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// LambdaInvoke carries out aws.lambda.invoke.
func (a *Actions) LambdaInvoke(ctx context.Context, req activities.Request) (activities.Result, error) {
	return lambdaInvokeSpec.run(ctx, req, withClient(a.lambdaClient, func(ctx context.Context, req activities.Request, in invokeInput, c *lambda.Client) (activities.Result, error) {
		return invoke(ctx, c, req, in)
	}))
}

func invoke(ctx context.Context, c invoker, req activities.Request, in invokeInput) (activities.Result, error) {
	ids := map[string]string{
		"bcdr_run_id":          req.RunID,
		"bcdr_step_id":         req.StepID,
		"bcdr_idempotency_key": requestToken(req, "lambda"),
	}
	event := in.Payload
	if in.InvocationType == string(lambdatypes.InvocationTypeEvent) {
		// "Lambda passes the ClientContext object to your function for synchronous
		// invocations only" (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
		// an asynchronous invocation carries the ids in the event itself.
		obj, ok := in.Payload.(map[string]any)
		if in.Payload != nil && !ok {
			return nil, invalid("invoke Lambda function %q: with invocation_type: Event the payload must be a JSON object "+
				"(bcdr adds its run, step and idempotency key under \"bcdr\"), not %s", in.FunctionName, jsonKind(in.Payload))
		}
		if _, taken := obj["bcdr"]; taken {
			return nil, invalid("invoke Lambda function %q: the payload has a \"bcdr\" field, which bcdr fills with "+
				"invocation_type: Event; rename it", in.FunctionName)
		}
		withIDs := map[string]any{"bcdr": ids}
		for k, v := range obj {
			withIDs[k] = v
		}
		event = withIDs
	}
	payload := []byte("{}")
	if event != nil {
		var err error
		if payload, err = json.Marshal(event); err != nil {
			return nil, invalid("invoke Lambda function %q: payload: %v", in.FunctionName, err)
		}
	}
	cc, _ := json.Marshal(map[string]any{"custom": ids})
	input := &lambda.InvokeInput{
		FunctionName:   awssdk.String(in.FunctionName),
		Payload:        payload,
		InvocationType: lambdatypes.InvocationType(in.InvocationType),
		ClientContext:  awssdk.String(base64.StdEncoding.EncodeToString(cc)),
	}
	if in.Qualifier != "" {
		input.Qualifier = awssdk.String(in.Qualifier)
	}
	logChange(ctx, "invoke Lambda function", "function", in.FunctionName) // not the payload: it may hold anything
	out, err := c.Invoke(ctx, input)
	if err != nil {
		return nil, classify(err, "invoke Lambda function %q", in.FunctionName)
	}
	if fe := awssdk.ToString(out.FunctionError); fe != "" {
		return nil, failed("Lambda function %q failed (%s): %s", in.FunctionName, fe, functionErrorMessage(out.Payload))
	}
	return activities.Result{
		"status_code":      int(out.StatusCode),
		"payload":          decodePayload(out.Payload),
		"executed_version": awssdk.ToString(out.ExecutedVersion),
	}, nil
}

// jsonKind names a JSON value's kind for an error message.
func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "that value"
}

// decodePayload is the response as JSON values when it is JSON, else as text.
func decodePayload(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	return string(b)
}

// functionErrorMessage is the error type and message of a function error's payload
// ({"errorType": ..., "errorMessage": ...}), cut short; never the stack trace.
func functionErrorMessage(b []byte) string {
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	msg := string(b)
	if json.Unmarshal(b, &e) == nil && (e.ErrorType != "" || e.ErrorMessage != "") {
		msg = e.ErrorType + ": " + e.ErrorMessage
	}
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return msg
}
