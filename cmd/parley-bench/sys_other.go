//go:build !unix

package main

import "log/slog"

// ensureNoFile does nothing where there is no RLIMIT_NOFILE.
func ensureNoFile(int, *slog.Logger) error { return nil }

// ownCPU is unknown here.
func ownCPU() float64 { return 0 }
