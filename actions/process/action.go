package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// server is the process action: it serves plain invocations (the request
// is the parameters) and web invocations (the request is the POSTed body,
// run by a non-blocking activation of this same action).
type server struct {
	// getenv reads the action's environment (os.Getenv).
	getenv func(string) string
	// local returns the invoker used when the action has no API key (not
	// annotated provide-api-key: true): in the action, an error saying so;
	// in tests, an in-process invoker.
	local func() (invoke.Invoker, error)
	// owOptions adjusts the OpenWhisk client options (tests).
	owOptions func(*invoke.OpenWhiskOptions)
	logger    *slog.Logger
	// now is the clock of event dates; nil is time.Now (tests set it).
	now func() time.Time
}

// log returns the server's logger, whose records name the activation and
// the request of their context (package logctx).
func (s *server) log() *slog.Logger { return logctx.Wrap(s.logger) }

// handle is the action-loop handler.
func (s *server) handle(ctx context.Context, params json.RawMessage) (any, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(params, &fields) != nil {
		fields = nil
	}
	cfg, err := loadConfig(s.getenv, fields[ConfigParam])
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "process is misconfigured: %v", err)
	}
	if _, web := fields["__ow_method"]; web {
		return s.web(ctx, fields), nil
	}
	if fields != nil {
		delete(fields, ConfigParam)
		params, _ = json.Marshal(fields)
	}
	p, err := s.processor(ctx, cfg, fields)
	if err != nil {
		return nil, api.Errorf(api.ReasonGeneric, "process cannot start: %v", err)
	}
	if batch, ok, err := api.DecodeStorageEventBatch(params); ok {
		if err != nil {
			return nil, err
		}
		return processBatch(ctx, p, batch), nil
	}
	return p.Process(ctx, params), nil
}

// BatchResult is the result of a batch of requests, the form storage-event
// emits when one notification holds several objects (or none to process):
// one process result per request, in order, and the notification records
// storage-event skipped, passed through.
type BatchResult = api.BatchResult[*process.Result]

// processBatch runs every request of a batch concurrently.
func processBatch(ctx context.Context, p *process.Processor, batch *api.StorageEventBatch) BatchResult {
	res := BatchResult{Results: make([]*process.Result, len(batch.Requests)), Skipped: batch.Skipped}
	var wg sync.WaitGroup
	for i, r := range batch.Requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.Results[i] = p.Process(ctx, r)
		}()
	}
	wg.Wait()
	return res
}

// openWhisk returns an invoker for the current activation, or nil when the
// action has no API host and key.
func (s *server) openWhisk(ctx context.Context) (*invoke.OpenWhisk, error) {
	a := owaction.CurrentActivation(ctx, s.getenv)
	opts := invoke.OpenWhiskOptions{APIHost: a.APIHost, APIKey: a.APIKey, Namespace: a.Namespace}
	if opts.APIHost == "" || opts.APIKey == "" {
		return nil, nil
	}
	if s.owOptions != nil {
		s.owOptions(&opts)
	}
	return invoke.NewOpenWhisk(opts)
}

// processor builds the orchestrator for one activation.
func (s *server) processor(ctx context.Context, cfg config, params map[string]json.RawMessage) (*process.Processor, error) {
	ow, err := s.openWhisk(ctx)
	if err != nil {
		return nil, err
	}
	scratch, err := s.scratch(cfg, params)
	if err != nil {
		return nil, err
	}
	opts := process.Options{
		AllowedWorkers: cfg.AllowedWorkers,
		BatchSize:      cfg.BatchSize,
		Concurrency:    cfg.Concurrency,
		Logger:         s.logger,
		Now:            s.now,
		Scratch:        scratch,
	}
	if ow != nil {
		opts.Invoker = ow
		opts.Actions = maps.Clone(process.DefaultActions)
		for f, name := range opts.Actions {
			opts.Actions[f] = cfg.ActionPrefix + name
		}
		opts.SourceActions = map[string]map[api.Family]string{}
		for f, byFamily := range process.DefaultSourceActions {
			opts.SourceActions[f] = map[api.Family]string{}
			for family, name := range byFamily {
				opts.SourceActions[f][family] = cfg.ActionPrefix + name
			}
		}
		if cfg.EventsTrigger != "" {
			t, err := events.NewTrigger(ow, cfg.EventsTrigger)
			if err != nil {
				return nil, err
			}
			opts.Sinks = append(opts.Sinks, t)
		}
	} else {
		if cfg.EventsTrigger != "" {
			return nil, errors.New("an events trigger is configured but the action has no API key (annotate it provide-api-key: true)")
		}
		if opts.Invoker, err = s.local(); err != nil {
			return nil, err
		}
	}
	if cfg.WebhookURL != "" {
		w, err := events.NewWebhook(events.WebhookOptions{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret,
			Envelope: cfg.WebhookEnvelope, UserGUID: cfg.WebhookUserGUID})
		if err != nil {
			return nil, err
		}
		opts.Sinks = append(opts.Sinks, w)
	}
	return process.New(opts)
}

