package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/runbooks"
)

// ---- aws.dynamodb.replica_status

type replicaStatusInput struct {
	Table         string   `json:"table"`
	ExpectRegions []string `json:"expect_regions,omitempty"`
	Scope
}

var dynamodbReplicaStatusSpec = newSpec[replicaStatusInput](runbooks.Kind{
	Name: "aws.dynamodb.replica_status",
	Description: "Read a DynamoDB global table's status and its replicas' status per region, and fail unless the table " +
		"and the replicas that matter are ACTIVE: those in expect_regions when given (name the region you fail over to, so " +
		"that an unreachable old primary does not fail the check), else every replica. A table with no replica is not a " +
		"global table and fails.",
	Inputs: []runbooks.Field{
		reqStr("table", "table name"),
		field("expect_regions", runbooks.TypeList, "regions that must have an ACTIVE replica (default: every replica must be ACTIVE)"),
	},
	Outputs: []runbooks.Field{
		field("status", runbooks.TypeString, "the table's status in the step's region"),
		field("replicas", runbooks.TypeList, "each replica: {region, status}"),
		field("all_active", runbooks.TypeBool, "whether the table and every replica are ACTIVE"),
	},
	IAMActions:      []string{"dynamodb:DescribeTable"},
	DefaultEstimate: estimate(2 * time.Second),
})

type tableDescriber interface {
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// DynamoDBReplicaStatus carries out aws.dynamodb.replica_status.
func (a *Actions) DynamoDBReplicaStatus(ctx context.Context, req activities.Request) (activities.Result, error) {
	return dynamodbReplicaStatusSpec.run(ctx, req, withClient(a.dynamodbClient, func(ctx context.Context, req activities.Request, in replicaStatusInput, c *dynamodb.Client) (activities.Result, error) {
		return replicaStatus(ctx, c, in, a.resolve(in.Scope).Region)
	}))
}

// replicaStatus reads the table in the region here. The table there is that region's
// replica: expect_regions may name it whether or not DescribeTable lists it among
// Replicas.
func replicaStatus(ctx context.Context, c tableDescriber, in replicaStatusInput, here string) (activities.Result, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: awssdk.String(in.Table)})
	if err != nil {
		return nil, classify(err, "describe DynamoDB table %q", in.Table)
	}
	t := out.Table
	allActive := t.TableStatus == ddbtypes.TableStatusActive
	replicas := []any{}
	status := map[string]string{}
	for _, r := range t.Replicas {
		region := awssdk.ToString(r.RegionName)
		status[region] = string(r.ReplicaStatus)
		replicas = append(replicas, map[string]any{"region": region, "status": string(r.ReplicaStatus)})
		if r.ReplicaStatus != ddbtypes.ReplicaStatusActive {
			allActive = false
		}
	}
	var bad []string
	if t.TableStatus != ddbtypes.TableStatusActive {
		bad = append(bad, fmt.Sprintf("the table is %s", t.TableStatus))
	}
	expect := in.ExpectRegions
	if len(expect) == 0 {
		// without expect_regions every replica must be ACTIVE: a check that passed with
		// none active would say a failover is safe when it is not
		if len(t.Replicas) == 0 {
			bad = append(bad, "it has no replica (not a global table)")
		}
		expect = slices.Sorted(maps.Keys(status))
	}
	for _, region := range expect {
		st, ok := status[region]
		if !ok && region == here {
			st, ok = string(t.TableStatus), true
		}
		switch {
		case !ok:
			bad = append(bad, "no replica in "+region)
		case st != string(ddbtypes.ReplicaStatusActive):
			bad = append(bad, fmt.Sprintf("the replica in %s is %s", region, st))
		}
	}
	if len(bad) > 0 {
		return nil, failed("DynamoDB table %q: %s", in.Table, strings.Join(bad, "; "))
	}
	return activities.Result{"status": string(t.TableStatus), "replicas": replicas, "all_active": allActive}, nil
}

// ---- aws.dynamodb.put_marker and aws.dynamodb.get_marker

