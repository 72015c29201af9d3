package edgesim

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	hostmgr "github.com/eim-byoi/eim/api/gen/hostmgr_southbound_proto"
	maintmgrv1 "github.com/eim-byoi/eim/api/gen/maintmgr/v1"
	"github.com/eim-byoi/eim/providers/provider"
)

// call makes one unary call of r for node with its token: fn gets the call's context. A
// refused token is dropped, so that the next call reads a new one (the agents read their token
// file on each call).
func (s *sim) call(ctx context.Context, node int, r rpc, fn func(context.Context) error) error {
	tok, err := s.cfg.Credentials.Token(ctx, node)
	if err != nil {
		code := status.Code(provider.GRPCError(err))
		s.st.credentials[min(int(code), numCodes-1)].Add(1)
		return err
	}
	md := make(metadata.MD, 2)
	if tok != "" {
		md["authorization"] = []string{"Bearer " + tok}
	}
	if h := s.cfg.ProjectHeader; h != "" {
		md[h] = []string{s.cfg.Fleet[node].Tenant.ID}
	}
	cctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(ctx, md), s.cfg.Timeout)
	defer cancel()
	w := s.st.send(r)
	start := time.Now()
	err = fn(cctx)
	code := status.Code(err)
	s.st.done(r, w, code, time.Since(start))
	if code == codes.Unauthenticated {
		s.cfg.Credentials.Invalidate(node)
	}
	return err
}

// systemInfo sends node's hardware inventory (hardware discovery agent).
func (s *sim) systemInfo(ctx context.Context, node int) error {
	req := &hostmgr.UpdateHostSystemInfoByGUIDRequest{HostGuid: s.cfg.Fleet[node].GUID, SystemInfo: systemInfo(node, s.cfg.Fleet[node])}
	c := s.host[node%len(s.host)]
	return s.call(ctx, node, rpcSystemInfo, func(ctx context.Context) error {
		_, err := c.UpdateHostSystemInfoByGUID(ctx, req)
		return err
	})
}

// heartbeat sends node's instance state and status (node agent).
func (s *sim) heartbeat(ctx context.Context, node int, n *nodeState) error {
	st, detail := instanceStatus(n.hbAcked)
	req := &hostmgr.UpdateInstanceStateStatusByHostGUIDRequest{HostGuid: s.cfg.Fleet[node].GUID,
		InstanceState: hostmgr.InstanceState_INSTANCE_STATE_RUNNING, InstanceStatus: st, ProviderStatusDetail: detail}
	c := s.host[node%len(s.host)]
	changes := n.hbAcked == 0 || n.hbAcked == 2 // the first status, and the change to running
	if changes {
		s.st.instance.sent.Add(1)
	}
	err := s.call(ctx, node, rpcInstance, func(ctx context.Context) error {
		_, err := c.UpdateInstanceStateStatusByHostGUID(ctx, req)
		return err
	})
	if err == nil {
		if changes {
			s.st.instance.acked.Add(1)
		}
		if n.hbAcked == 2 {
			s.st.instance.running.Add(1)
			s.step(n, stepRunning)
		}
		n.hbAcked++
	} else if changes {
		s.st.instance.sent.Add(-1) // sent again with the next heartbeat
	}
	return err
}

// poll reports node's update status and follows the schedule answered (platform update agent).
func (s *sim) poll(ctx context.Context, node int, n *nodeState) {
	cur := n.update
	req := &maintmgrv1.PlatformUpdateStatusRequest{HostGuid: s.cfg.Fleet[node].GUID,
		UpdateStatus: &maintmgrv1.UpdateStatus{StatusType: cur, StatusDetail: updateDetail(cur)}}
	if cur != n.sentUpdate {
		n.sentUpdate = cur
		s.st.transitions[cur].sent.Add(1)
	}
	c := s.maint[node%len(s.maint)]
	var resp *maintmgrv1.PlatformUpdateStatusResponse
	err := s.call(ctx, node, rpcUpdateStatus, func(ctx context.Context) error {
		var err error
		resp, err = c.PlatformUpdateStatus(ctx, req)
		return err
	})
	if err != nil {
		return // the status is sent again with the next poll
	}
	if cur != n.ackedUpd {
		n.ackedUpd = cur
		s.st.transitions[cur].acked.Add(1)
	}
	s.step(n, stepUpdateStatus)
	n.update = s.follow(n, resp, time.Now())
}

// follow returns the status the node reports next: an update runs through started and updated
// back to up to date, one poll each; a node up to date starts one when the answer carries an
// update source and a schedule whose window is open and was not followed yet.
func (s *sim) follow(n *nodeState, resp *maintmgrv1.PlatformUpdateStatusResponse, now time.Time) maintmgrv1.UpdateStatus_StatusType {
	switch n.update {
	case maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED:
		return maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED
	case maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED:
		return maintmgrv1.UpdateStatus_STATUS_TYPE_UP_TO_DATE
	}
	if resp.GetUpdateSource() == nil || resp.GetUpdateSchedule() == nil {
		return n.update
	}
	if start, ok := s.win.open(resp.GetUpdateSchedule(), now); ok && start != n.window {
		n.window = start
		return maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED
	}
	return n.update
}

// updateDetail is the agent's status_detail of a status.
func updateDetail(st maintmgrv1.UpdateStatus_StatusType) string {
	switch st {
	case maintmgrv1.UpdateStatus_STATUS_TYPE_STARTED:
		return "update started by edge-sim"
	case maintmgrv1.UpdateStatus_STATUS_TYPE_UPDATED:
		return "update completed by edge-sim"
	}
	return ""
}
