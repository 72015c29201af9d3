package tfprovider

import (
	"errors"
	"fmt"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoCheck evaluates the buf.validate rules of the apiv2 protos on the fields msg sets (the
// rules the API itself applies), and reports each violation on the attribute of the same name as
// the proto field (attributes are named after the proto fields), so a value the API would refuse
// fails `terraform plan` naming the attribute. Unset fields are not checked: Terraform's Required
// covers those, and values unknown at plan time are left unset.
func protoCheck(msg proto.Message, add func(attr, summary, detail string)) {
	v, err := protovalidate.New()
	if err != nil {
		add("", "protovalidate", err.Error())
		return
	}
	root := msg.ProtoReflect().Descriptor()
	err = v.Validate(msg, protovalidate.WithFilter(protovalidate.FilterFunc(func(m protoreflect.Message, d protoreflect.Descriptor) bool {
		f, ok := d.(protoreflect.FieldDescriptor)
		if !ok {
			return true
		}
		return m.Descriptor() == root && m.Has(f)
	})))
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			add("", "Validating "+string(root.Name()), err.Error())
		}
		return
	}
	for _, viol := range ve.Violations {
		field := protovalidate.FieldPathString(viol.Proto.GetField())
		add(field, "Invalid value for "+field,
			fmt.Sprintf("%s: %s (the API's rule for %s.%s)", field, viol.Proto.GetMessage(), root.Name(), field))
	}
}
