package nats

import (
	"context"
	"errors"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eim-byoi/eim/providers/provider"
)

// coded maps a NATS error to its Code.
func coded(err error) error {
	if err == nil {
		return nil
	}
	return provider.WithCode(codeOf(err), err)
}

func codeOf(err error) provider.Code {
	if c := provider.CodeOf(err); c != provider.Unknown {
		return c
	}
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		return provider.DeadlineExceeded
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked):
		return provider.Unauthenticated
	case errors.Is(err, nats.ErrPermissionViolation), strings.Contains(strings.ToLower(err.Error()), "permissions violation"):
		return provider.PermissionDenied
	case errors.Is(err, nats.ErrMaxPayload):
		return provider.InvalidArgument
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrNoServers), errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, nats.ErrConnectionDraining), errors.Is(err, jetstream.ErrNoHeartbeat):
		return provider.Unavailable
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound):
		return provider.NotFound
	case errors.As(err, &apiErr):
		return apiCode(apiErr)
	}
	return provider.Unavailable
}

func apiCode(e *jetstream.APIError) provider.Code {
	switch e.Code {
	case 400:
		return provider.InvalidArgument
	case 401, 403:
		return provider.PermissionDenied
	case 404:
		return provider.NotFound
	case 503:
		return provider.Unavailable
	}
	return provider.FailedPrecondition
}
