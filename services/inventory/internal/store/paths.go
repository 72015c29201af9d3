package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/eim-byoi/eim/services/inventory/internal/model"
)

// query collects what a filter or an order adds to a SELECT over one kind (alias t): the joins
// to referenced resources, and the arguments of the WHERE clause in order.
type query struct {
	d       sqlDialect
	table   *model.Table
	kind    *model.Kind
	joins   []string
	aliases map[string]string // join key -> alias
	args    []any
}

func newQuery(d sqlDialect, table *model.Table, kind *model.Kind) *query {
	return &query{d: d, table: table, kind: kind, aliases: map[string]string{}}
}

// arg records v and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "?"
}

// term is a resolved path: its SQL and what it is.
type term struct {
	path   string                       // the path as the caller wrote it, for errors
	value  string                       // SQL of a scalar: its value (for a bool, a condition true when it is true)
	field  protoreflect.FieldDescriptor // the scalar's field (its type); nil otherwise
	micros bool                         // value is a timestamp column, in microseconds
	exists string                       // SQL condition true when the path is set (a message, a reference)
}

// body returns the term of the scalar field f at path in alias's body.
func (q *query) body(path, alias string, body []string, f protoreflect.FieldDescriptor) term {
	if f.Kind() == protoreflect.BoolKind {
		return term{path: path, value: q.d.boolean(alias, body), field: f}
	}
	return term{path: path, value: q.d.value(alias, body, f), field: f}
}

// errField is an invalid field path in a filter or an order.
func errField(path, problem string) error {
	return fmt.Errorf("field %q %s", path, problem)
}

// resolve maps a dotted path (camelCase or snake_case names) of q.kind to a term, joining the
// referenced resources it traverses.
func (q *query) resolve(path string) (term, error) {
	segs := strings.Split(path, ".")
	k, alias := q.kind, "t"
	msg := k.Descriptor()
	var body []string
	for i := 0; i < len(segs); i++ {
		f := fieldOf(msg, segs[i])
		if f == nil {
			return term{}, errField(path, "does not exist"+suggestion(msg, segs[i]))
		}
		name, last := string(f.Name()), i == len(segs)-1
		if len(body) == 0 {
			t, next, done, err := q.resourceField(k, alias, path, name, segs[i+1:])
			if err != nil || done {
				return t, err
			}
			if next != nil {
				k, alias, msg = next.kind, next.alias, next.kind.Descriptor()
				continue
			}
		}
		switch {
		case f.IsList() || f.IsMap():
			return term{}, errField(path, "is a list and cannot be used here")
		case f.Message() != nil && last:
			return term{path: path, exists: q.d.present(alias, append(slices.Clone(body), name))}, nil
		case f.Message() != nil:
			body, msg = append(body, name), f.Message()
		case !last:
			return term{}, errField(path, "has no field "+strconv.Quote(segs[i+1]))
		default:
			return q.body(path, alias, append(body, name), f), nil
		}
	}
	return term{}, errField(path, "is empty")
}

// joined is the resource a path continues into.
type joined struct {
	kind  *model.Kind
	alias string
}

// resourceField resolves the top-level field name of resource kind k (at alias) when it is not a
// plain body field: the id and its aliases, the timestamps, a reference (continuing into the
// referenced resource through a join when rest has more), a single reverse reference. done
// reports that the path ends here with t.
func (q *query) resourceField(k *model.Kind, alias, path, name string, rest []string) (t term, next *joined, done bool, err error) {
	switch {
	case name == "resource_id" || slices.Contains(k.Aliases, name):
		return term{path: path, value: alias + ".resource_id", field: idField(k)}, nil, true, nil
	case name == "timestamps":
		return q.timestamp(k, alias, path, rest)
	case slices.Contains(k.Computed, name):
		return term{}, nil, true, errField(path, "is computed on reads and cannot be used here")
	}
	for _, r := range k.Refs {
		if name != r.Field && name != r.IDField {
			continue
		}
		return q.reference(k, alias, path, name, r, rest)
	}
	for _, rv := range k.Reverses {
		if name != rv.Field {
			continue
		}
		if !rv.Single {
			return term{}, nil, true, errField(path, "is a list and cannot be used here")
		}
		j := q.joinReverse(k, alias, rv)
		if len(rest) == 0 {
			return term{path: path, exists: j.alias + ".resource_id IS NOT NULL"}, nil, true, nil
		}
		return term{}, j, false, nil
	}
	return term{}, nil, false, nil
}

