package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPayloadRoundTrip(t *testing.T) {
	p := newPayload(dirAgent, "6f1c00aa")
	b := p.Stamp(1234567890123, 1234567899999)

	var f struct {
		Type, ID, Conv, Text string
	}
	require.NoError(t, json.Unmarshal(b, &f), "the frame is valid JSON: %s", b)
	assert.Equal(t, "message", f.Type)
	assert.Equal(t, "b0000001234567890123", f.ID)
	assert.Equal(t, "6f1c00aa", f.Conv)

	st, ok := parseBenchText([]byte(f.Text))
	require.True(t, ok, f.Text)
	assert.Equal(t, stamp{dir: dirAgent, s: 1234567890123, w: 1234567899999}, st)

	// Restamping rewrites the digits in place.
	b = p.Stamp(5, 6)
	require.NoError(t, json.Unmarshal(b, &f))
	assert.Equal(t, "b0000000000000000005", f.ID)
}

func TestFastPathsOnGatewayFrames(t *testing.T) {
	msg := `{"type":"message","conv":"c1","seq":3,"message":{"conversation_id":"c1","seq":3,"client_id":"b0000000000000000042","kind":"text","role":"customer","sender_id":"v1","text":"bench c s=0000000000000000042 w=0000000000000000043","lang":"en","at":"2026-11-27T10:00:03Z"}}`
	st, ok := fastMessageStamp([]byte(msg))
	require.True(t, ok)
	assert.Equal(t, stamp{dir: dirCustomer, s: 42, w: 43}, st)

	s, ok := fastAckStamp([]byte(`{"type":"ack","id":"b0000000000000000042","conv":"c1","seq":3}`))
	require.True(t, ok)
	assert.Equal(t, int64(42), s)

	for _, other := range []string{
		`{"type":"ack","id":"first","conv":"c1","seq":1}`,
		`{"type":"message","conv":"c1","seq":1,"message":{"kind":"event","event":"queued","text":""}}`,
		`{"type":"translation","conv":"c1","seq":3,"lang":"de","text":"bench c s=0000000000000000042 w=0000000000000000043"}`,
		`{"type":"message","message":{"text":"bench x s=0000000000000000042 w=0000000000000000043"}}`,
		`{"type":"message","message":{"text":"bench c s=00000000000000000 w=0000000000000000043"}}`,
		`{"type":"message","message":{"text":"bench c s=0000000000000000042"}}`,
	} {
		_, okMsg := fastMessageStamp([]byte(other))
		_, okAck := fastAckStamp([]byte(other))
		assert.False(t, okMsg || okAck, other)
	}
}

func TestPutDigits(t *testing.T) {
	b := make([]byte, 5)
	putDigits(b, 42)
	assert.Equal(t, "00042", string(b))
	putDigits(b, -1)
	assert.Equal(t, "00000", string(b))
	v, ok := parseDigits([]byte("00042x"), 5)
	assert.True(t, ok)
	assert.Equal(t, int64(42), v)
	_, ok = parseDigits([]byte("0004"), 5)
	assert.False(t, ok)
}

func TestFastMessageSeqAgreesWithDecoding(t *testing.T) {
	for _, tc := range []struct {
		frame string
		ok    bool
	}{
		{`{"type":"message","conv":"c1","seq":3,"message":{"conversation_id":"c1","seq":3,"kind":"text","text":"hi","at":"2026-11-27T10:00:03Z"}}`, true},
		{`{"type":"message","conv":"c1","message":{"id":"c1-57","conversation_id":"c1","seq":57,"client_id":"r2-55","kind":"text","role":"agent","text":"Message 56 of 100 while you were away.","lang":"en"}}`, true},
		{`{"type":"message","message":{"seq":12}}`, true},
		// The text comes first, so a "seq" in it could be taken for the seq.
		{`{"type":"message","message":{"text":"\"seq\":5","seq":7}}`, false},
		{`{"type":"message","message":{"last_seq":4}}`, false},
		{`{"type":"message","message":{"seq":"7"}}`, false},
		{`{"type":"message","message":{"seq":-7}}`, false},
		{`{"type":"message","message":{"seq":7`, false},
		{`{"type":"ack","id":"r1","conv":"c1","seq":3}`, false},
		{`{"type":"message"}`, false},
	} {
		got, ok := fastMessageSeq([]byte(tc.frame))
		require.Equal(t, tc.ok, ok, tc.frame)
		if !ok {
			continue
		}
		var f frame
		require.NoError(t, json.Unmarshal([]byte(tc.frame), &f), tc.frame)
		assert.Equal(t, frameSeq(&f), got, "the fast path reads the seq decoding reads: %s", tc.frame)
	}
}
