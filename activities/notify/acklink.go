package notify

import (
	"net/url"
	"slices"
	"strings"

	"github.com/bcdr/bcdr/activities"
	"github.com/bcdr/bcdr/internal/identity"
)

// withAckLinks adds to a roll call event (needed or escalated) one signed
// acknowledgement link per person it names, a group's members each in the group's place,
// when http.public_url and the key are set. A link expires at the event's time plus
// notify.ack_link_ttl, so every attempt at one event sends the same links.
func (n *Notifier) withAckLinks(ev activities.Event) activities.Event {
	if (ev.Type != activities.EventRollCall && ev.Type != activities.EventRollCallEscalated) || n.opts.AckURL == "" || len(n.opts.AckKey) == 0 {
		return ev
	}
	base := strings.TrimSuffix(n.opts.AckURL, "/") + "/v1/ack?token="
	var users []string
	for _, a := range ev.Approvers {
		names := []string{a}
		if g, ok := strings.CutPrefix(a, "group:"); ok {
			names = nil
			if n.opts.Members != nil {
				names = n.opts.Members(g)
			}
		}
		for _, u := range names {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	slices.Sort(users)
	ev.AckLinks = nil
	for _, u := range users {
		tok := identity.SignAck(n.opts.AckKey, identity.Ack{RunID: ev.RunID, Step: ev.Step, User: u, Expires: ev.At.Add(n.ackTTL)})
		ev.AckLinks = append(ev.AckLinks, activities.AckLink{User: u, URL: base + url.QueryEscape(tok)})
	}
	return ev
}
