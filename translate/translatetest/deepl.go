package translatetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// NewDeepL starts a fake of DeepL's POST /v2/translate that requires
// "Authorization: DeepL-Auth-Key key".
func NewDeepL(t testing.TB, key string) *Server {
	return newServer(t, func(s *Server, w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			b, _ := json.Marshal(map[string]string{"message": msg})
			writeJSON(w, status, b)
		}
		if r.URL.Path != "/v2/translate" || r.Method != http.MethodPost {
			fail(http.StatusNotFound, "not found")
			return
		}
		var body struct {
			Text       []string `json:"text"`
			SourceLang string   `json:"source_lang"`
			TargetLang string   `json:"target_lang"`
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			fail(http.StatusUnsupportedMediaType, "expected JSON")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(http.StatusBadRequest, "Invalid request: "+err.Error())
			return
		}
		req := Request{Texts: body.Text, Source: body.SourceLang, Target: body.TargetLang,
			Key: strings.TrimPrefix(r.Header.Get("Authorization"), "DeepL-Auth-Key ")}
		fn, extra, unsupported, ok := s.prepare(w, r, req)
		if !ok {
			return
		}
		switch {
		case req.Key != key:
			fail(http.StatusForbidden, "Wrong endpoint or authentication key")
		case len(req.Texts) == 0 || len(req.Texts) > 50:
			fail(http.StatusBadRequest, "Invalid number of texts")
		case req.Target == "EN" || req.Target == "PT":
			fail(http.StatusBadRequest, "Value for 'target_lang' not supported, please use a variant")
		case unsupported || req.Target == "":
			fail(http.StatusBadRequest, "Value for 'target_lang' not supported.")
		default:
			type tr struct {
				DetectedSourceLanguage string `json:"detected_source_language"`
				Text                   string `json:"text"`
			}
			var out []tr
			for _, text := range req.Texts {
				out = append(out, tr{DetectedSourceLanguage: req.Source, Text: fn(text, req.Source, req.Target)})
			}
			if extra {
				out = append(out, tr{Text: "extra"})
			}
			b, _ := json.Marshal(map[string]any{"translations": out})
			writeJSON(w, http.StatusOK, b)
		}
	})
}
