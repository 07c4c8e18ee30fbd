// Command acs is the local command line of the Asset Compute service.
//
//	acs process -f request.json   run a processing request on this machine
//	acs batch --profile p.json --out DIR [-j N] FILE...
//	                              render image renditions for many files
//	acs test-worker [ACTION] [CASE-GLOB]
//	                              run worker test cases (test/cases/ACTION/CASE)
//	acs serve                     run a local OpenWhisk-compatible controller
//	acs devtool                   serve the devtool web page (package devtool)
//	acs version                   print the version
//
// `acs process` runs the same orchestrator and workers as the OpenWhisk
// actions, in one process, with local files allowed as sources and targets.
// `acs serve` runs the built action zips behind the OpenWhisk REST API, so
// wsk, wskdeploy and openwhisk-client-go work against it (package devserver).
// `acs test-worker` builds an action and checks it against expected
// renditions (package workertest; docs/custom-workers.md).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// Exit statuses of acs process.
const (
	exitOK      = 0 // every rendition was created
	exitFailed  = 1 // at least one rendition failed
	exitInvalid = 2 // the request (or the command line) is invalid
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitInvalid
	}
	switch args[0] {
	case "process":
		return cmdProcess(ctx, args[1:], stdin, stdout, stderr)
	case "batch":
		return cmdBatch(ctx, args[1:], stdout, stderr)
	case "test-worker":
		return cmdTestWorker(ctx, args[1:], stdout, stderr)
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "devtool":
		return cmdDevtool(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "acs", version)
		return exitOK
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "acs: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitInvalid
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `acs - the Asset Compute service's local command line

Usage:
  acs process -f REQUEST.json    run a processing request on this machine ('-' reads stdin)
  acs batch --profile PROFILE.json --out DIR [-j N] FILE...
                                 render a profile of image renditions for many files
  acs test-worker [ACTION] [CASE-GLOB]
                                 run worker test cases from test/cases/ACTION/
  acs serve [--addr HOST:PORT]   run a local OpenWhisk-compatible controller
  acs devtool [-addr HOST:PORT] [-open]
                                 serve the devtool page: try requests, see renditions
  acs version                    print the version

Run 'acs COMMAND -h' for a command's flags.
`)
}
