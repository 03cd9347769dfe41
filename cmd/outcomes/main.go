// Command outcomes loads published surgical outcome data into SQLite
// releases and serves them. Its command line is a contract (DESIGN.md
// § Command line): scripts call it exactly as documented there.
//
//	outcomes ingest   [--db FILE] [--profile NAME | --mapping FILE] [--release ID] [--title T]
//	                  [--source URL] [--licence L] FILE...
//	outcomes serve    [--db FILE] [--addr HOST:PORT] [--rate-limit N] [--trust-proxy]
//	outcomes demo     [--db FILE] [--addr HOST:PORT] [--rate-limit N] [--trust-proxy]
//	outcomes releases [--db FILE]
//	outcomes migrate  [--db FILE]
//	outcomes funnel   [--profile NAME | --mapping FILE] [--format csv|json] [--ci exact|byar|mixed]
//	                  [--overdispersion none|multiplicative|additive] [--csv-safe=true|false] FILE
//
// Exit status is 0 on success, 1 on bad input or failure, 2 on bad usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode prints err (when it is not nil) and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var ie *ingest.InputError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "outcomes: %v\n\n%s", err, usage)
		return 2
	case errors.Is(err, errHelp):
		fmt.Fprint(stderr, usage)
		return 0
	case errors.As(err, &ie):
		fmt.Fprintln(stderr, err)
		fmt.Fprintf(stderr, "outcomes: input rejected (%d problems); the database is unchanged\n", ie.Total)
		return 1
	}
	fmt.Fprintf(stderr, "outcomes: %v\n", err)
	return 1
}

const usage = `usage:
  outcomes ingest   [--db FILE] [--profile NAME | --mapping FILE] [--release ID] [--title T]
                    [--source URL] [--licence L] [--published DATE] [--next-update DATE]
                    [--corrects RELEASE --note TEXT] FILE...
  outcomes serve    [--db FILE] [--addr HOST:PORT] [--rate-limit N] [--trust-proxy]
  outcomes demo     [--db FILE] [--addr HOST:PORT] [--rate-limit N] [--trust-proxy]
                    load the bundled demo release (unless loaded) and serve it
  outcomes releases [--db FILE]
  outcomes migrate  [--db FILE]
                    bring the database's schema up to date (ingest and demo do it too)
  outcomes funnel   [--profile NAME | --mapping FILE] [--format csv|json] [--ci exact|byar|mixed]
                    [--overdispersion none|multiplicative|additive] [--csv-safe=true|false] FILE

Defaults: --db outcomes.db (or $OUTCOMES_DB), --addr 127.0.0.1:8080 (or $OUTCOMES_ADDR),
--rate-limit 20 requests a second per client address (0: off), --profile canonical. Profiles: canonical, hcai-cabg, nydoh-cardiac, uk-aaa.
Exit status: 0 success, 1 bad input (problems on stderr), 2 bad usage.
`

var errHelp = errors.New("help requested")

// run is the whole program, minus process concerns, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command given")
	}
	env := environment{getenv: getenv, stdout: stdout, stderr: stderr}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "ingest":
		return env.ingest(ctx, rest)
	case "serve":
		return env.serve(ctx, rest)
	case "demo":
		return env.demo(ctx, rest)
	case "releases":
		return env.releases(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "funnel":
		return env.funnel(ctx, rest)
	case "help", "-h", "-help", "--help":
		return errHelp
	}
	return usagef("unknown command %q", cmd)
}

// environment is what every subcommand reads and writes.
type environment struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func (env environment) getenvOr(key, def string) string {
	if v := env.getenv(key); v != "" {
		return v
	}
	return def
}
