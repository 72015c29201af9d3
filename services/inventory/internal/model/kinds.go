// Package model is the inventory's resource kind table: for every kind of the apiv2 model, its
// id prefix, its message, the references it holds to other resources (and what deleting the
// referenced resource does), the references others hold to it that reads expand, its unique keys
// and its computed fields. The store, the filter translation and the expansion of reads all read
// this one table.
package model

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	inventoryv1 "github.com/eim-byoi/eim/api/gen/eim/inventory/v1"
)

// Rule is what deleting a referenced resource does to the resources that reference it.
type Rule int

// The delete rules.
const (
	// Restrict refuses the delete while references exist (a site with hosts).
	Restrict Rule = iota
	// Cascade deletes the referencing resources too (a host's instance, a schedule of a host).
	Cascade
)

// Ref is a reference a kind holds to another resource.
type Ref struct {
	// Name identifies the reference, unique within its kind ("site", "host", "target_os").
	Name string
	// Field is the message field that holds the referenced resource on reads; its resource_id is
	// what is stored. Empty for a reference held only as an id string.
	Field string
	// IDField is the string field holding the referenced id on writes and reads (site_id, osID);
	// empty when the reference has none.
	IDField string
	// To is the referenced kind.
	To inventoryv1.ResourceKind
	// Repeated marks a list of references (an instance's custom configs).
	Repeated bool
	// OnDelete says what deleting the referenced resource does to this one.
	OnDelete Rule
	// Expand is true when reads fill Field with the referenced resource.
	Expand bool
}

// Reverse is a field filled on reads with the resources whose reference points at this one: a
// host's instance, a workload's members.
type Reverse struct {
	// Field is the field filled.
	Field string
	// From is the referencing kind and Via its reference's name.
	From inventoryv1.ResourceKind
	Via  string
	// Single marks a field holding one resource (the host's instance) rather than a list; only
	// single reverse references can be used in filters.
	Single bool
}

// Kind is one row of the resource kind table.
type Kind struct {
	// Kind is the kind's enum value; it is also the number of its field in Resource's oneof.
	Kind inventoryv1.ResourceKind
	// Name is the kind's name in events, errors and the database: host, os_update_run, ...
	Name string
	// Prefix starts the kind's resource ids (host-1a2b3c4d); telemetry groups share one, as in
	// the legacy model.
	Prefix string
	// Message is an empty message of the kind.
	Message proto.Message
	// Aliases are deprecated id fields that repeat resource_id on reads (regionID, ...).
	Aliases []string
	// Refs are the references the kind holds.
	Refs []Ref
	// Reverses are the fields reads fill from references held by other kinds.
	Reverses []Reverse
	// Unique are fields whose non-empty values are unique per tenant within the kind; FindResource
	// looks resources up by them.
	Unique []string
	// GlobalUnique are those of Unique whose values are unique across every tenant, not only per
	// tenant (a host's uuid: a device registers once): another tenant's value is refused
	// without naming the tenant, and FindResource without a tenant finds them with one lookup.
	GlobalUnique []string
	// Computed are fields the inventory sets on reads and never stores (totals, inherited
	// metadata).
	Computed []string
}

// Descriptor returns the kind's message descriptor.
func (k *Kind) Descriptor() protoreflect.MessageDescriptor {
	return k.Message.ProtoReflect().Descriptor()
}

// Ref returns the reference named name.
func (k *Kind) Ref(name string) (Ref, bool) {
	for _, r := range k.Refs {
		if r.Name == name {
			return r, true
		}
	}
	return Ref{}, false
}

// RefKey names reference r of kind k in the database's reference table: "<kind>.<ref>".
func (k *Kind) RefKey(r Ref) string { return k.Name + "." + r.Name }

// Stored reports whether the named field is stored, rather than set on reads only.
func (k *Kind) Stored(field string) bool {
	if field == "resource_id" || field == "timestamps" || slices.Contains(k.Aliases, field) || slices.Contains(k.Computed, field) {
		return false
	}
	for _, r := range k.Refs {
		if r.IDField == field && r.Field != "" {
			return false // the id is stored in Field's resource_id
		}
	}
	for _, rv := range k.Reverses {
		if rv.Field == field {
			return false
		}
	}
	return true
}

