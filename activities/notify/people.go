package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/activities"
)

// toPeople writes a roll call event (needed or escalated) to the people it names,
// through notify.people_channel's server, at the emails the catalogue's contacts give:
// a person gets one mail with only their own acknowledgement link, so that no mail lets
// its reader acknowledge for someone else; a group whose contact has an email (a team
// mailbox) gets one mail without links, and its members with an email their own as
// above. Someone without an email is reached by the channels alone. delivered holds who
// has had theirs ("person:NAME"), kept in heartbeats like the channels, so a retried
// attempt writes to nobody twice.
func (n *Notifier) toPeople(ctx context.Context, ev activities.Event, d deliveries) []error {
	if n.people == nil || n.opts.Contacts == nil || (ev.Type != activities.EventRollCall && ev.Type != activities.EventRollCallEscalated) {
		return nil
	}
	emails, err := n.opts.Contacts()
	if err != nil {
		n.opts.Logger.Warn("roll call not written to people: the catalogue's contacts do not read", "run", ev.RunID, "step", ev.Step, "error", err)
		return []error{fmt.Errorf("people: the catalogue's contacts: %w", err)}
	}
	var errs []error
	for _, name := range n.recipients(ev) {
		addr := emails[name]
		if addr == "" {
			continue
		}
		err := d.once(ctx, "person:"+name, func() error {
			mail := *n.people
			mail.to = []string{addr}
			return n.deliver(ctx, &mail, personal(ev, name))
		})
		if err != nil {
			n.opts.Logger.Warn("roll call not written to a person", "person", name, "run", ev.RunID, "step", ev.Step, "error", err)
			errs = append(errs, fmt.Errorf("people: %s: %w", name, err))
		}
	}
	return errs
}

// recipients are the names a roll call event is written to: the people and groups it
// names, and each named group's members, each once.
func (n *Notifier) recipients(ev activities.Event) []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, a := range ev.Approvers {
		add(a)
		if g, ok := strings.CutPrefix(a, "group:"); ok && n.opts.Members != nil {
			for _, m := range n.opts.Members(g) {
				add(m)
			}
		}
	}
	return out
}

// personal is ev as name reads it: their own acknowledgement link only (none for a
// group's mailbox).
func personal(ev activities.Event, name string) activities.Event {
	links := ev.AckLinks
	ev.AckLinks = nil
	for _, l := range links {
		if l.User == name {
			ev.AckLinks = append(ev.AckLinks, l)
		}
	}
	return ev
}
