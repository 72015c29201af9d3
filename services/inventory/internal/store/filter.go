package store

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxFilterNodes bounds the expressions of one filter; the apiv2 filters are at most 1000
// characters anyway.
const maxFilterNodes = 500

// where translates an AIP-160 filter over q.kind into a SQL condition (empty for no filter). The
// parser is go.einride.tech/aip/filtering's; the translation checks every field and value
// against the kind's message, so an unknown field, a value of the wrong type or an unsupported
// construct is an error naming it.
func (q *query) where(filter string) (string, error) {
	if strings.TrimSpace(filter) == "" {
		return "", nil
	}
	var p filtering.Parser
	p.Init(filter)
	parsed, err := p.Parse()
	if err != nil {
		return "", fmt.Errorf("filter %q: %w", filter, err)
	}
	nodes := 0
	sql, err := q.cond(parsed.GetExpr(), &nodes)
	if err != nil {
		return "", fmt.Errorf("filter %q: %w", filter, err)
	}
	return sql, nil
}

// cond translates a boolean expression.
func (q *query) cond(e *expr.Expr, nodes *int) (string, error) {
	if *nodes++; *nodes > maxFilterNodes {
		return "", errors.New("has too many terms")
	}
	call := e.GetCallExpr()
	if call == nil {
		if name, ok := identPath(e); ok {
			t, err := q.resolve(name)
			if err != nil {
				return "", err
			}
			if t.field != nil && t.field.Kind() == protoreflect.BoolKind {
				return t.value, nil // a bare boolean field: flag
			}
		}
		return "", fmt.Errorf("%s is not a condition: compare a field, e.g. name=\"x\"", describe(e))
	}
	args := call.GetArgs()
	switch fn := call.GetFunction(); {
	case (fn == filtering.FunctionAnd || fn == filtering.FunctionOr || fn == filtering.FunctionFuzzyAnd) && len(args) == 2:
		return q.logical(fn, args, nodes)
	case fn == filtering.FunctionNot && len(args) == 1:
		c, err := q.cond(args[0], nodes)
		return "NOT (" + c + ")", err
	case strings.EqualFold(fn, "has") && len(args) == 1:
		return q.has(args[0])
	case fn == filtering.FunctionHas && len(args) == 2:
		return q.contains(args[0], args[1])
	case isComparison(fn) && len(args) == 2:
		return q.compare(fn, args[0], args[1])
	}
	return "", fmt.Errorf("%s is not supported: use =, !=, <, <=, >, >=, :, has(field), AND, OR, NOT", describe(e))
}

func (q *query) logical(fn string, args []*expr.Expr, nodes *int) (string, error) {
	l, err := q.cond(args[0], nodes)
	if err != nil {
		return "", err
	}
	r, err := q.cond(args[1], nodes)
	if err != nil {
		return "", err
	}
	op := " AND "
	if fn == filtering.FunctionOr {
		op = " OR "
	}
	return "(" + l + op + r + ")", nil
}

// has is has(field): a message or reference that is set, a string that is not empty.
func (q *query) has(arg *expr.Expr) (string, error) {
	name, ok := identPath(arg)
	if !ok {
		return "", fmt.Errorf("has(%s): name a field", describe(arg))
	}
	t, err := q.resolve(name)
	switch {
	case err != nil:
		return "", err
	case t.exists != "":
		return t.exists, nil
	case t.field != nil && t.field.Kind() == protoreflect.StringKind:
		return t.value + " <> ''", nil
	}
	return "", errField(name, "cannot be tested with has(): it is not a message, a reference or a string")
}

