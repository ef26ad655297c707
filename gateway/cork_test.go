package gateway

import (
	"bytes"
	"net"
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
	require.NoError(t, c.uncork(time.Second))
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
	require.NoError(t, c.uncork(time.Second))
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
