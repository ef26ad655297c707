package gateway

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/text/language"

	"github.com/parley-chat/parley/session"
)

// hello reads and answers the first frame; it reports whether the
// connection may go on.
func (c *conn) hello(ctx context.Context) bool {
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		if ctx.Err() != nil && c.ctx.Err() == nil {
			c.refuse(CodeHelloFirst, "no hello in time")
		}
		return false
	}
	f, ferr := decodeFrame(data, c.srv.cfg.MaxFrameBytes)
	switch {
	case ferr != nil:
		c.refuse(ferr.Code, ferr.Msg)
		return false
	case f.Type != TypeHello:
		c.refuse(CodeHelloFirst, "the first frame must be hello")
		return false
	case f.Role != c.role && !(c.role == RoleCustomer && f.Role == RoleCustomer):
		c.refuse(CodeBadFrame, "role differs from the one in the URL")
		return false
	case f.Site != "" && f.Site != c.site.cfg.Key:
		c.refuse(CodeUnauthorized, "site differs from the one in the URL")
		return false
	}
	var welcome *Frame
	var ferr2 *frameError
	if c.role == RoleCustomer {
		welcome, ferr2 = c.helloCustomer(&f)
	} else {
		welcome, ferr2 = c.helloStaff(&f)
	}
	if ferr2 != nil {
		c.refuse(ferr2.Code, ferr2.Msg)
		return false
	}
	c.site.join(c)
	c.sendFrame(welcome)
	c.resume(f.Resume, welcome.Conversations)
	if c.role != RoleCustomer {
		c.site.wake() // the queue, presence and routing see the new agent
	}
	return true
}

// refuse answers a failed hello with an error frame and closes with 1008.
func (c *conn) refuse(code, msg string) {
	c.srv.metrics.errors.WithLabelValues(code).Inc()
	c.srv.metrics.refused.WithLabelValues(code).Inc()
	data, _ := jsonFrame(&Frame{Type: TypeError, Code: code, Error: msg})
	ctx, cancel := context.WithTimeout(c.ctx, time.Second)
	_ = c.ws.Write(ctx, websocket.MessageText, data)
	cancel()
	c.ws.Close(websocket.StatusPolicyViolation, msg)
}

// helloCustomer identifies the visitor: by a verified identity, by their
// token, or as a new visitor.
func (c *conn) helloCustomer(f *Frame) (*Frame, *frameError) {
	now := time.Now()
	switch {
	case f.Identity != nil:
		secret := c.site.cfg.IdentitySecret
		got, err := hex.DecodeString(f.Identity.Hash)
		if secret == "" || err != nil || !hmac.Equal(got, identityHash(secret, f.Identity.ID)) {
			return nil, &frameError{Code: CodeUnauthorized, Msg: "identity hash does not match"}
		}
		c.id = "u:" + f.Identity.ID
		c.name = firstNonEmpty(f.Identity.Name, f.Name)
	case f.Token != "":
		cl, err := c.srv.tokens.verify(f.Token, c.site.cfg.Key, RoleCustomer, now)
		if err != nil {
			return nil, &frameError{Code: CodeUnauthorized, Msg: "visitor token is invalid or expired; connect without it to start afresh"}
		}
		c.id = cl.Subject
		c.name = f.Name
	default:
		c.id = "v:" + session.NewID()
		c.name = f.Name
	}
	c.langs = cleanLanguages(f.Languages)
	if err := c.subscribe(session.VisitorTopic(c.site.cfg.Key, c.id), c.onVisitorEvent); err != nil {
		return nil, c.storeError(f, "connecting", err)
	}
	ctx, cancel := c.storeCtx()
	defer cancel()
	var convs []session.Conversation
	conv, err := c.visitorConversation(ctx, f.Resume)
	switch {
	case err == nil:
		convs = append(convs, conv)
		c.setOpenConv(conv.ID)
	case !errors.Is(err, session.ErrNotFound):
		return nil, c.storeError(f, "reading your conversation", err)
	}
	token := c.srv.tokens.sign(claims{Site: c.site.cfg.Key, Subject: c.id, Role: RoleCustomer}, now)
	return &Frame{Type: TypeWelcome, Role: RoleCustomer, Visitor: c.id, Token: token, Conversations: convs}, nil
}

// visitorHinter is a Store that reads a visitor's open conversation
// faster when told which one it probably is.
type visitorHinter interface {
	VisitorConversationHint(ctx context.Context, siteID, visitorID, hint string) (session.Conversation, error)
}

