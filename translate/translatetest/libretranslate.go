package translatetest

import (
	"encoding/json"
	"net/http"
	"testing"
)

// NewLibreTranslate starts a fake of LibreTranslate's POST /translate; when
// key is not empty, requests must carry it as api_key.
func NewLibreTranslate(t testing.TB, key string) *Server {
	return newServer(t, func(s *Server, w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			b, _ := json.Marshal(map[string]string{"error": msg})
			writeJSON(w, status, b)
		}
		if r.URL.Path != "/translate" || r.Method != http.MethodPost {
			fail(http.StatusNotFound, "Not Found")
			return
		}
		var body struct {
			Q      json.RawMessage `json:"q"`
			Source string          `json:"source"`
			Target string          `json:"target"`
			Format string          `json:"format"`
			APIKey string          `json:"api_key"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(http.StatusBadRequest, "Invalid request: "+err.Error())
			return
		}
		var one string
		var many []string
		batch := false
		if json.Unmarshal(body.Q, &one) != nil {
			if err := json.Unmarshal(body.Q, &many); err != nil {
				fail(http.StatusBadRequest, "Invalid request: missing q parameter")
				return
			}
			batch = true
		} else {
			many = []string{one}
		}
		req := Request{Texts: many, Source: body.Source, Target: body.Target, Format: body.Format, Key: body.APIKey}
		fn, extra, unsupported, ok := s.prepare(w, r, req)
		if !ok {
			return
		}
		switch {
		case key != "" && req.Key != key:
			fail(http.StatusForbidden, "Invalid API key")
		case unsupported:
			fail(http.StatusBadRequest, req.Target+" is not supported")
		case !batch:
			b, _ := json.Marshal(map[string]string{"translatedText": fn(one, req.Source, req.Target)})
			writeJSON(w, http.StatusOK, b)
		default:
			out := make([]string, 0, len(many)+1)
			for _, text := range many {
				out = append(out, fn(text, req.Source, req.Target))
			}
			if extra {
				out = append(out, "extra")
			}
			b, _ := json.Marshal(map[string]any{"translatedText": out})
			writeJSON(w, http.StatusOK, b)
		}
	})
}
