// Command testaction is the action the owaction tests run through the
// harness. The "mode" parameter chooses what it does:
//
//   - "echo" (or none): return the params, the environment and the
//     activation it saw;
//   - "panic": panic;
//   - "sleep": wait until the context is done and fail with its error;
//   - "error": fail with reason SourceCorrupt and the "message" parameter;
//   - "huge": return an object with a string of "size" bytes;
//   - "scalar": return the number 42;
//   - "exit": exit the process with status "code".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

func main() { owaction.Run(handle) }

type params struct {
	Mode    string `json:"mode"`
	Message string `json:"message"`
	Size    int    `json:"size"`
	Code    int    `json:"code"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var p params
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "testaction: bad params: %w", err)
	}
	fmt.Printf("testaction stdout: mode %q\n", p.Mode)
	owaction.Logger(ctx).Info("testaction", "mode", p.Mode)

	switch p.Mode {
	case "", "echo":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		act, ok := owaction.ActivationFrom(ctx)
		var deadline int64
		if d, hasDeadline := ctx.Deadline(); hasDeadline {
			deadline = d.UnixMilli()
		}
		return map[string]any{
			"params": raw,
			"env":    env,
			"activation": map[string]any{
				"known":      ok,
				"id":         act.ID,
				"actionName": act.ActionName,
				"namespace":  act.Namespace,
				"apiHost":    act.APIHost,
				"apiKey":     act.APIKey,
			},
			"ctxDeadline": deadline,
		}, nil
	case "panic":
		panic("testaction: boom")
	case "sleep":
		// A timer rather than a bare <-ctx.Done(): without a deadline the
		// runtime would see a deadlock and crash the process.
		select {
		case <-ctx.Done():
		case <-time.After(time.Hour):
		}
		return nil, fmt.Errorf("testaction: woke up: %w", ctx.Err())
	case "error":
		return nil, api.Errorf(api.ReasonSourceCorrupt, "testaction: %s", p.Message)
	case "huge":
		return map[string]string{"data": strings.Repeat("x", p.Size)}, nil
	case "scalar":
		return 42, nil
	case "exit":
		os.Exit(p.Code)
	}
	return nil, api.Errorf(api.ReasonGeneric, "testaction: unknown mode %q", p.Mode)
}
