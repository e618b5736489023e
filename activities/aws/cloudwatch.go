package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

func (a *Actions) cloudwatchClient(ctx context.Context, s Scope) (*cloudwatch.Client, error) {
	return client(ctx, a, "cloudwatch", s, cloudwatch.NewFromConfig, func(o *cloudwatch.Options) {
		// AWS JSON 1.1, one of the protocols CloudWatch declares, instead of the SDK's
		// default RPC v2 CBOR, which moto (the tests' AWS) does not speak
		o.Protocol = awsjson.New11(schemas.GraniteServiceVersion20100801)
	})
}

type alarmDescriber interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// alarm is the part of a metric or composite alarm the actions look at.
type alarm struct {
	name, state, reason string
	updated             time.Time
}

// describeAlarms returns the named alarms and those whose names start with prefix.
func describeAlarms(ctx context.Context, c alarmDescriber, names []string, prefix string) (map[string]alarm, error) {
	found := map[string]alarm{}
	collect := func(in *cloudwatch.DescribeAlarmsInput, what string) error {
		in.AlarmTypes = []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}
		p := cloudwatch.NewDescribeAlarmsPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return classify(err, "describe CloudWatch alarms %s", what)
			}
			for _, m := range out.MetricAlarms {
				found[awssdk.ToString(m.AlarmName)] = alarm{awssdk.ToString(m.AlarmName), string(m.StateValue),
					awssdk.ToString(m.StateReason), awssdk.ToTime(m.StateUpdatedTimestamp)}
			}
			for _, m := range out.CompositeAlarms {
				found[awssdk.ToString(m.AlarmName)] = alarm{awssdk.ToString(m.AlarmName), string(m.StateValue),
					awssdk.ToString(m.StateReason), awssdk.ToTime(m.StateUpdatedTimestamp)}
			}
		}
		return nil
	}
	for start := 0; start < len(names); start += 100 { // DescribeAlarms takes up to 100 names
		batch := names[start:min(start+100, len(names))]
		if err := collect(&cloudwatch.DescribeAlarmsInput{AlarmNames: batch}, fmt.Sprintf("%q", batch)); err != nil {
			return nil, err
		}
	}
	if prefix != "" {
		if err := collect(&cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: awssdk.String(prefix)}, fmt.Sprintf("with prefix %q", prefix)); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// ---- aws.cloudwatch.alarm_state

type alarmStateInput struct {
	AlarmName string `json:"alarm_name"`
	Expect    string `json:"expect,omitempty"`
	Scope
}

var cloudwatchAlarmStateSpec = newSpec[alarmStateInput](runbooks.Kind{
	Name:        "aws.cloudwatch.alarm_state",
	Description: "Read a CloudWatch alarm's state (metric or composite); with expect, fail unless it is in that state.",
	Inputs: []runbooks.Field{
		reqStr("alarm_name", "alarm name"),
		allowed(optStr("expect", "fail the step unless the alarm is in this state"), "OK", "ALARM", "INSUFFICIENT_DATA"),
	},
	Outputs: []runbooks.Field{
		field("state", runbooks.TypeString, "OK, ALARM or INSUFFICIENT_DATA"),
		field("reason", runbooks.TypeString, "why the alarm is in the state"),
		field("updated_at", runbooks.TypeString, "when the state last changed (RFC 3339)"),
	},
	IAMActions:      []string{"cloudwatch:DescribeAlarms"},
	DefaultEstimate: estimate(2 * time.Second),
})

// CloudWatchAlarmState carries out aws.cloudwatch.alarm_state.
func (a *Actions) CloudWatchAlarmState(ctx context.Context, req activities.Request) (activities.Result, error) {
	return cloudwatchAlarmStateSpec.run(ctx, req, withClient(a.cloudwatchClient, func(ctx context.Context, req activities.Request, in alarmStateInput, c *cloudwatch.Client) (activities.Result, error) {
		alarms, err := describeAlarms(ctx, c, []string{in.AlarmName}, "")
		if err != nil {
			return nil, err
		}
		al, ok := alarms[in.AlarmName]
		if !ok {
			return nil, notFound("CloudWatch alarm %q not found", in.AlarmName)
		}
		if in.Expect != "" && al.state != in.Expect {
			return nil, failed("CloudWatch alarm %q is %s, expected %s: %s", in.AlarmName, al.state, in.Expect, al.reason)
		}
		return activities.Result{"state": al.state, "reason": al.reason, "updated_at": al.updated.UTC().Format(time.RFC3339Nano)}, nil
	}))
}

// ---- aws.cloudwatch.alarms_ok

type alarmsOKInput struct {
	AlarmNames         []string `json:"alarm_names,omitempty"`
	AlarmNamePrefix    string   `json:"alarm_name_prefix,omitempty"`
	InsufficientDataOK bool     `json:"insufficient_data_ok"`
	Scope
}

