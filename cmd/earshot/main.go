// Command earshot listens to what the web says about a company, flags
// criticism, and puts each critical mention in front of its owner in Slack.
//
// Usage:
//
//	earshot run --config FILE [--roles listener,classifier,workflow]
//	earshot check --config FILE
//	earshot classify [--config FILE] < texts
//	earshot sources test --config FILE [NAME]
//	earshot routes test --config FILE TEXT
//	earshot backtest --config FILE [--since 30d]
//	earshot report --config FILE [--since 7d] [--out DIR]
//	earshot version
//
// main is the only place that knows every part; it wires them and owns the
// process's signals.
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
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones in business hours and schedules work in a bare container

	"github.com/earshot/earshot/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// exit codes
const (
	exitOK     = 0
	exitFailed = 1 // the command ran and found problems, or the daemon failed
	exitUsage  = 2
	// exitConfig is `run` refusing an invalid config (EX_CONFIG of
	// sysexits.h): restarting will not help, so the systemd unit sets
	// RestartPreventExitStatus=78.
	exitConfig = 78
)

func main() {
	// Nothing serves heap profiles from the daemon: do not sample for them.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `earshot: listen to what the web says about you, and answer criticism in time.

Usage:
  earshot run --config FILE [--roles listener,classifier,workflow]
  earshot check --config FILE
  earshot classify [--config FILE] < texts    (JSON lines or plain text lines)
  earshot sources test --config FILE [NAME]
  earshot routes test --config FILE TEXT
  earshot backtest --config FILE [--since 30d]
  earshot report --config FILE [--since 7d] [--out DIR]
  earshot version
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "check":
		return cmdCheck(ctx, rest, stdout, stderr)
	case "classify":
		return cmdClassify(ctx, rest, stdin, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, stdout, stderr)
	case "backtest":
		return cmdBacktest(ctx, rest, stdout, stderr)
	case "sources":
		if len(rest) > 0 && rest[0] == "test" {
			return cmdSourcesTest(ctx, rest[1:], stdout, stderr)
		}
	case "routes":
		if len(rest) > 0 && rest[0] == "test" {
			return cmdRoutesTest(ctx, rest[1:], stdout, stderr)
		}
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "earshot", buildVersion())
		return exitOK
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "earshot: unknown command %q\n\n%s", strings.Join(args[:min(2, len(args))], " "), usage)
	return exitUsage
}

func buildVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v
}

// newFlags returns a flag set that reports errors to stderr instead of
// exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("earshot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// loadConfig loads the config and prints its problems, one per line.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		fmt.Fprintln(stderr, "earshot: --config FILE is required")
		return nil, false
	}
	cfg, err := config.Load(path)
	if err != nil {
		printProblems(stderr, err)
		return nil, false
	}
	return cfg, true
}

// loadBuild loads the config at path and compiles what it implies, printing
// every problem; commands that need the rules and routes start with it.
func loadBuild(path string, stderr io.Writer) (*build, bool) {
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return nil, false
	}
	b, err := compile(cfg)
	if err != nil {
		printProblems(stderr, err)
		return nil, false
	}
	return b, true
}

func printProblems(w io.Writer, err error) {
	for _, e := range config.Errors(err) {
		fmt.Fprintln(w, e)
	}
}

// newLogger builds the process logger from the config's log section.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

var errUsage = errors.New("usage")
