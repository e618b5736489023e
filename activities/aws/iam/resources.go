package iam

import (
	"fmt"
	"strings"
)

// target is one step's action as far as the policy cares: its kind, its known inputs,
// and where it acts.
type target struct {
	kind                       string
	in                         map[string]any
	partition, account, region string
}

// str returns a known string input, or "*".
func (t target) str(name string) string {
	if s, ok := t.in[name].(string); ok && s != "" {
		return s
	}
	return "*"
}

// strs returns the known strings of a list input, or ["*"].
func (t target) strs(name string) []string {
	var out []string
	if list, ok := t.in[name].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return []string{"*"}
	}
	return out
}

func (t target) regionOr() string {
	if t.region == "" {
		return "*"
	}
	return t.region
}

// arn builds an ARN in the step's region and the account.
func (t target) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", t.partition, service, t.regionOr(), t.account, resource)
}

// global builds an ARN of a service whose ARNs name no region (or no account).
func (t target) global(service, account, resource string) string {
	return fmt.Sprintf("arn:%s:%s::%s:%s", t.partition, service, account, resource)
}

// orARN returns v when it is already an ARN, else the ARN make builds from it.
func orARN(v string, make func(string) string) string {
	if strings.HasPrefix(v, "arn:") {
		return v
	}
	return make(v)
}

// regionCondition is the region an action with no resource-level permissions acts in,
// for aws:RequestedRegion; "" for global services and steps whose region is unknown.
func (t target) regionCondition(action string) string {
	svc, _, _ := strings.Cut(action, ":")
	if globalServices[svc] {
		return ""
	}
	if t.kind == "aws.route53.health_check_status" && svc == "cloudwatch" {
		return "us-east-1" // Route 53 publishes its health check metrics there only
	}
	return t.region
}

// globalServices are answered by one global endpoint: aws:RequestedRegion does not say
// where they act.
var globalServices = map[string]bool{"iam": true, "route53": true, "sts": true, "route53-recovery-cluster": true}

// rule returns the resources an action is allowed on for a step.
type rule func(t target) []grant

// resourcesFor returns the grants of action for the step; perResource is false when AWS
// authorizes the action on "*" only (Describe and List calls, mostly), or when bcdr has
// no rule for it.
func resourcesFor(action string, t target) (grants []grant, perResource bool) {
	r, ok := rules[action]
	if !ok || r == nil {
		return nil, false
	}
	return r(t), true
}

func each(resources ...string) []grant {
	out := make([]grant, len(resources))
	for i, r := range resources {
		out[i] = grant{resource: r}
	}
	return out
}

func hostedZone(t target) []grant {
	zone := strings.TrimPrefix(t.str("hosted_zone_id"), "/hostedzone/")
	return each(t.global("route53", "", "hostedzone/"+zone))
}

func alarms(t target) []grant {
	var names []string
	if s, ok := t.in["alarm_name"].(string); ok && s != "" {
		names = append(names, s)
	}
	if _, ok := t.in["alarm_names"]; ok {
		names = append(names, t.strs("alarm_names")...)
	}
	if p, ok := t.in["alarm_name_prefix"].(string); ok && p != "" {
		names = append(names, p+"*")
	}
	if len(names) == 0 {
		names = []string{"*"}
	}
	var out []grant
	for _, n := range names {
		out = append(out, grant{resource: t.arn("cloudwatch", "alarm:"+n)})
	}
	return out
}

func ecsService(t target) []grant {
	svc := t.str("service")
	if strings.HasPrefix(svc, "arn:") {
		return each(svc)
	}
	cluster := t.str("cluster")
	if i := strings.Index(cluster, ":cluster/"); i >= 0 {
		cluster = cluster[i+len(":cluster/"):]
	}
	return each(t.arn("ecs", "service/"+cluster+"/"+svc))
}

func rdsCluster(t target, input string) string {
	return orARN(t.str(input), func(id string) string { return t.arn("rds", "cluster:"+id) })
}

