package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/session"
)

// apiConv loads the path's conversation and checks it belongs to the key's
// site; it has answered the request when ok is false.
func (s *Server) apiConv(w http.ResponseWriter, r *http.Request, key *apiKey) (session.Conversation, bool) {
	id := r.PathValue("id")
	if !validID(id) {
		writeProblem(w, http.StatusNotFound, "not-found", "no such conversation")
		return session.Conversation{}, false
	}
	conv, err := s.store.Conversation(r.Context(), id)
	if err != nil {
		writeStoreProblem(w, err)
		return conv, false
	}
	if conv.SiteID != key.site.cfg.Key {
		writeProblem(w, http.StatusForbidden, "forbidden", "the conversation belongs to another site")
		return conv, false
	}
	return conv, true
}

// decodeBody reads a JSON request body into v; it has answered the request
// when it returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", "bodies are at most 64 KiB")
		return false
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "bad-request", "body must be a JSON object of the documented fields: "+err.Error())
		return false
	}
	return true
}

func (s *Server) apiListConversations(w http.ResponseWriter, r *http.Request, key *apiKey) {
	q := r.URL.Query()
	f := session.Filter{State: session.State(q.Get("state")), AgentID: q.Get("agent")}
	switch f.State {
	case "", session.StateBot, session.StateQueued, session.StateActive, session.StateClosed:
	default:
		writeProblem(w, http.StatusBadRequest, "bad-request", "state must be bot, queued, active or closed")
		return
	}
	var since, until time.Time
	for name, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeProblem(w, http.StatusBadRequest, "bad-request", name+" must be an RFC 3339 time")
				return
			}
			*dst = t
		}
	}
	limit, ok := queryInt(w, q.Get("limit"), 100, 1000)
	if !ok {
		return
	}
	convs, err := s.store.Conversations(r.Context(), key.site.cfg.Key, f, 0)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	lang := q.Get("language")
	out := []session.Conversation{}
	for _, c := range convs {
		if lang != "" && baseOf(c.Language) != baseOf(lang) ||
			!since.IsZero() && c.CreatedAt.Before(since) || !until.IsZero() && !c.CreatedAt.Before(until) {
			continue
		}
		if out = append(out, c); len(out) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// queryInt parses an optional positive integer parameter.
func queryInt(w http.ResponseWriter, v string, def, most int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		writeProblem(w, http.StatusBadRequest, "bad-request", "limit must be between 1 and "+strconv.Itoa(most))
		return 0, false
	}
	return n, true
}

func (s *Server) apiGetConversation(w http.ResponseWriter, r *http.Request, key *apiKey) {
	if conv, ok := s.apiConv(w, r, key); ok {
		writeJSON(w, http.StatusOK, conv)
	}
}

// apiHistory pages through a conversation's history by seq: the cursor is
// the last seq returned, so writes during paging neither skip nor repeat
// an item.
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, key *apiKey) {
	conv, ok := s.apiConv(w, r, key)
	if !ok {
		return
	}
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 0 {
			writeProblem(w, http.StatusBadRequest, "bad-request", "cursor must be a cursor this endpoint returned")
			return
		}
		after = n
	}
	limit, ok := queryInt(w, r.URL.Query().Get("limit"), 100, 500)
	if !ok {
		return
	}
	msgs, err := s.store.History(r.Context(), conv.ID, after, limit)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	body := map[string]any{"items": msgs}
	if len(msgs) == limit {
		body["next_cursor"] = strconv.FormatInt(msgs[len(msgs)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, body)
}

// apiPostMessage posts a message as an agent (write scope, naming the
// agent) or as the key's bot (bot scope).
func (s *Server) apiPostMessage(w http.ResponseWriter, r *http.Request, key *apiKey) {
	var body struct {
		ID    string `json:"id"`
		Text  string `json:"text"`
		Agent string `json:"agent"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if len(body.ID) == 0 || len(body.ID) > maxIDLen || strings.TrimSpace(body.Text) == "" || len(body.Text) > s.cfg.MaxFrameBytes {
		writeProblem(w, http.StatusBadRequest, "bad-request", "id (at most 128 bytes) and a non-empty text are required")
		return
	}
	conv, ok := s.apiConv(w, r, key)
	if !ok {
		return
	}
	acct, role := s.apiSender(w, key, body.Agent)
	if acct == nil {
		return
	}
	switch {
	case conv.State == session.StateClosed:
		writeProblem(w, http.StatusConflict, "conflict", "the conversation is closed")
		return
	case !(conv.State == session.StateActive && conv.AgentID == acct.ID || conv.State == session.StateBot && conv.BotID == acct.ID):
		writeProblem(w, http.StatusConflict, "conflict", "the conversation is not with "+acct.ID)
		return
	}
	m := session.Message{ClientID: body.ID, Kind: session.KindText, Role: role, SenderID: acct.ID, SenderName: acct.Name, Text: body.Text}
	m.Lang = s.flight.detect(body.Text, acct.Languages[0])
	stored, dup, err := s.post(r.Context(), conv, m, true, 0, nil)
	if err != nil {
		writeStoreProblem(w, err)
		return
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	writeJSON(w, status, stored)
}

// apiSender returns the account a key writes as: its bot, or the named
// agent for a write key.
func (s *Server) apiSender(w http.ResponseWriter, key *apiKey, agent string) (*Account, session.Role) {
	if agent == "" && key.Bot != "" && key.has(scopeBot) {
		return key.site.accounts[key.Bot], session.RoleBot
	}
	acct := key.site.accounts[agent]
	switch {
	case agent == "":
		writeProblem(w, http.StatusBadRequest, "bad-request", "agent is required for a key without the bot scope")
	case !slices.Contains(key.Scopes, scopeWrite):
		writeProblem(w, http.StatusForbidden, "forbidden", "writing as an agent needs the write scope")
	case acct == nil || acct.Bot:
		writeProblem(w, http.StatusNotFound, "not-found", "no such agent")
	default:
		return acct, session.RoleAgent
	}
	return nil, ""
}