// visitorConversation returns the customer's open conversation. A
// returning client that resumes one conversation names it, which spares
// a store that can use the hint a round trip.
func (c *conn) visitorConversation(ctx context.Context, resume map[string]int64) (session.Conversation, error) {
	if vh, ok := c.srv.store.(visitorHinter); ok && len(resume) == 1 {
		for hint := range resume {
			return vh.VisitorConversationHint(ctx, c.site.cfg.Key, c.id, hint)
		}
	}
	return c.srv.store.VisitorConversation(ctx, c.site.cfg.Key, c.id)
}

// helloStaff signs in an agent or bot by credential or session token and
// marks them online.
func (c *conn) helloStaff(f *Frame) (*Frame, *frameError) {
	now := time.Now()
	id := f.Agent
	if f.Token != "" {
		cl, err := c.srv.tokens.verify(f.Token, c.site.cfg.Key, c.role, now)
		if err != nil {
			return nil, &frameError{Code: CodeUnauthorized, Msg: "session token is invalid or expired; sign in again"}
		}
		id = cl.Subject
	}
	acct := c.site.accounts[id]
	if acct == nil || acct.Bot != (c.role == RoleBot) || f.Token == "" && !acct.verify(f.Secret) {
		return nil, &frameError{Code: CodeUnauthorized, Msg: "wrong " + c.role + " id or secret"}
	}
	c.id, c.name, c.acct, c.langs = acct.ID, acct.Name, acct, acct.Languages
	ctx, cancel := c.storeCtx()
	defer cancel()
	err := c.srv.store.SetAgent(ctx, session.Agent{
		ID: acct.ID, SiteID: c.site.cfg.Key, Name: acct.Name, Languages: acct.Languages,
		Status: session.StatusOnline, Capacity: acct.Capacity, LastSeen: now, IdleSince: now,
	})
	if err != nil {
		return nil, c.storeError(f, "signing in", err)
	}
	if err := c.subscribe(session.AgentTopic(c.site.cfg.Key, c.id), c.onAgentEvent); err != nil {
		return nil, c.storeError(f, "signing in", err)
	}
	convs, err := c.srv.store.Conversations(ctx, c.site.cfg.Key, session.Filter{State: session.StateActive, AgentID: c.id}, 0)
	if err != nil {
		return nil, c.storeError(f, "listing your conversations", err)
	}
	if c.role == RoleBot {
		held, err := c.srv.store.Conversations(ctx, c.site.cfg.Key, session.Filter{State: session.StateBot}, 0)
		if err != nil {
			return nil, c.storeError(f, "listing your conversations", err)
		}
		for _, conv := range held {
			if conv.BotID == c.id {
				convs = append(convs, conv)
			}
		}
	}
	agents, err := c.srv.store.Agents(ctx, c.site.cfg.Key)
	if err != nil {
		return nil, c.storeError(f, "listing agents", err)
	}
	c.srv.siteChanged(ctx, c.site.cfg.Key)
	token := c.srv.tokens.sign(claims{Site: c.site.cfg.Key, Subject: c.id, Role: c.role}, now)
	c.site.mu.Lock()
	queue := c.site.queue
	c.site.mu.Unlock()
	return &Frame{Type: TypeWelcome, Role: c.role, Agent: c.id, Name: c.name, Token: token,
		Conversations: convs, Queue: queue, Agents: agents}, nil
}

// subscribe follows a topic addressed to the connection's agent or visitor.
func (c *conn) subscribe(topic string, fn func([]byte)) error {
	cancel, err := c.srv.broker.Subscribe(c.ctx, topic, fn)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.subs == nil {
		c.subs = map[string]func(){}
	}
	c.subs[topic] = cancel
	c.mu.Unlock()
	return nil
}

// resume follows the connection's conversations, replaying after the seqs
// the client holds; conversations it does not name replay from the start.
func (c *conn) resume(held map[string]int64, convs []session.Conversation) {
	for _, conv := range convs {
		if err := c.follow(conv.ID, held[conv.ID]); err != nil {
			c.sendError("", CodeUnavailable, "cannot follow conversation "+conv.ID+"; reconnect")
		}
		delete(held, conv.ID)
	}
	for id, seq := range held { // closed ones still owe the client their end
		_ = c.handleResume(&Frame{Type: TypeResume, Conv: id, Seq: seq})
	}
}

// cleanLanguages keeps the valid BCP 47 tags, in canonical form.
func cleanLanguages(langs []string) []string {
	var out []string
	for _, l := range langs {
		if tag, err := language.Parse(l); err == nil {
			out = append(out, tag.String())
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