// globalMember is a member cluster of a global database named by a step: its ARN, or any
// cluster of that name in any region (the members of a global database are in several
// regions, not necessarily the step's).
func globalMember(t target, input string) string {
	return orARN(t.str(input), func(id string) string {
		return fmt.Sprintf("arn:%s:rds:*:%s:cluster:%s", t.partition, t.account, id)
	})
}

func globalCluster(t target) string {
	return t.global("rds", t.account, "global-cluster:"+t.str("global_cluster_identifier"))
}

// restoredInstance is the instance a restore creates: named, or bcdr-<hash> by default.
func restoredInstance(t target) string {
	id := t.str("db_instance_identifier")
	if id == "*" && (t.kind == "aws.rds.restore_instance_from_snapshot" || t.kind == "aws.rds.restore_instance_to_point_in_time") {
		id = "bcdr-*"
	}
	return t.arn("rds", "db:"+id)
}

// clusterID is the cluster a cluster restore creates: named, or bcdr-<hash>.
func clusterID(t target) string {
	if id := t.str("db_cluster_identifier"); id != "*" {
		return id
	}
	return "bcdr-*"
}

func restoredCluster(t target) string { return t.arn("rds", "cluster:"+clusterID(t)) }

func dbInstances(t target) []grant {
	out := each(restoredInstance(t))
	if src, ok := t.in["source_db_instance_identifier"].(string); ok && src != "" {
		out = append(out, grant{resource: t.arn("rds", "db:"+src)})
	}
	return out
}

// restoreConfig is what a restore names besides its source and target: the subnet group,
// and the option and parameter groups (named, or any, since AWS checks the defaults too).
func restoreConfig(t target) []grant {
	group := func(prefix, input string) string {
		return t.arn("rds", prefix+t.str(input))
	}
	return each(group("subgrp:", "db_subnet_group_name"), group("og:", "option_group_name"), group("pg:", "db_parameter_group_name"))
}

func snapshot(t target) string {
	return orARN(t.str("db_snapshot_identifier"), func(id string) string { return t.arn("rds", "snapshot:"+id) })
}

// clusterSnapshot is the cluster snapshot a step names, or any (the newest of a cluster's).
func clusterSnapshot(t target) string {
	return orARN(t.str("db_cluster_snapshot_identifier"), func(id string) string { return t.arn("rds", "cluster-snapshot:"+id) })
}

func nodegroup(t target) []grant {
	return each(t.arn("eks", "nodegroup/"+t.str("cluster")+"/"+t.str("nodegroup")+"/*"))
}

func globalDatastore(t target) []grant {
	return each(t.global("elasticache", t.account, "globalreplicationgroup:"+t.str("global_replication_group_id")),
		t.arn("elasticache", "replicationgroup:"+t.str("replication_group_id")))
}

func bucket(t target) []grant {
	return each(t.global("s3", "", t.str("bucket")))
}

func objects(t target) []grant {
	key := t.str("key")
	if t.kind == "aws.s3.verify_replication" {
		key = "*"
		if p, ok := t.in["prefix"].(string); ok {
			key = p + "*"
		}
	}
	return each(t.global("s3", "", t.str("bucket")+"/"+key))
}

// table is the table a step names, or for a point-in-time restore its source and the
// new table.
func table(t target) []grant {
	if t.kind != "aws.dynamodb.restore_table_to_point_in_time" {
		return each(t.arn("dynamodb", "table/"+t.str("table")))
	}
	source := orARN(t.str("source_table"), func(name string) string { return t.arn("dynamodb", "table/"+name) })
	return each(source, t.arn("dynamodb", "table/"+t.str("target_table")))
}

func function(t target) []grant {
	fn := t.str("function_name")
	if strings.HasPrefix(fn, "arn:") {
		return each(fn, fn+":*")
	}
	return each(t.arn("lambda", "function:"+fn), t.arn("lambda", "function:"+fn+":*"))
}

