package gateway

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"

	"github.com/parley-chat/parley/session"
)

// Broker payloads: one kind byte, the origin (8 big-endian bytes: the
// connection that sent the message, 0 for any other event), the seq in
// decimal (0 for unordered kinds), a space, then an encoded frame (absent
// for evSync). The seq is text so that the Redis store can put it in a
// message's event as it stores the message.
const (
	evMessage      = 'm' // a stored message: seq, message frame
	evSync         = 'y' // catch up to seq from the store: seq
	evConversation = 'c' // new state: seq (its last event), conversation frame
	evSignal       = 's' // typing, read, translation: frame, unordered
	evAssigned     = 'a' // on an agent topic: conversation frame
	evSite         = 'q' // on a site topic: queue or presence changed
	evStarted      = 'v' // on a visitor topic: conversation frame of a new conversation
)

// event is a decoded broker payload.
type event struct {
	kind   byte
	origin uint64
	seq    int64
	frame  []byte
}

// appendEventHead appends an event's kind and origin.
func appendEventHead(b []byte, kind byte, origin uint64) []byte {
	return binary.BigEndian.AppendUint64(append(b, kind), origin)
}

func encodeEvent(kind byte, origin uint64, seq int64, frame []byte) []byte {
	b := make([]byte, 0, 32+len(frame))
	b = strconv.AppendInt(appendEventHead(b, kind, origin), seq, 10)
	return append(append(b, ' '), frame...)
}

// maxSeqDigits bounds the decimal seq of an event (an int64).
const maxSeqDigits = 19

func decodeEvent(p []byte) (event, bool) {
	if len(p) < 11 {
		return event{}, false
	}
	rest := p[9:]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 1 || sp > maxSeqDigits {
		return event{}, false
	}
	var seq int64
	for _, d := range rest[:sp] {
		if d < '0' || d > '9' || seq > (math.MaxInt64-9)/10 {
			return event{}, false
		}
		seq = seq*10 + int64(d-'0')
	}
	return event{kind: p[0], origin: binary.BigEndian.Uint64(p[1:9]), seq: seq, frame: rest[sp+1:]}, true
}

// publish sends an event and logs a failure: subscribers recover from the
// store, so a lost event delays delivery but loses nothing.
func (s *Server) publish(ctx context.Context, topic string, kind byte, seq int64, f *Frame) {
	var data []byte
	if f != nil {
		var err error
		if data, err = json.Marshal(f); err != nil {
			s.log.Error("encoding event", "topic", topic, "err", err)
			return
		}
	}
	s.publishPayload(ctx, topic, encodeEvent(kind, 0, seq, data))
}

// publishPayload publishes an encoded event.
func (s *Server) publishPayload(ctx context.Context, topic string, payload []byte) {
	if err := s.broker.Publish(ctx, topic, payload); err != nil {
		s.metrics.publishErrors.Inc()
		s.log.Warn("publish failed", "topic", topic, "err", err)
	}
}

// publishState tells the conversation's followers and its site about a new
// state; the events the store recorded with it reach followers through the
// catch-up to conv.LastSeq.
func (s *Server) publishState(ctx context.Context, conv session.Conversation) {
	f := &Frame{Type: TypeConversation, Conv: conv.ID, Conversation: &conv}
	s.publish(ctx, session.ConversationTopic(conv.ID), evConversation, conv.LastSeq, f)
	switch {
	case conv.State == session.StateActive && conv.AgentID != "":
		s.publish(ctx, session.AgentTopic(conv.SiteID, conv.AgentID), evAssigned, conv.LastSeq, f)
	case conv.State == session.StateBot && conv.BotID != "":
		s.publish(ctx, session.AgentTopic(conv.SiteID, conv.BotID), evAssigned, conv.LastSeq, f)
	}
	s.siteChanged(ctx, conv.SiteID)
}

// siteChanged wakes every node's loop for the site: its queue or presence
// changed.
func (s *Server) siteChanged(ctx context.Context, siteID string) {
	s.publish(ctx, session.SiteTopic(siteID), evSite, 0, nil)
}

// onEvent receives a conversation event from the broker. It must not block.
func (c *conn) onEvent(conv string, p []byte) {
	if p == nil { // the broker may have lost events: catch up
		c.enqueue(outbound{conv: conv, seq: math.MaxInt64})
		return
	}
	ev, ok := decodeEvent(p)
	if !ok {
		return
	}
	switch ev.kind {
	case evMessage:
		if ev.origin == c.origin {
			return // this connection sent it: its ack stands for it
		}
		c.enqueue(outbound{conv: conv, seq: ev.seq, data: ev.frame})
	case evSync:
		c.enqueue(outbound{conv: conv, seq: ev.seq})
	case evSignal:
		c.enqueue(outbound{data: ev.frame})
	case evConversation:
		c.enqueue(outbound{conv: conv, seq: ev.seq})
		c.enqueue(outbound{data: ev.frame})
		c.onState(conv, ev.frame)
	}
}

// onState reacts to a conversation's new state: the connection remembers
// it, and an agent no longer assigned stops following it.
func (c *conn) onState(conv string, frame []byte) {
	var f Frame
	if json.Unmarshal(frame, &f) != nil || f.Conversation == nil {
		return
	}
	c.remember(*f.Conversation)
	if c.role != RoleCustomer && !c.participant(f.Conversation) {
		go c.unfollow(conv)
	}
}

// onAgentEvent receives an event addressed to the connection's agent.
func (c *conn) onAgentEvent(p []byte) {
	ev, ok := decodeEvent(p)
	if !ok || ev.kind != evAssigned {
		return
	}
	frame := ev.frame
	var f Frame
	if json.Unmarshal(frame, &f) != nil || f.Conversation == nil || !c.participant(f.Conversation) {
		return
	}
	if c.following(f.Conv) {
		return // the conversation frame comes through its own topic
	}
	c.enqueue(outbound{data: frame})
	go func() {
		if err := c.follow(f.Conv, 0); err != nil {
			c.srv.log.Warn("following assigned conversation", "conv", f.Conv, "err", err)
		}
	}()
}

// onVisitorEvent receives an event addressed to the connection's visitor:
// a conversation another of their tabs started, which this one follows too.
func (c *conn) onVisitorEvent(p []byte) {
	ev, ok := decodeEvent(p)
	if !ok || ev.kind != evStarted {
		return
	}
	frame := ev.frame
	var f Frame
	if json.Unmarshal(frame, &f) != nil || f.Conversation == nil || !c.participant(f.Conversation) || c.following(f.Conv) {
		return
	}
	c.setOpenConv(f.Conv)
	c.enqueue(outbound{data: frame})
	go func() {
		if err := c.follow(f.Conv, 0); err != nil {
			c.srv.log.Warn("following a conversation from another tab", "conv", f.Conv, "err", err)
		}
	}()
}
