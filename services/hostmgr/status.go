package hostmgr

import (
	pb "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	computev1 "github.com/eim-byoi/eim/api/gen/resources/compute/v1"
	statusv1 "github.com/eim-byoi/eim/api/gen/resources/status/v1"
)

// Status is a status text and its indicator, as the apiv2 resources carry them (host_status
// and host_status_indicator, instance_status and instance_status_indicator).
type Status struct {
	// Text is the status as the API shows it, e.g. "Running".
	Text string
	// Indicator is how to read it: idle, in progress or error.
	Indicator statusv1.StatusIndication
}

// The host statuses the legacy host manager writes (its status package), kept verbatim so the
// UI and scripts reading host_status see the same strings.
var (
	HostUnknown      = Status{"Unknown", statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED}
	HostRunning      = Status{"Running", statusv1.StatusIndication_STATUS_INDICATION_IDLE}
	HostBooting      = Status{"Booting", statusv1.StatusIndication_STATUS_INDICATION_IN_PROGRESS}
	HostError        = Status{"Error", statusv1.StatusIndication_STATUS_INDICATION_ERROR}
	HostNoConnection = Status{"No Connection", statusv1.StatusIndication_STATUS_INDICATION_ERROR}
)

// The instance statuses the legacy host manager writes.
var (
	InstanceEmpty   = Status{"", statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED}
	InstanceUnknown = Status{"Unknown", statusv1.StatusIndication_STATUS_INDICATION_UNSPECIFIED}
	InstanceRunning = Status{"Running", statusv1.StatusIndication_STATUS_INDICATION_IDLE}
	InstanceError   = Status{"Error", statusv1.StatusIndication_STATUS_INDICATION_ERROR}
)

// HostStatusOf is the host status an agent's HostStatus enum stands for: BOOTING, RUNNING and
// ERROR have their own; the others (provisioning and update phases, which other statuses of
// the apiv2 model carry) are Unknown, as in the legacy host manager.
func HostStatusOf(s pb.HostStatus_HostStatus) Status {
	switch s {
	case pb.HostStatus_BOOTING:
		return HostBooting
	case pb.HostStatus_RUNNING:
		return HostRunning
	case pb.HostStatus_ERROR:
		return HostError
	}
	return HostUnknown
}

// hostStatusOfInstance is the host status the node agent's instance status implies.
func hostStatusOfInstance(s pb.InstanceStatus) Status {
	switch s {
	case pb.InstanceStatus_INSTANCE_STATUS_BOOTING:
		return HostBooting
	case pb.InstanceStatus_INSTANCE_STATUS_RUNNING:
		return HostRunning
	case pb.InstanceStatus_INSTANCE_STATUS_ERROR:
		return HostError
	}
	return HostUnknown
}

// InstanceStatusOf is the instance status the node agent's InstanceStatus stands for:
// UNSPECIFIED clears it, BOOTING (transient) and RUNNING are Running, ERROR is Error, the
// others Unknown, as in the legacy host manager.
func InstanceStatusOf(s pb.InstanceStatus) Status {
	switch s {
	case pb.InstanceStatus_INSTANCE_STATUS_UNSPECIFIED:
		return InstanceEmpty
	case pb.InstanceStatus_INSTANCE_STATUS_BOOTING, pb.InstanceStatus_INSTANCE_STATUS_RUNNING:
		return InstanceRunning
	case pb.InstanceStatus_INSTANCE_STATUS_ERROR:
		return InstanceError
	}
	return InstanceUnknown
}

// InstanceStateOf maps the agent's InstanceState (the legacy inventory's numbering) to the
// apiv2 one; INSTALLED and STOPPED, which the apiv2 model dropped, are RUNNING as the legacy
// host manager maps them.
func InstanceStateOf(s pb.InstanceState) computev1.InstanceState {
	switch s {
	case pb.InstanceState_INSTANCE_STATE_RUNNING, pb.InstanceState_INSTANCE_STATE_INSTALLED, pb.InstanceState_INSTANCE_STATE_STOPPED:
		return computev1.InstanceState_INSTANCE_STATE_RUNNING
	case pb.InstanceState_INSTANCE_STATE_DELETED:
		return computev1.InstanceState_INSTANCE_STATE_DELETED
	}
	return computev1.InstanceState_INSTANCE_STATE_UNSPECIFIED
}

// losesConnection reports whether a host showing s is marked No Connection when its heartbeats
// stop: Running, Booting and Error, as in the legacy host manager (a host in another status,
// e.g. one being deleted or already marked, keeps it).
func losesConnection(s Status) bool {
	return s.Text == HostRunning.Text || s.Text == HostBooting.Text || s.Text == HostError.Text
}
