package gateway

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/session"
)

// site is a tenant's state on this node: its local connections, its queue as
// last seen, and the loop that routes its queue and keeps presence.
type site struct {
	srv      *Server
	cfg      *Site
	accounts map[string]*Account
	kick     chan struct{}

	mu        sync.Mutex
	customers map[*conn]int             // waiting customer -> queue position last sent
	agents    map[string]map[*conn]bool // agent id -> connections
	queue     []QueueEntry              // last sent to agents
	agentList []session.Agent           // last sent to agents
	previews  map[string]string         // conversation id -> first words

	// storeFailed is when a heartbeat or sweep last found the store
	// failing; owned by the loop.
	storeFailed time.Time
}

func newSite(s *Server, cfg *Site) *site {
	st := &site{
		srv:       s,
		cfg:       cfg,
		accounts:  map[string]*Account{},
		kick:      make(chan struct{}, 1),
		customers: map[*conn]int{},
		agents:    map[string]map[*conn]bool{},
		previews:  map[string]string{},
	}
	for i := range cfg.Agents {
		st.accounts[cfg.Agents[i].ID] = &cfg.Agents[i]
	}
	return st
}

// start subscribes to the site's topic and starts its loop.
func (st *site) start(ctx context.Context) error {
	cancel, err := st.srv.broker.Subscribe(ctx, session.SiteTopic(st.cfg.Key), func([]byte) { st.wake() })
	if err != nil {
		return err
	}
	st.srv.wg.Add(1)
	go func() {
		defer st.srv.wg.Done()
		defer cancel()
		st.loop(ctx)
	}()
	return nil
}

// wake asks the loop for a pass; wakes while one is pending coalesce.
func (st *site) wake() {
	select {
	case st.kick <- struct{}{}:
	default:
	}
}

// loop routes the queue and refreshes what clients see whenever the site
// changes, and keeps agent presence alive on a ticker.
func (st *site) loop(ctx context.Context) {
	tick := time.NewTicker(min(st.srv.cfg.AgentGrace, time.Duration(st.cfg.BotTimeout)) / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.kick:
		case <-tick.C:
			st.heartbeat(ctx)
			st.sweep(ctx)
			st.botTimeouts(ctx)
		}
		st.pass(ctx)
	}
}

// pass routes waiting conversations, then sends the queue to local agents
// and positions to local waiting customers.
func (st *site) pass(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st.route(ctx)
	queue, err := st.srv.store.Queue(ctx, st.cfg.Key)
	if err != nil {
		st.srv.log.Warn("reading queue", "site", st.cfg.Key, "err", err)
		return
	}
	st.publishQueue(ctx, queue)
	st.publishAgents(ctx)
}

// publishAgents sends the site's agents to local agents when their
// presence or load changed.
func (st *site) publishAgents(ctx context.Context) {
	agents, err := st.srv.store.Agents(ctx, st.cfg.Key)
	if err != nil {
		return
	}
	slices.SortFunc(agents, func(a, b session.Agent) int { return strings.Compare(a.ID, b.ID) })
	st.mu.Lock()
	same := slices.EqualFunc(st.agentList, agents, func(a, b session.Agent) bool {
		return a.ID == b.ID && a.Status == b.Status && a.Active == b.Active && a.Capacity == b.Capacity
	})
	st.agentList = agents
	var conns []*conn
	if !same {
		for _, cs := range st.agents {
			for c := range cs {
				conns = append(conns, c)
			}
		}
	}
	st.mu.Unlock()
	for _, c := range conns {
		c.sendFrame(&Frame{Type: TypeAgents, Agents: agents})
	}
}

// publishQueue sends the queue to local agents when it changed, and each
// local waiting customer its position when that changed.
func (st *site) publishQueue(ctx context.Context, queue []session.Conversation) {
	now := time.Now()
	entries := make([]QueueEntry, len(queue))
	pos := make(map[string]int, len(queue))
	for i, conv := range queue {
		pos[conv.ID] = i + 1
		entries[i] = QueueEntry{
			Conv: conv.ID, VisitorName: conv.VisitorName, Language: conv.Language, Position: i + 1,
			WaitingMS: now.Sub(conv.QueuedAt).Milliseconds(), Preview: st.preview(ctx, conv.ID),
		}
	}
	st.mu.Lock()
	changed := !sameQueue(st.queue, entries)
	if changed {
		st.queue = entries
	}
	var agents []*conn
	if changed {
		for _, conns := range st.agents {
			for c := range conns {
				agents = append(agents, c)
			}
		}
	}
	type update struct {
		c    *conn
		conv string
		pos  int
	}
	var updates []update
	for c, last := range st.customers {
		conv := c.openConv()
		if p := pos[conv]; p != last && conv != "" {
			st.customers[c] = p
			if p > 0 {
				updates = append(updates, update{c, conv, p})
			}
		}
	}
	for id := range st.previews {
		if _, ok := pos[id]; !ok {
			delete(st.previews, id)
		}
	}
	st.mu.Unlock()
	for _, c := range agents {
		c.sendFrame(&Frame{Type: TypeQueue, Queue: entries})
	}
	for _, u := range updates {
		u.c.sendFrame(&Frame{Type: TypeQueue, Conv: u.conv, Position: u.pos})
	}
}

func sameQueue(a, b []QueueEntry) bool {
	return slices.EqualFunc(a, b, func(x, y QueueEntry) bool { return x.Conv == y.Conv && x.Preview == y.Preview })
}

