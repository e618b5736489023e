package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// SecretOutputs is the Result key listing the outputs the interpreter must redact in
// status, logs and evidence.
const SecretOutputs = "_secret_outputs"

// ---- aws.ssm.start_automation

type startAutomationInput struct {
	DocumentName    string         `json:"document_name"`
	DocumentVersion string         `json:"document_version,omitempty"`
	Parameters      map[string]any `json:"parameters,omitempty"`
	Wait            bool           `json:"wait"`
	Scope
}

var ssmStartAutomationSpec = newSpec[startAutomationInput](runbooks.Kind{
	Name: "aws.ssm.start_automation",
	Description: "Start a Systems Manager Automation runbook (with a client token from the run and step, so a retry does not start " +
		"a second execution) and wait until it succeeds; a failed, timed-out or cancelled execution fails the step.",
	Inputs: []runbooks.Field{
		reqStr("document_name", "Automation document name or ARN"),
		optStr("document_version", "document version"),
		field("parameters", runbooks.TypeMap, "document parameters: name -> value or list of values; "+
			"AutomationAssumeRole (a role ARN) is the role the execution runs as, which the worker needs iam:PassRole on"),
		waitInput(true, "the execution has finished"),
	},
	Outputs: []runbooks.Field{
		field("execution_id", runbooks.TypeString, "Automation execution id"),
		field("status", runbooks.TypeString, "execution status"),
		field("outputs", runbooks.TypeMap, "the execution's outputs (when waited for)"),
	},
	// iam:PassRole: the execution runs as the role in parameters.AutomationAssumeRole,
	// which the caller passes to SSM.
	IAMActions:      []string{"ssm:StartAutomationExecution", "ssm:GetAutomationExecution", "iam:PassRole"},
	SideEffects:     true,
	DefaultEstimate: estimate(5 * time.Minute),
})

type automationRunner interface {
	StartAutomationExecution(context.Context, *ssm.StartAutomationExecutionInput, ...func(*ssm.Options)) (*ssm.StartAutomationExecutionOutput, error)
	GetAutomationExecution(context.Context, *ssm.GetAutomationExecutionInput, ...func(*ssm.Options)) (*ssm.GetAutomationExecutionOutput, error)
}

// SSMStartAutomation carries out aws.ssm.start_automation.
func (a *Actions) SSMStartAutomation(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ssmStartAutomationSpec.run(ctx, req, withClient(a.ssmClient, func(ctx context.Context, req activities.Request, in startAutomationInput, c *ssm.Client) (activities.Result, error) {
		return a.startAutomation(ctx, c, req, in)
	}))
}

