package onboarding

import (
	"errors"
	"strings"

	"github.com/eim-byoi/eim/providers/provider"
)

// serialField is the field whose validation errors the legacy manager ignored: a device whose
// serial number does not match the pattern still onboards, by UUID.
const serialField = "Serialnum"

// validated returns the violations of a legacy message (its ValidateAll error) other than the
// serial number's, as one InvalidArgument error; nil when there are none. dropSerial reports
// whether the serial number was invalid (and is then to be ignored).
func validated(err error) (dropSerial bool, _ error) {
	if err == nil {
		return false, nil
	}
	var all interface{ AllErrors() []error }
	errs := []error{err}
	if errors.As(err, &all) {
		errs = all.AllErrors()
	}
	var kept []string
	for _, e := range errs {
		var f interface{ Field() string }
		if errors.As(e, &f) && f.Field() == serialField {
			dropSerial = true
			continue
		}
		kept = append(kept, e.Error())
	}
	if len(kept) == 0 {
		return dropSerial, nil
	}
	return dropSerial, provider.Errorf(provider.InvalidArgument, "%s", strings.Join(kept, "; "))
}
