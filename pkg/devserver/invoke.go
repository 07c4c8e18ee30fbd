package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// invocation is one activation to run.
type invocation struct {
	id      string
	target  *target
	params  map[string]json.RawMessage // the invocation's own parameters
	cause   string                     // the sequence or trigger activation, if any
	apiHost string
	depth   int // sequence nesting
}

// activate runs inv in the background and returns a channel that receives
// its record. The activation runs under the server's context, not the
// caller's, so it survives a client that stops waiting.
func (s *Server) activate(inv invocation) <-chan *record {
	done := make(chan *record, 1)
	s.runMu.RLock()
	defer s.runMu.RUnlock()
	if s.closing {
		rec := s.newRecord(inv, time.Now())
		done <- finish(rec, newResponse(codeInternal, errorResult("The server is stopping.")))
		return done
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		done <- s.run(s.ctx, inv)
	}()
	return done
}

// run executes inv and stores its record.
func (s *Server) run(ctx context.Context, inv invocation) *record {
	if inv.id == "" {
		inv.id = newActivationID()
	}
	var rec *record
	if inv.target.action.Exec.Kind == "sequence" {
		rec = s.runSequence(ctx, inv)
	} else {
		rec = s.runAction(ctx, inv)
	}
	s.store.put(rec)
	a := rec.act
	s.opts.Logger.LogAttrs(ctx, slog.LevelInfo, "activation",
		slog.String("activationId", a.ActivationID),
		slog.String("action", a.Namespace+"/"+a.Name),
		slog.String("status", a.Response.Status),
		slog.Int64("durationMs", a.Duration),
		slog.String("cause", a.Cause))
	return rec
}

// newRecord starts the record of inv.
func (s *Server) newRecord(inv invocation, start time.Time) *record {
	a := inv.target.action
	return &record{act: Activation{
		Namespace:    a.Namespace,
		Name:         a.Name,
		Version:      a.Version,
		Subject:      s.opts.Namespace,
		ActivationID: inv.id,
		Cause:        inv.cause,
		Start:        start.UnixMilli(),
		Annotations: kvList{
			{Key: annotationPath, Value: jsonString(a.Namespace + "/" + a.Name)},
			{Key: annotationKind, Value: jsonString(a.Exec.Kind)},
			{Key: annotationLimits, Value: mustJSON(a.Limits)},
		},
	}}
}

// finish sets the end, duration and response of rec.
func finish(rec *record, resp ActivationResponse) *record {
	end := time.Now().UnixMilli()
	rec.act.End, rec.act.Duration = end, end-rec.act.Start
	rec.act.Response, rec.act.StatusCode = resp, resp.StatusCode
	return rec
}

// mergedParams returns the target's parameters overridden by the
// invocation's.
func mergedParams(inv invocation) map[string]json.RawMessage {
	m := inv.target.params.params()
	for k, v := range inv.params {
		m[k] = v
	}
	return m
}

