package iam_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bcdr/bcdr/activities/aws/iam"
	"github.com/bcdr/bcdr/internal/librarytest"
)

// TestPointInTimeRestoreNamesItsSourceNetworkAndKey: RestoreDBInstanceToPointInTime is
// authorized on the target instance, the source (an instance, or automated backups
// replicated from another region) and the groups it names
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
func TestPointInTimeRestoreNamesItsSourceNetworkAndKey(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: pitr}
steps:
  - id: same_region
    uses: aws.rds.restore_instance_to_point_in_time
    with:
      region: us-east-1
      db_instance_identifier: orders-restored
      source_db_instance_identifier: orders-db
      restore_time: "2026-12-03T08:14:00Z"
      db_subnet_group_name: orders-private
      vpc_security_group_ids: [sg-0123]
      db_parameter_group_name: orders-pg16
  - id: other_region
    uses: aws.rds.restore_instance_to_point_in_time
    with:
      region: us-west-2
      source_db_instance_automated_backups_arn: arn:aws:rds:us-west-2:111122223333:auto-backup:ab-orders
      use_latest_restorable_time: true
      allow_default_network: true
`)
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	assert.ElementsMatch(t, []string{
		"arn:aws:rds:us-east-1:111122223333:db:orders-restored", "arn:aws:rds:us-east-1:111122223333:db:orders-db",
		"arn:aws:rds:us-east-1:111122223333:subgrp:orders-private", "arn:aws:rds:us-east-1:111122223333:og:*",
		"arn:aws:rds:us-east-1:111122223333:pg:orders-pg16",
		"arn:aws:rds:us-west-2:111122223333:db:bcdr-*", "arn:aws:rds:us-west-2:111122223333:auto-backup:ab-orders",
		"arn:aws:rds:us-west-2:111122223333:subgrp:*", "arn:aws:rds:us-west-2:111122223333:og:*", "arn:aws:rds:us-west-2:111122223333:pg:*",
	}, resourcesOf(p, "rds:RestoreDBInstanceToPointInTime"))
	var via []string
	for _, st := range statementsFor(p, "kms:CreateGrant") {
		via = append(via, st.Condition["StringEquals"]["kms:ViaService"]...)
	}
	assert.ElementsMatch(t, []string{"rds.us-east-1.amazonaws.com", "rds.us-west-2.amazonaws.com"}, via)
	assertValid(t, p)
}

// TestTableRestoreWritesTheNewTable: a point-in-time restore reads the source table and
// writes the new one with the caller's permissions
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_beforeyoubegin.html).
func TestTableRestoreWritesTheNewTable(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: table-pitr}
steps:
  - id: restore
    uses: aws.dynamodb.restore_table_to_point_in_time
    with: {region: eu-west-1, source_table: invoices, target_table: invoices-restored, restore_time: "2026-12-03T08:14:00Z"}
`)
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	both := []string{"arn:aws:dynamodb:eu-west-1:111122223333:table/invoices", "arn:aws:dynamodb:eu-west-1:111122223333:table/invoices-restored"}
	assert.ElementsMatch(t, both, resourcesOf(p, "dynamodb:RestoreTableToPointInTime"))
	assert.ElementsMatch(t, both, resourcesOf(p, "dynamodb:BatchWriteItem"))
	assertValid(t, p)
}

// TestClusterRestoreNamesItsClusterAndWriter: the restore is authorized on the new and the
// source cluster and the groups it names; the writer it creates is <cluster>-1.
func TestClusterRestoreNamesItsClusterAndWriter(t *testing.T) {
	reg := librarytest.Registry(t)
	rb := parse(t, reg, `apiVersion: bcdr.io/v1
kind: Runbook
metadata: {name: cluster-pitr}
steps:
  - id: restore
    uses: aws.rds.restore_cluster_to_point_in_time
    with:
      region: us-east-1
      db_cluster_identifier: payments-restored
      source_db_cluster_identifier: payments-aurora
      restore_time: "2026-12-03T08:14:00Z"
      writer_db_instance_class: db.r6g.large
      db_subnet_group_name: payments-private
      vpc_security_group_ids: [sg-0123]
`)
	p := policyOf(t, reg, rb, iam.Options{Account: "111122223333"})
	assert.ElementsMatch(t, []string{
		"arn:aws:rds:us-east-1:111122223333:cluster:payments-restored", "arn:aws:rds:us-east-1:111122223333:cluster:payments-aurora",
		"arn:aws:rds:us-east-1:111122223333:subgrp:payments-private", "arn:aws:rds:us-east-1:111122223333:cluster-pg:*",
	}, resourcesOf(p, "rds:RestoreDBClusterToPointInTime"))
	assert.Contains(t, resourcesOf(p, "rds:CreateDBInstance"), "arn:aws:rds:us-east-1:111122223333:db:payments-restored-1")
	assertValid(t, p)
}
