package catalogue

import (
	"net/mail"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/bcdr/bcdr/internal/yamlnode"
	"github.com/bcdr/bcdr/runbooks"
)

// Contact is a person or a group the catalogue names (as a service's owner or deputy, or
// a scenario's incident commander), and how to reach them. Its name is the identity bcdr
// knows them by: a user ("alice") or a group ("group:payments"), as approvals and roll
// calls name them.
type Contact struct {
	Name string `json:"name"`
	// Role is what they do in the continuity programme ("incident commander", "on-call").
	Role  string       `json:"role,omitempty"`
	Email string       `json:"email,omitempty"`
	Phone string       `json:"phone,omitempty"`
	Chat  string       `json:"chat,omitempty"`
	Pos   runbooks.Pos `json:"pos"`
}

// Contact returns the named contact, or nil.
func (c *Catalogue) Contact(name string) *Contact {
	return find(c.Contacts, func(ct *Contact) bool { return ct.Name == name })
}

// Emails are the contacts' email addresses by name, for those that give one.
func (c *Catalogue) Emails() map[string]string {
	out := map[string]string{}
	for _, ct := range c.Contacts {
		if ct.Email != "" {
			out[ct.Name] = ct.Email
		}
	}
	return out
}

func (d *decoder) contact(n *yaml.Node, path string) Contact {
	ct := Contact{Pos: yamlnode.PosOf(n)}
	found := d.Fields(n, path, "contact", d.contactFields(&ct))
	d.Require(found, "name", yamlnode.PosOf(n), "contact has no name: give the user or group:NAME bcdr knows them by")
	return ct
}

func (d *decoder) contactFields(ct *Contact) map[string]yamlnode.FieldFunc {
	return map[string]yamlnode.FieldFunc{
		"name":  d.StrInto(&ct.Name, "contact name"),
		"role":  d.StrInto(&ct.Role, "contact role"),
		"email": d.StrInto(&ct.Email, "contact email"),
		"phone": d.StrInto(&ct.Phone, "contact phone"),
		"chat":  d.StrInto(&ct.Chat, "contact chat"),
	}
}

// contacts checks the contact list: names are identities, given once; an email parses;
// every contact can be reached some way.
func (v *validator) contacts() {
	seen := map[string]int{}
	for i, ct := range v.c.Contacts {
		p := yamlnode.Index("contacts", i)
		if ct.Name == "" {
			if !v.parsed {
				v.errorf(v.pos.At(p), "contact has no name: give the user or group:NAME bcdr knows them by")
			}
			continue
		}
		if len(ct.Name) > 128 || strings.IndexFunc(ct.Name, unicode.IsSpace) >= 0 {
			v.errorf(v.pos.At(p+".name"), "contact name %q must be the identity bcdr knows them by (a user or group:NAME): up to 128 characters, no spaces; put the full name in role", ct.Name)
		}
		if first, dup := seen[ct.Name]; dup {
			v.errorf(v.pos.At(p+".name"), "contact %q is listed twice (first at line %d)", ct.Name, v.pos.At(yamlnode.Index("contacts", first)).Line)
		} else {
			seen[ct.Name] = i
		}
		if ct.Email != "" {
			if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email {
				v.errorf(v.pos.At(p+".email"), "contact %q: email %q is not an address like name@example.com", ct.Name, ct.Email)
			}
		}
		if ct.Email == "" && ct.Phone == "" && ct.Chat == "" {
			v.warnf(v.pos.At(p+".name"), "contact %q has no email, phone or chat: say how to reach them", ct.Name)
		}
	}
}

// references checks the people the catalogue names against its contacts: a deputy and an
// incident commander must be contacts; an owner that is not one is a warning, once the
// catalogue lists contacts at all.
func (v *validator) references() {
	names := make([]string, 0, len(v.c.Contacts))
	for _, ct := range v.c.Contacts {
		names = append(names, ct.Name)
	}
	listed := len(v.c.Contacts) > 0
	if o := v.c.Metadata.Owner; listed && o != "" && v.c.Contact(o) == nil {
		v.warnf(v.pos.At("metadata.owner"), "catalogue owner %q is not among contacts: add it so the plan says how to reach them", o)
	}
	for i := range v.c.Services {
		s := &v.c.Services[i]
		p := yamlnode.Index("services", i)
		if listed && s.Owner != "" && v.c.Contact(s.Owner) == nil {
			v.warnf(v.pos.At(p+".owner"), "service %q: owner %q is not among contacts: add it so the plan says how to reach them%s", s.Name, s.Owner, yamlnode.Suggest(s.Owner, names))
		}
		if s.Deputy != "" && v.c.Contact(s.Deputy) == nil {
			v.errorf(v.pos.At(p+".deputy"), "service %q: deputy %q is not among contacts: add it to contacts with how to reach them%s", s.Name, s.Deputy, yamlnode.Suggest(s.Deputy, names))
		}
		if s.Deputy != "" && s.Deputy == s.Owner {
			v.warnf(v.pos.At(p+".deputy"), "service %q: deputy is the owner %q: name someone else to stand in", s.Name, s.Owner)
		}
	}
	for i := range v.c.Scenarios {
		sc := &v.c.Scenarios[i]
		p := yamlnode.Index("scenarios", i) + ".incident_commander"
		if ic := sc.IncidentCommander; ic != "" && v.c.Contact(ic) == nil {
			v.errorf(v.pos.At(p), "scenario %q: incident commander %q is not among contacts: add it to contacts with how to reach them%s", sc.Name, ic, yamlnode.Suggest(ic, names))
		}
	}
}
