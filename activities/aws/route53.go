package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// recordInput names a record set and, for upserts, gives its contents. Its fields are the
// upsert kind's inputs, so a record read back (the previous one) can be upserted again.
type recordInput struct {
	HostedZoneID  string       `json:"hosted_zone_id"`
	Name          string       `json:"name"`
	Type          string       `json:"type"`
	Routing       string       `json:"routing,omitempty"`
	SetIdentifier string       `json:"set_identifier,omitempty"`
	TTL           int64        `json:"ttl,omitempty"`
	Values        []string     `json:"values,omitempty"`
	AliasTarget   *aliasTarget `json:"alias_target,omitempty"`
	Failover      string       `json:"failover,omitempty"`
	Weight        *int64       `json:"weight,omitempty"`
	HealthCheckID string       `json:"health_check_id,omitempty"`
	// the other routing policies' fields, so that a record read back can be put back
	LatencyRegion    string        `json:"latency_region,omitempty"`
	GeoLocation      *geoLocation  `json:"geolocation,omitempty"`
	MultiValueAnswer *bool         `json:"multivalue_answer,omitempty"`
	CidrRouting      *cidrRouting  `json:"cidr_routing,omitempty"`
	GeoProximity     *geoProximity `json:"geoproximity,omitempty"`
}

type aliasTarget struct {
	DNSName      string `json:"dns_name"`
	HostedZoneID string `json:"hosted_zone_id"`
	// EvaluateTargetHealth not given keeps the existing record's setting.
	EvaluateTargetHealth *bool `json:"evaluate_target_health,omitempty"`
}

// geoLocation, cidrRouting and geoProximity are Route 53's GeoLocation,
// CidrRoutingConfig and GeoProximityLocation
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).
type geoLocation struct {
	ContinentCode   string `json:"continent_code,omitempty"`
	CountryCode     string `json:"country_code,omitempty"`
	SubdivisionCode string `json:"subdivision_code,omitempty"`
}

type cidrRouting struct {
	CollectionID string `json:"collection_id"`
	LocationName string `json:"location_name"`
}

type geoProximity struct {
	AWSRegion      string   `json:"aws_region,omitempty"`
	LocalZoneGroup string   `json:"local_zone_group,omitempty"`
	Latitude       string   `json:"latitude,omitempty"`
	Longitude      string   `json:"longitude,omitempty"`
	Bias           *float64 `json:"bias,omitempty"`
}

