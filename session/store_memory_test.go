package session_test

import (
	"testing"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/session/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return session.NewMemory() })
}

func TestMemoryStoreShared(t *testing.T) {
	shared := session.NewMemory()
	storetest.Run(t, func(t *testing.T) session.Store { return shared })
}
