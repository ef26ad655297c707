package gateway

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/parley-chat/parley/session"
)

// Broker payloads: one kind byte, then for the ordered kinds the seq as 8
// big-endian bytes, then an encoded frame (absent for evSync).
const (
	evMessage      = 'm' // a stored message: seq, message frame
	evSync         = 'y' // catch up to seq from the store: seq
	evConversation = 'c' // new state: seq (its last event), conversation frame
	evSignal       = 's' // typing, read, translation: frame, unordered
	evAssigned     = 'a' // on an agent topic: conversation frame
	evSite         = 'q' // on a site topic: queue or presence changed
	evStarted      = 'v' // on a visitor topic: conversation frame of a new conversation
)

func encodeEvent(kind byte, seq int64, frame []byte) []byte {
	b := make([]byte, 9, 9+len(frame))
	b[0] = kind
	binary.BigEndian.PutUint64(b[1:], uint64(seq))
	return append(b, frame...)
}

func decodeEvent(p []byte) (kind byte, seq int64, frame []byte, ok bool) {
	if len(p) < 9 {
		return 0, 0, nil, false
	}
	return p[0], int64(binary.BigEndian.Uint64(p[1:9])), p[9:], true
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
	s.publishEncoded(ctx, topic, kind, seq, data)
}

// publishEncoded publishes an event whose frame is already encoded.
func (s *Server) publishEncoded(ctx context.Context, topic string, kind byte, seq int64, frame []byte) {
	if err := s.broker.Publish(ctx, topic, encodeEvent(kind, seq, frame)); err != nil {
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
	kind, seq, frame, ok := decodeEvent(p)
	if !ok {
		return
	}
	switch kind {
	case evMessage:
		c.enqueue(outbound{conv: conv, seq: seq, data: frame})
	case evSync:
		c.enqueue(outbound{conv: conv, seq: seq})
	case evSignal:
		c.enqueue(outbound{data: frame})
	case evConversation:
		c.enqueue(outbound{conv: conv, seq: seq})
		c.enqueue(outbound{data: frame})
		c.onState(conv, frame)
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
	kind, _, frame, ok := decodeEvent(p)
	if !ok || kind != evAssigned {
		return
	}
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
	kind, _, frame, ok := decodeEvent(p)
	if !ok || kind != evStarted {
		return
	}
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
