package redis

import (
	"context"
	"errors"
	"net"
	"strings"

	goredis "github.com/redis/go-redis/v9"

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
	msg := err.Error()
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return provider.DeadlineExceeded
	case strings.HasPrefix(msg, "NOPERM"):
		return provider.PermissionDenied
	case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"):
		return provider.Unauthenticated
	case strings.HasPrefix(msg, "NOGROUP"):
		return provider.NotFound
	case errors.Is(err, goredis.ErrClosed):
		return provider.FailedPrecondition
	case provider.IsTLSError(err):
		return provider.Unavailable
	case errors.As(err, &netErr):
		if netErr.Timeout() {
			return provider.DeadlineExceeded
		}
		return provider.Unavailable
	case strings.HasPrefix(msg, "LOADING"), strings.HasPrefix(msg, "BUSY"), strings.HasPrefix(msg, "TRYAGAIN"),
		strings.Contains(msg, "connection refused"), strings.Contains(msg, "EOF"), strings.Contains(msg, "reset by peer"):
		return provider.Unavailable
	}
	return provider.Internal
}