var recordNameInputs = []runbooks.Field{
	reqStr("hosted_zone_id", "hosted zone id (Z... or /hostedzone/Z...)"),
	reqStr("name", "record name, e.g. api.example.com"),
	allowed(reqStr("type", "record type"), "A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "CAA", "PTR", "SPF", "NAPTR", "DS"),
	optStr("set_identifier", "identifier of a failover or weighted record"),
}

// recordChangeActions are the IAM actions of the kinds that change a record: read it,
// change it, wait for the change.
var recordChangeActions = []string{"route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange"}

// ---- aws.route53.upsert_record

type upsertRecordInput struct {
	recordInput
	DetachHealthCheck bool `json:"detach_health_check"`
	Wait              bool `json:"wait"`
	Scope
}

var route53UpsertRecordSpec = newSpec[upsertRecordInput](runbooks.Kind{
	Name: "aws.route53.upsert_record",
	Description: "Create or update a Route 53 record set (simple, failover, weighted, latency, geolocation, multivalue, cidr or " +
		"geoproximity) and wait until the change is INSYNC. An UPSERT replaces the whole record, so a health check or an " +
		"alias's evaluate_target_health the step does not give is kept from the existing record (detach_health_check: true " +
		"removes the health check). Outputs the record as it was (previous_existed, previous, with its routing policy) for " +
		"its rollback, aws.route53.restore_record, which puts it back or deletes a record that did not exist before.",
	Inputs: append(slices.Clone(recordNameInputs),
		allowed(optStr("routing", "routing policy (default: from the routing field given: failover, weight, latency_region, "+
			"geolocation, multivalue_answer, cidr_routing or geoproximity; else simple)"),
			"simple", "failover", "weighted", "latency", "geolocation", "multivalue", "cidr", "geoproximity"),
		withDefault(field("ttl", runbooks.TypeInt, "TTL in seconds (not used with alias_target)"), 60),
		field("values", runbooks.TypeList, "record values, e.g. IP addresses (or give alias_target)"),
		field("alias_target", runbooks.TypeMap, "alias target: {dns_name, hosted_zone_id, evaluate_target_health}"),
		allowed(optStr("failover", "failover role, with routing: failover"), "PRIMARY", "SECONDARY"),
		field("weight", runbooks.TypeInt, "weight 0-255, with routing: weighted"),
		optStr("health_check_id", "health check associated with the record (default: the existing record's)"),
		withDefault(field("detach_health_check", runbooks.TypeBool, "remove the existing record's health check"), false),
		optStr("latency_region", "AWS region of a latency record, with routing: latency"),
		field("geolocation", runbooks.TypeMap, "{continent_code, country_code, subdivision_code} of a geolocation record"),
		field("multivalue_answer", runbooks.TypeBool, "true for a multivalue answer record"),
		field("cidr_routing", runbooks.TypeMap, "{collection_id, location_name} of a CIDR record"),
		field("geoproximity", runbooks.TypeMap, "{aws_region or local_zone_group or latitude and longitude, bias} of a geoproximity record"),
		waitInput(true, "the change is INSYNC on all Route 53 servers"),
	),
	Outputs: []runbooks.Field{
		field("change_id", runbooks.TypeString, "Route 53 change id (empty when the record was already as asked)"),
		field("status", runbooks.TypeString, "PENDING or INSYNC"),
		field("changed", runbooks.TypeBool, "false when the record already had these contents"),
		field("previous_existed", runbooks.TypeBool, "whether a record existed before"),
		field("previous", runbooks.TypeMap, "the record before the change, in this kind's input shape"),
		field("previous_values", runbooks.TypeList, "the previous record's values (empty for an alias or no record)"),
		field("previous_alias_target", runbooks.TypeMap, "the previous record's alias target, or null"),
		field("previous_ttl", runbooks.TypeInt, "the previous record's TTL (0 for an alias or no record)"),
	},
	IAMActions:      recordChangeActions,
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(60 * time.Second),
})

// recordChanger is what upsert and delete use of Route 53.
type recordChanger interface {
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
	changeGetter
}

// changeProgress is what an upsert or delete records in its heartbeat, so a retried
// attempt waits for the same change and reports the record as it was before the first.
type changeProgress struct {
	ChangeID        string       `json:"changeId"`
	PreviousExisted bool         `json:"previousExisted"`
	Previous        *recordInput `json:"previous,omitempty"`
}

// Route53UpsertRecord carries out aws.route53.upsert_record.
func (a *Actions) Route53UpsertRecord(ctx context.Context, req activities.Request) (activities.Result, error) {
	return route53UpsertRecordSpec.run(ctx, req, withClient(a.route53Client, func(ctx context.Context, req activities.Request, in upsertRecordInput, c *route53.Client) (activities.Result, error) {
		ch, err := a.upsertRecord(ctx, c, in)
		if err != nil {
			return nil, err
		}
		return ch.upsertResult(), nil
	}))
}

// recordChange is what an upsert or a delete did: the change it made (none when the
// record was already as asked), the change's status, and the record before.
type recordChange struct {
	changeProgress
	Status  string
	Changed bool
}

func (a *Actions) upsertRecord(ctx context.Context, c recordChanger, in upsertRecordInput) (recordChange, error) {
	want, err := in.recordSet()
	if err != nil {
		return recordChange{}, err
	}
	desc := in.describe()
	var prog changeProgress
	resumed := loadProgress(ctx, &prog)
	if !resumed {
		current, err := findRecord(ctx, c, in.recordInput)
		if err != nil {
			return recordChange{}, classify(err, "read record %s", desc)
		}
		if current != nil {
			prog.PreviousExisted = true
			prog.Previous = recordFromSet(in.HostedZoneID, *current)
			keepFromExisting(&want, *current, in)
		}
		if current != nil && sameRecord(*current, want) {
			return recordChange{changeProgress: prog, Status: "INSYNC"}, nil
		}
		if err := submitChange(ctx, c, in.HostedZoneID, r53types.ChangeActionUpsert, &want, desc, &prog); err != nil {
			return recordChange{}, err
		}
	}
	return a.settle(ctx, c, prog, in.Wait)
}

// submitChange makes the one change of an upsert or a delete (action, on the record set
// rs, which desc names) and records its id in prog, saved with the record before in the
// heartbeat, so that a retried attempt waits for this change instead of making another.
func submitChange(ctx context.Context, c recordChanger, zone string, action r53types.ChangeAction,
	rs *r53types.ResourceRecordSet, desc string, prog *changeProgress) error {
	verb := strings.ToLower(string(action)) // "upsert", "delete"
	logChange(ctx, verb+" Route 53 record", "record", desc)
	out, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: awssdk.String(zoneID(zone)),
		ChangeBatch: &r53types.ChangeBatch{
			Comment: awssdk.String("bcdr"),
			Changes: []r53types.Change{{Action: action, ResourceRecordSet: rs}},
		},
	})
	if err != nil {
		return classify(err, "%s record %s", verb, desc)
	}
	prog.ChangeID = awssdk.ToString(out.ChangeInfo.Id)
	saveProgress(ctx, *prog)
	return nil
}

// keepFromExisting keeps what an UPSERT would otherwise drop: "UPSERT: If a resource
// record set does exist, Route 53 updates it with the values in the request"
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html), all of them,
// so a step that names no health check would detach a failover record's, and an alias
// without evaluate_target_health would stop evaluating its target.
func keepFromExisting(want *r53types.ResourceRecordSet, have r53types.ResourceRecordSet, in upsertRecordInput) {
	if in.HealthCheckID == "" && !in.DetachHealthCheck {
		want.HealthCheckId = have.HealthCheckId
	}
	if want.AliasTarget != nil && in.AliasTarget != nil && in.AliasTarget.EvaluateTargetHealth == nil && have.AliasTarget != nil {
		want.AliasTarget.EvaluateTargetHealth = have.AliasTarget.EvaluateTargetHealth
	}
}

