package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"time"
)

// Buffer sizes of an upgraded connection. net/http hands a hijacked
// connection 4 KiB buffers each way, which then stay with the WebSocket for
// its whole life: two thirds of an idle connection's heap. Chat frames are
// a few hundred bytes; larger ones are read and written past the buffers.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 2 << 10
)

// smallBuffers is a ResponseWriter whose Hijack gives the WebSocket library
// smaller buffers, keeping whatever the client already sent, and a
// connection whose writes can be corked (conn, once hijacked).
type smallBuffers struct {
	http.ResponseWriter
	// writeTimeout bounds each write on the connection.
	writeTimeout time.Duration
	conn         *corkedConn
}

// Hijack takes over the connection with small buffers.
func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, readBufferSize)
	if n := brw.Reader.Buffered(); n > 0 {
		// Bytes the client sent early must be buffered in the new reader,
		// not merely ahead of it: the library re-wraps what is buffered.
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	w.conn = &corkedConn{Conn: conn, timeout: w.writeTimeout}
	return w.conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.conn, writeBufferSize)), nil
}
