package provider

import "strings"

// FieldError is one configuration problem: the field (a dotted path relative to the structure
// being validated), what is wrong, and how to fix it.
type FieldError struct {
	Field   string
	Problem string
	Fix     string
}

// Error formats the problem as "field: problem (fix: ...)".
func (e FieldError) Error() string {
	s := e.Problem
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Fix != "" {
		s += " (fix: " + e.Fix + ")"
	}
	return s
}

// ValidationError lists every problem Validate found.
type ValidationError []FieldError

// Error joins the problems, one per line.
func (v ValidationError) Error() string {
	lines := make([]string, len(v))
	for i, e := range v {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ProviderCode marks a validation failure as InvalidArgument.
func (v ValidationError) ProviderCode() Code { return InvalidArgument }

// Validation collects the problems of a Validate method so that all are reported at once.
// The zero value is ready to use.
type Validation struct {
	errs ValidationError
}

// Add records a problem with field.
func (v *Validation) Add(field, problem, fix string) {
	v.errs = append(v.errs, FieldError{Field: field, Problem: problem, Fix: fix})
}

// Check records the problem when ok is false.
func (v *Validation) Check(ok bool, field, problem, fix string) {
	if !ok {
		v.Add(field, problem, fix)
	}
}

// Required records "is required" for field when value is empty.
func (v *Validation) Required(field, value, fix string) {
	v.Check(value != "", field, "is required", fix)
}

// Nest records the problems of a nested Validate call under prefix.
func (v *Validation) Nest(prefix string, err error) {
	if err == nil {
		return
	}
	if ve, ok := err.(ValidationError); ok {
		for _, e := range ve {
			e.Field = JoinPath(prefix, e.Field)
			v.errs = append(v.errs, e)
		}
		return
	}
	v.Add(prefix, err.Error(), "")
}

// Err returns the collected problems as a ValidationError, or nil when there are none.
func (v *Validation) Err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// JoinPath joins two dotted configuration paths, either of which may be empty.
func JoinPath(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	case strings.HasPrefix(field, "["):
		return prefix + field
	}
	return prefix + "." + field
}