// contains is field:"text", true when the string field contains text (case-insensitive; * is a
// wildcard).
func (q *query) contains(field, value *expr.Expr) (string, error) {
	name, ok := identPath(field)
	if !ok {
		return "", fmt.Errorf("%s: the left of : is a field", describe(field))
	}
	t, err := q.resolve(name)
	if err != nil {
		return "", err
	}
	s, ok := stringValue(value)
	if t.field == nil || t.field.Kind() != protoreflect.StringKind || !ok {
		return "", errField(name, "supports : only as a string field with a quoted text")
	}
	return q.d.like(t.value, q.arg("%"+likePattern(s)+"%")), nil
}

func isComparison(fn string) bool {
	switch fn {
	case filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionLessThan,
		filtering.FunctionLessEquals, filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals:
		return true
	}
	return false
}

// compare translates field OP value (or value OP field).
func (q *query) compare(fn string, l, r *expr.Expr) (string, error) {
	name, ok := identPath(l)
	value := r
	if !ok || isEnumLike(l) && !isEnumLike(r) {
		if name, ok = identPath(r); !ok {
			return "", fmt.Errorf("%s %s %s: one side must be a field", describe(l), fn, describe(r))
		}
		value, fn = l, mirror(fn)
	}
	t, err := q.resolve(name)
	if err != nil {
		return "", err
	}
	if t.micros {
		return q.compareTime(t, fn, value)
	}
	if t.field == nil {
		return "", errField(name, "is a message: compare one of its fields, or use has("+name+")")
	}
	return q.compareScalar(t, fn, value)
}

func (q *query) compareScalar(t term, fn string, value *expr.Expr) (string, error) {
	f := t.field
	switch f.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		s, ok := stringValue(value)
		if !ok {
			return "", errField(t.path, "is a string: compare it with a quoted text")
		}
		if (fn == filtering.FunctionEquals || fn == filtering.FunctionNotEquals) && strings.Contains(s, "*") {
			c := q.d.like(t.value, q.arg(likePattern(s)))
			if fn == filtering.FunctionNotEquals {
				c = "NOT (" + c + ")"
			}
			return c, nil
		}
		return t.value + " " + sqlOp(fn) + " " + q.arg(s), nil
	case protoreflect.EnumKind:
		return q.compareEnum(t, fn, value)
	case protoreflect.BoolKind:
		b, ok := boolValue(value)
		if !ok || (fn != filtering.FunctionEquals && fn != filtering.FunctionNotEquals) {
			return "", errField(t.path, "is a boolean: use = true or = false")
		}
		if b == (fn == filtering.FunctionEquals) {
			return t.value, nil
		}
		return "NOT (" + t.value + ")", nil
	}
	n, ok := numberValue(value)
	if !ok {
		return "", errField(t.path, "is a number: compare it with a number")
	}
	if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
		return t.value + " " + sqlOp(fn) + " " + q.arg(int64(n)), nil
	}
	return t.value + " " + sqlOp(fn) + " " + q.arg(n), nil
}

func (q *query) compareEnum(t term, fn string, value *expr.Expr) (string, error) {
	name, ok := enumValue(value)
	values := t.field.Enum().Values()
	if !ok || values.ByName(protoreflect.Name(name)) == nil {
		return "", errField(t.path, fmt.Sprintf("takes %s values, e.g. %s", t.field.Enum().Name(), values.Get(values.Len()-1).Name()))
	}
	if fn != filtering.FunctionEquals && fn != filtering.FunctionNotEquals {
		return "", errField(t.path, "is an enum: use = or !=")
	}
	return t.value + " " + sqlOp(fn) + " " + q.arg(name), nil
}

// compareTime compares a timestamp column with timestamp("RFC 3339"), an RFC 3339 string or
// seconds since the epoch.
func (q *query) compareTime(t term, fn string, value *expr.Expr) (string, error) {
	var at time.Time
	if c := value.GetCallExpr(); c != nil && c.GetFunction() == filtering.FunctionTimestamp && len(c.GetArgs()) == 1 {
		value = c.GetArgs()[0]
	}
	if s, ok := stringValue(value); ok {
		parsed, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", errField(t.path, "is a time: compare it with an RFC 3339 time, e.g. \"2025-01-02T15:04:05Z\"")
		}
		at = parsed
	} else if n, ok := numberValue(value); ok {
		at = time.Unix(int64(n), 0)
	} else {
		return "", errField(t.path, "is a time: compare it with an RFC 3339 time")
	}
	return t.value + " " + sqlOp(fn) + " " + q.arg(at.UnixMicro()), nil
}

