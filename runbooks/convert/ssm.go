package convert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
)

// SSM converts an AWS Systems Manager Automation document (schemaVersion 0.3, JSON or
// YAML, as the Systems Manager User Guide's "Systems Manager Automation actions
// reference" describes) into a runbook. mainSteps run in order, each needing the one
// before; onFailure: Continue becomes on_error: continue; timeoutSeconds becomes the
// step's timeout. Parameters keep their names and become string, number, bool or list
// (StringList) parameters with their defaults, allowed values and descriptions; "{{ Name }}"
// becomes ${{ params.Name }}.
//
// Actions: aws:approve becomes an approval (Approvers' IAM names as bcdr approvers,
// MinRequiredApprovals as quorum), aws:pause a manual step, aws:sleep a wait,
// aws:changeInstanceState aws.ec2.start_instances or stop_instances,
// aws:executeAutomation aws.ssm.start_automation, aws:invokeLambdaFunction
// aws.lambda.invoke, and aws:executeAwsApi the step kind that makes the same call (see
// ssmAPIs). Every other action, API call or input - scripts, Run Command, branches,
// assertions, a step's outputs used by a later one - becomes a manual step or a note.
func SSM(filename string, src []byte) (*Result, error) {
	var doc yaml.Node
	if err := yamlnode.SafeDecode(yaml.NewDecoder(bytes.NewReader(src)), &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file is empty; want an SSM Automation document (JSON or YAML)", filename)
		}
		return nil, fmt.Errorf("%s: %v", filename, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || get(doc.Content[0], "mainSteps") == nil {
		return nil, fmt.Errorf("%s: not an SSM Automation document: want schemaVersion 0.3 and mainSteps", filename)
	}
	d := doc.Content[0]
	if v := text(get(d, "schemaVersion")); v != "0.3" {
		sv := get(d, "schemaVersion")
		line, col := d.Line, d.Column
		if sv != nil {
			line, col = sv.Line, sv.Column
		}
		return nil, fmt.Errorf("%s:%d:%d: schemaVersion %q is not an Automation document's 0.3 (a Command document runs on instances; bcdr does not run it)", filename, line, col, v)
	}
	c := &ssm{out: out{file: filename}, params: map[string]bool{}}
	rb := c.runbook(d, filename)
	y, err := render(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{rb}})
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# Converted from the SSM Automation document %s by bcdr import ssm.\n", filename)
	if n := len(c.notes); n > 0 {
		header += fmt.Sprintf("# %d part(s) did not convert; each is a comment beside where it belongs.\n", n)
	}
	return &Result{YAML: append([]byte(header), y...), Notes: c.notes}, nil
}

type ssm struct {
	out
	params map[string]bool
}

func (c *ssm) runbook(d *yaml.Node, filename string) *yaml.Node {
	name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(baseName(filename), ".json"), ".yaml"), ".yml")
	desc := text(get(d, "description"))
	meta := mapping("name", str(slug(name, 63)), "description", strOrNil(strings.TrimSpace(desc)),
		"labels", mapping("source", str("ssm-automation")))
	rb := mapping("apiVersion", str("bcdr.io/v1"), "kind", str("Runbook"), "metadata", meta)
	if role := get(d, "assumeRole"); role != nil {
		comment(meta, c.note(role, "assumeRole %q: bcdr steps assume a role with their role_arn input (see bcdr iam-policy)", role.Value))
	}
	if ps := c.parameters(get(d, "parameters")); len(ps.Content) > 0 {
		set(rb, "parameters", ps)
	}
	var steps []*yaml.Node
	prev := ""
	ids := map[string]int{}
	for _, s := range get(d, "mainSteps").Content {
		step := c.step(s)
		id := text(get(step, "id"))
		if ids[id]++; ids[id] > 1 {
			id += "-" + strconv.Itoa(ids[id])
			set(step, "id", str(id))
		}
		if prev != "" {
			set(step, "needs", flowSeq(str(prev)))
		}
		prev = id
		steps = append(steps, step)
	}
	if len(steps) == 0 {
		steps = append(steps, mapping("id", str("nothing-to-do"), "uses", str("noop")))
		comment(steps[0], c.note(get(d, "mainSteps"), "mainSteps is empty"))
	}
	if outs := get(d, "outputs"); outs != nil {
		comment(steps[len(steps)-1], c.note(outs, "the document's outputs: a run's record keeps every step's outputs"))
	}
	set(rb, "steps", seq(steps...))
	return rb
}

