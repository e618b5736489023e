package awstest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// ---- Secrets Manager replicas (awsJson1_1), whose promotion moto lacks

var signingRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/`)

// Secrets is a fake of Secrets Manager's DescribeSecret and StopReplicationToReplica for
// secrets replicated across regions, answering as the API reference documents them:
//   - DescribeSecret (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html)
//     in any region that holds the secret or a replica of it returns its ARN (the
//     primary's ARN with the region changed), Name, PrimaryRegion and, in the primary's
//     region, ReplicationStatus ({Region, Status: InSync|Failed|InProgress}); a region
//     without it is ResourceNotFoundException (HTTP 400).
//   - StopReplicationToReplica (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_StopReplicationToReplica.html),
//     called "from the Region in which you want to promote the replica", promotes that
//     region's replica to a standalone primary and returns {"ARN": the promoted secret};
//     called for a secret that is not a replica there, InvalidRequestException (HTTP 400).
//
// Serve it under the SigV4 service "secretsmanager" with Split. Calls counts every
// StopReplicationToReplica by region.
type Secrets struct {
	mu      sync.Mutex
	secrets map[string]*secret // by name
	Calls   map[string]int
}

type secret struct {
	arn      string // in the primary's region
	primary  string
	replicas map[string]string // region to status
	// standalone are regions whose replica was promoted, with the new primary's ARN
	standalone map[string]string
}

// NewSecrets returns an empty fake.
func NewSecrets() *Secrets {
	return &Secrets{secrets: map[string]*secret{}, Calls: map[string]int{}}
}

// Add creates a secret in primary, replicated to the replicas with the status given
// ("InSync", "Failed", "InProgress").
func (s *Secrets) Add(name, primary string, replicas map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := map[string]string{}
	for k, v := range replicas {
		r[k] = v
	}
	s.secrets[name] = &secret{arn: "arn:aws:secretsmanager:" + primary + ":123456789012:secret:" + name + "-AbCdEf",
		primary: primary, replicas: r, standalone: map[string]string{}}
}

// PrimaryRegion is where the secret's primary is as seen from region: region itself after
// a promotion there.
func (s *Secrets) PrimaryRegion(name, region string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.secrets[name].standalone[region]; ok {
		return region
	}
	return s.secrets[name].primary
}

func (s *Secrets) find(id string) *secret {
	if sec, ok := s.secrets[id]; ok {
		return sec
	}
	for _, sec := range s.secrets {
		if strings.HasPrefix(id, "arn:") && strings.HasSuffix(sec.arn, id[strings.LastIndexByte(id, ':'):]) {
			return sec
		}
	}
	return nil
}

func regionARN(arn, region string) string {
	p := strings.Split(arn, ":")
	p[3] = region
	return strings.Join(p, ":")
}

func (s *Secrets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct{ SecretId string }
	_ = json.NewDecoder(r.Body).Decode(&body)
	region := region(r)
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(body.SecretId)
	var isReplica, promoted bool
	if sec != nil {
		_, isReplica = sec.replicas[region]
		_, promoted = sec.standalone[region]
	}
	if sec == nil || (region != sec.primary && !isReplica && !promoted) {
		jsonErr(w, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	name := body.SecretId
	if strings.HasPrefix(name, "arn:") {
		name = name[strings.LastIndexByte(name, ':')+1 : len(name)-7]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "DescribeSecret":
		out := map[string]any{"ARN": regionARN(sec.arn, region), "Name": name, "PrimaryRegion": sec.primary}
		if promoted {
			out["PrimaryRegion"] = region
		}
		if region == sec.primary {
			var rs []map[string]string
			for reg, st := range sec.replicas {
				rs = append(rs, map[string]string{"Region": reg, "Status": st})
			}
			out["ReplicationStatus"] = rs
		}
		_ = json.NewEncoder(w).Encode(out)
	case "StopReplicationToReplica":
		s.Calls[region]++
		if !isReplica {
			jsonErr(w, 400, "InvalidRequestException", "The secret isn't a replica secret in this Region.")
			return
		}
		arn := regionARN(sec.arn, region)
		delete(sec.replicas, region)
		sec.standalone[region] = arn
		_ = json.NewEncoder(w).Encode(map[string]string{"ARN": arn})
	default:
		jsonErr(w, 400, "UnknownOperationException", op)
	}
}