func sqlOp(fn string) string {
	if fn == filtering.FunctionNotEquals {
		return "<>"
	}
	return fn
}

// mirror returns the operator with its sides swapped.
func mirror(fn string) string {
	switch fn {
	case filtering.FunctionLessThan:
		return filtering.FunctionGreaterThan
	case filtering.FunctionGreaterThan:
		return filtering.FunctionLessThan
	case filtering.FunctionLessEquals:
		return filtering.FunctionGreaterEquals
	case filtering.FunctionGreaterEquals:
		return filtering.FunctionLessEquals
	}
	return fn
}

// identPath returns the dotted name of an identifier or a field selection.
func identPath(e *expr.Expr) (string, bool) {
	switch k := e.GetExprKind().(type) {
	case *expr.Expr_IdentExpr:
		return k.IdentExpr.GetName(), true
	case *expr.Expr_SelectExpr:
		op, ok := identPath(k.SelectExpr.GetOperand())
		return op + "." + k.SelectExpr.GetField(), ok
	}
	return "", false
}

// isEnumLike reports an upper-case identifier: an enum value, not a field.
func isEnumLike(e *expr.Expr) bool {
	id := e.GetIdentExpr().GetName()
	return id != "" && strings.ToUpper(id) == id && strings.ContainsRune(id, '_')
}

// stringValue is a quoted text, or a bare word taken as text (name=edge-1).
func stringValue(e *expr.Expr) (string, bool) {
	if c := e.GetConstExpr(); c != nil {
		switch v := c.GetConstantKind().(type) {
		case *expr.Constant_StringValue:
			return v.StringValue, true
		case *expr.Constant_Int64Value:
			return strconv.FormatInt(v.Int64Value, 10), true
		}
		return "", false
	}
	if id := e.GetIdentExpr(); id != nil {
		return id.GetName(), true
	}
	return "", false
}

func enumValue(e *expr.Expr) (string, bool) {
	if id := e.GetIdentExpr(); id != nil {
		return id.GetName(), true
	}
	if s := e.GetConstExpr().GetStringValue(); s != "" {
		return s, true
	}
	return "", false
}

func boolValue(e *expr.Expr) (bool, bool) {
	if c := e.GetConstExpr(); c != nil {
		if b, ok := c.GetConstantKind().(*expr.Constant_BoolValue); ok {
			return b.BoolValue, true
		}
	}
	switch strings.ToLower(e.GetIdentExpr().GetName()) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func numberValue(e *expr.Expr) (float64, bool) {
	c := e.GetConstExpr()
	switch v := c.GetConstantKind().(type) {
	case *expr.Constant_Int64Value:
		return float64(v.Int64Value), true
	case *expr.Constant_Uint64Value:
		return float64(v.Uint64Value), true
	case *expr.Constant_DoubleValue:
		return v.DoubleValue, !math.IsNaN(v.DoubleValue) && !math.IsInf(v.DoubleValue, 0)
	case *expr.Constant_StringValue:
		n, err := strconv.ParseFloat(v.StringValue, 64)
		return n, err == nil
	}
	return 0, false
}

// describe renders an expression for an error.
func describe(e *expr.Expr) string {
	if name, ok := identPath(e); ok {
		return strconv.Quote(name)
	}
	if c := e.GetConstExpr(); c != nil {
		return "the value " + strings.TrimSpace(c.String())
	}
	if c := e.GetCallExpr(); c != nil {
		return strconv.Quote(c.GetFunction())
	}
	return "an expression"
}
