package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate"
)

// configureTranslation sets up translation in flight from the environment
// and returns a line for the banner. Without a provider nothing is
// translated and no detector is loaded (it costs hundreds of MB).
func configureTranslation(cfg *gateway.Config, fc *fileConfig, store session.Store, getenv func(string) string, logger *slog.Logger) (string, error) {
	tc, err := translateConfigFromEnv(getenv)
	if err != nil {
		return "", err
	}
	if tc.Provider == "" || tc.Provider == translate.ProviderNone {
		return "off (set PARLEY_TRANSLATOR=apertium|google|deepl|libretranslate to translate; see README)", nil
	}
	tr, err := translate.New(tc, store, logger, cfg.Registry)
	if err != nil {
		return "", fmt.Errorf("translation: %w", err)
	}
	dc, err := detectorConfigFromEnv(getenv)
	if err != nil {
		return "", err
	}
	start := time.Now()
	det, err := translate.NewDetector(dc)
	if err != nil {
		return "", fmt.Errorf("language detection: %w", err)
	}
	logger.Info("language detector ready", "took", time.Since(start).Round(time.Millisecond))
	cfg.Translation = gateway.Translation{
		Translator: tr,
		Detector:   detector{det},
		Budget:     time.Duration(fc.TranslationBudget),
	}
	return "on, provider " + tc.Provider, nil
}

// detector adapts the translate package's detector to the gateway's.
type detector struct{ d translate.Detector }

func (d detector) Detect(text string) (string, bool) {
	r := d.d.Detect(text)
	return r.Lang, r.OK
}