func (c *ssm) parameters(ps *yaml.Node) *yaml.Node {
	out := seq()
	if ps == nil || ps.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(ps.Content); i += 2 {
		key, spec := ps.Content[i], ps.Content[i+1]
		c.params[key.Value] = true
		p := mapping("name", str(ident(key.Value)))
		typ := text(get(spec, "type"))
		switch typ {
		case "String", "":
			set(p, "type", str("string"))
		case "Integer":
			set(p, "type", str("number"))
		case "Boolean":
			set(p, "type", str("bool"))
		case "StringList":
			set(p, "type", str("list"))
		default: // StringMap, MapList
			set(p, "type", str("string"))
			comment(p, c.note(spec, "parameter %s is a %s; it is a string parameter here (give it as JSON)", key.Value, typ))
		}
		if desc := text(get(spec, "description")); desc != "" {
			set(p, "description", str(desc))
		}
		if def := get(spec, "default"); def != nil {
			switch {
			case def.Kind == yaml.ScalarNode && typ == "StringList":
				set(p, "default", flowSeq(nonEmptyNodes(def.Value)...))
			case def.Kind == yaml.ScalarNode && typ == "Integer":
				set(p, "default", num(mustFloat(def.Value)))
			case def.Kind == yaml.ScalarNode && typ == "Boolean":
				set(p, "default", boolean(def.Value == "true"))
			case def.Kind == yaml.ScalarNode:
				set(p, "default", str(def.Value))
			case def.Kind == yaml.SequenceNode && allScalars(def):
				items := flowSeq()
				for _, it := range def.Content {
					items.Content = append(items.Content, str(it.Value))
				}
				set(p, "default", items)
			default:
				comment(p, c.note(def, "the default of %s is a %s", key.Value, kindName(def)))
			}
		} else {
			set(p, "required", boolean(true))
		}
		if av := get(spec, "allowedValues"); av != nil && av.Kind == yaml.SequenceNode && allScalars(av) {
			items := flowSeq()
			for _, it := range av.Content {
				items.Content = append(items.Content, str(it.Value))
			}
			set(p, "allowed", items)
		}
		if ap := get(spec, "allowedPattern"); ap != nil {
			comment(p, c.note(ap, "allowedPattern %s: bcdr checks allowed values, not patterns", ap.Value))
		}
		out.Content = append(out.Content, p)
	}
	return out
}

func nonEmptyNodes(s string) []*yaml.Node {
	var out []*yaml.Node
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, str(it))
		}
	}
	return out
}

