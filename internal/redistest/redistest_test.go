package redistest_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/internal/redistest"
)

func dial(t *testing.T, addr string) error {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err == nil {
		_ = c.Close()
	}
	return err
}

func TestStartKillRestart(t *testing.T) {
	s := redistest.Start(t)
	host, _, err := net.SplitHostPort(s.Addr)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host, "only loopback")
	require.NoError(t, dial(t, s.Addr))
	s.Kill()
	require.Error(t, dial(t, s.Addr), "killed server refuses connections")
	s.Kill() // no-op when stopped
	s.Restart()
	require.NoError(t, dial(t, s.Addr), "restarted on the same port")
	s.Stop()
	require.Error(t, dial(t, s.Addr))
}

func TestStartCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	require.Len(t, c.Addrs, 3)
	for _, a := range c.Addrs {
		require.NoError(t, dial(t, a))
	}
}
