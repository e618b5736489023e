package runbooks

import (
	"fmt"
	"sort"
)

// Executor says who carries out a step kind.
type Executor string

const (
	// ByActivity kinds run as a Temporal activity named after the kind.
	ByActivity Executor = "activity"
	// ByWorkflow kinds are interpreted by the workflow itself (approval, manual, wait, runbook).
	ByWorkflow Executor = "workflow"
)

// ValueType is the type of a step kind's input or output.
type ValueType string

const (
	TypeString   ValueType = "string"
	TypeNumber   ValueType = "number"
	TypeInt      ValueType = "int"
	TypeBool     ValueType = "bool"
	TypeDuration ValueType = "duration"
	TypeList     ValueType = "list"
	TypeMap      ValueType = "map"
	TypeAny      ValueType = "any"
)

// Plane says which side of a cloud service a step kind calls. A control plane creates,
// changes and describes resources (RDS FailoverGlobalCluster, Route 53
// ChangeResourceRecordSets); a data plane is what a resource does once it exists (reading an
// object, answering DNS, a Route 53 ARC cluster's routing-control state). AWS builds data
// planes to keep working when a control plane does not (Well-Architected REL11-BP04: "rely on
// the data plane and not the control plane during recovery").
type Plane string

const (
	// PlaneNone is a kind that calls no cloud service (approval, wait, http.check, notify).
	PlaneNone    Plane = ""
	PlaneData    Plane = "data"
	PlaneControl Plane = "control"
)

// HomeAnyRegion is the Home of a data plane served from several regions, any of which
// answers (a Route 53 ARC cluster's five regional endpoints).
const HomeAnyRegion = "any"

// Field describes one input or output of a step kind.
type Field struct {
	Name        string    `json:"name"`
	Type        ValueType `json:"type"`
	Required    bool      `json:"required,omitempty"`
	Description string    `json:"description,omitempty"`
	Allowed     []string  `json:"allowed,omitempty"`
	Default     any       `json:"default,omitempty"`
}

// Kind is a step kind: what `uses:` names. Every kind a runbook may use is registered,
// with its inputs typed, so a runbook is checked completely before it runs.
type Kind struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Executor    Executor `json:"executor"`
	Inputs      []Field  `json:"inputs,omitempty"`
	Outputs     []Field  `json:"outputs,omitempty"`
	// IAMActions are the AWS actions the kind calls (for the plan and the IAM policy).
	IAMActions []string `json:"iamActions,omitempty"`
	// SideEffects is true when the kind changes the world (tabletop mode never runs these;
	// a step of such a kind may have a rollback and a drill variant).
	SideEffects bool `json:"sideEffects,omitempty"`
	// Rollbackable is false for kinds that cannot be compensated (approval, wait, ...).
	Rollbackable bool `json:"rollbackable,omitempty"`
	// DefaultEstimate is the plan's duration guess when a step gives no estimate.
	DefaultEstimate Duration `json:"defaultEstimate,omitempty"`
	// OutputsFrom names a map input whose keys are the kind's outputs (noop's "output"),
	// for kinds whose outputs depend on the step rather than on the kind.
	OutputsFrom string `json:"outputsFrom,omitempty"`
	// Plane is the side of the cloud service the kind calls (PlaneNone for none).
	Plane Plane `json:"plane,omitempty"`
	// Home is the region the plane lives in: a region name for a global service's control
	// plane (Route 53, IAM, Organizations and CloudFront live in us-east-1), HomeAnyRegion,
	// or "" for a regional service: the step's region input.
	Home string `json:"home,omitempty"`
}

// Output returns the named output field, or false.
func (k Kind) Output(name string) (Field, bool) {
	for _, f := range k.Outputs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Input returns the named input field, or false.
func (k Kind) Input(name string) (Field, bool) {
	for _, f := range k.Inputs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Registry holds the step kinds a runbook may use.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns a registry holding the given kinds.
func NewRegistry(kinds ...Kind) (*Registry, error) {
	r := &Registry{kinds: map[string]Kind{}}
	if err := r.Register(kinds...); err != nil {
		return nil, err
	}
	return r, nil
}

// Register adds kinds; a name registered twice is an error.
func (r *Registry) Register(kinds ...Kind) error {
	for _, k := range kinds {
		if k.Name == "" {
			return fmt.Errorf("register step kind: empty name")
		}
		if _, dup := r.kinds[k.Name]; dup {
			return fmt.Errorf("register step kind %q: already registered", k.Name)
		}
		if k.Executor == "" {
			k.Executor = ByActivity
		}
		r.kinds[k.Name] = k
	}
	return nil
}

// Kind returns the named kind.
func (r *Registry) Kind(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func (r *Registry) Kinds() []Kind {
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