// settle completes a change that was made: waits for it when asked. A resumed change
// without an id (none was needed) is already in sync.
func (a *Actions) settle(ctx context.Context, c changeGetter, prog changeProgress, wait bool) (recordChange, error) {
	ch := recordChange{changeProgress: prog, Status: "PENDING", Changed: true}
	if prog.ChangeID == "" {
		ch.Status = "INSYNC"
	} else if wait {
		status, err := a.waitChange(ctx, c, prog.ChangeID)
		if err != nil {
			return recordChange{}, err
		}
		ch.Status = status
	}
	return ch, nil
}

func (ch recordChange) upsertResult() activities.Result {
	r := activities.Result{
		"change_id":        ch.ChangeID,
		"status":           ch.Status,
		"changed":          ch.Changed,
		"previous_existed": ch.PreviousExisted,
	}
	for k, v := range ch.Previous.previousOutputs() {
		r[k] = v
	}
	return r
}

// ---- aws.route53.delete_record

// recordName names a record set: the inputs of recordNameInputs.
type recordName struct {
	HostedZoneID  string `json:"hosted_zone_id"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	SetIdentifier string `json:"set_identifier,omitempty"`
}

func (n recordName) record() recordInput {
	return recordInput{HostedZoneID: n.HostedZoneID, Name: n.Name, Type: n.Type, SetIdentifier: n.SetIdentifier}
}

type deleteRecordInput struct {
	recordName
	Wait bool `json:"wait"`
	Scope
}

var route53DeleteRecordSpec = newSpec[deleteRecordInput](runbooks.Kind{
	Name: "aws.route53.delete_record",
	Description: "Delete a Route 53 record set (a record already gone is success) and wait until the change is INSYNC. " +
		"Outputs the record as it was (previous_existed, previous) for its rollback, aws.route53.restore_record with " +
		"the same record and previous_existed: ${{ steps.ID.outputs.previous_existed }}, " +
		"previous: ${{ steps.ID.outputs.previous }}, which puts the deleted record back.",
	Inputs: append(slices.Clone(recordNameInputs), waitInput(true, "the change is INSYNC")),
	Outputs: []runbooks.Field{
		field("change_id", runbooks.TypeString, "Route 53 change id (empty when there was nothing to delete)"),
		field("deleted", runbooks.TypeBool, "false when the record did not exist"),
		field("previous_existed", runbooks.TypeBool, "whether a record existed before (for restore_record)"),
		field("previous", runbooks.TypeMap, "the deleted record, in upsert_record's input shape"),
	},
	IAMActions:      recordChangeActions,
	SideEffects:     true,
	Rollbackable:    true,
	DefaultEstimate: estimate(60 * time.Second),
})

// Route53DeleteRecord carries out aws.route53.delete_record.
func (a *Actions) Route53DeleteRecord(ctx context.Context, req activities.Request) (activities.Result, error) {
	return route53DeleteRecordSpec.run(ctx, req, withClient(a.route53Client, func(ctx context.Context, req activities.Request, in deleteRecordInput, c *route53.Client) (activities.Result, error) {
		ch, err := a.deleteRecord(ctx, c, in)
		if err != nil {
			return nil, err
		}
		r := activities.Result{"change_id": ch.ChangeID, "deleted": ch.Changed, "previous_existed": ch.PreviousExisted, "previous": nil}
		if ch.Previous != nil {
			r["previous"] = ch.Previous.asMap()
		}
		return r, nil
	}))
}

func (a *Actions) deleteRecord(ctx context.Context, c recordChanger, in deleteRecordInput) (recordChange, error) {
	rec := in.record()
	desc := rec.describe()
	var prog changeProgress
	if !loadProgress(ctx, &prog) {
		current, err := findRecord(ctx, c, rec)
		if err != nil {
			return recordChange{}, classify(err, "read record %s", desc)
		}
		if current == nil {
			return recordChange{Status: "INSYNC"}, nil
		}
		prog.PreviousExisted, prog.Previous = true, recordFromSet(in.HostedZoneID, *current)
		if err := submitChange(ctx, c, in.HostedZoneID, r53types.ChangeActionDelete, current, desc, &prog); err != nil {
			return recordChange{}, err
		}
	}
	return a.settle(ctx, c, prog, in.Wait)
}

// ---- aws.route53.restore_record

type restoreRecordInput struct {
	recordName
	PreviousExisted bool         `json:"previous_existed"`
	Previous        *recordInput `json:"previous,omitempty"`
	Wait            bool         `json:"wait"`
	Scope
}

var route53RestoreRecordSpec = newSpec[restoreRecordInput](runbooks.Kind{
	Name: "aws.route53.restore_record",
	Description: "Put a Route 53 record set back as it was before an upsert_record or a delete_record, from that step's " +
		"previous_existed and previous outputs: upsert the previous record, or delete the record when there was none " +
		"before. The rollback of upsert_record and delete_record; a record already as it was (or already gone) is " +
		"success, so a retried rollback does not fail.",
	Inputs: append(slices.Clone(recordNameInputs),
		required(field("previous_existed", runbooks.TypeBool,
			"whether the record existed before (the upsert's or delete's previous_existed); false deletes the record")),
		field("previous", runbooks.TypeMap,
			"the record as it was (the upsert's or delete's previous), with previous_existed: true; it must name the same record"),
		waitInput(true, "the change is INSYNC"),
	),
	Outputs: []runbooks.Field{
		field("change_id", runbooks.TypeString, "Route 53 change id (empty when the record was already as it was)"),
		field("status", runbooks.TypeString, "PENDING or INSYNC"),
		field("changed", runbooks.TypeBool, "false when the record was already as it was"),
		field("action", runbooks.TypeString, "upsert (the previous record was put back), delete (the record was removed) or none"),
	},
	IAMActions:      recordChangeActions,
	SideEffects:     true,
	DefaultEstimate: estimate(60 * time.Second),
})

// Route53RestoreRecord carries out aws.route53.restore_record.
func (a *Actions) Route53RestoreRecord(ctx context.Context, req activities.Request) (activities.Result, error) {
	return route53RestoreRecordSpec.run(ctx, req, withClient(a.route53Client, func(ctx context.Context, req activities.Request, in restoreRecordInput, c *route53.Client) (activities.Result, error) {
		return a.restoreRecord(ctx, c, in)
	}))
}

func (a *Actions) restoreRecord(ctx context.Context, c recordChanger, in restoreRecordInput) (activities.Result, error) {
	var ch recordChange
	var err error
	action := "delete"
	if in.PreviousExisted {
		action = "upsert"
		ch, err = a.upsertRecord(ctx, c, upsertRecordInput{recordInput: *in.Previous, Wait: in.Wait})
	} else {
		ch, err = a.deleteRecord(ctx, c, deleteRecordInput{recordName: in.recordName, Wait: in.Wait})
	}
	if err != nil {
		return nil, err
	}
	if !ch.Changed {
		action = "none"
	}
	return activities.Result{"change_id": ch.ChangeID, "status": ch.Status, "changed": ch.Changed, "action": action}, nil
}

// validate refuses a previous state that does not fit the record named: restoring
// another record's contents here, or deleting a record said to have existed, would be
// wrong.
func (in restoreRecordInput) validate() error {
	rec := in.record()
	p := in.Previous
	switch {
	case !in.PreviousExisted && p != nil:
		return fmt.Errorf("record %s: previous_existed is false, but previous is given", rec.describe())
	case in.PreviousExisted && p == nil:
		return fmt.Errorf("record %s: previous_existed is true, but previous is not given", rec.describe())
	case p != nil && (zoneID(p.HostedZoneID) != zoneID(in.HostedZoneID) || fqdn(p.Name) != fqdn(in.Name) ||
		p.Type != in.Type || p.SetIdentifier != in.SetIdentifier):
		return fmt.Errorf("record %s: previous is the record %s", rec.describe(), p.describe())
	}
	return nil
}

// ---- aws.route53.wait_insync

type waitInsyncInput struct {
	ChangeID string `json:"change_id"`
	Scope
}

var route53WaitInsyncSpec = newSpec[waitInsyncInput](runbooks.Kind{
	Name:            "aws.route53.wait_insync",
	Description:     "Wait until a Route 53 change is INSYNC.",
	Inputs:          []runbooks.Field{reqStr("change_id", "change id from upsert_record or delete_record")},
	Outputs:         []runbooks.Field{field("status", runbooks.TypeString, "INSYNC")},
	IAMActions:      []string{"route53:GetChange"},
	DefaultEstimate: estimate(60 * time.Second),
})

// changeGetter is what a wait for a Route 53 change uses.
type changeGetter interface {
	GetChange(context.Context, *route53.GetChangeInput, ...func(*route53.Options)) (*route53.GetChangeOutput, error)
}

// Route53WaitInsync carries out aws.route53.wait_insync.
func (a *Actions) Route53WaitInsync(ctx context.Context, req activities.Request) (activities.Result, error) {
	return route53WaitInsyncSpec.run(ctx, req, withClient(a.route53Client, func(ctx context.Context, req activities.Request, in waitInsyncInput, c *route53.Client) (activities.Result, error) {
		if in.ChangeID == "" { // an upsert that changed nothing has no change to wait for
			return activities.Result{"status": "INSYNC"}, nil
		}
		status, err := a.waitChange(ctx, c, in.ChangeID)
		if err != nil {
			return nil, err
		}
		return activities.Result{"status": status}, nil
	}))
}

func (a *Actions) waitChange(ctx context.Context, c changeGetter, id string) (string, error) {
	return a.poll(ctx, "Route 53 change "+id+" INSYNC", func(ctx context.Context) (bool, string, error) {
		out, err := c.GetChange(ctx, &route53.GetChangeInput{Id: awssdk.String(id)})
		if err != nil {
			return false, "", classify(err, "get Route 53 change %q", id)
		}
		st := string(out.ChangeInfo.Status)
		return out.ChangeInfo.Status == r53types.ChangeStatusInsync, st, nil
	})
}

// ---- aws.route53.health_check_status

type healthCheckStatusInput struct {
	HealthCheckID  string `json:"health_check_id"`
	RequireHealthy bool   `json:"require_healthy"`
	Scope
}

// healthCheckMetricRegion is where Route 53 publishes health check metrics: "Route 53
// metrics are available only in US East (N. Virginia)"
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-cloudwatch.html).
const healthCheckMetricRegion = "us-east-1"

var route53HealthCheckStatusSpec = newSpec[healthCheckStatusInput](runbooks.Kind{
	Name: "aws.route53.health_check_status",
	Description: "Read a Route 53 health check's status as Route 53 uses it for DNS failover: the newest value of its " +
		"CloudWatch metric AWS/Route53 HealthCheckStatus (1 healthy, 0 unhealthy), which covers calculated and CloudWatch " +
		"alarm checks and applies Inverted and Disabled; and its configuration (type, inverted, disabled). " +
		"GetHealthCheckStatus is not used: AWS says it cannot read calculated checks and is not for production use.",
	Inputs: []runbooks.Field{
		reqStr("health_check_id", "health check id"),
		withDefault(field("require_healthy", runbooks.TypeBool, "fail the step when the health check is not healthy"), false),
	},
	Outputs: []runbooks.Field{
		field("healthy", runbooks.TypeBool, "whether Route 53 considers the health check healthy"),
		field("measured_at", runbooks.TypeString, "time of the metric datapoint read (RFC 3339)"),
		field("type", runbooks.TypeString, "HTTP, HTTPS, TCP, CALCULATED, CLOUDWATCH_METRIC, ..."),
		field("inverted", runbooks.TypeBool, "whether Route 53 inverts the check's status"),
		field("disabled", runbooks.TypeBool, "whether the check is disabled (Route 53 then considers it healthy, or unhealthy when inverted)"),
	},
	IAMActions:      []string{"route53:GetHealthCheck", "cloudwatch:GetMetricData"},
	DefaultEstimate: estimate(2 * time.Second),
})

type healthCheckGetter interface {
	GetHealthCheck(context.Context, *route53.GetHealthCheckInput, ...func(*route53.Options)) (*route53.GetHealthCheckOutput, error)
}

// Route53HealthCheckStatus carries out aws.route53.health_check_status.
func (a *Actions) Route53HealthCheckStatus(ctx context.Context, req activities.Request) (activities.Result, error) {
	return route53HealthCheckStatusSpec.run(ctx, req, withClient(a.route53Client, func(ctx context.Context, req activities.Request, in healthCheckStatusInput, c *route53.Client) (activities.Result, error) {
		metricScope := in.Scope
		metricScope.Region = healthCheckMetricRegion
		cw, err := a.cloudwatchClient(ctx, metricScope)
		if err != nil {
			return nil, err
		}
		return healthCheckStatus(ctx, c, cw, in, time.Now())
	}))
}

func healthCheckStatus(ctx context.Context, c healthCheckGetter, cw metricReader, in healthCheckStatusInput, now time.Time) (activities.Result, error) {
	hc, err := c.GetHealthCheck(ctx, &route53.GetHealthCheckInput{HealthCheckId: awssdk.String(in.HealthCheckID)})
	if err != nil {
		return nil, classify(err, "get health check %q", in.HealthCheckID)
	}
	cfg := hc.HealthCheck.HealthCheckConfig
	what := fmt.Sprintf("read HealthCheckStatus of health check %q", in.HealthCheckID)
	// Minimum: unhealthy at any time in the minute counts; until a minute ahead: a
	// datapoint stamped by a clock a little ahead still counts
	value, at, err := newestDatapoint(ctx, cw, metricQuery{id: "status", namespace: "AWS/Route53", name: "HealthCheckStatus",
		dimension: "HealthCheckId", value: in.HealthCheckID, stat: "Minimum"}, now, now.Add(time.Minute), what)
	if err != nil {
		return nil, err
	}
	if value < 0 {
		return nil, failed("%s: no datapoint in the last 10 minutes (Route 53 publishes one a minute in %s), so its status is unknown",
			what, healthCheckMetricRegion)
	}
	healthy := value >= 1
	if in.RequireHealthy && !healthy {
		return nil, failed("health check %q (%s) is unhealthy as of %s", in.HealthCheckID, cfg.Type, at.UTC().Format(time.RFC3339))
	}
	return activities.Result{
		"healthy": healthy, "measured_at": at.UTC().Format(time.RFC3339), "type": string(cfg.Type),
		"inverted": awssdk.ToBool(cfg.Inverted), "disabled": awssdk.ToBool(cfg.Disabled),
	}, nil
}

// ---- records

func zoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

// fqdn is a record name as Route 53 returns it: lower case, ending in a dot, with "*"
// written as \052.
func fqdn(name string) string {
	n := strings.ToLower(strings.TrimSuffix(name, ".")) + "."
	return strings.ReplaceAll(n, "*", `\052`)
}

func (r recordInput) describe() string {
	d := fmt.Sprintf("%s %s in zone %s", r.Type, strings.TrimSuffix(r.Name, "."), zoneID(r.HostedZoneID))
	if r.SetIdentifier != "" {
		d += fmt.Sprintf(" (set %q)", r.SetIdentifier)
	}
	return d
}

// recordSet checks the inputs for the routing policy and builds the record set.
func (r recordInput) recordSet() (r53types.ResourceRecordSet, error) {
	rs := r53types.ResourceRecordSet{Name: awssdk.String(fqdn(r.Name)), Type: r53types.RRType(r.Type)}
	if r.HealthCheckID != "" {
		rs.HealthCheckId = awssdk.String(r.HealthCheckID)
	}
	switch {
	case r.AliasTarget != nil && len(r.Values) > 0:
		return rs, invalid("record %s: give values or alias_target, not both", r.describe())
	case r.AliasTarget != nil:
		rs.AliasTarget = &r53types.AliasTarget{
			DNSName:              awssdk.String(r.AliasTarget.DNSName),
			HostedZoneId:         awssdk.String(zoneID(r.AliasTarget.HostedZoneID)),
			EvaluateTargetHealth: awssdk.ToBool(r.AliasTarget.EvaluateTargetHealth),
		}
	case len(r.Values) > 0:
		rs.TTL = awssdk.Int64(r.TTL)
		for _, v := range r.Values {
			rs.ResourceRecords = append(rs.ResourceRecords, r53types.ResourceRecord{Value: awssdk.String(v)})
		}
	default:
		return rs, invalid("record %s: give values or alias_target", r.describe())
	}
	routing := r.routing()
	if routing != "simple" && routing != "failover" && routing != "weighted" {
		return r.otherRouting(rs, routing)
	}
	if r.hasOtherRouting() {
		return rs, invalid("%s record %s takes no latency_region, geolocation, multivalue_answer, cidr_routing or geoproximity", routing, r.describe())
	}
	switch routing {
	case "failover":
		if r.SetIdentifier == "" || r.Failover == "" {
			return rs, invalid("failover record %s needs set_identifier and failover (PRIMARY or SECONDARY)", r.describe())
		}
		rs.SetIdentifier = awssdk.String(r.SetIdentifier)
		rs.Failover = r53types.ResourceRecordSetFailover(r.Failover)
	case "weighted":
		if r.SetIdentifier == "" || r.Weight == nil {
			return rs, invalid("weighted record %s needs set_identifier and weight", r.describe())
		}
		if *r.Weight < 0 || *r.Weight > 255 {
			return rs, invalid("weighted record %s: weight %d is not within 0-255", r.describe(), *r.Weight)
		}
		rs.SetIdentifier = awssdk.String(r.SetIdentifier)
		rs.Weight = awssdk.Int64(*r.Weight)
	default:
		if r.SetIdentifier != "" || r.Failover != "" || r.Weight != nil {
			return rs, invalid("simple record %s takes no set_identifier, failover or weight (set routing)", r.describe())
		}
	}
	return rs, nil
}

// routing is the record's routing policy: given, or the one its fields name.
func (r recordInput) routing() string {
	switch {
	case r.Routing != "":
		return r.Routing
	case r.Failover != "":
		return "failover"
	case r.Weight != nil:
		return "weighted"
	case r.LatencyRegion != "":
		return "latency"
	case r.GeoLocation != nil:
		return "geolocation"
	case r.MultiValueAnswer != nil:
		return "multivalue"
	case r.CidrRouting != nil:
		return "cidr"
	case r.GeoProximity != nil:
		return "geoproximity"
	}
	return "simple"
}

func (r recordInput) hasOtherRouting() bool {
	return r.LatencyRegion != "" || r.GeoLocation != nil || r.MultiValueAnswer != nil || r.CidrRouting != nil || r.GeoProximity != nil
}

// otherRouting completes a latency, geolocation, multivalue, CIDR or geoproximity record:
// each has a set identifier and its own field, as ResourceRecordSet documents
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).
func (r recordInput) otherRouting(rs r53types.ResourceRecordSet, routing string) (r53types.ResourceRecordSet, error) {
	if r.SetIdentifier == "" {
		return rs, invalid("%s record %s needs set_identifier", routing, r.describe())
	}
	if r.Failover != "" || r.Weight != nil {
		return rs, invalid("%s record %s takes no failover or weight", routing, r.describe())
	}
	rs.SetIdentifier = awssdk.String(r.SetIdentifier)
	need := func(ok bool, field string) error {
		if !ok {
			return invalid("%s record %s needs %s", routing, r.describe(), field)
		}
		return nil
	}
	var err error
	switch routing {
	case "latency":
		err = need(r.LatencyRegion != "", "latency_region")
		rs.Region = r53types.ResourceRecordSetRegion(r.LatencyRegion)
	case "geolocation":
		if err = need(r.GeoLocation != nil, "geolocation"); err == nil {
			g := r.GeoLocation
			rs.GeoLocation = &r53types.GeoLocation{ContinentCode: optional(g.ContinentCode), CountryCode: optional(g.CountryCode),
				SubdivisionCode: optional(g.SubdivisionCode)}
		}
	case "multivalue":
		err = need(r.MultiValueAnswer != nil, "multivalue_answer")
		rs.MultiValueAnswer = r.MultiValueAnswer
	case "cidr":
		if err = need(r.CidrRouting != nil, "cidr_routing"); err == nil {
			rs.CidrRoutingConfig = &r53types.CidrRoutingConfig{CollectionId: awssdk.String(r.CidrRouting.CollectionID),
				LocationName: awssdk.String(r.CidrRouting.LocationName)}
		}
	case "geoproximity":
		if err = need(r.GeoProximity != nil, "geoproximity"); err == nil {
			g := r.GeoProximity
			loc := &r53types.GeoProximityLocation{AWSRegion: optional(g.AWSRegion), LocalZoneGroup: optional(g.LocalZoneGroup)}
			if g.Latitude != "" || g.Longitude != "" {
				loc.Coordinates = &r53types.Coordinates{Latitude: awssdk.String(g.Latitude), Longitude: awssdk.String(g.Longitude)}
			}
			if g.Bias != nil {
				loc.Bias = awssdk.Int32(int32(*g.Bias))
			}
			rs.GeoProximityLocation = loc
		}
	}
	return rs, err
}

// recordFromSet turns a record set read from Route 53 into upsert inputs.
func recordFromSet(zone string, rs r53types.ResourceRecordSet) *recordInput {
	r := &recordInput{
		HostedZoneID:  zone,
		Name:          strings.ReplaceAll(awssdk.ToString(rs.Name), `\052`, "*"),
		Type:          string(rs.Type),
		Routing:       "simple",
		SetIdentifier: awssdk.ToString(rs.SetIdentifier),
		TTL:           awssdk.ToInt64(rs.TTL),
		HealthCheckID: awssdk.ToString(rs.HealthCheckId),
	}
	for _, v := range rs.ResourceRecords {
		r.Values = append(r.Values, awssdk.ToString(v.Value))
	}
	if rs.AliasTarget != nil {
		r.AliasTarget = &aliasTarget{
			DNSName:              awssdk.ToString(rs.AliasTarget.DNSName),
			HostedZoneID:         awssdk.ToString(rs.AliasTarget.HostedZoneId),
			EvaluateTargetHealth: awssdk.Bool(rs.AliasTarget.EvaluateTargetHealth),
		}
	}
	switch {
	case rs.Failover != "":
		r.Routing, r.Failover = "failover", string(rs.Failover)
	case rs.Weight != nil:
		r.Routing, r.Weight = "weighted", rs.Weight
	case rs.Region != "":
		r.Routing, r.LatencyRegion = "latency", string(rs.Region)
	case rs.GeoLocation != nil:
		g := rs.GeoLocation
		r.Routing, r.GeoLocation = "geolocation", &geoLocation{ContinentCode: awssdk.ToString(g.ContinentCode),
			CountryCode: awssdk.ToString(g.CountryCode), SubdivisionCode: awssdk.ToString(g.SubdivisionCode)}
	case rs.MultiValueAnswer != nil:
		r.Routing, r.MultiValueAnswer = "multivalue", rs.MultiValueAnswer
	case rs.CidrRoutingConfig != nil:
		r.Routing, r.CidrRouting = "cidr", &cidrRouting{CollectionID: awssdk.ToString(rs.CidrRoutingConfig.CollectionId),
			LocationName: awssdk.ToString(rs.CidrRoutingConfig.LocationName)}
	case rs.GeoProximityLocation != nil:
		g := rs.GeoProximityLocation
		p := &geoProximity{AWSRegion: awssdk.ToString(g.AWSRegion), LocalZoneGroup: awssdk.ToString(g.LocalZoneGroup)}
		if g.Coordinates != nil {
			p.Latitude, p.Longitude = awssdk.ToString(g.Coordinates.Latitude), awssdk.ToString(g.Coordinates.Longitude)
		}
		if g.Bias != nil {
			b := float64(*g.Bias)
			p.Bias = &b
		}
		r.Routing, r.GeoProximity = "geoproximity", p
	}
	return r
}

// previousOutputs are the outputs describing the record before a change (r may be nil).
func (r *recordInput) previousOutputs() map[string]any {
	out := map[string]any{"previous": nil, "previous_values": []any{}, "previous_alias_target": nil, "previous_ttl": int64(0)}
	if r == nil {
		return out
	}
	m := r.asMap()
	out["previous"] = m
	if v, ok := m["values"]; ok {
		out["previous_values"] = v
	}
	if v, ok := m["alias_target"]; ok {
		out["previous_alias_target"] = v
	}
	out["previous_ttl"] = r.TTL
	return out
}

// asMap is the record as step outputs hold it (plain JSON values).
func (r recordInput) asMap() map[string]any {
	m := map[string]any{
		"hosted_zone_id": r.HostedZoneID,
		"name":           r.Name,
		"type":           r.Type,
		"routing":        r.Routing,
	}
	if r.SetIdentifier != "" {
		m["set_identifier"] = r.SetIdentifier
	}
	if r.AliasTarget != nil {
		m["alias_target"] = map[string]any{
			"dns_name":               r.AliasTarget.DNSName,
			"hosted_zone_id":         r.AliasTarget.HostedZoneID,
			"evaluate_target_health": awssdk.ToBool(r.AliasTarget.EvaluateTargetHealth),
		}
	} else {
		m["ttl"] = r.TTL
		vals := make([]any, len(r.Values))
		for i, v := range r.Values {
			vals[i] = v
		}
		m["values"] = vals
	}
	if r.Failover != "" {
		m["failover"] = r.Failover
	}
	if r.Weight != nil {
		m["weight"] = *r.Weight
	}
	if r.HealthCheckID != "" {
		m["health_check_id"] = r.HealthCheckID
	}
	// the other routing policies' fields, as plain JSON values (asJSON round-trips them)
	for k, v := range map[string]any{"geolocation": r.GeoLocation, "cidr_routing": r.CidrRouting, "geoproximity": r.GeoProximity} {
		if !reflect.ValueOf(v).IsNil() {
			m[k] = asJSON(v)
		}
	}
	if r.LatencyRegion != "" {
		m["latency_region"] = r.LatencyRegion
	}
	if r.MultiValueAnswer != nil {
		m["multivalue_answer"] = *r.MultiValueAnswer
	}
	return m
}

// findRecord returns the record set with the input's name, type and set identifier, or nil.
func findRecord(ctx context.Context, c recordChanger, r recordInput) (*r53types.ResourceRecordSet, error) {
	in := &route53.ListResourceRecordSetsInput{
		HostedZoneId:    awssdk.String(zoneID(r.HostedZoneID)),
		StartRecordName: awssdk.String(fqdn(r.Name)),
		StartRecordType: r53types.RRType(r.Type),
		MaxItems:        awssdk.Int32(100),
	}
	if r.SetIdentifier != "" {
		in.StartRecordIdentifier = awssdk.String(r.SetIdentifier)
	}
	out, err := c.ListResourceRecordSets(ctx, in)
	if err != nil {
		return nil, err
	}
	for _, rs := range out.ResourceRecordSets {
		if strings.EqualFold(awssdk.ToString(rs.Name), fqdn(r.Name)) && string(rs.Type) == r.Type &&
			awssdk.ToString(rs.SetIdentifier) == r.SetIdentifier {
			return &rs, nil
		}
	}
	return nil, nil
}

// sameRecord reports whether an existing record set already has the wanted contents.
func sameRecord(have, want r53types.ResourceRecordSet) bool {
	values := func(rs r53types.ResourceRecordSet) []string {
		var v []string
		for _, r := range rs.ResourceRecords {
			v = append(v, awssdk.ToString(r.Value))
		}
		slices.Sort(v)
		return v
	}
	alias := func(rs r53types.ResourceRecordSet) string {
		if rs.AliasTarget == nil {
			return ""
		}
		return fmt.Sprintf("%s|%s|%t", strings.ToLower(strings.TrimSuffix(awssdk.ToString(rs.AliasTarget.DNSName), ".")),
			awssdk.ToString(rs.AliasTarget.HostedZoneId), rs.AliasTarget.EvaluateTargetHealth)
	}
	return awssdk.ToInt64(have.TTL) == awssdk.ToInt64(want.TTL) &&
		slices.Equal(values(have), values(want)) && alias(have) == alias(want) &&
		have.Failover == want.Failover && awssdk.ToInt64(have.Weight) == awssdk.ToInt64(want.Weight) &&
		have.Region == want.Region && fmt.Sprint(asJSON(have.GeoLocation)) == fmt.Sprint(asJSON(want.GeoLocation)) &&
		awssdk.ToBool(have.MultiValueAnswer) == awssdk.ToBool(want.MultiValueAnswer) &&
		fmt.Sprint(asJSON(have.CidrRoutingConfig)) == fmt.Sprint(asJSON(want.CidrRoutingConfig)) &&
		fmt.Sprint(asJSON(have.GeoProximityLocation)) == fmt.Sprint(asJSON(want.GeoProximityLocation)) &&
		(have.Weight == nil) == (want.Weight == nil) &&
		awssdk.ToString(have.HealthCheckId) == awssdk.ToString(want.HealthCheckId)
}

// asJSON is v as plain JSON values (maps, lists, strings, numbers), or nil.
func asJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