type ddbMarkerKey struct {
	Table            string `json:"table"`
	KeyAttribute     string `json:"key_attribute"`
	Key              string `json:"key"`
	SortKeyAttribute string `json:"sort_key_attribute,omitempty"`
	SortKey          string `json:"sort_key,omitempty"`
}

var ddbMarkerKeyInputs = []runbooks.Field{
	reqStr("table", "table name"),
	withDefault(optStr("key_attribute", "name of the table's partition key (a string)"), "pk"),
	withDefault(optStr("key", "partition key value of the marker item"), "bcdr-canary"),
	optStr("sort_key_attribute", "name of the table's sort key (a string), if it has one"),
	optStr("sort_key", "sort key value of the marker item"),
}

func (k ddbMarkerKey) key() (map[string]ddbtypes.AttributeValue, error) {
	key := map[string]ddbtypes.AttributeValue{k.KeyAttribute: &ddbtypes.AttributeValueMemberS{Value: k.Key}}
	if (k.SortKeyAttribute == "") != (k.SortKey == "") {
		return nil, invalid("DynamoDB marker in %q: give both sort_key_attribute and sort_key, or neither", k.Table)
	}
	if k.SortKeyAttribute != "" {
		key[k.SortKeyAttribute] = &ddbtypes.AttributeValueMemberS{Value: k.SortKey}
	}
	return key, nil
}

func (k ddbMarkerKey) where() string { return markerWhere("dynamodb", k.Table, k.Key) }

type ddbPutMarkerInput struct {
	ddbMarkerKey
	// ExpireAfter, when set, writes TTLAttribute as the epoch second the item may be
	// removed at, so that per-run markers do not pile up in a table with TTL enabled.
	ExpireAfter  duration `json:"expire_after"`
	TTLAttribute string   `json:"ttl_attribute"`
	Scope
}

type ddbGetMarkerInput struct {
	ddbMarkerKey
	Wait duration `json:"wait"`
	Scope
}

var dynamodbPutMarkerSpec = newSpec[ddbPutMarkerInput](runbooks.Kind{
	Name: "aws.dynamodb.put_marker",
	Description: "Write a canary marker item {written_at, seq} to a DynamoDB table, to be read back from another replica after " +
		"recovery (RPO). seq is incremented atomically; a retried step keeps the marker it wrote. With expire_after, the item " +
		"also carries ttl_attribute (epoch seconds), so a table with Time to Live enabled on it removes old markers.",
	Inputs: append(append([]runbooks.Field{}, ddbMarkerKeyInputs...),
		field("expire_after", runbooks.TypeDuration, "how long the marker is kept: sets ttl_attribute to that time from now (none when unset)"),
		withDefault(optStr("ttl_attribute", "the table's Time to Live attribute, written with expire_after"), "expires_at"),
	),
	Outputs:         putMarkerOutputs,
	IAMActions:      []string{"dynamodb:UpdateItem", "dynamodb:GetItem"},
	SideEffects:     true,
	DefaultEstimate: estimate(2 * time.Second),
})

var dynamodbGetMarkerSpec = newSpec[ddbGetMarkerInput](runbooks.Kind{
	Name: "aws.dynamodb.get_marker",
	Description: "Read the canary marker item (strongly consistent, in the step's region, i.e. the replica), waiting up to wait " +
		"for it to arrive: found, when it was written, and lag_seconds from its writing until it was seen. A marker that does " +
		"not arrive is found: false, not an error.",
	Inputs:          append(append([]runbooks.Field{}, ddbMarkerKeyInputs...), markerWaitInput()),
	Outputs:         getMarkerOutputs,
	IAMActions:      []string{"dynamodb:GetItem"},
	DefaultEstimate: estimate(2 * time.Second),
})

type itemReadWriter interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// DynamoDBPutMarker carries out aws.dynamodb.put_marker.
func (a *Actions) DynamoDBPutMarker(ctx context.Context, req activities.Request) (activities.Result, error) {
	return dynamodbPutMarkerSpec.run(ctx, req, withClient(a.dynamodbClient, func(ctx context.Context, req activities.Request, in ddbPutMarkerInput, c *dynamodb.Client) (activities.Result, error) {
		return putDDBMarker(ctx, c, req, in, time.Now())
	}))
}

