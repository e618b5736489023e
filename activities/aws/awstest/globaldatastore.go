package awstest

import (
	"encoding/xml"
	"net/http"
	"sync"
)

// ---- ElastiCache global datastores (awsQuery), which moto lacks

// GlobalDatastore is a fake of one ElastiCache global datastore, answering as the API
// reference (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/) documents:
//   - DescribeGlobalReplicationGroups with ShowMemberInfo lists the datastore's Status and
//     its Members ({ReplicationGroupId, ReplicationGroupRegion, Role PRIMARY|SECONDARY,
//     Status}); an unknown id is GlobalReplicationGroupNotFoundFault (HTTP 404).
//   - FailoverGlobalReplicationGroup makes the named member primary and the others
//     secondary; while the datastore is not "available" (its primary region down) it
//     answers InvalidGlobalReplicationGroupState (HTTP 400): "The Global datastore is
//     not available or in primary-only state".
//   - DisassociateGlobalReplicationGroup removes a secondary member, which becomes a
//     standalone replication group.
//
// Serve it under the SigV4 service "elasticache" with Split. Calls counts the changing
// calls by action and region.
type GlobalDatastore struct {
	mu      sync.Mutex
	id      string
	status  string
	members []GlobalMember
	Calls   map[string]int
}

// GlobalMember is one replication group of a global datastore.
type GlobalMember struct {
	ReplicationGroupID string `xml:"ReplicationGroupId"`
	Region             string `xml:"ReplicationGroupRegion"`
	Role               string `xml:"Role"`
	Status             string `xml:"Status"`
}

// NewGlobalDatastore returns a datastore with the given status ("available", or e.g.
// "primary-only" when its primary region is lost) and members.
func NewGlobalDatastore(id, status string, members ...GlobalMember) *GlobalDatastore {
	return &GlobalDatastore{id: id, status: status, members: members, Calls: map[string]int{}}
}

// Members returns the datastore's members now.
func (g *GlobalDatastore) Members() []GlobalMember {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GlobalMember(nil), g.members...)
}

func (g *GlobalDatastore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	action := f.Get("Action")
	g.mu.Lock()
	defer g.mu.Unlock()
	if f.Get("GlobalReplicationGroupId") != g.id {
		elastiCacheErr(w, 404, "GlobalReplicationGroupNotFoundFault", "The Global datastore does not exist")
		return
	}
	switch action {
	case "DescribeGlobalReplicationGroups":
	case "FailoverGlobalReplicationGroup":
		g.Calls[action+" "+region(r)]++
		if g.status != "available" {
			elastiCacheErr(w, 400, "InvalidGlobalReplicationGroupState", "The Global datastore is not available or in primary-only state.")
			return
		}
		found := false
		for i := range g.members {
			m := &g.members[i]
			m.Role = "SECONDARY"
			if m.ReplicationGroupID == f.Get("PrimaryReplicationGroupId") && m.Region == f.Get("PrimaryRegion") {
				m.Role, found = "PRIMARY", true
			}
		}
		if !found {
			elastiCacheErr(w, 400, "InvalidParameterValue", "PrimaryReplicationGroupId is not a member in PrimaryRegion")
			return
		}
	case "DisassociateGlobalReplicationGroup":
		g.Calls[action+" "+region(r)]++
		kept := g.members[:0]
		for _, m := range g.members {
			if m.ReplicationGroupID == f.Get("ReplicationGroupId") && m.Region == f.Get("ReplicationGroupRegion") {
				if m.Role == "PRIMARY" {
					elastiCacheErr(w, 400, "InvalidParameterValue", "the primary cannot be disassociated")
					return
				}
				continue
			}
			kept = append(kept, m)
		}
		g.members = kept
	default:
		elastiCacheErr(w, 400, "InvalidAction", "this fake does not answer "+action)
		return
	}
	type group struct {
		ID      string         `xml:"GlobalReplicationGroupId"`
		Status  string         `xml:"Status"`
		Members []GlobalMember `xml:"Members>GlobalReplicationGroupMember"`
	}
	one := group{g.id, g.status, g.members}
	w.Header().Set("Content-Type", "text/xml")
	if action == "DescribeGlobalReplicationGroups" {
		type result struct {
			Groups []group `xml:"GlobalReplicationGroups>GlobalReplicationGroup"`
		}
		_ = xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name `xml:"http://elasticache.amazonaws.com/doc/2015-02-02/ DescribeGlobalReplicationGroupsResponse"`
			Result  result   `xml:"DescribeGlobalReplicationGroupsResult"`
		}{Result: result{[]group{one}}})
		return
	}
	type result struct {
		XMLName xml.Name
		Group   group `xml:"GlobalReplicationGroup"`
	}
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name
		Result  result
	}{XMLName: xml.Name{Space: "http://elasticache.amazonaws.com/doc/2015-02-02/", Local: action + "Response"},
		Result: result{XMLName: xml.Name{Local: action + "Result"}, Group: one}})
}

// region is the region a signed request is for.
func region(r *http.Request) string {
	if m := signingRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return ""
}

func elastiCacheErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type><Code>` +
		code + `</Code><Message>` + xmlEscape(msg) + `</Message></Error><RequestId>fake</RequestId></ErrorResponse>`))
}
