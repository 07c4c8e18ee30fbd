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
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/devserver"
	"github.com/assetcompute/assetcompute/pkg/journal"
)

// envFlags collects repeated NAME=VALUE flags.
type envFlags map[string]string

// String implements flag.Value.
func (e envFlags) String() string { return fmt.Sprint(len(e), " variables") }

// Set implements flag.Value.
func (e envFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	e[name] = value
	return nil
}

// cmdServe runs `acs serve`: a local OpenWhisk-compatible controller that
// runs action zips through the action loop, until ctx ends or an interrupt.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:3233", "address to listen on (host:port; port 0 picks a free one)")
	auth := fs.String("auth", "", "namespace key UUID:KEY (default: generated and printed)")
	namespace := fs.String("namespace", devserver.DefaultNamespace, "the namespace served")
	wskprops := fs.String("wskprops", "", "write a wskprops file (APIHOST, AUTH, NAMESPACE) for wsk and wskdeploy (WSK_CONFIG_FILE)")
	pool := fs.Int("pool", devserver.DefaultPoolSize, "processes running at once per action; further activations queue")
	idle := fs.Duration("idle-timeout", devserver.DefaultIdleTimeout, "how long an idle warm action process is kept")
	wait := fs.Duration("blocking-wait", devserver.DefaultBlockingWait, "how long a blocking invocation waits before answering 202")
	tokensFile := fs.String("api-tokens-file", "", "turn the Asset Compute API on (/register, /process, journals), accepting the bearer tokens of FILE, one a line; "+apiTokensEnv+" (comma-separated) adds more")
	processAction := fs.String("process-action", devserver.DefaultProcessAction, "the action /process invokes")
	maxInFlight := fs.Int("api-max-in-flight", devserver.DefaultMaxInFlight, "/process requests running at once; beyond, 429 with Retry-After")
	journalEvents := fs.Int("journal-max-events", journal.DefaultMaxEvents, "events kept per client journal")
	journalAge := fs.Duration("journal-max-age", journal.DefaultMaxAge, "how long a journal keeps an event")
	journalS3 := fs.String("journal-s3", "", "keep the API's registrations and journals in S3 at s3://BUCKET/PREFIX (S3 settings from ACS_S3_*, AWS_*) instead of memory, so they survive a restart")
	oidc := addOIDCFlags(fs)
	actionEnv := envFlags{}
	fs.Var(actionEnv, "action-env", "NAME=VALUE added to every action process's environment (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: acs serve [--addr HOST:PORT] [--auth UUID:KEY] [--wskprops FILE] [flags]

Runs a local OpenWhisk-compatible controller: wsk, wskdeploy and
openwhisk-client-go work against it. Actions (go:* and blackbox kinds with
a zip holding exec, and sequences) run on this machine through the action
loop. Everything is kept in memory. Stop it with Ctrl-C.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if fs.NArg() > 0 || *pool < 1 || *idle <= 0 || *wait <= 0 || *maxInFlight < 1 || *journalEvents < 1 || *journalAge <= 0 {
		fs.Usage()
		return exitInvalid
	}
	verifier, err := apiVerifier(*tokensFile, os.Getenv(apiTokensEnv))
	if err != nil {
		fmt.Fprintln(stderr, "acs serve:", err)
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	journalOpts := journal.Options{MaxEvents: *journalEvents, MaxAge: *journalAge}
	store, err := journalStore(*journalS3, journalOpts, logger)
	if err != nil {
		fmt.Fprintln(stderr, "acs serve:", err)
		return exitInvalid
	}
	if oidc.set() {
		if verifier != nil {
			fmt.Fprintln(stderr, "acs serve: give API tokens or an OIDC issuer, not both")
			return exitInvalid
		}
		if verifier, err = oidc.verifier(ctx, logger); err != nil {
			fmt.Fprintln(stderr, "acs serve:", err)
			return exitInvalid
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "acs serve:", err)
		return exitFailed
	}
	apiHost := "http://" + reachable(ln.Addr())
	srv, err := devserver.New(ctx, devserver.Options{
		Auth: *auth, Namespace: *namespace, APIHost: apiHost, PoolSize: *pool, IdleTimeout: *idle,
		BlockingWait: *wait, ActionEnv: actionEnv, Logger: logger,
		AssetCompute: devserver.AssetComputeOptions{
			Verifier: verifier, ProcessAction: *processAction, MaxInFlight: *maxInFlight,
			Journal: journalOpts, Store: store,
		},
	})
	if err != nil {
		_ = ln.Close()
		fmt.Fprintln(stderr, "acs serve:", err)
		return exitInvalid
	}
	if *wskprops != "" {
		if err := devserver.WriteWskprops(*wskprops, apiHost, srv.Auth(), srv.Namespace()); err != nil {
			_ = ln.Close()
			_ = srv.Close()
			fmt.Fprintln(stderr, "acs serve:", err)
			return exitFailed
		}
	}
	fmt.Fprintf(stdout, "acs serve: listening on %s\nAPIHOST=%s\nAUTH=%s\nNAMESPACE=%s\n", apiHost, apiHost, srv.Auth(), srv.Namespace())
	if *wskprops != "" {
		fmt.Fprintf(stdout, "wskprops written to %s (export WSK_CONFIG_FILE=%s)\n", *wskprops, *wskprops)
	}
	logger.Info("acs serve started", slog.String("apiHost", apiHost), slog.String("namespace", srv.Namespace()), slog.Int("pool", *pool))

	handler, dropDevtool, err := withDevtool(srv, logger, ln.Addr().String(), srv.Auth(), apiHost, srv.Namespace(), *processAction)
	defer dropDevtool()
	if err != nil {
		_ = ln.Close()
		_ = srv.Close()
		fmt.Fprintln(stderr, "acs serve: devtool:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "devtool: %s/devtool/\n", apiHost)
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	status := exitOK
	select {
	case <-ctx.Done():
	case err := <-served:
		logger.Error("acs serve stopped", slog.String("error", err.Error()))
		status = exitFailed
	}
	// Killing the action processes ends the requests waiting on them.
	shut := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- hs.Shutdown(sctx)
	}()
	if err := srv.Close(); err != nil {
		logger.Warn("acs serve cleanup", slog.String("error", err.Error()))
	}
	if err := <-shut; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("acs serve shutdown", slog.String("error", err.Error()))
	}
	_ = hs.Close()
	logger.Info("acs serve stopped")
	return status
}

// reachable returns addr as clients on this machine reach it: an
// unspecified host (0.0.0.0, ::) becomes the loopback address.
func reachable(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	loop := net.IPv4(127, 0, 0, 1)
	if tcp.IP.To4() == nil {
		loop = net.IPv6loopback
	}
	return net.JoinHostPort(loop.String(), fmt.Sprint(tcp.Port))
}

// apiTokensEnv names the environment variable of the Asset Compute API's
// tokens.
const apiTokensEnv = "ACS_API_TOKENS"

// apiVerifier returns the verifier of the tokens in file (one a line, # for
// comments) and env (comma-separated), or nil, the API off, when there are
// none. Errors never quote a token.
func apiVerifier(file, env string) (devserver.TokenVerifier, error) {
	tokens := strings.Split(env, ",")
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading the API tokens: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				tokens = append(tokens, line)
			}
		}
		if len(strings.Join(tokens, "")) == 0 {
			return nil, fmt.Errorf("%s holds no token", file)
		}
	}
	if len(strings.TrimSpace(strings.Join(tokens, ""))) == 0 {
		return nil, nil
	}
	return devserver.NewStaticTokens(tokens...), nil
}
