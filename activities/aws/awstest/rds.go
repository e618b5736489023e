package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// ---- RDS failovers (awsQuery), which moto lacks or misstates

// RDS is a fake of the RDS operations the library's failovers call, for the ones moto 5.2
// lacks (FailoverGlobalCluster, SwitchoverGlobalCluster) or misstates: moto makes the
// first instance of a global database's secondary cluster its writer, where AWS has
// readers only until a failover promotes the cluster, and its PromoteReadReplica keeps
// ReadReplicaSourceDBInstanceIdentifier, so a promotion never shows as finished. Route
// every "rds" request to it with Split; it answers only the operations below (anything
// else is InvalidAction), as the RDS API reference documents them
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/):
//
//   - DescribeGlobalClusters (API_DescribeGlobalClusters.html): the global cluster, its
//     members with IsWriter, and while a failover or switchover runs its FailoverState
//     (API_FailoverState.html: Status pending, then failing-over or switching-over, with
//     FromDbClusterArn, ToDbClusterArn, IsDataLossAllowed); GlobalClusterNotFoundFault
//     (HTTP 404) for an unknown identifier.
//   - FailoverGlobalCluster (API_FailoverGlobalCluster.html): with AllowDataLoss a
//     failover, without it a switchover; the target must be a member
//     (DBClusterNotFoundFault, 404) and no other operation may be under way
//     (InvalidGlobalClusterStateFault, 400). SwitchoverGlobalCluster
//     (API_SwitchoverGlobalCluster.html) likewise, without data loss.
//   - DescribeDBClusters (API_DescribeDBClusters.html, API_DBClusterMember.html): a
//     member cluster of the request's region by identifier or ARN, with its instances;
//     IsClusterWriter is true for the first instance of the global database's writer
//     cluster only. DBClusterNotFoundFault (404) otherwise.
//   - DescribeDBInstances and PromoteReadReplica (API_PromoteReadReplica.html): a read
//     replica of the request's region; "When you promote a read replica, RDS reboots the
//     DB instance before making it available" (USER_ReadRepl.Promote.html), so after the
//     call it is modifying, then available without ReadReplicaSourceDBInstanceIdentifier.
//     DBInstanceNotFound (404) for an unknown one; InvalidDBInstanceState (400) for a
//     promotion of an instance that is not a replica or is already being promoted.
//   - DeleteDBInstance (API_DeleteDBInstance.html): the instance turns deleting, and is
//     gone (DBInstanceNotFound) once described Looks times; InvalidDBInstanceState (400)
//     for an instance already being deleted, DBInstanceNotFound (404) for an unknown one.
//
// AWS takes minutes for each of these; the fake takes Looks describes of the resource
// (default 2) for each state, so a caller must poll through them (a benchmark that gives
// the calls AWS's durations with faultproxy sets Looks to 0).
type RDS struct {
	// Looks is how many describes each intermediate state lasts; with 0 a global
	// operation shows failing-over (switching-over) once and a promotion no modifying.
	Looks int

	mu        sync.Mutex
	globals   map[string]*globalDB // by identifier
	clusters  map[string]*AuroraCluster
	instances map[string]*rdsInstance // by region/identifier
	calls     []string
}

// AuroraCluster is a member of a global database: its ARN
// (arn:aws:rds:REGION:ACCOUNT:cluster:ID) and its instances' identifiers.
type AuroraCluster struct {
	ARN       string
	Instances []string
}

type globalDB struct {
	id       string
	members  []string // cluster ARNs, the writer's first at creation
	writer   string
	op       string // "" or the running operation's FailoverState status after pending
	from, to string
	dataLoss bool
	looks    int // describes the operation has been seen in its current state
	pending  bool
}

type rdsInstance struct {
	region, id, source, status string
	looks                      int
}

// NewRDS returns an empty fake.
func NewRDS() *RDS {
	return &RDS{Looks: 2, globals: map[string]*globalDB{}, clusters: map[string]*AuroraCluster{}, instances: map[string]*rdsInstance{}}
}