// step converts one of mainSteps.
func (c *ssm) step(s *yaml.Node) *yaml.Node {
	name := text(get(s, "name"))
	action := text(get(s, "action"))
	in := get(s, "inputs")
	step := mapping("id", str(slug(firstOf(name, action), 60)), "name", strOrNil(name))
	switch action {
	case "aws:approve":
		approvers := flowSeq()
		if list := get(in, "Approvers"); list != nil {
			for _, a := range scalars(list) {
				approvers.Content = append(approvers.Content, str(iamName(a)))
			}
		}
		with := mapping("approvers", approvers)
		if q, ok := seconds(get(in, "MinRequiredApprovals")); ok && q > 0 {
			set(with, "quorum", num(q))
		}
		set(step, "uses", str("approval"))
		set(step, "with", with)
		if msg := text(get(in, "Message")); msg != "" {
			set(step, "instructions", str(c.subst(msg, get(in, "Message"))))
		}
		if len(approvers.Content) == 0 {
			comment(step, c.note(s, "aws:approve without Approvers: name who approves"))
			approvers.Content = append(approvers.Content, str("group:approvers"))
		} else {
			comment(step, "Approvers are IAM users, groups or roles in SSM; here they are bcdr users and groups (group:NAME) by the same name.")
		}
	case "aws:pause":
		set(step, "uses", str("manual"))
		set(step, "instructions", str("The automation pauses here until someone resumes it: complete this step to go on."))
	case "aws:sleep":
		set(step, "uses", str("wait"))
		if dur := text(get(in, "Duration")); dur != "" {
			if d, err := isoDuration(dur); err == nil {
				set(step, "with", flowMap("duration", str(d)))
			} else {
				set(step, "with", flowMap("duration", str("1m")))
				comment(step, c.note(get(in, "Duration"), "Duration %q: %v; 1m used", dur, err))
			}
		} else {
			set(step, "with", flowMap("duration", str("1m")))
			comment(step, c.note(s, "aws:sleep until a Timestamp: bcdr waits for a duration; 1m used"))
		}
	case "aws:changeInstanceState":
		state := text(get(in, "DesiredState"))
		with := mapping("instance_ids", c.value(get(in, "InstanceIds")))
		switch state {
		case "running":
			set(step, "uses", str("aws.ec2.start_instances"))
		case "stopped":
			set(step, "uses", str("aws.ec2.stop_instances"))
			if f := get(in, "Force"); f != nil {
				set(with, "force", c.value(f))
			}
		default:
			return c.manual(s, step, fmt.Sprintf("aws:changeInstanceState to %q has no step kind (bcdr starts and stops instances)", state))
		}
		if get(in, "CheckStateOnly") != nil {
			comment(step, c.note(get(in, "CheckStateOnly"), "CheckStateOnly: the step changes the state and waits for it"))
		}
		set(with, "wait", boolean(true))
		set(step, "with", with)
	case "aws:executeAutomation":
		with := mapping("document_name", c.value(get(in, "DocumentName")))
		if v := get(in, "DocumentVersion"); v != nil {
			set(with, "document_version", c.value(v))
		}
		if v := get(in, "RuntimeParameters"); v != nil {
			set(with, "parameters", c.value(v))
		}
		set(with, "wait", boolean(true))
		set(step, "uses", str("aws.ssm.start_automation"))
		set(step, "with", with)
	case "aws:invokeLambdaFunction":
		with := mapping("function_name", c.value(get(in, "FunctionName")))
		for _, kv := range [][2]string{{"Payload", "payload"}, {"Qualifier", "qualifier"}, {"InvocationType", "invocation_type"}} {
			if v := get(in, kv[0]); v != nil {
				set(with, kv[1], c.value(v))
			}
		}
		set(step, "uses", str("aws.lambda.invoke"))
		set(step, "with", with)
	case "aws:executeAwsApi":
		svc, api := strings.ToLower(text(get(in, "Service"))), text(get(in, "Api"))
		call, ok := ssmAPIs[svc+"."+strings.ToLower(strings.ReplaceAll(api, "_", ""))]
		if !ok {
			return c.manual(s, step, fmt.Sprintf("aws:executeAwsApi %s %s has no step kind", svc, api))
		}
		with := mapping()
		for i := 0; in != nil && i+1 < len(in.Content); i += 2 {
			k := in.Content[i].Value
			if k == "Service" || k == "Api" {
				continue
			}
			to, ok := call.inputs[k]
			if !ok {
				comment(step, c.note(in.Content[i], "input %s of %s.%s: the step kind %s has no such input", k, svc, api, call.kind))
				continue
			}
			set(with, to, c.value(in.Content[i+1]))
		}
		for _, k := range slices.Sorted(maps.Keys(call.fixed)) {
			if v := call.fixed[k]; get(with, k) == nil {
				set(with, k, v)
				comment(step, c.note(in, "%s: %s is not given; %s set to %s (decide)", api, k, k, v.Value))
			}
		}
		set(step, "uses", str(call.kind))
		set(step, "with", with)
		if outs := get(s, "outputs"); outs != nil {
			comment(step, c.note(outs, "the step's outputs (selectors over the API's answer): the kind has outputs of its own, see bcdr kinds"))
		}
	default:
		return c.manual(s, step, fmt.Sprintf("action %s has no step kind", firstOf(action, "(none)")))
	}
	c.common(s, step)
	return step
}

// manual turns a step that has no kind into a manual step that says what SSM would do.
func (c *ssm) manual(s, step *yaml.Node, why string) *yaml.Node {
	set(step, "uses", str("manual"))
	set(step, "instructions", str("SSM Automation ran "+text(get(s, "action"))+" here with "+describeNode(orEmpty(get(s, "inputs")))+". Do what it did, then complete this step."))
	comment(step, c.note(s, "%s; it became a manual step", why))
	c.common(s, step)
	return step
}

// common converts what every step may have: onFailure, timeoutSeconds, maxAttempts,
// and what bcdr's steps have no place for (branching).
func (c *ssm) common(s, step *yaml.Node) {
	switch of := text(get(s, "onFailure")); {
	case of == "Continue":
		set(step, "on_error", str("continue"))
	case of == "" || of == "Abort":
	default:
		comment(step, c.note(get(s, "onFailure"), "onFailure %s: bcdr stops, continues or rolls back; the run stops here", of))
	}
	if t, ok := seconds(get(s, "timeoutSeconds")); ok && t > 0 {
		set(step, "timeout", str(duration(t)))
	}
	if n, ok := seconds(get(s, "maxAttempts")); ok && n > 1 {
		set(step, "retry", flowMap("attempts", num(n)))
	}
	for _, k := range []string{"nextStep", "isEnd", "onCancel"} {
		if v := get(s, k); v != nil {
			comment(step, c.note(v, "%s: %s: steps here run in the order of mainSteps", k, v.Value))
		}
	}
}