// runAction runs one activation of an action with code.
func (s *Server) runAction(ctx context.Context, inv invocation) *record {
	start := time.Now()
	rec := s.newRecord(inv, start)
	a := inv.target.action
	logs := newLogBuffer(max(a.Limits.Logs, 1) << 20)
	rec.logs = logs
	pool := inv.target.pool
	if pool == nil {
		msg := "The action has no code that acs serve can run"
		if a.Exec.Image != "" {
			msg += fmt.Sprintf(" (image %s without a zip holding exec)", a.Exec.Image)
		}
		return finish(rec, newResponse(codeDeveloper, errorResult(msg+".")))
	}

	wp, cold, initDur, err := pool.acquire(ctx, logs)
	for retry := 0; errors.Is(err, errPoolClosed) && retry < 3; retry++ {
		// Updated while queued: run the new code, as the next caller would.
		t, ok := s.resolveKey(inv.target.key)
		if !ok || t.pool == nil {
			break
		}
		inv.target, a, pool = t, t.action, t.pool
		rec.act.Version = a.Version
		wp, cold, initDur, err = pool.acquire(ctx, logs)
	}
	// waitTime is the time queued for a process, initTime the cold start.
	wait := time.Since(start) - initDur
	rec.act.Annotations = append(rec.act.Annotations, KeyValue{Key: annotationWaitTime, Value: mustJSON(wait.Milliseconds())})
	if err != nil {
		if ctx.Err() != nil {
			return finish(rec, newResponse(codeInternal, errorResult("The server stopped before the action could run.")))
		}
		logs.add("stderr", err.Error())
		return finish(rec, newResponse(codeDeveloper, errorResult("The action failed to initialize: "+err.Error())))
	}
	if cold {
		rec.act.Annotations = append(rec.act.Annotations, KeyValue{Key: annotationInitTime, Value: mustJSON(initDur.Milliseconds())})
	}

	timeout := time.Duration(a.Limits.Timeout) * time.Millisecond
	deadline := time.Now().Add(timeout)
	runCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	line := owaction.Input{
		Value:         mergedParams(inv),
		Namespace:     s.opts.Namespace,
		ActionName:    "/" + a.Namespace + "/" + a.Name,
		ActionVersion: a.Version,
		ActivationID:  inv.id,
		TransactionID: inv.id,
		Deadline:      owaction.DeadlineString(deadline),
	}
	if a.Annotations.isTrue("provide-api-key") {
		line.APIHost, line.APIKey = inv.apiHost, s.opts.Auth
	}
	body, err := json.Marshal(line)
	if err != nil {
		pool.release(wp, true)
		return finish(rec, newResponse(codeInternal, errorResult("cannot encode the activation: "+err.Error())))
	}
	result, err := wp.proc.Run(runCtx, body)
	resp, healthy := classify(result, err, runCtx, a.Limits.Timeout)
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		rec.act.Annotations = append(rec.act.Annotations, KeyValue{Key: annotationTimeout, Value: json.RawMessage("true")})
	} else {
		rec.act.Annotations = append(rec.act.Annotations, KeyValue{Key: annotationTimeout, Value: json.RawMessage("false")})
	}
	pool.release(wp, healthy)
	return finish(rec, resp)
}

// classify turns the outcome of Process.Run into an activation response,
// and tells whether the process can serve again.
func classify(result json.RawMessage, err error, runCtx context.Context, timeoutMS int) (ActivationResponse, bool) {
	switch {
	case err == nil:
		var obj map[string]json.RawMessage
		if json.Unmarshal(result, &obj) != nil || obj == nil {
			return newResponse(codeDeveloper, errorResult("The action did not return a dictionary.")), true
		}
		if _, failed := obj["error"]; failed {
			return newResponse(codeApplication, result), true
		}
		return newResponse(codeSuccess, result), true
	case errors.Is(err, owaction.ErrResultTooLarge):
		return newResponse(codeDeveloper, errorResult("The action produced a response that exceeded the allowed length: "+err.Error())), true
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return newResponse(codeDeveloper, errorResult(fmt.Sprintf("The action exceeded its time limits of %d milliseconds.", timeoutMS))), false
	case runCtx.Err() != nil:
		return newResponse(codeInternal, errorResult("The server stopped while the action was running.")), false
	case errors.Is(err, owaction.ErrExited):
		return newResponse(codeDeveloper, errorResult("The action did not produce a valid response and exited unexpectedly: "+err.Error())), false
	default:
		return newResponse(codeDeveloper, errorResult("The action did not produce a valid response: "+err.Error())), false
	}
}

// runSequence runs the components of a sequence one after the other,
// feeding each result to the next, and stops at the first failure.
func (s *Server) runSequence(ctx context.Context, inv invocation) *record {
	rec := s.newRecord(inv, time.Now())
	rec.act.Annotations = append(rec.act.Annotations, KeyValue{Key: "topmost", Value: json.RawMessage(strconv.FormatBool(inv.cause == ""))})
	if inv.depth >= maxSequenceLength {
		return finish(rec, newResponse(codeApplication, errorResult("Sequence is too long or nested too deeply.")))
	}
	params := mergedParams(inv)
	var ids []string
	resp := newResponse(codeSuccess, json.RawMessage("{}"))
	for _, c := range inv.target.action.Exec.Components {
		t, ok := s.resolve(c)
		if !ok {
			resp = newResponse(codeApplication, errorResult("Sequence component does not exist: "+c+"."))
			break
		}
		sub := s.run(ctx, invocation{target: t, params: params, cause: inv.id, apiHost: inv.apiHost, depth: inv.depth + 1})
		ids = append(ids, sub.act.ActivationID)
		resp = sub.act.Response
		if !resp.Success {
			break
		}
		params = map[string]json.RawMessage{}
		if err := json.Unmarshal(resp.Result, &params); err != nil || params == nil {
			params = map[string]json.RawMessage{}
		}
	}
	rec.act.Logs = ids
	return finish(rec, resp)
}

// mustJSON marshals v, which cannot fail for the types used here.
func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