// webResponse is a web action's result.
type webResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       any               `json:"body"`
}

func webJSON(status int, body any) webResponse {
	return webResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

func webError(status int, msg string) webResponse {
	return webJSON(status, map[string]any{"ok": false, "error": msg})
}

// web serves the web form: POST a processing request as JSON; the request
// is validated, given a requestId when it has none, and run by a
// non-blocking activation of this action; the answer is 202 with
// {ok, requestId, activationId}.
func (s *server) web(ctx context.Context, fields map[string]json.RawMessage) webResponse {
	var method string
	_ = json.Unmarshal(fields["__ow_method"], &method)
	if !strings.EqualFold(method, http.MethodPost) {
		r := webError(http.StatusMethodNotAllowed, "only POST is accepted: send a processing request as JSON")
		r.Headers["Allow"] = http.MethodPost
		return r
	}
	body, err := webBody(fields)
	if err != nil {
		return webError(http.StatusBadRequest, err.Error())
	}
	delete(body, ConfigParam) // deployment configuration is never taken from a web client
	for _, name := range settings.Names() {
		delete(body, name) // nor are deployment settings (storage credentials, endpoints)
	}
	var id string
	if raw, ok := body["requestId"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	if id == "" {
		id = api.NewRequestID()
		body["requestId"], _ = json.Marshal(id)
	}
	raw, _ := json.Marshal(body)
	if _, err := api.DecodeRequest(raw); err != nil {
		return webError(http.StatusBadRequest, api.MessageOf(err))
	}
	ow, err := s.openWhisk(ctx)
	if err != nil || ow == nil {
		s.log().ErrorContext(ctx, "web form cannot start an activation", "requestId", id, "error", err)
		return webError(http.StatusServiceUnavailable, "the process action cannot start activations: it needs the annotation provide-api-key: true")
	}
	self := s.getenv("__OW_ACTION_NAME")
	if a, ok := owaction.ActivationFrom(ctx); ok && a.ActionName != "" {
		self = a.ActionName
	}
	if self == "" {
		return webError(http.StatusInternalServerError, "the process action does not know its own name (__OW_ACTION_NAME)")
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	activationID, err := ow.Start(sctx, self, raw)
	if err != nil {
		s.log().ErrorContext(ctx, "web form could not start the request", "requestId", id, "error", err)
		return webError(http.StatusBadGateway, fmt.Sprintf("could not start the request: %v", err))
	}
	s.log().InfoContext(ctx, "web request started", "requestId", id, "requestActivationId", activationID)
	return webJSON(http.StatusAccepted, map[string]any{"ok": true, "requestId": id, "activationId": activationID})
}

// webBody returns the posted JSON object: from __ow_body (raw HTTP web
// actions; plain or base64) or, for ordinary web actions, the parameters
// OpenWhisk parsed from the JSON body, without the __ow_ fields.
func webBody(fields map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	var body map[string]json.RawMessage
	if raw, ok := fields["__ow_body"]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, errors.New("the body is not a JSON object")
		}
		if json.Unmarshal([]byte(s), &body) != nil {
			dec, err := base64.StdEncoding.DecodeString(s)
			if err != nil || json.Unmarshal(dec, &body) != nil {
				return nil, errors.New("the body is not a JSON object: send the processing request as application/json")
			}
		}
	} else {
		body = map[string]json.RawMessage{}
		for k, v := range fields {
			if !strings.HasPrefix(k, "__ow_") && k != ConfigParam {
				body[k] = v
			}
		}
	}
	if body == nil {
		return nil, errors.New("the body is not a JSON object")
	}
	return body, nil
}

// scratch returns where the outputs composed renditions are made from are
// kept (config Scratch), with a transfer client built from the deployment
// settings (the environment, overridden by the package parameters, as the
// workers read them) to delete them; nil when no scratch is configured.
func (s *server) scratch(cfg config, params map[string]json.RawMessage) (process.Scratch, error) {
	if cfg.Scratch == "" {
		return nil, nil
	}
	env, err := settings.FromEnv(s.getenv)
	if err != nil {
		return nil, err
	}
	ps, err := settings.FromParamFields(params)
	if err != nil {
		return nil, err
	}
	var topts transfer.Options
	if err := env.Override(ps).Apply(&topts); err != nil {
		return nil, err
	}
	topts.Logger = s.logger
	client, err := transfer.New(topts)
	if err != nil {
		return nil, fmt.Errorf("transfer settings for the scratch location: %w", err)
	}
	return process.StorageScratch{Prefix: cfg.Scratch, Delete: client.Delete}, nil
}
