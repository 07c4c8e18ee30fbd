package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/devserver"
	"github.com/assetcompute/assetcompute/pkg/devtool"
	"github.com/assetcompute/assetcompute/pkg/process"
)

// deployedRunner runs the devtool's requests on the process action
// deployed in `acs serve`, through its OpenWhisk REST API, and keeps the
// logs of the activations involved. The request's source and targets are
// local paths, so the actions must run in local mode (acs serve
// --action-env ACS_ALLOW_LOCAL=true).
type deployedRunner struct {
	apiHost, auth, namespace, action string
	logs                             *devtool.LogStore
	client                           *http.Client
}

// maxActivationBytes bounds an activation record read back.
const maxActivationBytes = 64 << 20

// Run invokes the action with the request and returns its result; when
// the action cannot be invoked or answers no result, every rendition fails
// with GenericError naming the action.
func (d *deployedRunner) Run(ctx context.Context, req *api.Request) *process.Result {
	body, err := json.Marshal(req)
	if err != nil {
		return failAll(req, fmt.Errorf("the request cannot be sent to %s: %w", d.action, err))
	}
	act, err := d.invoke(ctx, body)
	if err != nil {
		return failAll(req, fmt.Errorf("the deployed action %s: %w", d.action, err))
	}
	d.keepLogs(req.RequestID, act)
	var res process.Result
	if err := json.Unmarshal(act.Response.Result, &res); err != nil || len(res.Events) != len(req.Renditions) {
		return failAll(req, fmt.Errorf("the deployed action %s answered %s (%s): not one event per rendition (is it deployed with ACS_ALLOW_LOCAL=true?)",
			d.action, act.Response.Status, abbreviate(act.Response.Result)))
	}
	seen := map[string]bool{}
	for _, ev := range res.Events {
		for _, id := range ev.ActivationIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if w, err := d.activation(ctx, id); err == nil {
				d.keepLogs(req.RequestID, w)
			}
		}
	}
	return &res
}

// keepLogs keeps the logs of an activation under the request id.
func (d *deployedRunner) keepLogs(requestID string, a *devserver.Activation) {
	if d.logs == nil {
		return
	}
	lines := make([]string, 0, len(a.Logs)+1)
	lines = append(lines, fmt.Sprintf("activation %s of %s: %s, %d ms", a.ActivationID, a.Name, a.Response.Status, a.Duration))
	for _, l := range a.Logs {
		lines = append(lines, "  "+l)
	}
	d.logs.Add(requestID, lines...)
}

// invoke invokes the action blocking and returns its activation, polling
// for it when the invocation outlives the blocking wait.
func (d *deployedRunner) invoke(ctx context.Context, body []byte) (*devserver.Activation, error) {
	u := d.apiHost + "/api/v1/namespaces/" + url.PathEscape(d.namespace) + "/actions/" + d.action + "?blocking=true"
	resp, err := d.do(ctx, http.MethodPost, u, body)
	if err != nil {
		return nil, err
	}
	switch resp.status {
	case http.StatusOK, http.StatusBadGateway: // 502: the action failed; the record says how
		var a devserver.Activation
		if err := json.Unmarshal(resp.body, &a); err != nil {
			return nil, fmt.Errorf("unreadable activation: %w", err)
		}
		return &a, nil
	case http.StatusAccepted:
		var a struct {
			ActivationID string `json:"activationId"`
		}
		if err := json.Unmarshal(resp.body, &a); err != nil || a.ActivationID == "" {
			return nil, errors.New("202 without an activation id")
		}
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-tick.C:
			}
			if act, err := d.activation(ctx, a.ActivationID); err == nil {
				return act, nil
			} else if !errors.Is(err, errNoActivation) {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("invoking it answered %d: %s", resp.status, abbreviate(resp.body))
	}
}

// errNoActivation means the activation is not recorded (yet).
var errNoActivation = errors.New("no such activation")

// activation reads the activation record id.
func (d *deployedRunner) activation(ctx context.Context, id string) (*devserver.Activation, error) {
	u := d.apiHost + "/api/v1/namespaces/" + url.PathEscape(d.namespace) + "/activations/" + url.PathEscape(id)
	resp, err := d.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNotFound {
		return nil, errNoActivation
	}
	if resp.status != http.StatusOK {
		return nil, fmt.Errorf("reading activation %s answered %d", id, resp.status)
	}
	var a devserver.Activation
	if err := json.Unmarshal(resp.body, &a); err != nil {
		return nil, fmt.Errorf("unreadable activation %s: %w", id, err)
	}
	return &a, nil
}

// answer is a read response.
type answer struct {
	status int
	body   []byte
}

// do sends one authenticated request to the controller.
func (d *deployedRunner) do(ctx context.Context, method, u string, body []byte) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	user, pass, _ := strings.Cut(d.auth, ":")
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxActivationBytes))
	if err != nil {
		return nil, err
	}
	return &answer{status: resp.StatusCode, body: b}, nil
}

// failAll returns the result of a request none of whose renditions could
// be made, for err.
func failAll(req *api.Request, err error) *process.Result {
	res := &process.Result{RequestID: req.RequestID}
	now := time.Now()
	for i, r := range req.Renditions {
		rr := api.Failed(r.Name, &api.Error{Reason: api.ReasonGeneric, Message: err.Error(), Err: err})
		ev := api.NewEvent(req, i, r, rr, now)
		res.Events = append(res.Events, ev)
		res.Renditions = append(res.Renditions, process.Summary{Name: r.Name, Fmt: r.Fmt, Worker: r.Worker,
			Status: api.StatusFailed, ErrorReason: ev.ErrorReason, ErrorMessage: ev.ErrorMessage})
	}
	return res
}

// abbreviate shortens a response body for a message.
func abbreviate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
