package gateway

import (
	"net/http"
	"slices"
	"time"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/webhook"
)

// requireWrite answers 403 for keys without the write scope (bot keys may
// only post and hand off as their bot).
func requireWrite(w http.ResponseWriter, key *apiKey) bool {
	if !slices.Contains(key.Scopes, scopeWrite) {
		writeProblem(w, http.StatusForbidden, "forbidden", "this key lacks the write scope")
		return false
	}
	return true
}

// agentBody is the body of assign and transfer.
type agentBody struct {
	Agent string `json:"agent"`
}

// apiAgentArg reads and checks the agent a conversation goes to.
func (s *Server) apiAgentArg(w http.ResponseWriter, r *http.Request, key *apiKey) (*Account, bool) {
	var body agentBody
	if !decodeBody(w, r, &body) {
		return nil, false
	}
	acct := key.site.accounts[body.Agent]
	if acct == nil || acct.Bot {
		writeProblem(w, http.StatusNotFound, "not-found", "no such agent: "+body.Agent)
		return nil, false
	}
	return acct, true
}

// capacityOf returns the agent's current capacity, or the configured one.
func (s *Server) capacityOf(r *http.Request, st *site, acct *Account) int {
	if a, err := s.store.Agent(r.Context(), st.cfg.Key, acct.ID); err == nil {
		return a.Capacity
	}
	return acct.Capacity
}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request, key *apiKey) {
	s.apiMoveTo(w, r, key, func(conv session.Conversation, to string, capacity int) (session.Conversation, error) {
		return s.store.Assign(r.Context(), conv.ID, to, capacity)
	})
}

func (s *Server) apiTransfer(w http.ResponseWriter, r *http.Request, key *apiKey) {
	s.apiMoveTo(w, r, key, func(conv session.Conversation, to string, capacity int) (session.Conversation, error) {
		return s.store.Transfer(r.Context(), conv.ID, conv.AgentID, to, capacity)
	})
}

// apiMoveTo gives the path's conversation to the agent the body names,
// with move (an assignment or a transfer).
func (s *Server) apiMoveTo(w http.ResponseWriter, r *http.Request, key *apiKey,
	move func(conv session.Conversation, to string, capacity int) (session.Conversation, error)) {
	if !requireWrite(w, key) {
		return
	}
	acct, ok := s.apiAgentArg(w, r, key)
	if !ok {
		return
	}
	conv, ok := s.apiConv(w, r, key)
	if !ok {
		return
	}
	conv, err := move(conv, acct.ID, s.capacityOf(r, key.site, acct))
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	s.changed(r.Context(), conv, webhook.EventConversationAssigned)
	writeJSON(w, http.StatusOK, conv)
}

// apiHandoff passes a bot-held conversation to the human queue: any write
// key, or a bot key for its own bot's conversations.
func (s *Server) apiHandoff(w http.ResponseWriter, r *http.Request, key *apiKey) {
	var body struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 && !decodeBody(w, r, &body) {
		return
	}
	conv, ok := s.apiConv(w, r, key)
	if !ok {
		return
	}
	if !slices.Contains(key.Scopes, scopeWrite) && conv.BotID != key.Bot {
		writeProblem(w, http.StatusForbidden, "forbidden", "a bot key hands off only its own bot's conversations")
		return
	}
	if conv.State != session.StateBot {
		writeProblem(w, http.StatusConflict, "conflict", "the conversation is not with a bot")
		return
	}
	conv, err := s.handoff(r.Context(), conv.ID, firstNonEmpty(body.Reason, "handed off through the API"))
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, conv)
}

func (s *Server) apiClose(w http.ResponseWriter, r *http.Request, key *apiKey) {
	if !requireWrite(w, key) {
		return
	}
	conv, ok := s.apiConv(w, r, key)
	if !ok {
		return
	}
	conv, err := s.store.Close(r.Context(), conv.ID, "api:"+key.ID)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	s.changed(r.Context(), conv, webhook.EventConversationClosed)
	writeJSON(w, http.StatusOK, conv)
}

func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request, key *apiKey) {
	queue, err := s.store.Queue(r.Context(), key.site.cfg.Key)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	items := make([]QueueEntry, len(queue))
	now := time.Now()
	for i, c := range queue {
		items[i] = QueueEntry{Conv: c.ID, VisitorName: c.VisitorName, Language: c.Language, Position: i + 1,
			WaitingMS: now.Sub(c.QueuedAt).Milliseconds()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) apiAgents(w http.ResponseWriter, r *http.Request, key *apiKey) {
	agents, err := s.store.Agents(r.Context(), key.site.cfg.Key)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	if agents == nil {
		agents = []session.Agent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": agents})
}

// apiDeliveries lists the site's webhook deliveries and their attempts.
func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request, key *apiKey) {
	outbox, ok := s.store.(session.Outbox)
	if !ok {
		writeProblem(w, http.StatusNotImplemented, "not-implemented", "this store keeps no webhook deliveries")
		return
	}
	limit, ok := queryInt(w, r.URL.Query().Get("limit"), 100, 1000)
	if !ok {
		return
	}
	ds, err := outbox.Deliveries(r.Context(), key.site.cfg.Key, limit)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	if ds == nil {
		ds = []session.Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ds})
}
