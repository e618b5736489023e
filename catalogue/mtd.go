package catalogue

import (
	"github.com/bcdr/bcdr/internal/yamlnode"
)

// downtime checks that every recovery time fits in the maximum tolerable downtime: a
// tier's RTOs in its MTD, and a service's RTOs (its own, completed by its tier's) in its
// MTD (its own, or its tier's). A recovery planned to take longer than the business can
// survive is not a plan. Each problem is reported where it can be fixed: the service's
// own RTO when it sets one, else its own mtd, else the tier's.
func (v *validator) downtime() {
	for i := range v.c.Tiers {
		t := &v.c.Tiers[i]
		if t.MTD == nil {
			continue
		}
		p := yamlnode.Index("tiers", i)
		for _, d := range Disruptions {
			if rto := t.Targets[d].RTO; rto != nil && *rto > *t.MTD {
				v.errorf(v.pos.At(yamlnode.Join(p, "targets."+string(d)+".rto")), "tier %d: %s RTO %s is longer than its maximum tolerable downtime (mtd) %s: shorten the RTO or raise mtd", t.Tier, d, rto, t.MTD)
			}
		}
	}
	for i := range v.c.Services {
		s := &v.c.Services[i]
		mtd := v.c.MTD(s)
		if mtd == nil {
			continue
		}
		p := yamlnode.Index("services", i)
		for _, d := range Disruptions {
			rto := v.c.Target(s, d).RTO
			if rto == nil || *rto <= *mtd {
				continue
			}
			own := s.Targets[d].RTO != nil
			if !own && s.MTD == nil {
				continue // the tier's own RTO and MTD: reported at the tier
			}
			at := p + ".mtd"
			if own {
				at = yamlnode.Join(p, "targets."+string(d)+".rto")
			}
			v.errorf(v.pos.At(at), "service %q: %s RTO %s is longer than its maximum tolerable downtime (mtd) %s: shorten the RTO or raise mtd", s.Name, d, rto, mtd)
		}
	}
}