var ssmVar = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}`)

// value converts an input value: {{ Param }} becomes ${{ params.Param }}.
func (c *ssm) value(n *yaml.Node) *yaml.Node {
	if n == nil {
		return str("")
	}
	cp := *n
	cp.Line, cp.Column, cp.HeadComment, cp.LineComment, cp.FootComment = 0, 0, "", "", ""
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!str" || n.Tag == "" {
			cp.Value = c.subst(n.Value, n)
			cp.Style = 0
		}
		return &cp
	}
	cp.Content = nil
	for _, x := range n.Content {
		cp.Content = append(cp.Content, c.value(x))
	}
	return &cp
}

func (c *ssm) subst(s string, at *yaml.Node) string {
	return ssmVar.ReplaceAllStringFunc(s, func(m string) string {
		name := ssmVar.FindStringSubmatch(m)[1]
		switch {
		case c.params[name]:
			return "${{ params." + ident(name) + " }}"
		case name == "global:REGION":
			c.note(at, "{{ global:REGION }}: a step acts in its region input, or the worker's region")
		case name == "automation:EXECUTION_ID":
			return "${{ run.id }}"
		default:
			c.note(at, "%s refers to %s, which bcdr does not have before the run", m, name)
		}
		return m
	})
}

// ssmCall is a step kind that makes the API call an aws:executeAwsApi step makes, and how
// the API's request fields map onto the kind's inputs.
type ssmCall struct {
	kind   string
	inputs map[string]string
	fixed  map[string]*yaml.Node // inputs the kind requires that the API may leave out
}

// ssmAPIs are the calls of aws:executeAwsApi that bcdr has a step kind for, by
// "service.api" in lower case (the API reference's request field names as keys).
var ssmAPIs = map[string]ssmCall{
	"ec2.startinstances": {kind: "aws.ec2.start_instances", inputs: map[string]string{"InstanceIds": "instance_ids"}},
	"ec2.stopinstances":  {kind: "aws.ec2.stop_instances", inputs: map[string]string{"InstanceIds": "instance_ids", "Force": "force"}},
	"rds.promotereadreplica": {kind: "aws.rds.promote_read_replica", inputs: map[string]string{
		"DBInstanceIdentifier": "db_instance_identifier", "BackupRetentionPeriod": "backup_retention_period"}},
	"rds.failoverglobalcluster": {kind: "aws.rds.failover_global_cluster", inputs: map[string]string{
		"GlobalClusterIdentifier": "global_cluster_identifier", "TargetDbClusterIdentifier": "target_db_cluster_identifier",
		"AllowDataLoss": "allow_data_loss"}, fixed: map[string]*yaml.Node{"allow_data_loss": boolean(false)}},
	"rds.failoverdbcluster": {kind: "aws.rds.failover_cluster", inputs: map[string]string{
		"DBClusterIdentifier": "db_cluster_identifier", "TargetDBInstanceIdentifier": "target_db_instance_identifier"}},
	"ecs.updateservice": {kind: "aws.ecs.set_desired_count", inputs: map[string]string{
		"cluster": "cluster", "service": "service", "desiredCount": "desired_count"}},
	"autoscaling.updateautoscalinggroup": {kind: "aws.autoscaling.set_capacity", inputs: map[string]string{
		"AutoScalingGroupName": "group", "DesiredCapacity": "desired", "MinSize": "min", "MaxSize": "max"}},
	"lambda.invoke": {kind: "aws.lambda.invoke", inputs: map[string]string{
		"FunctionName": "function_name", "Payload": "payload", "Qualifier": "qualifier", "InvocationType": "invocation_type"}},
	"ssm.getparameter": {kind: "aws.ssm.get_parameter", inputs: map[string]string{"Name": "name", "WithDecryption": "with_decryption"}},
	"ssm.startautomationexecution": {kind: "aws.ssm.start_automation", inputs: map[string]string{
		"DocumentName": "document_name", "DocumentVersion": "document_version", "Parameters": "parameters"}},
}

var isoDurationRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// isoDuration reads the ISO 8601 durations aws:sleep takes (PT10M, PT1H30M, P1D) as a
// bcdr duration.
func isoDuration(s string) (string, error) {
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return "", errors.New("not an ISO 8601 duration like PT10M")
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s", nil
}

// iamName is the name at the end of an IAM ARN (arn:aws:iam::1:role/ops/Approver ->
// Approver), or the text itself.
func iamName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func scalars(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, x := range n.Content {
		if x.Kind == yaml.ScalarNode {
			out = append(out, x.Value)
		}
	}
	return out
}

func orEmpty(n *yaml.Node) *yaml.Node {
	if n == nil {
		return mapping()
	}
	return n
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
