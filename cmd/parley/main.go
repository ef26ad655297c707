// Command parley runs the Parley gateway, and operator subcommands.
//
//	parley [serve] [--addr ADDR] [--config FILE]   run the gateway
//	parley detect TEXT...                          detect a text's language
//	parley translate --to TAG [--from TAG] TEXT... translate a text
//	parley hash-secret SECRET                      hash an agent secret for the config
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-chat/parley/gateway"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "detect":
		return runDetect(ctx, args, getenv, stdout, stderr)
	case "translate":
		return runTranslate(ctx, args, getenv, stdout, stderr)
	case "hash-secret":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: parley hash-secret SECRET")
			return 2
		}
		fmt.Fprintln(stdout, gateway.HashSecret(args[0]))
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "parley: unknown command %q\n%s", cmd, usage)
	return 2
}

const usage = `usage:
  parley [serve] [--addr ADDR] [--config FILE]    run the gateway (default 127.0.0.1:8080, in-memory, demo site)
  parley detect TEXT...                           print the detected language (BCP 47 or und) and confidence
  parley translate --to TAG [--from TAG] TEXT...  translate with the configured provider
  parley hash-secret SECRET                       print the secret_hash of an agent secret
Configuration: flags, then PARLEY_* environment variables, then the JSON file (see README).
`