func parameter(t target) []grant {
	name := t.str("name")
	if strings.HasPrefix(name, "arn:") {
		return each(name)
	}
	if i := strings.LastIndex(name, ":"); i > 0 { // name:version or name:label
		name = name[:i]
	}
	return each(t.arn("ssm", "parameter/"+strings.TrimPrefix(name, "/")))
}

// viaService lets a kind use a KMS key only through the AWS service the kind calls
// (kms:ViaService, e.g. rds.us-west-2.amazonaws.com): SSM decrypting a SecureString, S3
// encrypting or decrypting an SSE-KMS object, RDS creating a grant for an encrypted
// restore. AWS's guides name these actions: RDS "Authorizing use of a customer managed
// key" (kms:CreateGrant, kms:DescribeKey,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html),
// S3 "Using server-side encryption with AWS KMS keys" (kms:GenerateDataKey to write,
// kms:Decrypt to read, https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
// The key is the one the step names (kms_key_id), else any key of the account in the
// step's region, which the ViaService condition narrows to that one service.
func viaService(t target) []grant {
	key := t.arn("kms", "key/*")
	if k, ok := t.in["kms_key_id"].(string); ok && strings.HasPrefix(k, "arn:") {
		key = k
	}
	g := grant{resource: key, condKey: "kms:ViaService"}
	svc := kindService(t.kind)
	if t.region != "" {
		g.condOp, g.condVals = "StringEquals", []string{svc + "." + t.region + ".amazonaws.com"}
	} else {
		g.condOp, g.condVals = "StringLike", []string{svc + ".*.amazonaws.com"}
	}
	return []grant{g}
}

// kindService is the AWS service a kind calls: aws.<service>.<operation>.
func kindService(kind string) string {
	parts := strings.Split(kind, ".")
	if len(parts) < 3 {
		return "*"
	}
	return parts[1]
}

func automation(t target) []grant {
	doc := t.str("document_name")
	if strings.HasPrefix(doc, "arn:") {
		return each(doc, doc+":*")
	}
	acct := t.account
	if strings.HasPrefix(doc, "AWS-") { // documents AWS owns are not in the account
		acct = ""
	}
	return each(fmt.Sprintf("arn:%s:ssm:%s:%s:automation-definition/%s:*", t.partition, t.regionOr(), acct, doc))
}

// routingControl is the routing control a step names (routing_control_arn), or each of
// the controls of a batch (states: [{routing_control_arn, state}]); any control of the
// account when one is not known.
func routingControl(t target) []grant {
	anyControl := t.global("route53-recovery-control", t.account, "controlpanel/*/routingcontrol/*")
	states, batch := t.in["states"].([]any)
	if !batch {
		return each(orARN(t.str("routing_control_arn"), func(string) string { return anyControl }))
	}
	var out []grant
	for _, s := range states {
		m, _ := s.(map[string]any)
		arn, _ := m["routing_control_arn"].(string)
		if !strings.HasPrefix(arn, "arn:") {
			return each(anyControl)
		}
		out = append(out, grant{resource: arn})
	}
	if len(out) == 0 {
		return each(anyControl)
	}
	return out
}

// passRole lets the kind hand a role to the AWS service that uses it, and no other.
func passRole(t target) []grant {
	switch t.kind {
	case "aws.backup.start_restore":
		return []grant{{resource: orARN(t.str("iam_role_arn"), func(string) string { return t.global("iam", t.account, "role/*") }),
			condOp: "StringEquals", condKey: "iam:PassedToService", condVals: []string{"backup.amazonaws.com"}}}
	case "aws.ssm.start_automation":
		// Automation runs as the role in the AutomationAssumeRole parameter; whoever starts
		// it must be allowed to pass that role to SSM ("Configure your Automation role",
		// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup-iam.html).
		role := ""
		if params, ok := t.in["parameters"].(map[string]any); ok {
			role, _ = params["AutomationAssumeRole"].(string)
		}
		if !strings.HasPrefix(role, "arn:") {
			role = t.global("iam", t.account, "role/*")
		}
		return []grant{{resource: role, condOp: "StringEquals", condKey: "iam:PassedToService", condVals: []string{"ssm.amazonaws.com"}}}
	case "aws.drs.start_recovery": // the recovery instances' instance profile role
		return []grant{{resource: t.global("iam", t.account, "role/service-role/AWSElasticDisasterRecovery*"),
			condOp: "StringEquals", condKey: "iam:PassedToService", condVals: []string{"ec2.amazonaws.com"}}}
	}
	return []grant{{resource: t.global("iam", t.account, "role/*")}}
}

