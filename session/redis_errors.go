package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisError maps an error from the Redis client to the store's errors:
// redis.Nil becomes ErrNotFound, a connection or server-availability failure
// becomes ErrUnavailable, and other server errors are wrapped as they are.
func redisError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("session: redis %s: %w", op, ErrNotFound)
	}
	if unavailable(err) {
		return fmt.Errorf("session: redis %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("session: redis %s: %w", op, err)
}

// unavailable reports whether err means Redis could not be reached or could
// not serve the command right now, as opposed to rejecting it.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; that says nothing about Redis
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		for _, p := range []string{"LOADING", "CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN", "READONLY", "BUSY"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	// Everything else is the network or the client: refused or reset
	// connections, timeouts, a closed client or an exhausted pool.
	return true
}

// scriptStatus turns a script's status word into the store's error, or nil
// for success statuses.
func scriptStatus(op, status string) error {
	var err error
	switch status {
	case "ok", "dup", "existing", "created", "retry":
		return nil
	case "notfound":
		err = ErrNotFound
	case "conflict":
		err = ErrConflict
	case "closed":
		err = ErrClosed
	case "capacity":
		err = ErrCapacity
	case "forbidden":
		err = ErrForbidden
	default:
		return fmt.Errorf("session: redis %s: unexpected script status %q", op, status)
	}
	return fmt.Errorf("session: %s: %w", op, err)
}