// reference resolves a path through reference r: its id, its presence, or a field of the
// referenced resource.
func (q *query) reference(k *model.Kind, alias, path, name string, r model.Ref, rest []string) (term, *joined, bool, error) {
	if r.Repeated {
		return term{}, nil, true, errField(path, "is a list and cannot be used here")
	}
	stored := []string{r.IDField}
	if r.Field != "" {
		stored = []string{r.Field, "resource_id"}
	}
	id := q.body(path, alias, stored, idField(k))
	switch {
	case name == r.IDField && len(rest) == 0:
		return id, nil, true, nil
	case name == r.IDField:
		return term{}, nil, true, errField(path, "is an id and has no fields")
	case len(rest) == 0:
		return term{path: path, exists: id.value + " <> ''"}, nil, true, nil
	case len(rest) == 1 && (rest[0] == "resource_id" || rest[0] == "resourceId"):
		return id, nil, true, nil
	}
	return term{}, q.joinRef(k, alias, r, stored), false, nil
}

// timestamps.created_at / updated_at are columns.
func (q *query) timestamp(k *model.Kind, alias, path string, rest []string) (term, *joined, bool, error) {
	if len(rest) == 1 {
		switch rest[0] {
		case "created_at", "createdAt":
			return term{path: path, value: alias + ".created_us", micros: true}, nil, true, nil
		case "updated_at", "updatedAt":
			return term{path: path, value: alias + ".updated_us", micros: true}, nil, true, nil
		}
	}
	return term{}, nil, true, errField(path, "is not timestamps.createdAt or timestamps.updatedAt")
}

// joinRef joins the resource reference r of (k, alias) points at.
func (q *query) joinRef(k *model.Kind, alias string, r model.Ref, stored []string) *joined {
	to, _ := q.table.Of(r.To)
	key := alias + ">" + r.Name
	if a, ok := q.aliases[key]; ok {
		return &joined{kind: to, alias: a}
	}
	a := "j" + strconv.Itoa(len(q.aliases)+1)
	q.aliases[key] = a
	q.joins = append(q.joins, " LEFT JOIN inv_resources "+a+" ON "+a+".tenant_id = "+alias+".tenant_id AND "+
		a+".resource_id = "+q.d.text(alias, stored))
	return &joined{kind: to, alias: a}
}

// joinReverse joins the one resource whose reference rv.Via points at (k, alias).
func (q *query) joinReverse(k *model.Kind, alias string, rv model.Reverse) *joined {
	from, _ := q.table.Of(rv.From)
	key := alias + "<" + rv.Field
	if a, ok := q.aliases[key]; ok {
		return &joined{kind: from, alias: a}
	}
	n := strconv.Itoa(len(q.aliases) + 1)
	a, r := "j"+n, "r"+n
	q.aliases[key] = a
	via, _ := from.Ref(rv.Via)
	q.joins = append(q.joins, " LEFT JOIN inv_refs "+r+" ON "+r+".tenant_id = "+alias+".tenant_id AND "+r+".to_id = "+alias+
		".resource_id AND "+r+".ref = '"+from.RefKey(via)+"' LEFT JOIN inv_resources "+a+" ON "+a+".tenant_id = "+r+
		".tenant_id AND "+a+".resource_id = "+r+".from_id")
	return &joined{kind: from, alias: a}
}

// fieldOf finds a field by its proto name or its JSON (camelCase) name.
func fieldOf(msg protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	if f := msg.Fields().ByName(protoreflect.Name(name)); f != nil {
		return f
	}
	return msg.Fields().ByJSONName(name)
}

// suggestion names a field close to name, for the error.
func suggestion(msg protoreflect.MessageDescriptor, name string) string {
	lower := strings.ToLower(strings.ReplaceAll(name, "_", ""))
	for i := range msg.Fields().Len() {
		f := msg.Fields().Get(i)
		if strings.ToLower(strings.ReplaceAll(string(f.Name()), "_", "")) == lower {
			return "; did you mean " + strconv.Quote(f.JSONName()) + "?"
		}
	}
	return " in " + string(msg.Name())
}

// idField is the resource_id field of k: a string, for typing comparisons with ids.
func idField(k *model.Kind) protoreflect.FieldDescriptor {
	return k.Descriptor().Fields().ByName("resource_id")
}
