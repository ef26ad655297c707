package translatetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// GoogleMaxSegments is how many q parameters the fake accepts per request.
const GoogleMaxSegments = 128

// GoogleMaxQuery is the longest query string the fake accepts; longer GET
// requests get Google's HTML 413 page.
const GoogleMaxQuery = 8 << 10

// NewGoogle starts a fake of the Translation v2 REST API. Point the client
// at URL + "/language/translate/". When key is not empty, requests must
// carry it.
func NewGoogle(t testing.TB, key string) *Server {
	return newServer(t, func(s *Server, w http.ResponseWriter, r *http.Request) {
		googleError := func(code int, reason, msg string) {
			b, _ := json.Marshal(map[string]any{"error": map[string]any{
				"code": code, "message": msg,
				"errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}},
			}})
			writeJSON(w, code, b)
		}
		if r.URL.Path != "/language/translate/v2" {
			googleError(http.StatusNotFound, "notFound", "unknown path "+r.URL.Path)
			return
		}
		if len(r.URL.RawQuery) > GoogleMaxQuery {
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = w.Write([]byte("<!DOCTYPE html>\n<html lang=en><title>Error 413 (Request Entity Too Large)!!1</title></html>"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			googleError(http.StatusMethodNotAllowed, "badRequest", "method")
			return
		}
		if err := r.ParseForm(); err != nil {
			googleError(http.StatusBadRequest, "badRequest", err.Error())
			return
		}
		q := r.Form
		req := Request{Texts: q["q"], Source: q.Get("source"), Target: q.Get("target"), Format: q.Get("format"), Key: q.Get("key")}
		fn, extra, unsupported, ok := s.prepare(w, r, req)
		if !ok {
			return
		}
		switch {
		case key != "" && req.Key != key:
			googleError(http.StatusBadRequest, "keyInvalid", "API key not valid. Please pass a valid API key.")
		case len(req.Texts) == 0:
			googleError(http.StatusBadRequest, "required", "Required Text")
		case len(req.Texts) > GoogleMaxSegments:
			googleError(http.StatusBadRequest, "invalid", fmt.Sprintf("Too many text segments: %d", len(req.Texts)))
		case req.Target == "":
			googleError(http.StatusBadRequest, "required", "Required Target language")
		case unsupported:
			googleError(http.StatusBadRequest, "invalid", "Bad language pair: "+req.Source+"|"+req.Target)
		default:
			type tr struct {
				TranslatedText         string `json:"translatedText"`
				DetectedSourceLanguage string `json:"detectedSourceLanguage,omitempty"`
			}
			var out []tr
			for _, text := range req.Texts {
				x := tr{TranslatedText: fn(text, req.Source, req.Target)}
				if req.Source == "" {
					x.DetectedSourceLanguage = "en"
				}
				out = append(out, x)
			}
			if extra {
				out = append(out, tr{TranslatedText: "extra"})
			}
			b, _ := json.Marshal(map[string]any{"data": map[string]any{"translations": out}})
			writeJSON(w, http.StatusOK, b)
		}
	})
}

// GoogleQuotaError is the body Google sends with 403 when a quota is used up.
const GoogleQuotaError = `{"error":{"code":403,"message":"Daily Limit Exceeded","errors":[{"message":"Daily Limit Exceeded","domain":"usageLimits","reason":"dailyLimitExceeded"}]}}`