func putDDBMarker(ctx context.Context, c itemReadWriter, req activities.Request, in ddbPutMarkerInput, now time.Time) (activities.Result, error) {
	k := in.ddbMarkerKey
	key, err := k.key()
	if err != nil {
		return nil, err
	}
	writer := req.RunID + "/" + req.StepID
	set := "SET written_at = :w, run_id = :r, step_id = :s, bcdr_writer = :writer"
	values := map[string]ddbtypes.AttributeValue{
		":w":      &ddbtypes.AttributeValueMemberS{Value: now.UTC().Format(time.RFC3339Nano)},
		":r":      &ddbtypes.AttributeValueMemberS{Value: req.RunID},
		":s":      &ddbtypes.AttributeValueMemberS{Value: req.StepID},
		":writer": &ddbtypes.AttributeValueMemberS{Value: writer},
		":one":    &ddbtypes.AttributeValueMemberN{Value: "1"},
	}
	var names map[string]string
	if in.ExpireAfter > 0 {
		if in.TTLAttribute == "" {
			return nil, invalid("DynamoDB marker in %q: expire_after needs a ttl_attribute", k.Table)
		}
		set += ", #ttl = :exp"
		names = map[string]string{"#ttl": in.TTLAttribute}
		expires := now.Add(time.Duration(in.ExpireAfter)).Unix()
		values[":exp"] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)}
	}
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 awssdk.String(k.Table),
		Key:                       key,
		UpdateExpression:          awssdk.String(set + " ADD seq :one"),
		ConditionExpression:       awssdk.String("attribute_not_exists(bcdr_writer) OR bcdr_writer <> :writer"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              ddbtypes.ReturnValueAllNew,
	})
	if errorCode(err) == "ConditionalCheckFailedException" {
		// this step already wrote the marker (a retried attempt): report that one
		m, found, err := readDDBMarker(ctx, c, k)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("write marker %s: it vanished after a conditional write", k.where())
		}
		return m.putResult(k.Key), nil
	}
	if err != nil {
		return nil, classify(err, "write marker %s", k.where())
	}
	m, err := markerFromItem(out.Attributes)
	if err != nil {
		return nil, fmt.Errorf("write marker %s: %w", k.where(), err)
	}
	return m.putResult(k.Key), nil
}

// DynamoDBGetMarker carries out aws.dynamodb.get_marker.
func (a *Actions) DynamoDBGetMarker(ctx context.Context, req activities.Request) (activities.Result, error) {
	return dynamodbGetMarkerSpec.run(ctx, req, withClient(a.dynamodbClient, func(ctx context.Context, req activities.Request, in ddbGetMarkerInput, c *dynamodb.Client) (activities.Result, error) {
		return a.getMarker(ctx, in.where(), time.Duration(in.Wait), func(ctx context.Context) (marker, bool, error) {
			return readDDBMarker(ctx, c, in.ddbMarkerKey)
		})
	}))
}

func readDDBMarker(ctx context.Context, c itemReadWriter, k ddbMarkerKey) (marker, bool, error) {
	key, err := k.key()
	if err != nil {
		return marker{}, false, err
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: awssdk.String(k.Table), Key: key, ConsistentRead: awssdk.Bool(true)})
	if err != nil {
		return marker{}, false, classify(err, "read marker %s", k.where())
	}
	if len(out.Item) == 0 {
		return marker{}, false, nil
	}
	m, err := markerFromItem(out.Item)
	if err != nil {
		return marker{}, false, failed("marker %s: %v", k.where(), err)
	}
	return m, true, nil
}

func markerFromItem(item map[string]ddbtypes.AttributeValue) (marker, error) {
	var m marker
	s := func(name string) string {
		if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	m.WrittenAt, m.RunID, m.StepID = s("written_at"), s("run_id"), s("step_id")
	n, ok := item["seq"].(*ddbtypes.AttributeValueMemberN)
	if !ok || m.WrittenAt == "" {
		return m, fmt.Errorf("the item is not a bcdr marker (needs written_at and seq)")
	}
	seq, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return m, fmt.Errorf("seq %q is not an integer", n.Value)
	}
	m.Seq = seq
	return m, nil
}
