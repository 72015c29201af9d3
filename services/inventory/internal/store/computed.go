package store

import (
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	commonv1 "github.com/eim-byoi/eim/api/gen/resources/common/v1"
	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// maxAncestors bounds the region hierarchy walked for inherited metadata; writes refuse cycles,
// this only stops a damaged database from looping.
const maxAncestors = 32

// computed sets the computed fields of ds: a region's total_sites, the metadata regions, sites
// and hosts inherit from their ancestors, a workload member's member.
func (e *expander) computed(ds []*decoded) error {
	if err := e.totalSites(ds); err != nil {
		return err
	}
	if err := e.inherited(ds); err != nil {
		return err
	}
	for _, d := range ds {
		if d.kind.Name == "workload_member" {
			m := d.msg.ProtoReflect()
			fields := m.Descriptor().Fields()
			if inst := fields.ByName("instance"); m.Has(inst) {
				m.Set(fields.ByName("member"), protoreflect.ValueOfMessage(proto.Clone(m.Get(inst).Message().Interface()).ProtoReflect()))
			}
		}
	}
	return nil
}

// totalSites counts each region's sites.
func (e *expander) totalSites(ds []*decoded) error {
	regions := computing(ds, "total_sites")
	if len(regions) == 0 {
		return nil
	}
	ids := make([]string, len(regions))
	for i, d := range regions {
		ids[i] = d.row.id
	}
	site, _ := e.s.table.Named("site")
	via, _ := site.Ref("region")
	rows, err := e.tx.QueryContext(e.ctx, e.s.d.Rebind("SELECT to_id, COUNT(*) FROM inv_refs WHERE ref = ? AND to_id IN ("+
		placeholders(len(ids))+") GROUP BY to_id"), append([]any{site.RefKey(via)}, anys(ids)...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := map[string]int32{}
	for rows.Next() {
		var id string
		var n int32
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		counts[id] = n
	}
	for _, d := range regions {
		m := d.msg.ProtoReflect()
		m.Set(m.Descriptor().Fields().ByName("total_sites"), protoreflect.ValueOfInt32(counts[d.row.id]))
	}
	return rows.Err()
}

// inherited sets the inherited_metadata of regions, sites and hosts: the metadata of their
// ancestors (a host's site, then the site's region and its parents), each key once, the closest
// ancestor winning, keys the resource sets itself left out.
func (e *expander) inherited(ds []*decoded) error {
	heirs := computing(ds, "inherited_metadata")
	if len(heirs) == 0 {
		return nil
	}
	if err := e.loadAncestors(heirs); err != nil {
		return err
	}
	for _, d := range heirs {
		seen := map[string]bool{}
		for _, item := range metadataOf(d) {
			seen[item.GetKey()] = true
		}
		var out []*commonv1.MetadataItem
		for _, a := range e.ancestors(d) {
			for _, item := range metadataOf(a) {
				if !seen[item.GetKey()] {
					seen[item.GetKey()] = true
					out = append(out, item)
				}
			}
		}
		m := d.msg.ProtoReflect()
		l := m.Mutable(m.Descriptor().Fields().ByName("inherited_metadata")).List()
		for _, item := range out {
			l.Append(protoreflect.ValueOfMessage(proto.Clone(item).ProtoReflect()))
		}
	}
	return nil
}

// computing returns the resources of ds whose kind computes field.
func computing(ds []*decoded, field string) []*decoded {
	var out []*decoded
	for _, d := range ds {
		if slices.Contains(d.kind.Computed, field) {
			out = append(out, d)
		}
	}
	return out
}

// parentRef is the reference that leads up the location hierarchy from a resource of kind k.
func parentRef(k *model.Kind) (model.Ref, bool) {
	switch k.Name {
	case "region":
		return k.Ref("parent")
	case "site":
		return k.Ref("region")
	case "host":
		return k.Ref("site")
	}
	return model.Ref{}, false
}

// ancestors returns d's ancestors in the cache, closest first.
func (e *expander) ancestors(d *decoded) []*decoded {
	var out []*decoded
	for cur := d; len(out) < maxAncestors; {
		r, ok := parentRef(cur.kind)
		if !ok {
			break
		}
		ids := cur.kind.RefIDs(cur.msg)[r.Name]
		if len(ids) == 0 {
			break
		}
		next, ok := e.cache[ids[0]]
		if !ok {
			break
		}
		out, cur = append(out, next), next
	}
	return out
}

// loadAncestors loads the ancestors of ds not in the cache yet, one query per level.
func (e *expander) loadAncestors(ds []*decoded) error {
	frontier := ds
	for range maxAncestors {
		var want []string
		for _, d := range frontier {
			if r, ok := parentRef(d.kind); ok {
				want = append(want, d.kind.RefIDs(d.msg)[r.Name]...)
			}
		}
		if len(want) == 0 {
			return nil
		}
		next, err := e.load(want)
		if err != nil {
			return err
		}
		frontier = next
	}
	return nil
}

func metadataOf(d *decoded) []*commonv1.MetadataItem {
	m := d.msg.ProtoReflect()
	f := m.Descriptor().Fields().ByName("metadata")
	if f == nil {
		return nil
	}
	l := m.Get(f).List()
	out := make([]*commonv1.MetadataItem, 0, l.Len())
	for i := range l.Len() {
		if item, ok := l.Get(i).Message().Interface().(*commonv1.MetadataItem); ok {
			out = append(out, item)
		}
	}
	return out
}