// IsIDField reports whether field is the id field of one of k's references.
func (k *Kind) IsIDField(field string) bool {
	for _, r := range k.Refs {
		if r.IDField == field {
			return true
		}
	}
	return false
}

// Table is the kind table, indexed.
type Table struct {
	kinds  []*Kind
	byKind map[inventoryv1.ResourceKind]*Kind
	byName map[string]*Kind
}

// Kinds returns every kind in table order.
func (t *Table) Kinds() []*Kind { return slices.Clone(t.kinds) }

// Of returns the row of kind.
func (t *Table) Of(kind inventoryv1.ResourceKind) (*Kind, bool) {
	k, ok := t.byKind[kind]
	return k, ok
}

// Named returns the row of the kind named name.
func (t *Table) Named(name string) (*Kind, bool) {
	k, ok := t.byName[name]
	return k, ok
}

// NewTable indexes rows and checks them: unique kinds and names, oneof field numbers that match,
// references to kinds in the table, fields that exist with the right types.
func NewTable(rows []*Kind) (*Table, error) {
	t := &Table{byKind: map[inventoryv1.ResourceKind]*Kind{}, byName: map[string]*Kind{}}
	oneof := (&inventoryv1.Resource{}).ProtoReflect().Descriptor().Oneofs().ByName("resource")
	for _, k := range rows {
		if _, dup := t.byKind[k.Kind]; dup {
			return nil, fmt.Errorf("kind %s declared twice", k.Kind)
		}
		f := oneof.Fields().ByNumber(protoreflect.FieldNumber(k.Kind))
		if f == nil || f.Message().FullName() != k.Descriptor().FullName() || string(f.Name()) != k.Name {
			return nil, fmt.Errorf("kind %s: Resource field %d is not %s %s", k.Kind, k.Kind, k.Name, k.Descriptor().FullName())
		}
		t.kinds = append(t.kinds, k)
		t.byKind[k.Kind], t.byName[k.Name] = k, k
	}
	for _, k := range t.kinds {
		if err := t.check(k); err != nil {
			return nil, fmt.Errorf("kind %s: %w", k.Name, err)
		}
	}
	return t, nil
}

func (t *Table) check(k *Kind) error {
	fields := k.Descriptor().Fields()
	has := func(name string, kind protoreflect.Kind) error {
		f := fields.ByName(protoreflect.Name(name))
		if f == nil || f.Kind() != kind {
			return fmt.Errorf("no %s field %q", kind, name)
		}
		return nil
	}
	for _, a := range append(slices.Clone(k.Aliases), k.Unique...) {
		if err := has(a, protoreflect.StringKind); err != nil {
			return err
		}
	}
	for _, g := range k.GlobalUnique {
		if !slices.Contains(k.Unique, g) {
			return fmt.Errorf("global unique key %q is not one of its unique keys %v", g, k.Unique)
		}
	}
	for _, r := range k.Refs {
		to, ok := t.byKind[r.To]
		if !ok {
			return fmt.Errorf("reference %s to unknown kind %s", r.Name, r.To)
		}
		if r.Field != "" {
			f := fields.ByName(protoreflect.Name(r.Field))
			if f == nil || f.Message() == nil || f.Message().FullName() != to.Descriptor().FullName() || f.IsList() != r.Repeated {
				return fmt.Errorf("reference %s: field %q does not hold %s", r.Name, r.Field, to.Name)
			}
		}
		if r.IDField != "" {
			f := fields.ByName(protoreflect.Name(r.IDField))
			if f == nil || f.Kind() != protoreflect.StringKind || f.IsList() != r.Repeated {
				return fmt.Errorf("reference %s: no id field %q", r.Name, r.IDField)
			}
		}
	}
	for _, rv := range k.Reverses {
		from, ok := t.byKind[rv.From]
		if !ok {
			return fmt.Errorf("reverse %s from unknown kind %s", rv.Field, rv.From)
		}
		if _, ok := from.Ref(rv.Via); !ok {
			return fmt.Errorf("reverse %s: %s has no reference %s", rv.Field, from.Name, rv.Via)
		}
		f := fields.ByName(protoreflect.Name(rv.Field))
		if f == nil || f.Message() == nil || f.Message().FullName() != from.Descriptor().FullName() || f.IsList() == rv.Single {
			return fmt.Errorf("reverse field %q does not hold %s", rv.Field, from.Name)
		}
	}
	return nil
}
