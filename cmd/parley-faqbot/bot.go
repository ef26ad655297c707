package main

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
)

// Replies the bot writes besides its FAQ answers.
const (
	greeting = "Hi! I am the shop's assistant. I can answer questions about shipping, returns, opening hours, orders, payment and passwords. Ask for a person at any time."
	fallback = "Sorry, I do not know that one. Could you put it another way? You can also ask for a person."
	goodbye  = "I could not find an answer, so I am passing you to a colleague. Please hold on."
)

// Hand-off reasons the bot gives the gateway.
const reasonNoAnswer = "no FAQ answer twice in a row"

// maxTries is how often a frame the gateway refused for a passing reason
// (rate limit, store unavailable) is sent before it is given up.
const maxTries = 3

// bot is the FAQ bot's conversation logic, free of input and output: it
// takes the frames the gateway sends and returns the frames to send back.
// Every frame it writes has an id derived from the conversation and the
// customer message it answers, so a resend after a reconnect or a restart
// is stored once by the gateway.
type bot struct {
	id          string
	faq         FAQ
	lang        string        // the language the bot reads, from its account
	pendingWait time.Duration // how long to wait for a late translation
	retryWait   time.Duration // pause before resending a refused frame
	log         *slog.Logger

	convs map[string]*convState // the conversations the gateway gave the bot
	out   map[string]*outgoing  // frames sent and not yet acknowledged, by id
}

// convState is what the bot remembers of one conversation.
type convState struct {
	lastSeq int64 // the newest seq received, for dedupe and resume
	greeted bool
	misses  int  // customer messages in a row that matched nothing
	done    bool // handed off: the bot writes nothing more
	pending map[int64]pendingMsg
}

// pendingMsg is a customer message whose translation into the bot's
// language is still on its way.
type pendingMsg struct {
	text  string
	since time.Time
}

// outgoing is a frame awaiting its ack.
type outgoing struct {
	frame gateway.Frame
	tries int
	due   time.Time // when to resend after a passing refusal; zero while in flight
}

func newBot(id string, faq FAQ, pendingWait, retryWait time.Duration, log *slog.Logger) *bot {
	return &bot{
		id: id, faq: faq, lang: "en", pendingWait: pendingWait, retryWait: retryWait, log: log,
		convs: map[string]*convState{}, out: map[string]*outgoing{},
	}
}

// resume returns, for the hello, the last seq held of every conversation.
func (b *bot) resume() map[string]int64 {
	if len(b.convs) == 0 {
		return nil
	}
	r := make(map[string]int64, len(b.convs))
	for id, st := range b.convs {
		r[id] = st.lastSeq
	}
	return r
}

// welcome takes the gateway's welcome: the bot's language and the
// conversations it holds. It forgets the conversations the gateway no
// longer gives it and resends what the last connection left unacknowledged.
func (b *bot) welcome(f gateway.Frame) []gateway.Frame {
	for _, a := range f.Agents {
		if a.ID == b.id && len(a.Languages) > 0 {
			b.lang = a.Languages[0]
		}
	}
	held := map[string]bool{}
	for _, c := range f.Conversations {
		if c.State == session.StateBot && c.BotID == b.id {
			held[c.ID] = true
			b.conv(c.ID)
		}
	}
	for id := range b.convs {
		if !held[id] {
			b.leave(id)
		}
	}
	var again []gateway.Frame
	for _, o := range b.out {
		o.due = time.Time{}
		again = append(again, o.frame)
	}
	return again
}

// handle takes one frame from the gateway and returns the frames to send.
func (b *bot) handle(f gateway.Frame, now time.Time) []gateway.Frame {
	switch f.Type {
	case gateway.TypeConversation:
		if c := f.Conversation; c != nil {
			if c.State == session.StateBot && c.BotID == b.id {
				b.conv(c.ID)
			} else {
				b.leave(c.ID)
			}
		}
	case gateway.TypeMessage:
		return b.message(f, now)
	case gateway.TypeTranslation:
		st := b.convs[f.Conv]
		if st == nil || !sameLanguage(f.Lang, b.lang) {
			return nil
		}
		if _, ok := st.pending[f.Seq]; ok {
			delete(st.pending, f.Seq)
			return b.respond(f.Conv, st, f.Seq, f.Text)
		}
	case gateway.TypeAck:
		delete(b.out, f.ID)
	case gateway.TypeError:
		b.refused(f, now)
	}
	return nil
}

// tick answers the messages whose translation did not come in time, from
// their original, and resends the refused frames that are due.
func (b *bot) tick(now time.Time) []gateway.Frame {
	var send []gateway.Frame
	for id, st := range b.convs {
		for seq, p := range st.pending {
			if now.Sub(p.since) >= b.pendingWait {
				delete(st.pending, seq)
				send = append(send, b.respond(id, st, seq, p.text)...)
			}
		}
	}
	for _, o := range b.out {
		if !o.due.IsZero() && !now.Before(o.due) {
			o.due = time.Time{}
			send = append(send, o.frame)
		}
	}
	return send
}

