package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// serveWS checks the site and the browser's origin, then upgrades to a
// parley.v1 WebSocket and runs the connection until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st, ok := s.sites[q.Get("site")]
	if !ok {
		http.Error(w, "unknown site", http.StatusNotFound)
		return
	}
	role := q.Get("role")
	if role == "" {
		role = RoleCustomer
	}
	if role != RoleCustomer && role != RoleAgent && role != RoleBot {
		http.Error(w, "role must be customer, agent or bot", http.StatusBadRequest)
		return
	}
	if !originAllowed(r, st.cfg.Origins) {
		s.metrics.refused.WithLabelValues("origin").Inc()
		http.Error(w, "origin not allowed for this site", http.StatusForbidden)
		return
	}
	if !offersSubprotocol(r.Header) {
		http.Error(w, "the "+Subprotocol+" subprotocol is required", http.StatusBadRequest)
		return
	}
	hj := &smallBuffers{ResponseWriter: w, writeTimeout: s.cfg.WriteTimeout}
	ws, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		Subprotocols:       []string{Subprotocol},
		InsecureSkipVerify: true, // the origin was checked above, against the site
	})
	if err != nil {
		s.log.Debug("websocket accept", "err", err)
		return
	}
	ws.SetReadLimit(int64(4 * s.cfg.MaxFrameBytes))
	c := newConn(s, st, ws, hj.conn, role)
	if !s.track(c) {
		ws.Close(websocket.StatusServiceRestart, "server restarting")
		return
	}
	// The connection is hijacked: the handler returns and the connection
	// lives on in a goroutine of its own, whose stack stays small while it
	// idles and which keeps neither the request nor net/http's frames.
	go func() {
		defer s.untrack(c)
		c.run()
	}()
}

// originAllowed reports whether the request's Origin may use the site. A
// request without Origin comes from no browser and cannot be a cross-site
// hijack; the gateway's own pages (the console, the demo page) are allowed.
func originAllowed(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	return false
}

// offersSubprotocol reports whether the client offered parley.v1.
func offersSubprotocol(h http.Header) bool {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(p) == Subprotocol {
				return true
			}
		}
	}
	return false
}
