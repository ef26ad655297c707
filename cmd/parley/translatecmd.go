package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/parley-chat/parley/translate"
)

// translateProviders are the values PARLEY_TRANSLATOR and
// PARLEY_TRANSLATOR_FALLBACKS accept.
var translateProviders = []string{
	translate.ProviderNone, translate.ProviderGoogle, translate.ProviderApertium,
	translate.ProviderDeepL, translate.ProviderLibreTranslate,
}

// translateConfigFromEnv builds the translation configuration from the
// PARLEY_* variables (see docs/translation.md).
func translateConfigFromEnv(getenv func(string) string) (translate.Config, error) {
	var c translate.Config
	c.Provider = strings.ToLower(strings.TrimSpace(getenv("PARLEY_TRANSLATOR")))
	if c.Provider != "" && !validProvider(c.Provider) {
		return c, fmt.Errorf("PARLEY_TRANSLATOR=%q: want one of %s", c.Provider, strings.Join(translateProviders, ", "))
	}
	for _, f := range translateEnvList(getenv("PARLEY_TRANSLATOR_FALLBACKS")) {
		f = strings.ToLower(f)
		if !validProvider(f) {
			return c, fmt.Errorf("PARLEY_TRANSLATOR_FALLBACKS: %q: want one of %s", f, strings.Join(translateProviders, ", "))
		}
		c.Fallbacks = append(c.Fallbacks, f)
	}
	c.Apertium.URL = getenv("PARLEY_APERTIUM_URL")
	c.Google.APIKey = getenv("PARLEY_GOOGLE_API_KEY")
	c.Google.Endpoint = getenv("PARLEY_GOOGLE_ENDPOINT")
	c.DeepL.Key = getenv("PARLEY_DEEPL_KEY")
	c.DeepL.URL = getenv("PARLEY_DEEPL_URL")
	c.LibreTranslate.URL = getenv("PARLEY_LIBRETRANSLATE_URL")
	c.LibreTranslate.Key = getenv("PARLEY_LIBRETRANSLATE_KEY")
	uses := func(p string) bool { return c.Provider == p || slices.Contains(c.Fallbacks, p) }
	if uses(translate.ProviderDeepL) && c.DeepL.Key == "" {
		return c, errors.New("PARLEY_DEEPL_KEY is required for the deepl provider")
	}
	return c, nil
}

// detectorConfigFromEnv builds the language detector configuration from
// PARLEY_LANGUAGES and PARLEY_DETECTOR_ACCURACY.
func detectorConfigFromEnv(getenv func(string) string) (translate.DetectorConfig, error) {
	var c translate.DetectorConfig
	for _, l := range translateEnvList(getenv("PARLEY_LANGUAGES")) {
		if _, err := language.Parse(l); err != nil {
			return c, fmt.Errorf("PARLEY_LANGUAGES: %q is not a BCP 47 language tag: %w", l, err)
		}
		c.Languages = append(c.Languages, l)
	}
	switch acc := strings.ToLower(strings.TrimSpace(getenv("PARLEY_DETECTOR_ACCURACY"))); acc {
	case "":
	case string(translate.AccuracyHigh), string(translate.AccuracyLow):
		c.Accuracy = translate.Accuracy(acc)
	default:
		return c, fmt.Errorf("PARLEY_DETECTOR_ACCURACY=%q: want high or low", acc)
	}
	return c, nil
}

// runDetect implements `parley detect TEXT...`: it prints the detected
// language (or "und") and the confidence.
func runDetect(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: parley detect TEXT...") }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(text) == "" {
		fs.Usage()
		return 2
	}
	dc, err := detectorConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "parley detect:", err)
		return 2
	}
	det, err := translate.NewDetector(dc)
	if err != nil {
		fmt.Fprintln(stderr, "parley detect:", err)
		return 1
	}
	d := det.Detect(text)
	tag := "und"
	if d.OK {
		tag = d.Lang
	}
	fmt.Fprintf(stdout, "%s %.2f\n", tag, d.Confidence)
	return 0
}

// runTranslate implements `parley translate --to TAG [--from TAG] TEXT...`:
// it prints the translation on the first line, detecting the source
// language when --from is absent.
func runTranslate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("translate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "target language (BCP 47), required")
	from := fs.String("from", "", "source language (BCP 47); detected when empty")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: parley translate --to TAG [--from TAG] TEXT...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	text := strings.Join(fs.Args(), " ")
	if *to == "" || strings.TrimSpace(text) == "" {
		fs.Usage()
		return 2
	}
	tc, err := translateConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "parley translate:", err)
		return 2
	}
	if *from == "" {
		dc, err := detectorConfigFromEnv(getenv)
		if err != nil {
			fmt.Fprintln(stderr, "parley translate:", err)
			return 2
		}
		det, err := translate.NewDetector(dc)
		if err != nil {
			fmt.Fprintln(stderr, "parley translate:", err)
			return 1
		}
		d := det.Detect(text)
		if !d.OK {
			fmt.Fprintln(stderr, "parley translate: cannot tell the source language of so short or mixed a text; pass --from")
			return 1
		}
		*from = d.Lang
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tr, err := translate.New(tc, nil, logger, nil)
	if err != nil {
		fmt.Fprintln(stderr, "parley translate:", err)
		return 2
	}
	out, err := tr.Translate(ctx, text, *from, *to)
	if err != nil {
		if errors.Is(err, translate.ErrInvalidTag) {
			fmt.Fprintln(stderr, "parley translate:", err)
			return 2
		}
		fmt.Fprintln(stderr, "parley translate:", err)
		return 1
	}
	fmt.Fprintln(stdout, out)
	fmt.Fprintf(stderr, "(%s -> %s, provider %s)\n", *from, *to, providerName(tc.Provider))
	return 0
}

// providerName shows "none" for the empty provider.
func providerName(p string) string {
	if p == "" {
		return translate.ProviderNone
	}
	return p
}

// validProvider reports whether p names a provider.
func validProvider(p string) bool { return slices.Contains(translateProviders, p) }

// translateEnvList splits a comma-separated value, dropping blanks.
func translateEnvList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
