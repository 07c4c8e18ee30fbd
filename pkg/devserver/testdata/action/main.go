// Command action is the test action of package devserver. Its behaviour is
// chosen by the file "mode" next to it in the action zip:
//
//	echo   the action loop; returns its parameters and __OW_* environment;
//	       {"crash": true} exits mid-activation, {"fail": "msg"} is an
//	       application error, {"sleep": ms} sleeps, {"log": "text"} logs,
//	       {"waitFor": path} waits until the file path exists
//	noop   the action loop; returns {}
//	noack  never acknowledges its start
//	big    returns a 2 MB result
//	loop   never answers (sleeps in a loop)
//	process  answers as the process action does, one rendition_created
//	       event per rendition of the request (rendition_failed for one
//	       with "fail": true); {"userData": {"waitFor": path}} waits for
//	       the file path first, {"userData": {"crash": true}} exits
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

func main() {
	mode, _ := os.ReadFile("mode")
	switch strings.TrimSpace(string(mode)) {
	case "noack":
		for {
			time.Sleep(time.Hour)
		}
	case "noop":
		owaction.Run(func(context.Context, json.RawMessage) (any, error) { return struct{}{}, nil })
	case "big":
		owaction.Run(func(context.Context, json.RawMessage) (any, error) {
			return map[string]string{"big": strings.Repeat("x", 2<<20)}, nil
		})
	case "loop":
		owaction.Run(func(context.Context, json.RawMessage) (any, error) {
			for {
				time.Sleep(10 * time.Millisecond)
			}
		})
	case "process":
		owaction.Run(process)
	default:
		owaction.Run(echo)
	}
}

func echo(ctx context.Context, raw json.RawMessage) (any, error) {
	var p map[string]any
	_ = json.Unmarshal(raw, &p)
	if msg, ok := p["log"].(string); ok {
		fmt.Println(msg)
		fmt.Fprintln(os.Stderr, "on stderr:", msg)
	}
	if ms, ok := p["sleep"].(float64); ok {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	if path, ok := p["waitFor"].(string); ok {
		for {
			if _, err := os.Stat(path); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if p["crash"] == true {
		fmt.Println("crashing")
		os.Exit(3)
	}
	if msg, ok := p["fail"].(string); ok {
		return nil, errors.New(msg)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "__OW_") || k == "EXTRA" {
			env[k] = v
		}
	}
	return map[string]any{"params": p, "env": env, "pid": os.Getpid()}, nil
}

func process(ctx context.Context, raw json.RawMessage) (any, error) {
	var req struct {
		RequestID  string           `json:"requestId"`
		Renditions []map[string]any `json:"renditions"`
		UserData   map[string]any   `json:"userData"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, err
	}
	if path, ok := req.UserData["waitFor"].(string); ok {
		for {
			if _, err := os.Stat(path); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if req.UserData["crash"] == true {
		os.Exit(3)
	}
	events := []map[string]any{}
	for _, r := range req.Renditions {
		ev := map[string]any{"type": "rendition_created", "requestId": req.RequestID, "rendition": r, "userData": req.UserData}
		if r["fail"] == true {
			ev["type"], ev["errorReason"] = "rendition_failed", "GenericError"
		}
		events = append(events, ev)
	}
	return map[string]any{"requestId": req.RequestID, "events": events}, nil
}
