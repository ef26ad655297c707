package gateway

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// handleMessage stores a chat message once, acks it with its seq and
// delivers it, translated, to the conversation's participants.
func (c *conn) handleMessage(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	m := session.Message{
		ClientID: f.ID, Kind: session.KindText, Role: session.Role(c.role),
		SenderID: c.id, SenderName: c.name, Text: f.Text,
	}
	m.Lang = c.srv.flight.detect(f.Text, c.stickyLang())
	conv, created, ferr := c.messageConv(ctx, f, m.Lang)
	if ferr != nil {
		return ferr
	}
	_, _, err := c.srv.post(ctx, conv, m, c.translating(conv.ID), c.origin, func(stored session.Message, ack []byte) {
		c.ack(f.ID, &stored, ack)
	})
	if created {
		// Announced once its first message is stored, so that routing and
		// the agents' queue see it with the customer's words.
		c.srv.announce(ctx, conv)
	}
	if err != nil {
		return c.storeError(f, "storing the message", err)
	}
	if c.role == RoleCustomer && m.Lang != "" {
		c.setStickyLang(m.Lang)
	}
	return nil
}

// ack confirms a stored message. A first ack (encoded as ack) carries the
// message, with the translations its readers get, in the conversation's
// order: it stands for the message frame this connection would otherwise
// receive. A resend's ack (ack nil) says duplicate.
func (c *conn) ack(id string, stored *session.Message, ack []byte) {
	if ack == nil {
		c.sendFrame(&Frame{Type: TypeAck, ID: id, Conv: stored.ConversationID, Seq: stored.Seq, Duplicate: true})
		return
	}
	c.enqueue(outbound{conv: stored.ConversationID, seq: stored.Seq, data: ack, ack: true})
}

// messageConv returns the conversation a message goes to. A customer's
// message without conv goes to their open conversation, started now if
// they have none (created).
func (c *conn) messageConv(ctx context.Context, f *Frame, lang string) (conv session.Conversation, created bool, ferr *frameError) {
	if f.Conv != "" {
		if conv, ok := c.knownConv(f.Conv); ok {
			return conv, false, nil
		}
		conv, ferr = c.ownConv(ctx, f)
		return conv, false, ferr
	}
	if c.role != RoleCustomer {
		return conv, false, &frameError{Code: CodeBadFrame, Msg: "message needs conv"}
	}
	if lang == "" && len(c.langs) > 0 {
		lang = c.langs[0]
	}
	state, bot := c.srv.firstState(ctx, c.site)
	conv, created, err := c.srv.store.OpenConversation(ctx, session.Conversation{
		SiteID: c.site.cfg.Key, VisitorID: c.id, VisitorName: c.name, Language: lang, State: state, BotID: bot,
	})
	if err != nil {
		return conv, false, c.storeError(f, "starting the conversation", err)
	}
	c.setOpenConv(conv.ID)
	c.remember(conv)
	if err := c.follow(conv.ID, 0); err != nil {
		return conv, created, c.storeError(f, "following the conversation", err)
	}
	return conv, created, nil
}

// ownConv loads the frame's conversation and checks that the connection
// takes part in it.
func (c *conn) ownConv(ctx context.Context, f *Frame) (session.Conversation, *frameError) {
	conv, err := c.srv.store.Conversation(ctx, f.Conv)
	if errors.Is(err, session.ErrNotFound) || err == nil && conv.SiteID != c.site.cfg.Key {
		return conv, &frameError{Code: CodeNotFound, Msg: "no such conversation"}
	}
	if err != nil {
		return conv, c.storeError(f, "reading the conversation", err)
	}
	if conv.State == session.StateClosed && f.Type == TypeMessage {
		return conv, &frameError{Code: CodeClosed, Msg: "the conversation is closed"}
	}
	if !c.participant(&conv) {
		return conv, &frameError{Code: CodeForbidden, Msg: "not your conversation"}
	}
	c.remember(conv)
	return conv, nil
}

// remember keeps the newest state seen of a conversation.
func (c *conn) remember(conv session.Conversation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.known[conv.ID]; ok && old.UpdatedAt.After(conv.UpdatedAt) {
		return
	}
	if c.known == nil {
		c.known = map[string]session.Conversation{}
	}
	c.known[conv.ID] = conv
}

// knownConv returns the last state seen of a conversation the connection
// follows.
func (c *conn) knownConv(id string) (session.Conversation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.known[id]
	_, following := c.subs[id]
	return conv, ok && following
}

// handleSignal relays typing and read receipts to the other participants.
func (c *conn) handleSignal(f *Frame) *frameError {
	if !c.following(f.Conv) {
		ctx, cancel := c.storeCtx()
		defer cancel()
		if _, ferr := c.ownConv(ctx, f); ferr != nil {
			return ferr
		}
	}
	out := &Frame{Type: f.Type, Conv: f.Conv, Role: c.role, Name: c.name, Typing: f.Typing, Seq: f.Seq}
	c.srv.publish(c.ctx, session.ConversationTopic(f.Conv), evSignal, 0, out)
	return nil
}

// handleResume replays a conversation after the client's seq.
func (c *conn) handleResume(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	conv, ferr := c.ownConv(ctx, f)
	if ferr != nil {
		return ferr
	}
	if conv.State == session.StateClosed || c.following(conv.ID) {
		c.enqueue(outbound{conv: conv.ID, seq: f.Seq, start: true})
		return nil
	}
	if err := c.follow(conv.ID, f.Seq); err != nil {
		return c.storeError(f, "following the conversation", err)
	}
	return nil
}