// preview returns the first words of a waiting conversation's first message.
func (st *site) preview(ctx context.Context, conv string) string {
	st.mu.Lock()
	p, ok := st.previews[conv]
	st.mu.Unlock()
	if ok {
		return p
	}
	msgs, err := st.srv.store.History(ctx, conv, 0, 4)
	if err != nil {
		return ""
	}
	for _, m := range msgs {
		if m.Kind == session.KindText {
			p = truncate(m.Text, 120)
			break
		}
	}
	if p != "" {
		st.mu.Lock()
		st.previews[conv] = p
		st.mu.Unlock()
	}
	return p
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// join registers a connection that said hello.
func (st *site) join(c *conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.role == RoleCustomer {
		st.customers[c] = 0
		return
	}
	if st.agents[c.id] == nil {
		st.agents[c.id] = map[*conn]bool{}
	}
	st.agents[c.id][c] = true
}

// leave forgets a connection. An agent whose last connection left keeps
// their conversations for the grace period: the sweep hands them back to
// the queue when no node has heard from the agent for that long.
func (st *site) leave(c *conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.customers, c)
	if conns := st.agents[c.id]; conns != nil && c.role != RoleCustomer {
		delete(conns, c)
		if len(conns) == 0 {
			delete(st.agents, c.id)
		}
	}
}

// localAgents returns the ids of agents connected to this node.
func (st *site) localAgents() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	ids := make([]string, 0, len(st.agents))
	for id := range st.agents {
		ids = append(ids, id)
	}
	return ids
}

// agentConns returns the local connections of one agent.
func (st *site) agentConns(id string) []*conn {
	st.mu.Lock()
	defer st.mu.Unlock()
	conns := make([]*conn, 0, len(st.agents[id]))
	for c := range st.agents[id] {
		conns = append(conns, c)
	}
	return conns
}

// heartbeat records that this node's agents are still connected.
func (st *site) heartbeat(ctx context.Context) {
	for _, id := range st.localAgents() {
		if err := st.srv.store.Heartbeat(ctx, st.cfg.Key, id); err != nil {
			st.storeFailed = time.Now()
			st.srv.log.Warn("agent heartbeat", "site", st.cfg.Key, "agent", id, "err", err)
		}
	}
}

// sweep takes agents no node has heard from for the grace period offline
// and puts their conversations back at the front of the queue. While the
// store was failing no node could record heartbeats, so it waits a grace
// period after the store is back before judging anyone gone.
func (st *site) sweep(ctx context.Context) {
	agents, err := st.srv.store.Agents(ctx, st.cfg.Key)
	if err != nil {
		st.storeFailed = time.Now()
		st.srv.log.Warn("reading agents", "site", st.cfg.Key, "err", err)
		return
	}
	if time.Since(st.storeFailed) <= st.srv.cfg.AgentGrace {
		return
	}
	for _, a := range agents {
		// A store may report a silent agent offline by itself; their
		// conversations still need handing back. An agent connected here
		// is not gone, whatever their last heartbeat says.
		if a.Status == session.StatusOffline && a.Active == 0 || time.Since(a.LastSeen) <= st.srv.cfg.AgentGrace ||
			len(st.agentConns(a.ID)) > 0 {
			continue
		}
		st.srv.log.Info("agent gone past the grace period", "site", st.cfg.Key, "agent", a.ID)
		a.Status = session.StatusOffline
		if err := st.srv.store.SetAgent(ctx, a); err != nil {
			st.srv.log.Warn("taking agent offline", "agent", a.ID, "err", err)
			continue
		}
		st.requeueAgent(ctx, a.ID, "agent disconnected")
	}
}

// requeueAgent puts every active conversation of the agent back at the
// front of the queue.
func (st *site) requeueAgent(ctx context.Context, agentID, reason string) {
	convs, err := st.srv.store.Conversations(ctx, st.cfg.Key, session.Filter{State: session.StateActive, AgentID: agentID}, 0)
	if err != nil {
		st.srv.log.Warn("listing agent conversations", "agent", agentID, "err", err)
		return
	}
	for _, conv := range convs {
		updated, err := st.srv.store.Requeue(ctx, conv.ID, true, reason)
		if err != nil {
			continue // someone else moved it meanwhile
		}
		st.srv.publishState(ctx, updated)
	}
	st.srv.siteChanged(ctx, st.cfg.Key)
}

// nameSender fills in the name of the agent an event names, which the
// store records by id only.
func (st *site) nameSender(m *session.Message) {
	if m.SenderName != "" || m.Kind != session.KindEvent {
		return
	}
	if a := st.accounts[m.SenderID]; a != nil {
		m.SenderName = a.Name
	}
}

// botTimeouts hands to the queue every conversation whose bot has left a
// customer's message unanswered for the site's BotTimeout, or whose bot
// is gone.
func (st *site) botTimeouts(ctx context.Context) {
	if st.cfg.FirstResponder == "" {
		return
	}
	convs, err := st.srv.store.Conversations(ctx, st.cfg.Key, session.Filter{State: session.StateBot}, 0)
	if err != nil || len(convs) == 0 {
		return
	}
	timeout := time.Duration(st.cfg.BotTimeout)
	for _, conv := range convs {
		reason := ""
		if a, err := st.srv.store.Agent(ctx, st.cfg.Key, conv.BotID); err != nil || time.Since(a.LastSeen) > st.srv.cfg.AgentGrace {
			reason = "bot unavailable"
		} else if last, err := st.srv.store.History(ctx, conv.ID, max(conv.LastSeq-1, 0), 1); err == nil && len(last) == 1 &&
			last[0].Role == session.RoleCustomer && time.Since(last[0].At) > timeout {
			reason = "bot did not answer"
		}
		if reason == "" {
			continue
		}
		if _, err := st.srv.handoff(ctx, conv.ID, reason); err != nil {
			st.srv.log.Debug("bot timeout hand-off", "conv", conv.ID, "err", err)
		}
	}
}
