package api

import "slices"

// Role is what an identity may do through the API.
type Role string

// The roles. Every role includes viewer; incident-commander includes operator; admin
// includes every role.
const (
	Viewer            Role = "viewer"             // read runs, schedules and reports
	Operator          Role = "operator"           // start drills and tabletops, operate runs, answer prompts
	IncidentCommander Role = "incident-commander" // start live recoveries (and everything an operator does)
	Approver          Role = "approver"           // approve or decline approval steps
	Author            Role = "author"             // manage schedules (recurring drills)
	Admin             Role = "admin"              // everything
)

// Roles are the API roles, from least to most powerful: the names a token, a binding or
// an OIDC roles claim may give.
var Roles = []string{string(Viewer), string(Operator), string(IncidentCommander), string(Approver), string(Author), string(Admin)}

// includes reports whether holding r grants want.
func (r Role) includes(want Role) bool {
	switch {
	case r == want, r == Admin, want == Viewer:
		return true
	case r == IncidentCommander && want == Operator:
		return true
	}
	return false
}

// Grant is a role on some services, or on every service when Services is empty.
type Grant struct {
	Role     Role     `json:"role"`
	Services []string `json:"services,omitempty"`
}

func (g Grant) covers(service string) bool {
	return len(g.Services) == 0 || slices.Contains(g.Services, service)
}

// Identity is an authenticated caller.
type Identity struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
	Grants []Grant  `json:"grants,omitempty"`
	Via    string   `json:"via"` // token, oidc, local
}

// Can reports whether id holds role on service ("" for a run or schedule of no service,
// which only an unscoped grant covers).
func (id *Identity) Can(role Role, service string) bool {
	for _, g := range id.Grants {
		if g.Role.includes(role) && g.covers(service) {
			return true
		}
	}
	return false
}

// CanAny reports whether id holds role on at least one service.
func (id *Identity) CanAny(role Role) bool {
	for _, g := range id.Grants {
		if g.Role.includes(role) {
			return true
		}
	}
	return false
}

// Binding grants roles to the users and groups named, on the services named (every
// service when none is).
type Binding struct {
	Roles    []string `mapstructure:"roles" yaml:"roles" json:"roles"`
	Users    []string `mapstructure:"users" yaml:"users" json:"users"`
	Groups   []string `mapstructure:"groups" yaml:"groups" json:"groups"`
	Services []string `mapstructure:"services" yaml:"services" json:"services"`
}

// policy turns configuration bindings into grants.
type policy struct {
	bindings []Binding
	groupsOf func(user string) []string // the groups the configuration puts a user in
}

// complete adds the configured groups and the bound roles to an authenticated identity.
func (p policy) complete(id *Identity) {
	if p.groupsOf != nil {
		for _, g := range p.groupsOf(id.Name) {
			if !slices.Contains(id.Groups, g) {
				id.Groups = append(id.Groups, g)
			}
		}
	}
	slices.Sort(id.Groups)
	for _, b := range p.bindings {
		if !slices.Contains(b.Users, id.Name) && !slices.ContainsFunc(b.Groups, func(g string) bool { return slices.Contains(id.Groups, g) }) {
			continue
		}
		for _, r := range b.Roles {
			id.Grants = append(id.Grants, Grant{Role: Role(r), Services: b.Services})
		}
	}
}

func rolesOf(names []string) []Grant {
	var out []Grant
	for _, r := range names {
		if slices.Contains(Roles, r) {
			out = append(out, Grant{Role: Role(r)})
		}
	}
	return out
}
