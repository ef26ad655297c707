package gateway

import (
	"bytes"
	"strconv"
	"testing"
)

// FuzzDecodeEvent checks that no broker payload makes the event decoder
// panic, and that what it accepts is what encodeEvent makes of its parts.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(encodeEvent(evMessage, 7, 42, []byte(`{"type":"message","conv":"c","seq":42}`)))
	f.Add(encodeEvent(evSync, 0, 9, nil))
	f.Add(encodeEvent(evSignal, 0, 0, []byte(`{"type":"typing"}`)))
	f.Add([]byte("m\x00\x00\x00\x00\x00\x00\x00\x01-3 {}"))
	f.Fuzz(func(t *testing.T, p []byte) {
		ev, ok := decodeEvent(p)
		if !ok {
			return
		}
		if ev.seq < 0 || !bytes.HasSuffix(p, ev.frame) {
			t.Fatalf("decoded %q as %+v", p, ev)
		}
		digits := len(p) - 9 - 1 - len(ev.frame)
		n, err := strconv.ParseInt(string(p[9:9+digits]), 10, 64)
		if err != nil || n != ev.seq {
			t.Fatalf("seq of %q decoded as %d", p, ev.seq)
		}
		again, ok := decodeEvent(encodeEvent(ev.kind, ev.origin, ev.seq, ev.frame))
		if !ok || again.kind != ev.kind || again.origin != ev.origin || again.seq != ev.seq || !bytes.Equal(again.frame, ev.frame) {
			t.Fatalf("%+v does not survive encoding: %+v", ev, again)
		}
	})
}
