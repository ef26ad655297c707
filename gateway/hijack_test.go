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

// TestHelloSentWithTheUpgradeIsRead sends the upgrade request and the hello
// frame in one write, so that the hello sits in the server's buffer when
// the connection is hijacked: it must still be read.
func TestHelloSentWithTheUpgradeIsRead(t *testing.T) {
	e := newEnv(t, nil)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(e.srv.URL, "http://"), wait)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(wait)))

	hello := []byte(`{"type":"hello","role":"customer","site":"s1"}`)
	key := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(hello)), key[0], key[1], key[2], key[3]}
	for i, b := range hello {
		frame = append(frame, b^key[i%4])
	}
	req := "GET /ws?site=s1&role=customer HTTP/1.1\r\nHost: " + conn.RemoteAddr().String() +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: parley.v1\r\n\r\n"
	_, err = conn.Write(append([]byte(req), frame...))
	require.NoError(t, err)

	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	head := make([]byte, 4)
	_, err = r.Read(head[:2])
	require.NoError(t, err)
	n := int(head[1] & 0x7f)
	if n == 126 {
		_, err = r.Read(head[2:4])
		require.NoError(t, err)
		n = int(head[2])<<8 | int(head[3])
	}
	payload := make([]byte, n)
	_, err = io.ReadFull(r, payload)
	require.NoError(t, err)
	assert.Contains(t, string(payload), `"type":"welcome"`)
}
