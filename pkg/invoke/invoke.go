// Package invoke calls worker actions on behalf of the orchestrator.
//
// An Invoker sends an action its parameters and returns the action's JSON
// result. Two failures are distinguished: an *ActionError is the action's
// own application error (its result was {"error": ...}) and carries the
// reason it gave; any other error means the action could not be called or
// did not answer (unknown action, transport failure, deadline).
//
// OpenWhisk calls actions through a controller's REST API (blocking, with
// retries on 429/5xx and transient transport failures, and polling of
// activations that outlive the blocking wait); it also starts non-blocking
// activations and fires triggers. An API host that cannot be reached at all
// (no such host, connection refused, untrusted certificate) is an
// *UnreachableError at once, naming the host and the setting to fix.
// InProcess runs actions as functions in this process, with the same JSON
// boundary as OpenWhisk, so `acs process` takes the code path a cluster
// takes. Package owtest is a fake controller for tests.
package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Invoker calls an action with parameters and returns its result.
type Invoker interface {
	Invoke(ctx context.Context, action string, params json.RawMessage) (json.RawMessage, error)
}

// ErrUnknownAction is returned (wrapped) when no action has the given name.
var ErrUnknownAction = errors.New("no such action")

// ActionError is an application error returned by an action.
type ActionError struct {
	Action  string
	Reason  api.Reason
	Message string
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("action %s failed: %s", e.Action, e.Message)
}

// AsAPIError converts e to an *api.Error with the action's reason.
func (e *ActionError) AsAPIError() *api.Error {
	reason := e.Reason
	if !reason.Valid() {
		reason = api.ReasonGeneric
	}
	return &api.Error{Reason: reason, Message: e.Message}
}

// ParseActionError reads an OpenWhisk error result {"error": ...}. The error
// may be a string (with, as this project's actions write it, the detail
// {reason, message} beside it in errorDetail) or an object with reason and
// message. It returns nil when result is not an error result.
func ParseActionError(action string, result json.RawMessage) *ActionError {
	var body struct {
		Error  json.RawMessage `json:"error"`
		Detail *struct {
			Reason  api.Reason `json:"reason"`
			Message string     `json:"message"`
		} `json:"errorDetail"`
	}
	if json.Unmarshal(result, &body) != nil || len(body.Error) == 0 || string(body.Error) == "null" {
		return nil
	}
	ae := &ActionError{Action: action, Reason: api.ReasonGeneric}
	var s string
	if json.Unmarshal(body.Error, &s) == nil {
		ae.Message = s
		if d := body.Detail; d != nil {
			if d.Reason.Valid() {
				ae.Reason = d.Reason
			}
			if d.Message != "" {
				ae.Message = d.Message
			}
		}
		return ae
	}
	var obj struct {
		Reason  api.Reason `json:"reason"`
		Message string     `json:"message"`
	}
	if json.Unmarshal(body.Error, &obj) == nil && obj.Message != "" {
		ae.Message = obj.Message
		if obj.Reason.Valid() {
			ae.Reason = obj.Reason
		}
		return ae
	}
	ae.Message = string(body.Error)
	return ae
}
