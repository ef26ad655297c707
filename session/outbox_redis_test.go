package session_test

import (
	"testing"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestRedisOutboxContract(t *testing.T) {
	_, c := newRedisClient(t)
	storetest.RunOutbox(t, func(t *testing.T) session.Outbox {
		return session.NewRedis(c, session.RedisConfig{Prefix: "ob-" + session.NewID()[:8]})
	})
}

func TestRedisOutboxClusterContract(t *testing.T) {
	c := newClusterClient(t)
	storetest.RunOutbox(t, func(t *testing.T) session.Outbox {
		return session.NewRedis(c, session.RedisConfig{Prefix: "ob-" + session.NewID()[:8]})
	})
}