// rules say, per IAM action, which resources a step's inputs name. A nil rule marks an
// action AWS authorizes on "*" only. Every action of every step kind must be listed (a
// test checks it), so a new kind gets a decision, not a silent "*".
var rules = map[string]rule{
	"autoscaling:DescribeAutoScalingGroups": nil,
	"autoscaling:UpdateAutoScalingGroup": func(t target) []grant {
		return each(t.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"+t.str("group")))
	},

	// Service Authorization Reference, Application Auto Scaling: DescribeScalableTargets
	// takes "*"; RegisterScalableTarget acts on ScalableTarget,
	// arn:${Partition}:application-autoscaling:${Region}:${Account}:scalable-target/${ScalableTargetId},
	// whose id AWS makes up, so the grant names the region and account and is narrowed by
	// the application-autoscaling:service-namespace condition key
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsapplicationautoscaling.html).
	"application-autoscaling:DescribeScalableTargets": nil,
	"application-autoscaling:RegisterScalableTarget": func(t target) []grant {
		ns := t.str("service_namespace")
		if ns == "*" {
			ns = "ecs" // the kind's default
		}
		return []grant{{resource: t.arn("application-autoscaling", "scalable-target/*"),
			condOp: "StringEquals", condKey: "application-autoscaling:service-namespace", condVals: []string{ns}}}
	},

	"backup:StartRestoreJob": func(t target) []grant {
		return each(orARN(t.str("recovery_point_arn"), func(string) string { return t.arn("backup", "recovery-point:*") }))
	},
	"backup:DescribeRestoreJob": nil,
	"iam:PassRole":              passRole,

	"cloudwatch:DescribeAlarms": alarms,
	"cloudwatch:GetMetricData":  nil,

	"drs:StartRecovery": func(t target) []grant {
		var out []grant
		for _, id := range t.strs("source_server_ids") {
			out = append(out, grant{resource: t.arn("drs", "source-server/"+id)})
		}
		return out
	},
	"drs:DescribeJobs": nil,
	// DRS launches recovery instances with the caller's EC2 permissions: AWS's own DRS
	// policies grant these on "*", and so does this one, narrowed to the step's region.
	"drs:TagResource": nil, "drs:ListTagsForResource": nil, "drs:CreateRecoveryInstanceForDrs": nil,
	"ec2:AttachVolume": nil, "ec2:AuthorizeSecurityGroupEgress": nil, "ec2:AuthorizeSecurityGroupIngress": nil,
	"ec2:CreateLaunchTemplate": nil, "ec2:CreateLaunchTemplateVersion": nil, "ec2:CreateSecurityGroup": nil,
	"ec2:CreateSnapshot": nil, "ec2:CreateTags": nil, "ec2:CreateVolume": nil, "ec2:DeleteLaunchTemplateVersions": nil,
	"ec2:DeleteSnapshot": nil, "ec2:DeleteVolume": nil, "ec2:DescribeAccountAttributes": nil,
	"ec2:DescribeAvailabilityZones": nil, "ec2:DescribeImages": nil, "ec2:DescribeInstanceTypes": nil,
	"ec2:DescribeLaunchTemplateVersions": nil, "ec2:DescribeLaunchTemplates": nil, "ec2:DescribeSecurityGroups": nil,
	"ec2:DescribeSnapshots": nil, "ec2:DescribeSubnets": nil, "ec2:DescribeVolumes": nil, "ec2:DetachVolume": nil,
	"ec2:ModifyInstanceAttribute": nil, "ec2:ModifyLaunchTemplate": nil, "ec2:RevokeSecurityGroupEgress": nil,
	"ec2:RunInstances": nil, "ec2:TerminateInstances": nil,

	"dynamodb:DescribeTable": table,
	"dynamodb:GetItem":       table,
	"dynamodb:UpdateItem":    table,
	// a point-in-time restore reads the source and writes the new table
	"dynamodb:RestoreTableToPointInTime": table,
	"dynamodb:PutItem":                   table,
	"dynamodb:DeleteItem":                table,
	"dynamodb:Query":                     table,
	"dynamodb:Scan":                      table,
	"dynamodb:BatchWriteItem":            table,

	"ec2:DescribeInstances": nil,
	"ec2:StartInstances":    instances,
	"ec2:StopInstances":     instances,

	// Service Authorization Reference, Amazon EKS: DescribeNodegroup and
	// UpdateNodegroupConfig act on nodegroup, arn:${Partition}:eks:${Region}:${Account}:
	// nodegroup/${ClusterName}/${NodegroupName}/${UUID}
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerserviceforkubernetes.html).
	"eks:DescribeNodegroup":     nodegroup,
	"eks:UpdateNodegroupConfig": nodegroup,
	// Service Authorization Reference, AWS Secrets Manager: both act on Secret,
	// arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}, whose ARN
	// ends in six random characters; called in the step's (replica's) region, and the
	// check reads the primary too.
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
	"secretsmanager:DescribeSecret": func(t target) []grant {
		return each(orARN(t.str("secret_id"), func(id string) string {
			return fmt.Sprintf("arn:%s:secretsmanager:*:%s:secret:%s-??????", t.partition, t.account, id)
		}))
	},
	"secretsmanager:StopReplicationToReplica": func(t target) []grant {
		return each(orARN(t.str("secret_id"), func(id string) string { return t.arn("secretsmanager", "secret:"+id+"-??????") }))
	},
	// Service Authorization Reference, Amazon ElastiCache: the global datastore actions act
	// on globalreplicationgroup (arn:${Partition}:elasticache::${Account}:globalreplicationgroup:${Id},
	// no region) and the member replicationgroup
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticache.html).
	"elasticache:DescribeGlobalReplicationGroups":    globalDatastore,
	"elasticache:FailoverGlobalReplicationGroup":     globalDatastore,
	"elasticache:DisassociateGlobalReplicationGroup": globalDatastore,
	"ecs:DescribeServices":                           ecsService,
	"ecs:UpdateService":                              ecsService,

	"elasticloadbalancing:DescribeTargetHealth": nil,

	"lambda:InvokeFunction": function,

	"rds:DescribeGlobalClusters": func(t target) []grant { return each(globalCluster(t)) },
	"rds:FailoverGlobalCluster": func(t target) []grant {
		return each(globalCluster(t), globalMember(t, "target_db_cluster_identifier"))
	},
	"rds:SwitchoverGlobalCluster": func(t target) []grant {
		return each(globalCluster(t), globalMember(t, "target_db_cluster_identifier"))
	},
	"rds:RemoveFromGlobalCluster": func(t target) []grant {
		return each(globalCluster(t), rdsCluster(t, "db_cluster_identifier"))
	},
	"rds:DescribeDBClusters": func(t target) []grant { return each(rdsCluster(t, "db_cluster_identifier")) },
	"rds:RestoreDBClusterToPointInTime": func(t target) []grant {
		return each(restoredCluster(t), rdsCluster(t, "source_db_cluster_identifier"),
			t.arn("rds", "subgrp:"+t.str("db_subnet_group_name")), t.arn("rds", "cluster-pg:"+t.str("db_cluster_parameter_group_name")))
	},
	// Service Authorization Reference, Amazon RDS: DescribeDBClusterSnapshots acts on
	// cluster and cluster-snapshot; RestoreDBClusterFromSnapshot on cluster (the new one),
	// cluster-snapshot, cluster-pg and subgrp
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
	"rds:DescribeDBClusterSnapshots": func(t target) []grant {
		if t.str("db_cluster_snapshot_identifier") != "*" {
			return each(clusterSnapshot(t))
		}
		return each(rdsCluster(t, "source_db_cluster_identifier"), t.arn("rds", "cluster-snapshot:*"))
	},
	"rds:RestoreDBClusterFromSnapshot": func(t target) []grant {
		return each(restoredCluster(t), clusterSnapshot(t),
			t.arn("rds", "subgrp:"+t.str("db_subnet_group_name")), t.arn("rds", "cluster-pg:"+t.str("db_cluster_parameter_group_name")))
	},
	"rds:CreateDBInstance": func(t target) []grant { // the restored cluster's writer, <cluster>-1
		return each(t.arn("rds", "db:"+clusterID(t)+"-1"), restoredCluster(t), t.arn("rds", "pg:*"), t.arn("rds", "og:*"), t.arn("rds", "subgrp:*"))
	},
	"rds:FailoverDBCluster":   func(t target) []grant { return each(rdsCluster(t, "db_cluster_identifier")) },
	"rds:DescribeDBInstances": dbInstances,
	"rds:PromoteReadReplica":  func(t target) []grant { return each(restoredInstance(t)) },
	"rds:DeleteDBInstance":    func(t target) []grant { return each(restoredInstance(t)) },
	"rds:AddTagsToResource":   func(t target) []grant { return each(restoredInstance(t)) },
	"rds:DescribeDBSnapshots": func(t target) []grant {
		return append(each(snapshot(t)), dbInstances(t)[1:]...)
	},
	"rds:RestoreDBInstanceFromDBSnapshot": func(t target) []grant {
		return append(each(restoredInstance(t), snapshot(t)), restoreConfig(t)...)
	},
	"rds:RestoreDBInstanceToPointInTime": func(t target) []grant {
		source := t.arn("rds", "db:"+t.str("source_db_instance_identifier"))
		if arn, ok := t.in["source_db_instance_automated_backups_arn"].(string); ok && arn != "" {
			source = arn
		}
		return append(each(restoredInstance(t), source), restoreConfig(t)...)
	},

	"route53:ChangeResourceRecordSets": hostedZone,
	"route53:ListResourceRecordSets":   hostedZone,
	"route53:GetChange":                func(t target) []grant { return each(t.global("route53", "", "change/*")) },
	"route53:GetHealthCheck": func(t target) []grant {
		return each(t.global("route53", "", "healthcheck/"+t.str("health_check_id")))
	},

	"route53-recovery-cluster:GetRoutingControlState":     routingControl,
	"route53-recovery-cluster:UpdateRoutingControlState":  routingControl,
	"route53-recovery-cluster:UpdateRoutingControlStates": routingControl,

	"s3:GetReplicationConfiguration": bucket,
	"s3:GetBucketVersioning":         bucket,
	"s3:ListBucket":                  bucket,
	"s3:GetObject":                   objects,
	"s3:PutObject":                   objects,

	"ssm:GetParameter":             parameter,
	"kms:Decrypt":                  viaService,
	"kms:GenerateDataKey":          viaService,
	"kms:CreateGrant":              viaService,
	"kms:DescribeKey":              viaService,
	"ssm:StartAutomationExecution": automation,
	"ssm:GetAutomationExecution":   func(t target) []grant { return each(t.arn("ssm", "automation-execution/*")) },
}

func instances(t target) []grant {
	var out []grant
	for _, id := range t.strs("instance_ids") {
		out = append(out, grant{resource: t.arn("ec2", "instance/"+id)})
	}
	return out
}

// HasRule reports whether bcdr knows how to narrow (or knows it cannot narrow) action.
func HasRule(action string) bool {
	_, ok := rules[action]
	return ok
}