func (a *Actions) startAutomation(ctx context.Context, c automationRunner, req activities.Request, in startAutomationInput) (activities.Result, error) {
	params := map[string][]string{}
	for k, v := range in.Parameters {
		switch v := v.(type) {
		case []any:
			for _, item := range v {
				params[k] = append(params[k], parameterText(item))
			}
		default:
			params[k] = []string{parameterText(v)}
		}
	}
	input := &ssm.StartAutomationExecutionInput{
		DocumentName: awssdk.String(in.DocumentName),
		Parameters:   params,
		ClientToken:  awssdk.String(requestUUID(req, "automation")),
	}
	if in.DocumentVersion != "" {
		input.DocumentVersion = awssdk.String(in.DocumentVersion)
	}
	logChange(ctx, "start SSM Automation", "document", in.DocumentName) // not the parameters: they may hold secrets
	out, err := c.StartAutomationExecution(ctx, input)
	if err != nil {
		return nil, classify(err, "start Automation %q", in.DocumentName)
	}
	id := awssdk.ToString(out.AutomationExecutionId)
	r := activities.Result{"execution_id": id, "status": string(ssmtypes.AutomationExecutionStatusPending), "outputs": map[string]any{}}
	if !in.Wait {
		return r, nil
	}
	var exec *ssmtypes.AutomationExecution
	_, err = a.poll(ctx, fmt.Sprintf("Automation %q execution %s", in.DocumentName, id), func(ctx context.Context) (bool, string, error) {
		got, err := c.GetAutomationExecution(ctx, &ssm.GetAutomationExecutionInput{AutomationExecutionId: awssdk.String(id)})
		if err != nil {
			return false, "", classify(err, "get Automation execution %s", id)
		}
		exec = got.AutomationExecution
		st := exec.AutomationExecutionStatus
		switch st {
		case ssmtypes.AutomationExecutionStatusSuccess, ssmtypes.AutomationExecutionStatusCompletedWithSuccess:
			return true, string(st), nil
		case ssmtypes.AutomationExecutionStatusFailed, ssmtypes.AutomationExecutionStatusTimedout,
			ssmtypes.AutomationExecutionStatusCancelled, ssmtypes.AutomationExecutionStatusRejected,
			ssmtypes.AutomationExecutionStatusCompletedWithFailure, ssmtypes.AutomationExecutionStatusChangeCalendarOverrideRejected,
			ssmtypes.AutomationExecutionStatusExited:
			return false, string(st), failed("Automation %q execution %s ended %s: %s", in.DocumentName, id, st, awssdk.ToString(exec.FailureMessage))
		}
		return false, string(st), nil
	})
	if err != nil {
		return nil, err
	}
	outputs := map[string]any{}
	for k, v := range exec.Outputs {
		outputs[k] = stringsToAny(v)
	}
	r["status"], r["outputs"] = string(exec.AutomationExecutionStatus), outputs
	return r, nil
}

// parameterText is a document parameter value as SSM takes it (every value is a string):
// numbers in plain decimal (1000000, not 1e+06, which an Integer parameter refuses), maps
// and lists as JSON.
func parameterText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case map[string]any, []any:
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// ---- aws.ssm.get_parameter

type getParameterInput struct {
	Name           string `json:"name"`
	WithDecryption bool   `json:"with_decryption"`
	Scope
}

var ssmGetParameterSpec = newSpec[getParameterInput](runbooks.Kind{
	Name: "aws.ssm.get_parameter",
	Description: "Read a Systems Manager parameter (SecureString decrypted). The value is a secret output: it is listed in the " +
		"result's " + SecretOutputs + " so the interpreter redacts it, and never logged.",
	Inputs: []runbooks.Field{
		reqStr("name", "parameter name or ARN (name:version or name:label allowed)"),
		withDefault(field("with_decryption", runbooks.TypeBool, "decrypt a SecureString"), true),
	},
	Outputs: []runbooks.Field{
		field("value", runbooks.TypeString, "the parameter's value (secret)"),
		field("type", runbooks.TypeString, "String, StringList or SecureString"),
		field("version", runbooks.TypeInt, "the parameter's version"),
	},
	IAMActions:      []string{"ssm:GetParameter", "kms:Decrypt"},
	DefaultEstimate: estimate(2 * time.Second),
})

type parameterGetter interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SSMGetParameter carries out aws.ssm.get_parameter.
func (a *Actions) SSMGetParameter(ctx context.Context, req activities.Request) (activities.Result, error) {
	return ssmGetParameterSpec.run(ctx, req, withClient(a.ssmClient, func(ctx context.Context, req activities.Request, in getParameterInput, c *ssm.Client) (activities.Result, error) {
		return getParameter(ctx, c, in)
	}))
}

func getParameter(ctx context.Context, c parameterGetter, in getParameterInput) (activities.Result, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: awssdk.String(in.Name), WithDecryption: awssdk.Bool(in.WithDecryption)})
	if err != nil {
		return nil, classify(err, "get SSM parameter %q", in.Name)
	}
	p := out.Parameter
	return activities.Result{
		"value":       awssdk.ToString(p.Value),
		"type":        string(p.Type),
		"version":     int(p.Version),
		SecretOutputs: []string{"value"},
	}, nil
}
