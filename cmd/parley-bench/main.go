// Command parley-bench is a load generator for the Parley gateway. It writes
// a gateway configuration for a benchmark site, drives paired customer and
// agent connections at a fixed open-loop rate and reports delivery latency,
// measures the gateway's memory per idle connection, times resumption after
// a disconnect, and measures the floor the machine itself sets on latency.
//
// Usage:
//
//	parley-bench config -agents N -capacity C -site bench -out FILE
//	parley-bench run    -url ws://127.0.0.1:8080 -site bench -pairs N -rate R -duration D -warmup W
//	parley-bench idle   -url ws://127.0.0.1:8080 -site bench -conns N -pid PID
//	parley-bench resume -url ws://127.0.0.1:8080 -site bench -messages M -reps K
//	parley-bench floor  -hops 4 -rate R -duration D -warmup W
//
// Every subcommand documents its flags with -h. Only loopback gateways are
// accepted unless -allow-remote is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parley-chat/parley/internal/heapfloor"
)

// command is one subcommand: its name, a one-line summary and its entry point.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, e env) error
}

// env is what a subcommand writes to: results to stdout, flag help to
// stderr, progress to log.
type env struct {
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

var commands = []command{
	{"config", "write a gateway JSON config with a benchmark site and its agents", runConfig},
	{"run", "paired customers and agents at an open-loop message rate; latency table", runRun},
	{"idle", "gateway memory per idle customer connection", runIdle},
	{"resume", "time from reconnect to the last missed message after a disconnect", runResume},
	{"floor", "the machine's own floor: records relayed over loopback through processes that do nothing else", runFloor},
	{"relay", "one link of floor's chain (floor starts it)", runRelay},
}

func main() {
	// The generator's own collections would show in the latencies it
	// measures: it keeps a heap floor like the gateway's.
	heapfloor.Keep(heapfloor.Default, os.Getenv("GOGC"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain dispatches to a subcommand and returns the process exit code.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], env{stdout: stdout, stderr: stderr, log: log})
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(stderr, "parley-bench %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "parley-bench: unknown subcommand %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage reports bad flags; the flag package has already printed why.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "parley-bench drives load against a running Parley gateway.")
	fmt.Fprintln(w, "\nUsage: parley-bench <subcommand> [flags]   (parley-bench <subcommand> -h lists the flags)")
	fmt.Fprintln(w, "\nSubcommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
}

// newFlagSet returns a flag set for a subcommand that reports errors instead
// of exiting, with a usage line naming the subcommand.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("parley-bench "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: parley-bench %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	return nil
}