var cloudwatchAlarmsOKSpec = newSpec[alarmsOKInput](runbooks.Kind{
	Name: "aws.cloudwatch.alarms_ok",
	Description: "Gate on CloudWatch alarms (steady state, stop condition): fails when any of the named alarms, or of those " +
		"whose names start with the prefix, is in ALARM (or INSUFFICIENT_DATA, unless allowed), or when a named alarm does not exist.",
	Inputs: []runbooks.Field{
		field("alarm_names", runbooks.TypeList, "alarm names"),
		optStr("alarm_name_prefix", "check every alarm whose name starts with this"),
		withDefault(field("insufficient_data_ok", runbooks.TypeBool, "treat INSUFFICIENT_DATA as OK"), true),
	},
	Outputs: []runbooks.Field{
		field("checked", runbooks.TypeInt, "how many alarms were checked"),
		field("insufficient_data", runbooks.TypeList, "alarms in INSUFFICIENT_DATA"),
	},
	IAMActions:      []string{"cloudwatch:DescribeAlarms"},
	DefaultEstimate: estimate(2 * time.Second),
})

// CloudWatchAlarmsOK carries out aws.cloudwatch.alarms_ok.
func (a *Actions) CloudWatchAlarmsOK(ctx context.Context, req activities.Request) (activities.Result, error) {
	return cloudwatchAlarmsOKSpec.run(ctx, req, withClient(a.cloudwatchClient, func(ctx context.Context, req activities.Request, in alarmsOKInput, c *cloudwatch.Client) (activities.Result, error) {
		return alarmsOK(ctx, c, in)
	}))
}

func (in alarmsOKInput) validate() error {
	if len(in.AlarmNames) == 0 && in.AlarmNamePrefix == "" {
		return errors.New("give alarm_names or alarm_name_prefix")
	}
	return nil
}

func alarmsOK(ctx context.Context, c alarmDescriber, in alarmsOKInput) (activities.Result, error) {
	alarms, err := describeAlarms(ctx, c, in.AlarmNames, in.AlarmNamePrefix)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range in.AlarmNames {
		if _, ok := alarms[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, notFound("CloudWatch alarms not found: %s", strings.Join(missing, ", "))
	}
	if len(alarms) == 0 {
		return nil, notFound("no CloudWatch alarm has a name starting with %q", in.AlarmNamePrefix)
	}
	var bad, insufficient []string
	for _, name := range slices.Sorted(maps.Keys(alarms)) {
		al := alarms[name]
		switch {
		case al.state == string(cwtypes.StateValueAlarm):
			bad = append(bad, fmt.Sprintf("%s is ALARM (%s)", name, al.reason))
		case al.state == string(cwtypes.StateValueInsufficientData) && !in.InsufficientDataOK:
			bad = append(bad, fmt.Sprintf("%s is INSUFFICIENT_DATA", name))
		case al.state == string(cwtypes.StateValueInsufficientData):
			insufficient = append(insufficient, name)
		}
	}
	if len(bad) > 0 {
		return nil, failed("alarms not OK: %s", strings.Join(bad, "; "))
	}
	sort.Strings(insufficient)
	return activities.Result{"checked": len(alarms), "insufficient_data": stringsToAny(insufficient)}, nil
}

// stringsToAny makes a list output that compares equal after a JSON round trip.
func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// metricReader reads CloudWatch metrics.
type metricReader interface {
	GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// metricQuery is one metric of one resource (its one dimension), read as a statistic
// over one-minute periods; id names the query in the request.
type metricQuery struct {
	id, namespace, name, dimension, value, stat string
}

// newestDatapoint is the newest datapoint of q between ten minutes before now and until
// (GetMetricData, newest first), and its time; -1 and the zero time when there is none.
// Errors are classified, with what the read was for.
func newestDatapoint(ctx context.Context, c metricReader, q metricQuery, now, until time.Time, what string) (float64, time.Time, error) {
	out, err := c.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: awssdk.Time(now.Add(-10 * time.Minute)),
		EndTime:   awssdk.Time(until),
		ScanBy:    cwtypes.ScanByTimestampDescending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: awssdk.String(q.id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{
					Namespace:  awssdk.String(q.namespace),
					MetricName: awssdk.String(q.name),
					Dimensions: []cwtypes.Dimension{{Name: awssdk.String(q.dimension), Value: awssdk.String(q.value)}},
				},
				Period: awssdk.Int32(60),
				Stat:   awssdk.String(q.stat),
			},
		}},
	})
	if err != nil {
		return 0, time.Time{}, classify(err, "%s", what)
	}
	var at time.Time
	value := -1.0
	for _, r := range out.MetricDataResults {
		for i, ts := range r.Timestamps {
			if i < len(r.Values) && ts.After(at) {
				at, value = ts, r.Values[i]
			}
		}
	}
	return value, at, nil
}
