// Command earshot listens to what the web says about a company, flags
// criticism, and puts each critical mention in front of its owner in Slack.
//
// Usage:
//
//	earshot run --config FILE [--roles listener,classifier,workflow]
//	earshot check --config FILE
//	earshot classify [--config FILE] < texts
//	earshot sources test --config FILE [NAME]
//	earshot routes test --config FILE [--source NAME] TEXT
//	earshot backtest --config FILE [--since 30d]
//	earshot report --config FILE [--since 7d] [--out DIR]
//	earshot version
//
// main is the only place that knows every part; it wires them and owns the
// process's signals.
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
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
  earshot routes test --config FILE [--source NAME] TEXT
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
	case "sources", "routes":
		switch {
		case len(rest) > 0 && rest[0] == "test" && cmd == "sources":
			return cmdSourcesTest(ctx, rest[1:], stdout, stderr)
		case len(rest) > 0 && rest[0] == "test":
			return cmdRoutesTest(ctx, rest[1:], stdout, stderr)
		case len(rest) > 0 && isHelp(rest[0]):
			fmt.Fprintf(stdout, "Usage:\n%s\n", commandUsage(cmd))
			return exitOK
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

// flagSet is the flags of a command.
type flagSet struct {
	*flag.FlagSet
	name           string
	stdout, stderr io.Writer
	required       []string // flags parse insists on
}

// requiredString defines a string flag without which the command cannot
// run: parse reports it missing as a usage error.
func (fs *flagSet) requiredString(name, usage string) *string {
	fs.required = append(fs.required, name)
	return fs.String(name, "", usage)
}

// newFlags returns the flag set of command name, which reports errors to
// stderr instead of exiting.
func newFlags(name string, stdout, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet("earshot "+name, flag.ContinueOnError), name: name, stdout: stdout, stderr: stderr}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n%s\nFlags:\n", commandUsage(name))
		fs.PrintDefaults()
	}
	return fs
}

// parse parses the command's arguments; positional says whether it takes
// arguments after its flags. -h and --help print its help on stdout. When ok
// is false, the command ends with code.
func (fs *flagSet) parse(args []string, positional bool) (code int, ok bool) {
	var out bytes.Buffer
	fs.SetOutput(&out)
	err := fs.Parse(args)
	fs.SetOutput(fs.stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = out.WriteTo(fs.stdout)
		return exitOK, false
	case err != nil:
		_, _ = out.WriteTo(fs.stderr)
		return exitUsage, false
	case !positional && fs.NArg() > 0:
		fmt.Fprintf(fs.stderr, "earshot %s: unexpected argument %q\n", fs.name, fs.Arg(0))
		return exitUsage, false
	}
	for _, name := range fs.required {
		if fs.Lookup(name).Value.String() == "" {
			fmt.Fprintf(fs.stderr, "earshot %s: --%s is required\n", fs.name, name)
			return exitUsage, false
		}
	}
	return exitOK, true
}

// commandUsage returns the lines of usage that show command name.
func commandUsage(name string) string {
	var lines []string
	for l := range strings.Lines(usage) {
		if strings.HasPrefix(l, "  earshot "+name+" ") || l == "  earshot "+name+"\n" {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	return strings.Join(lines, "\n")
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// loadConfig loads the config and prints its problems, one per line.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
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
	errs := config.Errors(err)
	// In the order of the file, whichever check found them; problems
	// without a line last.
	slices.SortStableFunc(errs, func(a, b error) int {
		la, ca := problemLine(a)
		lb, cb := problemLine(b)
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(ca, cb))
	})
	for _, e := range errs {
		fmt.Fprintln(w, e)
	}
}

// problemLine returns the line and column of a problem's position
// ("FILE:LINE:COL"), or MaxInt when it has none.
func problemLine(err error) (line, col int) {
	fe, ok := errors.AsType[*config.FieldError](err)
	if !ok {
		return math.MaxInt, 0
	}
	i := strings.LastIndexByte(fe.Pos, ':')
	if i < 0 {
		return math.MaxInt, 0
	}
	j := strings.LastIndexByte(fe.Pos[:i], ':')
	line, err1 := strconv.Atoi(fe.Pos[j+1 : i])
	col, err2 := strconv.Atoi(fe.Pos[i+1:])
	if j < 0 || err1 != nil || err2 != nil {
		return math.MaxInt, 0
	}
	return line, col
}

// newLogger builds the process logger from the config's log section.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		// Durations as the text format and the config write them
		// ("1m0s"), not as nanoseconds.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
