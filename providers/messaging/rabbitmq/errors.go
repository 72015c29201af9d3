package rabbitmq

import (
	"context"
	"errors"
	"net"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/eim-byoi/eim/providers/provider"
)

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
	var ae *amqp.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return provider.DeadlineExceeded
	case errors.As(err, &ae):
		switch ae.Code {
		case amqp.AccessRefused:
			return provider.PermissionDenied
		case amqp.PreconditionFailed:
			return provider.FailedPrecondition
		case amqp.NotFound:
			return provider.NotFound
		case amqp.FrameError, amqp.SyntaxError, amqp.CommandInvalid:
			return provider.Internal
		}
		return provider.Unavailable
	case errors.Is(err, amqp.ErrClosed), errors.As(err, &netErr):
		return provider.Unavailable
	}
	return provider.Unavailable
}
