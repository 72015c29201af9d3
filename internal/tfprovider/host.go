package tfprovider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// hostModel is eim_host: a host pre-registration.
type hostModel struct {
	ID           types.String `tfsdk:"id"`
	Project      types.String `tfsdk:"project"`
	Name         types.String `tfsdk:"name"`
	SerialNumber types.String `tfsdk:"serial_number"`
	UUID         types.String `tfsdk:"uuid"`
	AutoOnboard  types.Bool   `tfsdk:"auto_onboard"`
	EnableVpro   types.Bool   `tfsdk:"enable_vpro"`
	DesiredState types.String `tfsdk:"desired_state"`
	CurrentState types.String `tfsdk:"current_state"`
}

func (m *hostModel) message() *servicesv1.HostRegister {
	return &servicesv1.HostRegister{Name: m.Name.ValueString(), SerialNumber: m.SerialNumber.ValueString(),
		Uuid: m.UUID.ValueString(), AutoOnboard: m.AutoOnboard.ValueBool(), EnableVpro: m.EnableVpro.ValueBool()}
}

var hostSpec = &spec[hostModel]{
	name: "host",
	doc: "A host pre-registration (POST .../compute/hosts/register): the host onboards when it first " +
		"connects with this serial number or UUID (at once with auto_onboard).",
	projectScoped: true,
	attrs: map[string]schema.Attribute{
		"name": schema.StringAttribute{Required: true, Description: "Display name."},
		"serial_number": schema.StringAttribute{Optional: true, Description: "The host's serial number (serial_number or uuid, or both).",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"uuid": schema.StringAttribute{Optional: true, Description: "The host's SMBIOS UUID.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"auto_onboard": schema.BoolAttribute{Optional: true, Computed: true, Description: "Onboard without an operator's approval (default false).",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
		"enable_vpro": schema.BoolAttribute{Optional: true, Computed: true, Description: "AMT-provision the host (vPro); default false.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace(), boolplanmodifier.UseStateForUnknown()}},
		"desired_state": schema.StringAttribute{Computed: true, Description: "The host's desired state (HOST_STATE_REGISTERED, HOST_STATE_ONBOARDED, ...)."},
		"current_state": schema.StringAttribute{Computed: true, Description: "The host's current state, as its agents report it."},
	},
	validate: func(_ context.Context, m *hostModel, add func(string, string, string)) {
		if m.SerialNumber.IsNull() && m.UUID.IsNull() {
			add("serial_number", "Missing host identity", "set serial_number or uuid (or both): the host is recognised by them when it first connects")
		}
		protoCheck(m.message(), add)
	},
	create: func(ctx context.Context, c *Client, m *hostModel) error {
		out := &computev1.HostResource{}
		if err := c.call(ctx, "POST", projectPath(m.Project.ValueString(), "compute/hosts/register"), m.message(), out); err != nil {
			return err
		}
		m.ID = types.StringValue(out.GetResourceId())
		m.fill(out)
		return nil
	},
	read: func(ctx context.Context, c *Client, m *hostModel) error {
		out := &computev1.HostResource{}
		if err := c.call(ctx, "GET", projectPath(m.Project.ValueString(), "compute/hosts", m.ID.ValueString()), nil, out); err != nil {
			return err
		}
		m.fill(out)
		return nil
	},
	update: func(ctx context.Context, c *Client, plan, state *hostModel) error {
		plan.ID = state.ID
		out := &computev1.HostResource{}
		body := &servicesv1.HostRegister{Name: plan.Name.ValueString(), AutoOnboard: plan.AutoOnboard.ValueBool()}
		if err := c.call(ctx, "PATCH", projectPath(plan.Project.ValueString(), "compute/hosts", plan.ID.ValueString(), "register"), body, out); err != nil {
			return err
		}
		plan.fill(out)
		return nil
	},
	delete: func(ctx context.Context, c *Client, m *hostModel) error {
		return c.call(ctx, "DELETE", projectPath(m.Project.ValueString(), "compute/hosts", m.ID.ValueString()), nil, nil)
	},
}

// fill sets the attributes the API answers. auto_onboard is read back from the desired state:
// a host still HOST_STATE_REGISTERED does not auto-onboard; one ONBOARDED keeps the configured
// value, since an operator's onboarding (PATCH .../onboard) is not a change of auto_onboard.
func (m *hostModel) fill(h *computev1.HostResource) {
	m.Name = types.StringValue(h.GetName())
	m.SerialNumber, m.UUID = str(h.GetSerialNumber()), str(h.GetUuid())
	m.DesiredState, m.CurrentState = types.StringValue(h.GetDesiredState().String()), types.StringValue(h.GetCurrentState().String())
	switch {
	case h.GetDesiredState() == computev1.HostState_HOST_STATE_REGISTERED:
		m.AutoOnboard = types.BoolValue(false)
	case m.AutoOnboard.IsNull() || m.AutoOnboard.IsUnknown():
		m.AutoOnboard = types.BoolValue(h.GetDesiredState() == computev1.HostState_HOST_STATE_ONBOARDED)
	}
	m.EnableVpro = types.BoolValue(h.GetDesiredAmtState() == computev1.AmtState_AMT_STATE_PROVISIONED)
}
