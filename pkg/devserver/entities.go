package devserver

import (
	"bytes"
	"encoding/json"
)

// KeyValue is one parameter or annotation, as OpenWhisk encodes them.
type KeyValue struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// kvList is an ordered list of parameters or annotations.
type kvList []KeyValue

// get returns the value of key, or nil.
func (l kvList) get(key string) json.RawMessage {
	for _, kv := range l {
		if kv.Key == key {
			return kv.Value
		}
	}
	return nil
}

// isTrue reports whether the value of key is JSON true (or the string "true").
func (l kvList) isTrue(key string) bool {
	v := bytes.TrimSpace(l.get(key))
	return bytes.Equal(v, []byte("true")) || bytes.Equal(v, []byte(`"true"`))
}

// merge returns l with the entries of o added or replaced, in order.
func (l kvList) merge(o kvList) kvList {
	out := append(kvList{}, l...)
	for _, kv := range o {
		replaced := false
		for i := range out {
			if out[i].Key == kv.Key {
				out[i].Value, replaced = kv.Value, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// without returns l without the given keys.
func (l kvList) without(keys []string) kvList {
	out := kvList{}
	for _, kv := range l {
		drop := false
		for _, k := range keys {
			drop = drop || kv.Key == k
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// params turns l into a parameter map (later keys win).
func (l kvList) params() map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(l))
	for _, kv := range l {
		m[kv.Key] = kv.Value
	}
	return m
}

// orEmpty returns l, or an empty non-nil list so that JSON shows [].
func (l kvList) orEmpty() kvList {
	if l == nil {
		return kvList{}
	}
	return l
}

// Binding names the package a package binding refers to.
type Binding struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// EntityRef is the short description of an entity inside another one.
type EntityRef struct {
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Publish     bool   `json:"publish"`
	Annotations kvList `json:"annotations,omitempty"`
}

// Package is a package or a package binding.
type Package struct {
	Namespace   string      `json:"namespace"`
	Name        string      `json:"name"`
	Version     string      `json:"version"`
	Publish     bool        `json:"publish"`
	Binding     *Binding    `json:"binding"`
	Parameters  kvList      `json:"parameters"`
	Annotations kvList      `json:"annotations"`
	Actions     []EntityRef `json:"actions,omitempty"`
	Updated     int64       `json:"updated"`
}

// isBinding reports whether p binds another package.
func (p *Package) isBinding() bool { return p.Binding != nil && p.Binding.Name != "" }

// Exec is an action's executable part.
type Exec struct {
	Kind       string   `json:"kind"`
	Code       string   `json:"code,omitempty"`
	Image      string   `json:"image,omitempty"`
	Main       string   `json:"main,omitempty"`
	Binary     bool     `json:"binary"`
	Components []string `json:"components,omitempty"`
}

// Limits are an action's limits, in OpenWhisk's units.
type Limits struct {
	Timeout     int `json:"timeout"`     // milliseconds
	Memory      int `json:"memory"`      // MB
	Logs        int `json:"logs"`        // MB
	Concurrency int `json:"concurrency"` // activations per container
}

// Default action limits, OpenWhisk's.
const (
	DefaultTimeoutMS = 60000
	defaultMemoryMB  = 256
	defaultLogsMB    = 10
)

// Action is an action definition.
type Action struct {
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Publish     bool   `json:"publish"`
	Exec        Exec   `json:"exec"`
	Parameters  kvList `json:"parameters"`
	Annotations kvList `json:"annotations"`
	Limits      Limits `json:"limits"`
	Updated     int64  `json:"updated"`
}

// Trigger is a trigger definition.
type Trigger struct {
	Namespace   string                `json:"namespace"`
	Name        string                `json:"name"`
	Version     string                `json:"version"`
	Publish     bool                  `json:"publish"`
	Parameters  kvList                `json:"parameters"`
	Annotations kvList                `json:"annotations"`
	Limits      struct{}              `json:"limits"`
	Rules       map[string]ruleStatus `json:"rules,omitempty"`
	Updated     int64                 `json:"updated"`
}

// ruleStatus is a rule as listed in its trigger.
type ruleStatus struct {
	Status string    `json:"status"`
	Action EntityRef `json:"action"`
}

// Rule links a trigger to an action.
type Rule struct {
	Namespace   string    `json:"namespace"`
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	Publish     bool      `json:"publish"`
	Status      string    `json:"status"`
	Trigger     EntityRef `json:"trigger"`
	Action      EntityRef `json:"action"`
	Annotations kvList    `json:"annotations"`
	Updated     int64     `json:"updated"`
}

// Rule states.
const (
	statusActive   = "active"
	statusInactive = "inactive"
)