// handleClose ends a conversation, by its customer or its agent.
func (c *conn) handleClose(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	if _, ferr := c.ownConv(ctx, f); ferr != nil {
		return ferr
	}
	conv, err := c.srv.store.Close(ctx, f.Conv, c.id)
	if err != nil {
		return c.storeError(f, "closing", err)
	}
	c.ackState(f, conv, webhook.EventConversationClosed)
	return nil
}

// ackState acks a state change and tells everyone concerned.
func (c *conn) ackState(f *Frame, conv session.Conversation, event string) {
	c.sendFrame(&Frame{Type: TypeAck, ID: f.ID, Conv: conv.ID, Seq: conv.LastSeq, Conversation: &conv})
	c.srv.changed(c.ctx, conv, event)
}

// handlePresence sets an agent's availability and capacity; going offline
// hands their conversations back to the front of the queue.
func (c *conn) handlePresence(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	a, err := c.srv.store.Agent(ctx, c.site.cfg.Key, c.id)
	if err != nil {
		return c.storeError(f, "reading your presence", err)
	}
	a.Status = session.Presence(f.Status)
	if f.Capacity > 0 {
		a.Capacity = f.Capacity
	}
	if err := c.srv.store.SetAgent(ctx, a); err != nil {
		return c.storeError(f, "setting presence", err)
	}
	if a.Status == session.StatusOffline {
		c.site.requeueAgent(ctx, c.id, "agent went offline")
	}
	c.sendFrame(&Frame{Type: TypeAck, ID: f.ID})
	c.srv.siteChanged(ctx, c.site.cfg.Key)
	return nil
}

// handleAccept assigns a queued conversation to the agent; of several
// agents accepting at once exactly one wins.
func (c *conn) handleAccept(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	conv, err := c.srv.store.Conversation(ctx, f.Conv)
	if err != nil || conv.SiteID != c.site.cfg.Key {
		return &frameError{Code: CodeNotFound, Msg: "no such conversation"}
	}
	a, err := c.srv.store.Agent(ctx, c.site.cfg.Key, c.id)
	if err != nil {
		return c.storeError(f, "reading your capacity", err)
	}
	conv, err = c.srv.store.Assign(ctx, f.Conv, c.id, a.Capacity)
	if err != nil {
		return c.storeError(f, "accepting", err)
	}
	c.ackState(f, conv, webhook.EventConversationAssigned)
	return nil
}

// handleTransfer moves the agent's conversation to another agent of the site.
func (c *conn) handleTransfer(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	if _, ferr := c.ownConv(ctx, f); ferr != nil {
		return ferr
	}
	to := c.site.accounts[f.Agent]
	if to == nil || to.Bot || f.Agent == c.id {
		return &frameError{Code: CodeNotFound, Msg: "no such agent to transfer to"}
	}
	capacity := to.Capacity
	if a, err := c.srv.store.Agent(ctx, c.site.cfg.Key, to.ID); err == nil {
		capacity = a.Capacity
	}
	conv, err := c.srv.store.Transfer(ctx, f.Conv, c.id, to.ID, capacity)
	if err != nil {
		return c.storeError(f, "transferring", err)
	}
	c.ackState(f, conv, webhook.EventConversationAssigned)
	return nil
}

// handleTranslate switches translation of the agent's messages in one
// conversation off or on.
func (c *conn) handleTranslate(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	if _, ferr := c.ownConv(ctx, f); ferr != nil {
		return ferr
	}
	c.mu.Lock()
	if c.noTrans == nil {
		c.noTrans = map[string]bool{}
	}
	c.noTrans[f.Conv] = !*f.Enabled
	c.mu.Unlock()
	c.sendFrame(&Frame{Type: TypeAck, ID: f.ID, Conv: f.Conv, Enabled: f.Enabled})
	return nil
}

// handleHandoff passes a conversation from its bot to the human queue, at
// the bot's or the customer's request.
func (c *conn) handleHandoff(f *Frame) *frameError {
	ctx, cancel := c.storeCtx()
	defer cancel()
	conv, ferr := c.ownConv(ctx, f)
	if ferr != nil {
		return ferr
	}
	if conv.State != session.StateBot {
		return &frameError{Code: CodeConflict, Msg: "the conversation is not with a bot"}
	}
	reason := firstNonEmpty(f.Reason, "bot handed off")
	if c.role == RoleCustomer {
		reason = "customer asked for a person"
	}
	conv, err := c.srv.handoff(ctx, f.Conv, reason)
	if err != nil {
		return c.storeError(f, "handing off", err)
	}
	c.sendFrame(&Frame{Type: TypeAck, ID: f.ID, Conv: conv.ID, Seq: conv.LastSeq, Conversation: &conv})
	return nil
}

// translating reports whether the connection's messages in conv are
// translated.
func (c *conn) translating(conv string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.noTrans[conv]
}

// stickyLang is the language the sender is taken to write in when a
// message is too short to tell.
func (c *conn) stickyLang() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lang != "" {
		return c.lang
	}
	if len(c.langs) > 0 {
		return c.langs[0]
	}
	return ""
}

// setStickyLang remembers the language the sender last wrote in.
func (c *conn) setStickyLang(lang string) {
	c.mu.Lock()
	c.lang = lang
	c.mu.Unlock()
}

func (c *conn) openConv() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conv
}

func (c *conn) setOpenConv(id string) {
	c.mu.Lock()
	c.conv = id
	c.mu.Unlock()
}
