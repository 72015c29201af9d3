package tfprovider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck is a validator.String: check returns why a known, non-null value is refused ("" when
// it is accepted). The diagnostic names the attribute (Terraform shows its path).
type stringCheck struct {
	desc  string
	check func(string) string
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string         { return v.desc }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.desc }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if why := v.check(req.ConfigValue.ValueString()); why != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value for "+req.Path.String(), why)
	}
}

// matches accepts the strings re matches; what says what is expected.
func matches(re *regexp.Regexp, what string) stringCheck {
	return stringCheck{desc: what, check: func(s string) string {
		if re.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q is not %s", s, what)
	}}
}

// oneOf accepts the names of a generated protobuf enum (its _value map) except the
// *_UNSPECIFIED one, so that the list cannot drift from the API's protos.
func oneOf(values map[string]int32) stringCheck {
	var names []string
	for k, v := range values {
		if v != 0 {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	want := "one of " + strings.Join(names, ", ")
	return stringCheck{desc: want, check: func(s string) string {
		if slices.Contains(names, s) {
			return ""
		}
		return fmt.Sprintf("%q is not %s", s, want)
	}}
}

// reProject is the tenancy API's project names (DNS label style); the project endpoints have no
// protobuf message whose rules could be checked.
var reProject = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func nameValidators() []validator.String {
	return []validator.String{matches(reProject, "a project name: lower-case letters, digits and '-', at most 63")}
}

func validatorsOf(v ...validator.String) []validator.String { return v }
