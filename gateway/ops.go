package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// Emitter receives the events that webhooks deliver.
type Emitter interface {
	Emit(ctx context.Context, siteID, event string, data any) error
}

// emit hands an event to the webhooks, if any; a failure is logged and
// never holds up the chat.
func (s *Server) emit(ctx context.Context, siteID, event string, data any) {
	if s.cfg.Webhooks == nil {
		return
	}
	if err := s.cfg.Webhooks.Emit(ctx, siteID, event, data); err != nil {
		s.log.Warn("webhook event not queued", "site", siteID, "event", event, "err", err)
	}
}

// appendPublisher is a Store that can publish a message's event in the
// same round trip that stores it: the Redis store, when the broker shares
// its Redis.
type appendPublisher interface {
	AppendPublish(ctx context.Context, m session.Message, broker session.Broker, encode func(*session.Message) (session.Publication, error)) (stored session.Message, dup, published bool, err error)
}

// post stores a chat message, translated within the budget, and delivers
// it: the one path of every message, from WebSocket and REST alike. origin
// is the sending connection (0 for none), whose copy of the event is
// dropped. acked, when not nil, gets the encoded ack of the stored message
// (nil for a resend) before the message reaches its followers.
func (s *Server) post(ctx context.Context, conv session.Conversation, m session.Message, translating bool, origin uint64, acked func(stored session.Message, ack []byte)) (session.Message, bool, error) {
	m.ConversationID = conv.ID
	m, late := s.flight.translate(ctx, conv, m, translating)
	stored, dup, enc, published, err := s.storeMessage(ctx, m, late != nil, origin)
	if late != nil {
		late(stored, err == nil && !dup)
	}
	if err != nil {
		return stored, dup, err
	}
	if dup {
		if acked != nil {
			acked(stored, nil)
		}
		return stored, true, nil
	}
	if acked != nil {
		acked(stored, enc.ack(m.ClientID, stored.Seq))
	}
	if !published {
		topic := session.ConversationTopic(conv.ID)
		s.publishPayload(ctx, topic, enc.publication(topic, origin).Payload(stored.Seq))
	}
	s.deliver(ctx, conv, stored)
	return stored, false, nil
}

// storeMessage stores m and encodes it; published reports whether the
// store published its event too.
func (s *Server) storeMessage(ctx context.Context, m session.Message, pending bool, origin uint64) (stored session.Message, dup bool, enc messageEncoding, published bool, err error) {
	start := time.Now()
	defer func() { s.metrics.storeSeconds.Observe(time.Since(start).Seconds()) }()
	if ap, ok := s.store.(appendPublisher); ok {
		topic := session.ConversationTopic(m.ConversationID)
		stored, dup, published, err = ap.AppendPublish(ctx, m, s.broker, func(draft *session.Message) (session.Publication, error) {
			var err error
			enc, err = encodeMessage(draft, pending)
			return enc.publication(topic, origin), err
		})
	} else {
		stored, dup, err = s.store.Append(ctx, m)
	}
	if err != nil || dup || published {
		return stored, dup, enc, published, err
	}
	draft := stored
	draft.Seq = 0
	enc, err = encodeMessage(&draft, pending)
	return stored, false, enc, false, err
}

// deliver tells the webhooks about a stored message, whose followers have
// its event, and hands a bot's conversation to a human when the customer
// asks for one.
func (s *Server) deliver(ctx context.Context, conv session.Conversation, stored session.Message) {
	s.metrics.messages.WithLabelValues(string(stored.Role)).Inc()
	s.emit(ctx, conv.SiteID, webhook.EventMessageCreated, stored)
	if conv.State == session.StateQueued {
		s.siteChanged(ctx, conv.SiteID) // agents see the waiting customer's words
	}
	if stored.Role == session.RoleCustomer && conv.State == session.StateBot && wantsHuman(stored) {
		if _, err := s.handoff(ctx, conv.ID, "customer asked for a person"); err != nil {
			s.log.Warn("handing off on request", "conv", conv.ID, "err", err)
		}
	}
}

// announce tells everyone concerned about a new conversation: its bot, the
// site's routing and queue, the visitor's other tabs, the webhooks. Its
// followers are not told its first state: by now it may be stale, and the
// customer who started it has it already.
func (s *Server) announce(ctx context.Context, conv session.Conversation) {
	s.metrics.conversations.Inc()
	s.emit(ctx, conv.SiteID, webhook.EventConversationCreated, conv)
	f := &Frame{Type: TypeConversation, Conv: conv.ID, Conversation: &conv}
	if conv.State == session.StateBot && conv.BotID != "" {
		s.publish(ctx, session.AgentTopic(conv.SiteID, conv.BotID), evAssigned, conv.LastSeq, f)
	}
	s.publish(ctx, session.VisitorTopic(conv.SiteID, conv.VisitorID), evStarted, 0, f)
	s.siteChanged(ctx, conv.SiteID)
}

// changed tells everyone concerned about a conversation's new state.
func (s *Server) changed(ctx context.Context, conv session.Conversation, event string) {
	s.publishState(ctx, conv)
	if event != "" {
		s.emit(ctx, conv.SiteID, event, conv)
	}
}

// handoff passes a conversation from its bot (or its agent) to the back of
// the human queue.
func (s *Server) handoff(ctx context.Context, convID, reason string) (session.Conversation, error) {
	conv, err := s.store.Requeue(ctx, convID, false, reason)
	if err != nil {
		return conv, err
	}
	s.changed(ctx, conv, webhook.EventConversationHandedOff)
	return conv, nil
}

// firstState is where a new conversation of the site starts: with the
// site's first-responder bot when it is connected, otherwise in the queue.
func (s *Server) firstState(ctx context.Context, st *site) (session.State, string) {
	bot := st.cfg.FirstResponder
	if bot == "" {
		return session.StateQueued, ""
	}
	a, err := s.store.Agent(ctx, st.cfg.Key, bot)
	if err != nil || a.Status != session.StatusOnline || time.Since(a.LastSeen) > s.cfg.AgentGrace {
		return session.StateQueued, ""
	}
	return session.StateBot, bot
}

// humanWords are what customers write, in the languages detected by
// default, when they want a person rather than a bot.
var humanWords = []string{
	"human", "person", "agent", "representative", "operator", "someone real", "real person",
	"humano", "persona", "agente", "mensch", "mitarbeiter", "humain", "conseiller",
	"operatore", "atendente", "medewerker", "człowiek", "konsultant", "človek", "čovjek",
}

// wantsHuman reports whether a customer's message asks for a person, in
// the original or in any translation.
func wantsHuman(m session.Message) bool {
	texts := []string{m.Text}
	for _, t := range m.Translations {
		texts = append(texts, t)
	}
	for _, t := range texts {
		words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r > 127)
		}), " ") + " "
		for _, w := range humanWords {
			if strings.Contains(words, " "+w+" ") {
				return true
			}
		}
	}
	return false
}