// AddGlobalCluster adds a global database whose writer is primary, with secondaries.
func (f *RDS) AddGlobalCluster(id string, primary AuroraCluster, secondaries ...AuroraCluster) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &globalDB{id: id, writer: primary.ARN}
	for _, c := range append([]AuroraCluster{primary}, secondaries...) {
		c := c
		f.clusters[c.ARN] = &c
		g.members = append(g.members, c.ARN)
	}
	f.globals[id] = g
}

// AddReadReplica adds an available read replica in region whose source is the instance
// with sourceARN.
func (f *RDS) AddReadReplica(region, id, sourceARN string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.instances[region+"/"+id] = &rdsInstance{region: region, id: id, source: sourceARN, status: "available"}
}

// Writer is the ARN of the global database's writer cluster.
func (f *RDS) Writer(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g := f.globals[id]; g != nil {
		return g.writer
	}
	return ""
}

// ReplicaSource is the source of a read replica, "" once it is promoted.
func (f *RDS) ReplicaSource(region, id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in := f.instances[region+"/"+id]; in != nil {
		return in.source
	}
	return ""
}

// Calls lists the calls received, "REGION Action [PARAM=VALUE ...]" for the changes.
func (f *RDS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

var scopeRegionService = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (f *RDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	op := r.PostForm.Get("Action")
	region := ""
	if m := scopeRegionService.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	call := region + " " + op
	switch op {
	case "FailoverGlobalCluster", "SwitchoverGlobalCluster", "PromoteReadReplica", "DeleteDBInstance":
		var params []string
		for k := range r.PostForm {
			if k != "Action" && k != "Version" {
				params = append(params, k+"="+r.PostForm.Get(k))
			}
		}
		sort.Strings(params)
		call += " " + strings.Join(params, " ")
	}
	f.calls = append(f.calls, strings.TrimSpace(call))
	form := r.PostForm.Get
	switch op {
	case "DescribeGlobalClusters":
		f.describeGlobal(w, form("GlobalClusterIdentifier"))
	case "FailoverGlobalCluster", "SwitchoverGlobalCluster":
		f.moveWriter(w, op, form("GlobalClusterIdentifier"), form("TargetDbClusterIdentifier"),
			op == "FailoverGlobalCluster" && form("AllowDataLoss") == "true")
	case "DescribeDBClusters":
		f.describeCluster(w, region, form("DBClusterIdentifier"))
	case "DescribeDBInstances":
		f.describeInstance(w, region, form("DBInstanceIdentifier"))
	case "PromoteReadReplica":
		f.promote(w, region, form("DBInstanceIdentifier"))
	case "DeleteDBInstance":
		f.delete(w, region, form("DBInstanceIdentifier"))
	default:
		rdsErr(w, 400, "InvalidAction", "this fake does not answer "+op)
	}
}

func (f *RDS) describeGlobal(w http.ResponseWriter, id string) {
	g := f.globals[id]
	if g == nil {
		rdsErr(w, 404, "GlobalClusterNotFoundFault", fmt.Sprintf("Global cluster %s not found.", id))
		return
	}
	f.advanceGlobal(g)
	var b strings.Builder
	fmt.Fprintf(&b, "<GlobalClusterIdentifier>%s</GlobalClusterIdentifier><GlobalClusterArn>arn:aws:rds::123456789012:global-cluster:%s</GlobalClusterArn>",
		xmlEscape(g.id), xmlEscape(g.id))
	status := "available"
	if g.op != "" {
		status = "failing-over"
		if g.op == "switching-over" {
			status = "switching-over"
		}
	}
	fmt.Fprintf(&b, "<Status>%s</Status><Engine>aurora-postgresql</Engine><GlobalClusterMembers>", status)
	for _, m := range g.members {
		fmt.Fprintf(&b, "<GlobalClusterMember><DBClusterArn>%s</DBClusterArn><IsWriter>%t</IsWriter></GlobalClusterMember>", xmlEscape(m), m == g.writer)
	}
	b.WriteString("</GlobalClusterMembers>")
	if g.op != "" {
		st := g.op
		if g.pending {
			st = "pending"
		}
		fmt.Fprintf(&b, "<FailoverState><Status>%s</Status><FromDbClusterArn>%s</FromDbClusterArn><ToDbClusterArn>%s</ToDbClusterArn><IsDataLossAllowed>%t</IsDataLossAllowed></FailoverState>",
			st, xmlEscape(g.from), xmlEscape(g.to), g.dataLoss)
	}
	rdsOK(w, "DescribeGlobalClusters", "<GlobalClusters><GlobalClusterMember>"+b.String()+"</GlobalClusterMember></GlobalClusters>")
}

// advanceGlobal counts one look at a running operation: Looks in pending, Looks in
// failing-over (switching-over), then the target is the writer.
func (f *RDS) advanceGlobal(g *globalDB) {
	if g.op == "" {
		return
	}
	g.looks++
	if g.looks <= f.Looks {
		return
	}
	g.looks = 1
	if g.pending {
		g.pending = false
		return
	}
	g.writer, g.op = g.to, ""
}

func (f *RDS) moveWriter(w http.ResponseWriter, op, id, target string, dataLoss bool) {
	g := f.globals[id]
	if g == nil {
		rdsErr(w, 404, "GlobalClusterNotFoundFault", fmt.Sprintf("Global cluster %s not found.", id))
		return
	}
	member := false
	for _, m := range g.members {
		member = member || m == target
	}
	switch {
	case !member:
		rdsErr(w, 404, "DBClusterNotFoundFault", fmt.Sprintf("DBCluster %s is not a member of global cluster %s.", target, id))
		return
	case g.op != "":
		rdsErr(w, 400, "InvalidGlobalClusterStateFault", fmt.Sprintf("Global cluster %s is already %s.", id, g.op))
		return
	case target == g.writer:
		rdsErr(w, 400, "InvalidDBClusterStateFault", fmt.Sprintf("DBCluster %s is already the primary cluster of %s.", target, id))
		return
	}
	g.op, g.pending, g.looks = "failing-over", true, 0
	if !dataLoss {
		g.op = "switching-over"
	}
	g.from, g.to, g.dataLoss = g.writer, target, dataLoss
	rdsOK(w, op, fmt.Sprintf("<GlobalCluster><GlobalClusterIdentifier>%s</GlobalClusterIdentifier><Status>available</Status></GlobalCluster>", xmlEscape(id)))
}

func (f *RDS) describeCluster(w http.ResponseWriter, region, id string) {
	var c *AuroraCluster
	for arn, m := range f.clusters {
		parts := strings.Split(arn, ":")
		if len(parts) == 7 && parts[3] == region && (arn == id || parts[6] == id) {
			c = m
		}
	}
	if c == nil {
		rdsErr(w, 404, "DBClusterNotFoundFault", fmt.Sprintf("DBCluster %s not found.", id))
		return
	}
	writer, global := false, ""
	for _, g := range f.globals {
		for _, m := range g.members {
			if m == c.ARN {
				global, writer = g.id, g.writer == c.ARN
			}
		}
	}
	name := c.ARN[strings.LastIndexByte(c.ARN, ':')+1:]
	var b strings.Builder
	fmt.Fprintf(&b, "<DBClusterIdentifier>%s</DBClusterIdentifier><DBClusterArn>%s</DBClusterArn><Status>available</Status><Engine>aurora-postgresql</Engine>",
		xmlEscape(name), xmlEscape(c.ARN))
	fmt.Fprintf(&b, "<Endpoint>%s.cluster-abc.%s.rds.amazonaws.com</Endpoint><ReaderEndpoint>%s.cluster-ro-abc.%s.rds.amazonaws.com</ReaderEndpoint>",
		xmlEscape(name), region, xmlEscape(name), region)
	fmt.Fprintf(&b, "<GlobalClusterIdentifier>%s</GlobalClusterIdentifier><DBClusterMembers>", xmlEscape(global))
	for i, in := range c.Instances {
		fmt.Fprintf(&b, "<DBClusterMember><DBInstanceIdentifier>%s</DBInstanceIdentifier><IsClusterWriter>%t</IsClusterWriter><PromotionTier>1</PromotionTier></DBClusterMember>",
			xmlEscape(in), writer && i == 0)
	}
	b.WriteString("</DBClusterMembers>")
	rdsOK(w, "DescribeDBClusters", "<DBClusters><DBCluster>"+b.String()+"</DBCluster></DBClusters>")
}

func (f *RDS) describeInstance(w http.ResponseWriter, region, id string) {
	in := f.instances[region+"/"+id]
	if in == nil {
		instanceNotFound(w, id)
		return
	}
	if in.status == "modifying" {
		if in.looks++; in.looks > f.Looks {
			in.status, in.source = "available", ""
		}
	}
	if in.status == "deleting" {
		if in.looks++; in.looks > f.Looks {
			delete(f.instances, region+"/"+id)
			instanceNotFound(w, id)
			return
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceArn>arn:aws:rds:%s:123456789012:db:%s</DBInstanceArn><DBInstanceStatus>%s</DBInstanceStatus><Engine>postgres</Engine>",
		xmlEscape(id), region, xmlEscape(id), in.status)
	if in.source != "" {
		fmt.Fprintf(&b, "<ReadReplicaSourceDBInstanceIdentifier>%s</ReadReplicaSourceDBInstanceIdentifier>", xmlEscape(in.source))
	}
	fmt.Fprintf(&b, "<Endpoint><Address>%s.abc.%s.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>", xmlEscape(id), region)
	rdsOK(w, "DescribeDBInstances", "<DBInstances><DBInstance>"+b.String()+"</DBInstance></DBInstances>")
}

func (f *RDS) promote(w http.ResponseWriter, region, id string) {
	f.changeInstance(w, region, id, "PromoteReadReplica", "modifying", func(in *rdsInstance) string {
		if in.source == "" || in.status != "available" {
			return fmt.Sprintf("DB Instance %s is not a read replica, or is not available.", id)
		}
		return ""
	})
}

func (f *RDS) delete(w http.ResponseWriter, region, id string) {
	f.changeInstance(w, region, id, "DeleteDBInstance", "deleting", func(in *rdsInstance) string {
		if in.status == "deleting" {
			return fmt.Sprintf("Instance %s is already being deleted.", id)
		}
		return ""
	})
}

// changeInstance answers op, which turns the instance status: DBInstanceNotFound for an
// unknown instance, InvalidDBInstanceState with refused's message when refused says the
// instance's state does not allow op.
func (f *RDS) changeInstance(w http.ResponseWriter, region, id, op, status string, refused func(*rdsInstance) string) {
	in := f.instances[region+"/"+id]
	if in == nil {
		instanceNotFound(w, id)
		return
	}
	if msg := refused(in); msg != "" {
		rdsErr(w, 400, "InvalidDBInstanceState", msg)
		return
	}
	in.status, in.looks = status, 0
	rdsOK(w, op, fmt.Sprintf("<DBInstance><DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceStatus>%s</DBInstanceStatus></DBInstance>", xmlEscape(id), status))
}

func instanceNotFound(w http.ResponseWriter, id string) {
	rdsErr(w, 404, "DBInstanceNotFound", fmt.Sprintf("DBInstance %s not found.", id))
}

func rdsOK(w http.ResponseWriter, op, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake-rds</RequestId></ResponseMetadata></%sResponse>`,
		op, op, result, op, op)
}

func rdsErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-rds</RequestId></ErrorResponse>`,
		code, xmlEscape(msg))
}
