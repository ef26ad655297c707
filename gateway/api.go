package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/time/rate"
)

// The REST API's scopes.
const (
	scopeRead  = "read"
	scopeWrite = "write"
	scopeBot   = "bot"
)

// apiRoute is one REST endpoint; the table below is both what the server
// registers and what the OpenAPI document must describe.
type apiRoute struct {
	method, path string
	scope        string // "" for public
	handler      func(*Server, http.ResponseWriter, *http.Request, *apiKey)
}

var apiRoutes = []apiRoute{
	{"GET", "/api/v1/conversations", scopeRead, (*Server).apiListConversations},
	{"GET", "/api/v1/conversations/{id}", scopeRead, (*Server).apiGetConversation},
	{"GET", "/api/v1/conversations/{id}/messages", scopeRead, (*Server).apiHistory},
	{"POST", "/api/v1/conversations/{id}/messages", scopeWrite, (*Server).apiPostMessage},
	{"POST", "/api/v1/conversations/{id}/assign", scopeWrite, (*Server).apiAssign},
	{"POST", "/api/v1/conversations/{id}/transfer", scopeWrite, (*Server).apiTransfer},
	{"POST", "/api/v1/conversations/{id}/handoff", scopeWrite, (*Server).apiHandoff},
	{"POST", "/api/v1/conversations/{id}/close", scopeWrite, (*Server).apiClose},
	{"GET", "/api/v1/queue", scopeRead, (*Server).apiQueue},
	{"GET", "/api/v1/agents", scopeRead, (*Server).apiAgents},
	{"GET", "/api/v1/webhooks/deliveries", scopeRead, (*Server).apiDeliveries},
	{"GET", "/api/v1/openapi.json", "", (*Server).apiOpenAPI},
}

// maxAPIBody bounds a request body.
const maxAPIBody = 64 << 10

// apiKey is a configured key with its site and rate limiter.
type apiKey struct {
	APIKey
	site    *site
	limiter *rate.Limiter
}

// has reports whether the key carries scope; write implies read, and the
// bot scope may write as its bot.
func (k *apiKey) has(scope string) bool {
	switch scope {
	case "":
		return true
	case scopeRead:
		return len(k.Scopes) > 0
	case scopeWrite:
		return slices.Contains(k.Scopes, scopeWrite) || slices.Contains(k.Scopes, scopeBot)
	}
	return slices.Contains(k.Scopes, scope)
}

func (s *Server) apiRoutes() {
	s.keys = map[string]*apiKey{}
	for _, st := range s.sites {
		for _, k := range st.cfg.APIKeys {
			s.keys[k.SecretHash] = &apiKey{APIKey: k, site: st,
				limiter: rate.NewLimiter(rate.Limit(s.cfg.RatePerSecond), s.cfg.RateBurst)}
		}
	}
	for _, r := range apiRoutes {
		s.mux.HandleFunc(r.method+" "+r.path, s.apiHandler(r))
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "not-found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// apiHandler authenticates, checks the scope and rate, bounds the body and
// calls the route's handler.
func (s *Server) apiHandler(route apiRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if route.scope == "" {
			route.handler(s, w, r, nil)
			return
		}
		key := s.authenticate(r)
		if key == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "send an API key as Authorization: Bearer KEY")
			return
		}
		if !key.has(route.scope) {
			writeProblem(w, http.StatusForbidden, "forbidden", "this key lacks the "+route.scope+" scope")
			return
		}
		if res := key.limiter.Reserve(); res.Delay() > 0 {
			res.Cancel()
			writeRetryAfter(w, res.Delay())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WriteTimeout)
		defer cancel()
		route.handler(s, w, r.WithContext(ctx), key)
	}
}

// authenticate returns the key the request's bearer token belongs to.
func (s *Server) authenticate(r *http.Request) *apiKey {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" || len(token) > 512 {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return s.keys["sha256:"+hex.EncodeToString(sum[:])] // read-only after New
}
