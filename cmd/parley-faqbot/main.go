// Command parley-faqbot is an example Parley bot: the first responder of a
// site, it answers customers from a list of frequently asked questions by
// keyword and hands the conversation to a human when it cannot help or the
// customer asks for a person.
//
// Usage:
//
//	parley-faqbot [-url ws://127.0.0.1:8080] [-site demo] [-bot faqbot] [-secret S] [-faq FILE] [-v]
//
// PARLEY_FAQBOT_URL and PARLEY_FAQBOT_SECRET set the URL and the secret
// when the flags are not given. docs/bots.md describes how bots work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain parses the command line, runs the bot until ctx is done and
// returns the process exit code.
func realMain(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, verbose, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "parley-faqbot:", err)
		return 2
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	faq := "built-in"
	if len(cfg.FAQ) > 0 {
		faq = fmt.Sprintf("%d entries", len(cfg.FAQ))
	}
	cfg.Logger.Info("starting", "url", cfg.URL, "site", cfg.Site, "bot", cfg.Bot, "faq", faq)
	if err := newClient(cfg).run(ctx); err != nil {
		cfg.Logger.Error("stopped", "err", err)
		return 1
	}
	cfg.Logger.Info("stopped")
	return 0
}

// parseFlags reads the flags, falling back to the environment for the URL
// and the secret, and loads the FAQ file.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (Config, bool, error) {
	fs := flag.NewFlagSet("parley-faqbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	gw := fs.String("url", or(getenv("PARLEY_FAQBOT_URL"), "ws://127.0.0.1:8080"), "gateway base URL (env PARLEY_FAQBOT_URL)")
	site := fs.String("site", "demo", "site key")
	bot := fs.String("bot", "faqbot", "the bot account's id")
	secret := fs.String("secret", or(getenv("PARLEY_FAQBOT_SECRET"), "demo"), "the bot account's secret (env PARLEY_FAQBOT_SECRET; \"demo\" suits the demo site)")
	faqFile := fs.String("faq", "", "JSON file of [{\"keywords\":[...],\"answer\":\"...\"}]; the built-in English FAQ by default")
	verbose := fs.Bool("v", false, "log every frame the bot sends")
	if err := fs.Parse(args); err != nil {
		return Config{}, false, err
	}
	if fs.NArg() > 0 {
		return Config{}, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	u, err := url.Parse(*gw)
	if err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") {
		return Config{}, false, fmt.Errorf("-url %q: want ws://, wss://, http:// or https:// and a host", *gw)
	}
	cfg := Config{URL: *gw, Site: *site, Bot: *bot, Secret: *secret}
	if *faqFile != "" {
		data, err := os.ReadFile(*faqFile)
		if err != nil {
			return Config{}, false, err
		}
		if cfg.FAQ, err = parseFAQ(data); err != nil {
			return Config{}, false, fmt.Errorf("%s: %w", *faqFile, err)
		}
	}
	return cfg, *verbose, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
