// Package translatetest provides test helpers for translation: local fakes
// of the documented HTTP APIs of Google Cloud Translation v2, DeepL and
// LibreTranslate, which check requests like the real services do and answer
// real-shaped JSON, and StartAPY, which runs a real Apertium APY server.
package translatetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Dictionary is the fakes' default translation: it swaps the words it knows
// (English to Spanish and back) and keeps every other token as it is, as
// real engines do with unknown words and placeholders.
var Dictionary = map[string]string{
	"hello": "hola", "order": "pedido", "my": "mi", "is": "es", "late": "tarde",
	"thanks": "gracias", "see": "ver", "for": "para", "the": "el", "please": "por favor",
	"hola": "hello", "pedido": "order", "gracias": "thanks",
}

// Translate is the default translation function: word by word through
// Dictionary, keeping spacing and punctuation.
func Translate(text, source, target string) string {
	var b strings.Builder
	word := func(w string) {
		if t, ok := Dictionary[strings.ToLower(w)]; ok {
			b.WriteString(t)
			return
		}
		b.WriteString(w)
	}
	start := -1
	for i, r := range text {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if letter && start < 0 {
			start = i
		}
		if !letter && start >= 0 {
			word(text[start:i])
			start = -1
		}
		if !letter {
			b.WriteRune(r)
		}
	}
	if start >= 0 {
		word(text[start:])
	}
	return b.String()
}

// Request is one request a fake received.
type Request struct {
	Texts          []string
	Source, Target string
	Format         string
	Key            string
}

// Server is a running fake; set its fields before the requests they affect.
type Server struct {
	// URL is the base URL of the fake (http://127.0.0.1:port).
	URL string

	mu       sync.Mutex
	requests []Request
	fn       func(text, source, target string) string
	status   int
	body     string
	hang     bool
	extra    bool
	srv      *httptest.Server
	// Unsupported target languages, in the API's own code.
	unsupported map[string]bool
}

// newServer starts a fake with handler h on loopback and stops it when the
// test ends.
func newServer(t testing.TB, h func(s *Server, w http.ResponseWriter, r *http.Request)) *Server {
	s := &Server{fn: Translate, unsupported: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// SetTranslate replaces the translation function.
func (s *Server) SetTranslate(fn func(text, source, target string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fn = fn
}

// FailWith makes every following request fail with status and body; status
// 0 restores normal answers.
func (s *Server) FailWith(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

// Hang makes requests block until the client gives up.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// ExtraSegment makes answers carry one segment more than asked.
func (s *Server) ExtraSegment(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra = on
}

// Unsupported makes the fake reject target language code (as the API
// spells it).
func (s *Server) Unsupported(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsupported[code] = true
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// prepare records req and returns the configured behaviour. It reports
// false when it already answered (failure or hang).
func (s *Server) prepare(w http.ResponseWriter, r *http.Request, req Request) (fn func(string, string, string) string, extra, unsupported bool, ok bool) {
	s.mu.Lock()
	s.requests = append(s.requests, req)
	status, body, hang := s.status, s.body, s.hang
	fn, extra, unsupported = s.fn, s.extra, s.unsupported[req.Target] || s.unsupported[req.Source]
	s.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return nil, false, false, false
	}
	if status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return nil, false, false, false
	}
	return fn, extra, unsupported, true
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(v)
}
