package api

import (
	"context"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	servicesv1 "github.com/eim-byoi/eim/api/gen/services/v1"
)

// registrar registers one services.v1 service's generated gateway handlers on a mux, served
// through conn.
type registrar func(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error

// registrars returns the registrar of every services.v1 service, by service name.
func registrars() map[string]registrar {
	return map[string]registrar{
		"RegionService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterRegionServiceHandlerClient(ctx, m, servicesv1.NewRegionServiceClient(c))
		},
		"SiteService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterSiteServiceHandlerClient(ctx, m, servicesv1.NewSiteServiceClient(c))
		},
		"LocationService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterLocationServiceHandlerClient(ctx, m, servicesv1.NewLocationServiceClient(c))
		},
		"HostService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterHostServiceHandlerClient(ctx, m, servicesv1.NewHostServiceClient(c))
		},
		"InstanceService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterInstanceServiceHandlerClient(ctx, m, servicesv1.NewInstanceServiceClient(c))
		},
		"OperatingSystemService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterOperatingSystemServiceHandlerClient(ctx, m, servicesv1.NewOperatingSystemServiceClient(c))
		},
		"ProviderService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterProviderServiceHandlerClient(ctx, m, servicesv1.NewProviderServiceClient(c))
		},
		"WorkloadService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterWorkloadServiceHandlerClient(ctx, m, servicesv1.NewWorkloadServiceClient(c))
		},
		"WorkloadMemberService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterWorkloadMemberServiceHandlerClient(ctx, m, servicesv1.NewWorkloadMemberServiceClient(c))
		},
		"ScheduleService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterScheduleServiceHandlerClient(ctx, m, servicesv1.NewScheduleServiceClient(c))
		},
		"TelemetryLogsGroupService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterTelemetryLogsGroupServiceHandlerClient(ctx, m, servicesv1.NewTelemetryLogsGroupServiceClient(c))
		},
		"TelemetryMetricsGroupService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterTelemetryMetricsGroupServiceHandlerClient(ctx, m, servicesv1.NewTelemetryMetricsGroupServiceClient(c))
		},
		"TelemetryLogsProfileService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterTelemetryLogsProfileServiceHandlerClient(ctx, m, servicesv1.NewTelemetryLogsProfileServiceClient(c))
		},
		"TelemetryMetricsProfileService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterTelemetryMetricsProfileServiceHandlerClient(ctx, m, servicesv1.NewTelemetryMetricsProfileServiceClient(c))
		},
		"LocalAccountService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterLocalAccountServiceHandlerClient(ctx, m, servicesv1.NewLocalAccountServiceClient(c))
		},
		"CustomConfigService": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterCustomConfigServiceHandlerClient(ctx, m, servicesv1.NewCustomConfigServiceClient(c))
		},
		"OSUpdatePolicy": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterOSUpdatePolicyHandlerClient(ctx, m, servicesv1.NewOSUpdatePolicyClient(c))
		},
		"OSUpdateRun": func(ctx context.Context, m *runtime.ServeMux, c grpc.ClientConnInterface) error {
			return servicesv1.RegisterOSUpdateRunHandlerClient(ctx, m, servicesv1.NewOSUpdateRunClient(c))
		},
	}
}
