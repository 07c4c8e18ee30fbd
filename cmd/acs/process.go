package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/settings"
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
	maxSource := fs.Int64("max-source-bytes", 0, "refuse sources larger than this many bytes, as --setting maxSourceBytes=N does (default: 2 GiB to fetch, 1 GiB for an image); a data: source is checked before it is decoded")
	var set settingFlags
	fs.Var(&set, "setting", settingUsage)
	maxRequest := fs.Int64("max-request-bytes", defaultMaxRequestBytes, "refuse a request larger than this many bytes before parsing it (data: sources included)")
	var custom customWorkers
	custom.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: acs process -f REQUEST.json [flags]\n\nRuns a processing request on this machine and prints the result JSON.\nExit status: 0 all renditions created, 1 some failed, 2 invalid request.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if *file == "" || fs.NArg() > 0 || *maxRequest <= 0 || *maxSource < 0 {
		fs.Usage()
		return exitInvalid
	}
	if *maxSource > 0 {
		_ = set.s.Set("maxSourceBytes", fmt.Sprint(*maxSource)) // positive: valid
	}
	deployment, err := deploymentSettings(set.s)
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitInvalid
	}
	raw, err := readRequest(*file, stdin, *maxRequest)
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
	// The outputs of composed renditions pass from step to step as files
	// in a private directory, removed at exit.
	scratch, err := os.MkdirTemp("", "acs-scratch-")
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitFailed
	}
	defer os.RemoveAll(scratch)
	p, sourceLimit, err := newLocalProcessor(logger, !*strict, deployment, customHandlers, allowed, scratch)
	if err != nil {
		fmt.Fprintln(stderr, "acs process:", err)
		return exitFailed
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var res *process.Result
	if req, err := api.DecodeRequest(raw); err != nil {
		res = p.Process(ctx, raw) // reports the invalid request
	} else {
		raw = nil
		announceDataSource(req, sourceLimit)
		res = p.Run(ctx, req)
	}

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
// in this process, with the deployment settings s, and the custom workers
// (allow-listed) through their handlers. Local mode allows local files,
// plain http and private addresses when local is true. The outputs of
// composed renditions are kept under the directory scratch, which the
// built-in workers may read and write even when local is false. It also
// returns the source size limit the transfer client enforces.
func newLocalProcessor(logger *slog.Logger, local bool, s settings.Settings, custom map[string]invoke.Handler, allowed []string, scratch string) (*process.Processor, int64, error) {
	topts := transfer.Options{Logger: logger}
	if err := s.Apply(&topts); err != nil {
		return nil, 0, err
	}
	sourceLimit := topts.MaxSourceBytes
	if sourceLimit == 0 {
		sourceLimit = transfer.DefaultMaxSourceBytes
	}
	if local {
		topts.AllowLocal = true
		topts.AllowHTTP = true
		topts.AllowPrivateNetworks = true
	}
	client, err := transfer.New(topts)
	if err != nil {
		return nil, 0, fmt.Errorf("transfer settings: %w", err)
	}
	scratch, err = filepath.Abs(scratch)
	if err != nil {
		return nil, 0, err
	}
	var tr worker.Transfer = client
	if !local {
		lopts := topts
		lopts.AllowLocal = true
		lc, err := transfer.New(lopts)
		if err != nil {
			return nil, 0, fmt.Errorf("transfer settings: %w", err)
		}
		tr = &scratchTransfer{dir: filepath.Clean(scratch), strict: client, local: lc}
	}
	handlers, err := builtin.Handlers(worker.Options{Transfer: tr, Settings: s, Logger: logger}, image.Options{})
	if err != nil {
		return nil, 0, err
	}
	for name, h := range custom {
		handlers[name] = h
	}
	p, err := process.New(process.Options{Invoker: invoke.NewInProcess(handlers), AllowedWorkers: allowed, Logger: logger,
		Scratch: process.DirScratch{Dir: scratch}})
	return p, sourceLimit, err
}

// announceDataSource applies the source size limit to a data: source
// before the request goes to the workers. A data: URI travels in the
// parameters of every worker activation, so one over the limit would be
// copied for each batch only to be refused there. Its decoded size is
// counted here without decoding it; when it is over limit, the request
// announces that size (Source.Size, which the workers check first, failing
// every rendition with SourceTooLarge) and drops the payload, which is
// never read.
func announceDataSource(req *api.Request, limit int64) {
	size, ok := transfer.DataURISize(req.Source.URL)
	if !ok || size <= limit {
		return
	}
	header, _, _ := strings.Cut(req.Source.URL, ",")
	req.Source.URL = header + ","
	req.Source.Size = max(req.Source.Size, size)
}

// defaultMaxRequestBytes is the default of --max-request-bytes. A request
// is small unless its source is a data: URI; the request's parsed copies
// and those in each worker activation's parameters cost about ten times
// its size in memory, so this bounds a request to some 200 MB.
const defaultMaxRequestBytes = 16 << 20

// readRequest reads the request from the file name, or standard input for
// "-", refusing one larger than limit bytes before it is parsed: a regular
// file from its size, before it is read; anything else (a pipe, standard
// input, a device such as /dev/zero) by reading no more than limit+1 bytes.
func readRequest(name string, stdin io.Reader, limit int64) ([]byte, error) {
	b, err := readLimited(name, stdin, limit)
	var tl *tooLongError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("the request %s, more than the limit of %d bytes (--max-request-bytes)", tl.what(), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the request: %w", err)
	}
	return b, nil
}

// tooLongError is the error of readLimited for an input over its limit;
// size is the input's size when it is known, else -1.
type tooLongError struct{ size int64 }

func (e *tooLongError) Error() string { return "input " + e.what() }

// what says how large the input is.
func (e *tooLongError) what() string {
	if e.size >= 0 {
		return fmt.Sprintf("is %d bytes", e.size)
	}
	return "is larger"
}

// readLimited reads the file name ("-" for stdin) whole when it holds at
// most limit bytes, and returns a *tooLongError otherwise, without reading
// more than limit+1 bytes. A directory is refused.
func readLimited(name string, stdin io.Reader, limit int64) ([]byte, error) {
	r := stdin
	var buf bytes.Buffer
	if name != "-" {
		info, err := os.Stat(name)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			return nil, fmt.Errorf("%s is a directory", name)
		}
		if info.Mode().IsRegular() {
			if info.Size() > limit {
				return nil, &tooLongError{size: info.Size()}
			}
			buf.Grow(int(info.Size()) + bytes.MinRead)
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return nil, nil
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, &tooLongError{size: -1}
	}
	return buf.Bytes(), nil
}
