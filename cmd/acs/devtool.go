package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/devtool"
	"github.com/assetcompute/assetcompute/pkg/settings"
)

// devtoolAuthEnv names the environment variable holding the auth key of
// `acs devtool` on a non-loopback address.
const devtoolAuthEnv = "ACS_DEVTOOL_AUTH"

// cmdDevtool runs `acs devtool`: the devtool page on this machine, running
// requests in process as `acs process` does, until ctx ends or an
// interrupt.
func cmdDevtool(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs devtool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:3234", "address to listen on (host:port; port 0 picks a free one); a non-loopback host requires an auth key")
	auth := fs.String("auth", "", "auth key UUID:KEY required (HTTP Basic, user UUID, password KEY) on a non-loopback address; default $"+devtoolAuthEnv)
	open := fs.Bool("open", false, "open the page in the default browser")
	local := fs.Bool("local", false, "local mode, as acs process without --strict-network: URL sources may reach loopback, private and link-local addresses, and the URLs in requests (watermarks) may also be plain http or local files")
	maxUpload := fs.Int64("max-upload-bytes", devtool.DefaultMaxUploadBytes, "refuse an uploaded or fetched source larger than this")
	verbose := fs.Bool("v", false, "log progress to standard error")
	var set settingFlags
	fs.Var(&set, "setting", settingUsage)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: acs devtool [-addr 127.0.0.1:PORT] [-open] [flags]

Serves the devtool page: choose a source (a file, a URL or a sample), build
a request from a profile or as JSON, run it on this machine as acs process
does, and look at the renditions, events, timings and logs; compare two
renditions; open a contact sheet. Stop it with Ctrl-C.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() > 0 || *maxUpload <= 0 {
		fs.Usage()
		return exitInvalid
	}
	if *auth == "" {
		*auth = os.Getenv(devtoolAuthEnv)
	}
	deployment, err := deploymentSettings(set.s)
	if err != nil {
		fmt.Fprintln(stderr, "acs devtool:", err)
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logs := devtool.NewLogStore()
	logger := slog.New(logs.Handler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))

	dir, err := os.MkdirTemp("", "acs-devtool-")
	if err != nil {
		fmt.Fprintln(stderr, "acs devtool:", err)
		return exitFailed
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "acs devtool:", err)
		return exitFailed
	}
	h, err := newDevtool(logger, logs, deployment, *local, dir, ln.Addr().String(), *auth, *maxUpload, "")
	if err != nil {
		_ = ln.Close()
		fmt.Fprintln(stderr, "acs devtool:", err)
		return exitInvalid
	}
	url := "http://" + reachable(ln.Addr()) + "/"
	fmt.Fprintf(stdout, "acs devtool: open %s\n", url)
	if *auth != "" {
		fmt.Fprintln(stdout, "acs devtool: the page asks for the auth key: user UUID, password KEY")
	}
	if *open {
		openBrowser(url, stderr)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	status := exitOK
	select {
	case <-ctx.Done():
	case err := <-served:
		fmt.Fprintln(stderr, "acs devtool:", err)
		status = exitFailed
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(stderr, "acs devtool: shutdown:", err)
	}
	// Runs the page left go on: stop them before their files are removed.
	h.Close()
	return status
}

// newDevtool returns the devtool handler, running requests in process
// through the orchestrator of `acs process` (strict network unless local;
// local paths only under dir, where the sources and outputs are kept),
// for a server listening on addr. apiHost is the address copied into
// curl and wsk command lines ("" for the default).
func newDevtool(logger *slog.Logger, logs *devtool.LogStore, s settings.Settings, local bool, dir, addr, auth string, maxUpload int64, apiHost string) (*devtool.Handler, error) {
	p, _, err := newLocalProcessor(logger, local, s, nil, nil, dir)
	if err != nil {
		return nil, err
	}
	return devtool.New(devtool.Options{Runner: p, Dir: dir, Addr: addr, AuthKey: auth, AllowPrivate: local,
		MaxUploadBytes: maxUpload, Logs: logs, APIHost: apiHost, Logger: logger})
}

// openBrowser opens url in the desktop's browser, reporting a failure.
func openBrowser(url string, stderr io.Writer) {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	cmd := exec.Command(name, url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "acs devtool: cannot open a browser:", err)
		return
	}
	go func() { _ = cmd.Wait() }()
}

// withDevtool returns next with the devtool page mounted at /devtool/, for
// `acs serve` listening on addr: requests run in process, or on the
// action named processAction deployed in namespace of the controller at
// apiHost, whose key auth is; on a non-loopback address the page requires
// that key (HTTP Basic), on loopback none. The returned cleanup removes
// the page's private directory.
func withDevtool(next http.Handler, logger *slog.Logger, addr, auth, apiHost, namespace, processAction string) (http.Handler, func(), error) {
	dir, err := os.MkdirTemp("", "acs-devtool-")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	pageAuth := auth
	if devtool.IsLoopback(addr) {
		pageAuth = ""
	}
	logs := devtool.NewLogStore()
	logger = slog.New(logs.Handler(logger.Handler()))
	p, _, err := newLocalProcessor(logger, false, settings.Settings{}, nil, nil, dir)
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	deployed := &deployedRunner{apiHost: apiHost, auth: auth, namespace: namespace, action: processAction, logs: logs,
		client: &http.Client{Timeout: 10 * time.Minute}}
	h, err := devtool.New(devtool.Options{Runner: p, Deployed: deployed, DeployedName: "deployed " + processAction,
		Dir: dir, Addr: addr, AuthKey: pageAuth, Logs: logs, APIHost: apiHost, Logger: logger})
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	mux := http.NewServeMux()
	mux.Handle("/devtool/", http.StripPrefix("/devtool", h))
	mux.Handle("/devtool", http.RedirectHandler("/devtool/", http.StatusMovedPermanently))
	mux.Handle("/", next)
	// Runs the page left go on: stop them before their files are removed.
	return mux, func() { h.Close(); cleanup() }, nil
}
