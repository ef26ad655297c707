package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawConn is a WebSocket client on a bare TCP connection, for frames that
// a well-behaved client library would not send.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dialRaw upgrades a bare TCP connection, sending early (frames) along with
// the upgrade request in one write.
func (e *env) dialRaw(early ...[]byte) *rawConn {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.srv.URL, "http://"), wait)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { conn.Close() })
	require.NoError(e.t, conn.SetDeadline(time.Now().Add(wait)))
	req := "GET /ws?site=s1&role=customer HTTP/1.1\r\nHost: " + conn.RemoteAddr().String() +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: parley.v1\r\n\r\n"
	out := []byte(req)
	for _, f := range early {
		out = append(out, f...)
	}
	_, err = conn.Write(out)
	require.NoError(e.t, err)
	c := &rawConn{t: e.t, conn: conn, r: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(e.t, err)
	require.Equal(e.t, http.StatusSwitchingProtocols, resp.StatusCode)
	return c
}

// maskedText is a client text frame carrying payload.
func maskedText(payload []byte) []byte {
	key := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(payload)), key[0], key[1], key[2], key[3]}
	for i, b := range payload {
		frame = append(frame, b^key[i%4])
	}
	return frame
}

// next reads one server frame: its opcode and payload.
func (c *rawConn) next() (byte, []byte) {
	c.t.Helper()
	head := make([]byte, 2)
	_, err := io.ReadFull(c.r, head)
	require.NoError(c.t, err)
	n := int(head[1] & 0x7f)
	if n == 126 {
		ext := make([]byte, 2)
		_, err = io.ReadFull(c.r, ext)
		require.NoError(c.t, err)
		n = int(ext[0])<<8 | int(ext[1])
	}
	payload := make([]byte, n)
	_, err = io.ReadFull(c.r, payload)
	require.NoError(c.t, err)
	return head[0] & 0x0f, payload
}

// TestHelloSentWithTheUpgradeIsRead sends the upgrade request and the hello
// frame in one write, so that the hello sits in the server's buffer when
// the connection is hijacked: it must still be read.
func TestHelloSentWithTheUpgradeIsRead(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dialRaw(maskedText([]byte(`{"type":"hello","role":"customer","site":"s1"}`)))
	_, payload := c.next()
	assert.Contains(t, string(payload), `"type":"welcome"`)
}

// TestFrameFarOverTheLimitCloses1009 starts a frame of 70 KiB, over four
// times the limit: the gateway closes with 1009. (The frame is not sent to
// its end, so that no unread data turns the close into a reset.)
func TestFrameFarOverTheLimitCloses1009(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dialRaw(maskedText([]byte(`{"type":"hello","role":"customer","site":"s1"}`)))
	_, payload := c.next()
	require.Contains(t, string(payload), `"type":"welcome"`)
	const n = 70 << 10
	head := []byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0, byte(n >> 16), byte(n >> 8 & 0xff), byte(n & 0xff), 1, 2, 3, 4}
	// Send a little past the limit (4 × 16 KiB) and stop, so the gateway
	// reads everything it was sent before it closes.
	_, err := c.conn.Write(append(head, make([]byte, 4*16<<10+512)...))
	require.NoError(t, err)
	for range 10 {
		op, payload := c.next()
		if op == 0x8 { // close
			require.GreaterOrEqual(t, len(payload), 2)
			assert.Equal(t, 1009, int(payload[0])<<8|int(payload[1]))
			return
		}
	}
	t.Fatal("no close frame")
}
