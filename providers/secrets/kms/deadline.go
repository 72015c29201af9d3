package kms

import "context"

func errDeadline() error { return context.DeadlineExceeded }
