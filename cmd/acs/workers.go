package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// customWorkers are the custom worker actions `acs process` runs next to
// the built-in ones: -worker NAME=PATH (repeatable) names an action and
// its executable, or the folder of its Go main package, which is built
// first; -param KEY=VALUE (repeatable) binds a parameter to every custom
// worker, as a manifest's package inputs do on OpenWhisk. Each runs as a
// real action binary through the action loop, and is allow-listed.
type customWorkers struct {
	specs  multiFlag
	params multiFlag
}

// register adds the flags to fs.
func (c *customWorkers) register(fs *flag.FlagSet) {
	fs.Var(&c.specs, "worker", "NAME=PATH: run custom worker NAME from an executable or a Go main package folder, and allow-list it (repeatable)")
	fs.Var(&c.params, "param", "KEY=VALUE: parameter bound to every custom worker, e.g. an API endpoint (repeatable)")
}

// start builds (when needed) and prepares the custom workers. It returns
// their handlers, their names for the allow-list, and a function that
// stops them and removes what was built.
func (c *customWorkers) start(ctx context.Context, local bool, log io.Writer) (map[string]invoke.Handler, []string, func(), error) {
	handlers := map[string]invoke.Handler{}
	var names []string
	var closers []func()
	stop := func() {
		for _, f := range closers {
			f()
		}
	}
	params := map[string]json.RawMessage{}
	for _, kv := range c.params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, nil, stop, fmt.Errorf("-param %q: want KEY=VALUE", kv)
		}
		params[k], _ = json.Marshal(v)
	}
	env := map[string]string{}
	if local {
		env = workertest.LocalEnv
	}
	for _, spec := range c.specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || name == "" || path == "" {
			stop()
			return nil, nil, stop, fmt.Errorf("-worker %q: want NAME=PATH", spec)
		}
		exe, cleanup, err := executable(ctx, path)
		if err != nil {
			stop()
			return nil, nil, stop, fmt.Errorf("-worker %s: %w", name, err)
		}
		closers = append(closers, cleanup)
		files := ""
		if st, err := os.Stat(filepath.Join(path, workertest.ZipFilesDir)); err == nil && st.IsDir() {
			files = filepath.Join(path, workertest.ZipFilesDir)
		}
		a, err := workertest.NewAction(name, exe, workertest.ActionOptions{Env: env, Log: log, Params: params, FilesDir: files})
		if err != nil {
			stop()
			return nil, nil, stop, err
		}
		closers = append(closers, func() { _ = a.Close() })
		handlers[name] = a.Handle
		names = append(names, name)
	}
	return handlers, names, stop, nil
}

// executable returns path when it is a file, or builds the Go main package
// in the folder path into a temporary file.
func executable(ctx context.Context, path string) (string, func(), error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", func() {}, err
	}
	if !st.IsDir() {
		return path, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "acs-worker-")
	if err != nil {
		return "", func() {}, err
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	exe, err := workertest.Build(ctx, path, filepath.Join(tmp, "exec"))
	if err != nil {
		cleanup()
		return "", func() {}, err
	}
	return exe, cleanup, nil
}