// conv returns the state of a conversation the gateway gave the bot.
func (b *bot) conv(id string) *convState {
	st := b.convs[id]
	if st == nil {
		st = &convState{}
		b.convs[id] = st
	}
	return st
}

// leave forgets a conversation that is no longer the bot's.
func (b *bot) leave(conv string) {
	if _, ok := b.convs[conv]; ok {
		b.log.Debug("conversation left the bot", "conv", conv)
	}
	delete(b.convs, conv)
	for id, o := range b.out {
		if o.frame.Conv == conv {
			delete(b.out, id)
		}
	}
}

// message takes a stored message of one of the bot's conversations.
func (b *bot) message(f gateway.Frame, now time.Time) []gateway.Frame {
	m := f.Message
	if m == nil {
		return nil
	}
	conv, seq := firstNonEmpty(f.Conv, m.ConversationID), f.Seq
	if seq == 0 {
		seq = m.Seq
	}
	st := b.convs[conv]
	if st == nil || seq <= st.lastSeq {
		return nil // not the bot's, or seen already
	}
	st.lastSeq = seq
	if m.Kind != session.KindText || m.Role != session.RoleCustomer || st.done {
		return nil
	}
	text, ok := b.readable(m)
	if !ok && f.Pending {
		if st.pending == nil {
			st.pending = map[int64]pendingMsg{}
		}
		st.pending[seq] = pendingMsg{text: m.Text, since: now}
		return nil
	}
	return b.respond(conv, st, seq, text)
}

// readable returns the message in the bot's language when the gateway
// translated it, and otherwise its original; ok is false when a translation
// was wanted and is missing.
func (b *bot) readable(m *session.Message) (string, bool) {
	if t, ok := m.Translations[b.lang]; ok {
		return t, true
	}
	for lang, t := range m.Translations {
		if sameLanguage(lang, b.lang) {
			return t, true
		}
	}
	return m.Text, m.Lang == "" || sameLanguage(m.Lang, b.lang)
}

// respond answers the customer message seq of a conversation.
func (b *bot) respond(conv string, st *convState, seq int64, text string) []gateway.Frame {
	if st.done {
		return nil
	}
	key := conv + "-" + strconv.FormatInt(seq, 10)
	reply, handoff := answer(b.faq, text)
	if handoff {
		// The gateway may have handed the conversation off already; a
		// conflict answer to this is harmless, a message would be refused.
		st.done = true
		return []gateway.Frame{b.send(gateway.Frame{Type: gateway.TypeHandoff, ID: "handoff-" + key, Conv: conv, Reason: reply})}
	}
	var send []gateway.Frame
	if !st.greeted {
		st.greeted = true
		send = append(send, b.send(gateway.Frame{Type: gateway.TypeMessage, ID: "greet-" + conv, Conv: conv, Text: greeting}))
	}
	switch {
	case reply != "":
		st.misses = 0
		send = append(send, b.send(gateway.Frame{Type: gateway.TypeMessage, ID: "re-" + key, Conv: conv, Text: reply}))
	case st.misses == 0:
		st.misses++
		send = append(send, b.send(gateway.Frame{Type: gateway.TypeMessage, ID: "re-" + key, Conv: conv, Text: fallback}))
	default:
		st.done = true
		send = append(send,
			b.send(gateway.Frame{Type: gateway.TypeMessage, ID: "re-" + key, Conv: conv, Text: goodbye}),
			b.send(gateway.Frame{Type: gateway.TypeHandoff, ID: "handoff-" + key, Conv: conv, Reason: reasonNoAnswer}))
	}
	return send
}

// send records a frame as awaiting its ack and returns it.
func (b *bot) send(f gateway.Frame) gateway.Frame {
	b.out[f.ID] = &outgoing{frame: f}
	return f
}

// refused takes an error frame: a passing refusal is retried a few times,
// any other gives the frame up.
func (b *bot) refused(f gateway.Frame, now time.Time) {
	o := b.out[f.ID]
	if o == nil {
		b.log.Warn("gateway error", "code", f.Code, "error", f.Error, "id", f.ID)
		return
	}
	o.tries++
	if (f.Code == gateway.CodeRateLimited || f.Code == gateway.CodeUnavailable) && o.tries < maxTries {
		o.due = now.Add(b.retryWait * time.Duration(o.tries))
		b.log.Info("gateway refused a frame for now; will resend", "id", f.ID, "code", f.Code)
		return
	}
	delete(b.out, f.ID)
	if o.frame.Type == gateway.TypeHandoff && (f.Code == gateway.CodeConflict || f.Code == gateway.CodeForbidden) {
		b.log.Debug("conversation was handed off already", "conv", o.frame.Conv)
		return
	}
	b.log.Warn("gateway refused a frame", "id", f.ID, "type", o.frame.Type, "conv", o.frame.Conv, "code", f.Code, "error", f.Error)
}

// sameLanguage reports whether two BCP 47 tags share their base language.
func sameLanguage(a, b string) bool {
	base := func(t string) string {
		t, _, _ = strings.Cut(strings.ToLower(t), "-")
		return t
	}
	return a != "" && base(a) == base(b)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
