package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func cmdProcess(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs process", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("f", "", "request JSON file, or - for standard input (required)")
	timeout := fs.Duration("timeout", 10*time.Minute, "deadline for the whole request")
	strict := fs.Bool("strict-network", false, "refuse local files, plain http and private addresses, as in production")
	verbose := fs.Bool("v", false, "log progress to standard error")
	maxSource := fs.Int64("max-source-bytes", 0, "refuse sources larger than this many bytes (default: the transfer default, 2 GiB)")
	var custom customWorkers
	custom.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: acs process -f REQUEST.json [flags]\n\nRuns a processing request on this machine and prints the result JSON.\nExit status: 0 all renditions created, 1 some failed, 2 invalid request.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if *file == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitInvalid
	}
	raw, err := readInput(*file, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitInvalid
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var workerLog io.Writer
	if *verbose {
		workerLog = stderr
	}
	customHandlers, allowed, stopWorkers, err := custom.start(ctx, !*strict, workerLog)
	defer stopWorkers()
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitInvalid
	}
	p, err := newLocalProcessor(logger, !*strict, *maxSource, customHandlers, allowed)
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitFailed
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	res := p.Process(ctx, raw)

	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitFailed
	}
	switch {
	case res.Invalid():
		return exitInvalid
	case res.AllCreated():
		return exitOK
	default:
		return exitFailed
	}
}

// newLocalProcessor returns an orchestrator that runs the built-in workers
// in this process, and the custom workers (allow-listed) through their
// handlers. Local mode allows local files, plain http and private
// addresses when local is true.
func newLocalProcessor(logger *slog.Logger, local bool, maxSourceBytes int64, custom map[string]invoke.Handler, allowed []string) (*process.Processor, error) {
	topts := transfer.OptionsFromEnv(os.Getenv)
	if maxSourceBytes > 0 {
		topts.MaxSourceBytes = maxSourceBytes
	}
	if local {
		topts.AllowLocal = true
		topts.AllowHTTP = true
		topts.AllowPrivateNetworks = true
	}
	topts.Logger = logger
	client, err := transfer.New(topts)
	if err != nil {
		return nil, fmt.Errorf("transfer settings: %w", err)
	}
	handlers, err := builtin.Handlers(worker.Options{Transfer: client, Logger: logger}, image.Options{})
	if err != nil {
		return nil, err
	}
	for name, h := range custom {
		handlers[name] = h
	}
	return process.New(process.Options{Invoker: invoke.NewInProcess(handlers), AllowedWorkers: allowed, Logger: logger})
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(stdin, 16<<20))
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the request: %w", err)
	}
	return b, nil
}
