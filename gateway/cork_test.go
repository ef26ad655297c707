package gateway

import (
	"bytes"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writesConn records each Write it gets.
type writesConn struct {
	net.Conn
	writes [][]byte
}

func (c *writesConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCorkedConnWritesABatchAtOnce(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	w := &writesConn{Conn: a}
	c := &corkedConn{Conn: w}

	_, err := c.Write([]byte("one"))
	require.NoError(t, err)
	c.cork()
	for _, p := range []string{"two", "three", "four"} {
		n, err := c.Write([]byte(p))
		require.NoError(t, err)
		assert.Equal(t, len(p), n)
	}
	assert.Len(t, w.writes, 1, "nothing leaves while corked")
	require.NoError(t, c.uncork())
	_, err = c.Write([]byte("five"))
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "twothreefour", "five"}, texts(w.writes))

	// A corked connection does not hold more than corkLimit.
	w.writes = nil
	c.cork()
	big := bytes.Repeat([]byte("x"), corkLimit/2+1)
	for range 3 {
		_, err := c.Write(big)
		require.NoError(t, err)
	}
	require.NoError(t, c.uncork())
	require.Len(t, w.writes, 2)
	assert.Len(t, w.writes[0], 2*len(big))
	assert.Len(t, w.writes[1], len(big))
}

func texts(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

func TestCorkedConnBoundsEachWrite(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	const timeout = 50 * time.Millisecond
	c := &corkedConn{Conn: a, timeout: timeout}

	// Nobody reads b: the write gives up within the timeout.
	start := time.Now()
	_, err := c.Write([]byte("stuck"))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Less(t, time.Since(start), 10*timeout)

	// After the connection sat idle past its deadline, a write to a peer
	// that reads goes through: the deadline moves forward.
	time.Sleep(2 * timeout)
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 16)
		n, _ := b.Read(buf)
		got <- string(buf[:n])
	}()
	_, err = c.Write([]byte("hello"))
	require.NoError(t, err)
	select {
	case s := <-got:
		assert.Equal(t, "hello", s)
	case <-time.After(5 * time.Second):
		t.Fatal("the peer got nothing")
	}
}
