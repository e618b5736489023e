package aws

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/activities/aws/awstest"
)

// TestElastiCacheFailoverGlobalDatastore: with the datastore available the DR region's
// group becomes primary through FailoverGlobalReplicationGroup called in the DR region;
// with its primary region lost AWS refuses the failover (InvalidGlobalReplicationGroupState),
// so the step fails unless detach_if_unavailable, which detaches the group to a
// standalone writable one, once. moto lacks global datastores: awstest.GlobalDatastore
// answers as the API reference documents.
func TestElastiCacheFailoverGlobalDatastore(t *testing.T) {
	members := func() []awstest.GlobalMember {
		return []awstest.GlobalMember{{ReplicationGroupID: "sessions-use1", Region: "us-east-1", Role: "PRIMARY", Status: "associated"},
			{ReplicationGroupID: "sessions-usw2", Region: "us-west-2", Role: "SECONDARY", Status: "associated"}}
	}
	run := func(t *testing.T, store *awstest.GlobalDatastore, with map[string]any) (activities.Result, error) {
		ep := awstest.Split(t, motoEndpoint(t), map[string]http.Handler{"elasticache": store})
		a := New(Config{Region: "us-west-2", Endpoint: ep})
		with["global_replication_group_id"], with["replication_group_id"] = "ldgnf-sessions", "sessions-usw2"
		return a.ElastiCacheFailoverGlobalDatastore(testCtx(t), request(t, with))
	}

	t.Run("available", func(t *testing.T) {
		store := awstest.NewGlobalDatastore("ldgnf-sessions", "available", members()...)
		res, err := run(t, store, map[string]any{})
		require.NoError(t, err)
		assert.Equal(t, activities.Result{"role": "PRIMARY", "method": "failover"}, res)
		assert.Equal(t, "PRIMARY", store.Members()[1].Role)
		assert.Equal(t, map[string]int{"FailoverGlobalReplicationGroup us-west-2": 1}, store.Calls)
		res, err = run(t, store, map[string]any{})
		require.NoError(t, err)
		assert.Equal(t, "none", res["method"], "already primary: no second call")
		assert.Equal(t, 1, store.Calls["FailoverGlobalReplicationGroup us-west-2"])
	})
	t.Run("primary region lost", func(t *testing.T) {
		store := awstest.NewGlobalDatastore("ldgnf-sessions", "primary-only", members()...)
		_, err := run(t, store, map[string]any{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "InvalidGlobalReplicationGroupState")
		res, err := run(t, store, map[string]any{"detach_if_unavailable": true})
		require.NoError(t, err)
		assert.Equal(t, activities.Result{"role": "STANDALONE", "method": "detach"}, res)
		assert.Len(t, store.Members(), 1, "the DR group left the datastore")
		assert.Equal(t, 1, store.Calls["DisassociateGlobalReplicationGroup us-west-2"])
		assert.Zero(t, store.Calls["FailoverGlobalReplicationGroup us-east-1"], "nothing is called in the lost region")
	})
	t.Run("not a member", func(t *testing.T) {
		store := awstest.NewGlobalDatastore("ldgnf-sessions", "available", members()[:1]...)
		_, err := run(t, store, map[string]any{})
		requireErrorType(t, err, activities.ErrValidation, "not a member of the datastore in us-west-2")
	})
}

func TestCheckGlobalDatastore(t *testing.T) {
	e := newCheckEnv(t)
	store := awstest.NewGlobalDatastore("ldgnf-sessions", "available",
		awstest.GlobalMember{ReplicationGroupID: "sessions-usw2", Region: "us-west-2", Role: "PRIMARY", Status: "associated"},
		awstest.GlobalMember{ReplicationGroupID: "sessions-use1", Region: awstest.Region, Role: "SECONDARY", Status: "associated"})
	e.a = New(Config{Region: awstest.Region, Endpoint: awstest.Split(t, e.a.cfg.Endpoint, map[string]http.Handler{"elasticache": store})})
	assert.Equal(t, []string{`ready: replication group "sessions-use1" is a secondary of available ElastiCache global datastore "ldgnf-sessions"`},
		only(e.check(t, "aws.elasticache.failover_global_datastore", "{global_replication_group_id: ldgnf-sessions, replication_group_id: sessions-use1}", false), "target"))
	assert.Equal(t, []string{`not ready: replication group "other" is not a member of ElastiCache global datastore "ldgnf-sessions" in us-east-1`},
		only(e.check(t, "aws.elasticache.failover_global_datastore", "{global_replication_group_id: ldgnf-sessions, replication_group_id: other}", false), "target"))
	fs := only(e.check(t, "aws.elasticache.failover_global_datastore", "{global_replication_group_id: gone, replication_group_id: x}", false), "target")
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], "not ready: ")
}
