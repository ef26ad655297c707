package session_test

import (
	"testing"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestMemoryBroker(t *testing.T) {
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return session.NewMemoryBroker() })
}

func TestMemoryBrokerShared(t *testing.T) {
	shared := session.NewMemoryBroker()
	storetest.RunBroker(t, func(t *testing.T) session.Broker { return shared })
}
