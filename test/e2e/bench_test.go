package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"
)

// breakdown explains the latency of one asset through the full flow from
// the activation records of acs serve: when the trigger fired (the
// notification delay), the storage-event step, the orchestrator and each
// worker activation. t0 is just before the PutObject call.
func (s *stack) breakdown(t *testing.T, a *asset, t0 time.Time, total time.Duration) string {
	t.Helper()
	acts := s.activations(t, t0)
	byID := map[string]*whisk.Activation{}
	for i := range acts {
		byID[acts[i].ActivationID] = &acts[i]
	}
	at := func(ms int64) string { return fmt.Sprintf("+%v", time.UnixMilli(ms).Sub(t0).Round(time.Millisecond)) }
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	// process (by the requestId in its result) -> its sequence (cause) ->
	// the trigger activation (the sequence's cause); storage-event is the
	// sequence's other component.
	var trig, seq, se, proc *whisk.Activation
	for i := range acts {
		if acts[i].Name == "process" && acts[i].Start >= t0.UnixMilli() && resultRequestID(&acts[i]) == a.RequestID {
			proc = &acts[i]
		}
	}
	if proc != nil {
		seq = byID[proc.Cause]
	}
	if seq != nil {
		trig = byID[seq.Cause]
		for i := range acts {
			if acts[i].Name == "storage-event" && acts[i].Cause == seq.ActivationID {
				se = &acts[i]
			}
		}
	}
	var workers []whisk.Activation
	if proc != nil {
		for _, act := range acts {
			if (act.Name == "thumbnail" || act.Name == "metadata" || act.Name == "fulltext") &&
				act.Start >= proc.Start && act.Start <= proc.End {
				workers = append(workers, act)
			}
		}
		sort.Slice(workers, func(i, j int) bool { return workers[i].Start < workers[j].Start })
	}
	size := int64(0)
	if fi, err := os.Stat(filepath.Join(repoRoot, a.File)); err == nil {
		size = fi.Size()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "E2E BENCH %s (%s, %d KB): upload -> all %d renditions listed: %v (t0 = just before PutObject)\n",
		a.Label, filepath.Base(a.File), size>>10, len(a.created()), total.Round(time.Millisecond))
	row := func(label, when string, d time.Duration, extra string) {
		ds := ""
		if d >= 0 {
			ds = d.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "  %-40s %9s %8s  %s\n", label, when, ds, extra)
	}
	row("PutObject returned", fmt.Sprintf("+%v", a.Uploaded.Sub(t0).Round(time.Millisecond)), -1, "")
	if trig == nil || seq == nil || se == nil || proc == nil {
		row("activation records", "", -1, fmt.Sprintf("incomplete (trigger %t, sequence %t, storage-event %t, process %t)", trig != nil, seq != nil, se != nil, proc != nil))
	}
	if trig != nil {
		row("trigger fired (notification delay)", at(trig.Start), -1, "")
	}
	if seq != nil {
		row("sequence on-upload", at(seq.Start), ms(seq.Duration), "")
	}
	if se != nil {
		row("  storage-event", at(se.Start), ms(se.Duration), annot(se))
	}
	if proc != nil {
		row("  process (orchestrator)", at(proc.Start), ms(proc.Duration), annot(proc))
		var first, last int64
		var busy time.Duration
		for _, w := range workers {
			if first == 0 || w.Start < first {
				first = w.Start
			}
			last = max(last, w.End)
			busy += ms(w.Duration)
			row("    "+w.Name, at(w.Start), ms(w.Duration), annot(&w))
		}
		if len(workers) > 0 {
			span := ms(last - first)
			row("    workers' span (first start, last end)", "", span, fmt.Sprintf("sum of worker activations %v", busy.Round(time.Millisecond)))
			init := ms(annotMillis(proc, "initTime"))
			row("    orchestration (process - init - span)", "", ms(proc.Duration)-init-span, "validate, plan, invoke, gather, signed webhook posts")
		}
		row("  process returned", at(proc.End), -1, "")
	}
	row("all renditions listed", fmt.Sprintf("+%v", total.Round(time.Millisecond)), -1, "ListObjectsV2 polled every 20ms")
	return strings.TrimRight(b.String(), "\n")
}

// annot formats the waitTime/initTime annotations of an activation.
func annot(a *whisk.Activation) string {
	var parts []string
	for _, k := range []string{"waitTime", "initTime"} {
		if v := a.Annotations.GetValue(k); v != nil {
			parts = append(parts, fmt.Sprintf("%s %vms", k, v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// annotMillis is a numeric annotation of an activation (0 when absent).
func annotMillis(a *whisk.Activation, key string) int64 {
	switch v := a.Annotations.GetValue(key).(type) {
	case float64:
		return int64(v)
	case json.Number:
		n, _ := v.Int64()
		return n
	}
	return 0
}

// resultRequestID is the requestId in an activation's result, if any.
func resultRequestID(a *whisk.Activation) string {
	var r struct {
		RequestID string `json:"requestId"`
	}
	_ = json.Unmarshal(resultJSON(a.Result), &r)
	return r.RequestID
}

// diagnose describes the activations since t0 and the end of the acs serve
// log, for a failure message.
func (s *stack) diagnose(t *testing.T, t0 time.Time) string {
	acts := s.activations(t, t0.Add(-time.Second))
	sort.Slice(acts, func(i, j int) bool { return acts[i].Start < acts[j].Start })
	var b strings.Builder
	fmt.Fprintf(&b, "activations since the phase began (%d):\n", len(acts))
	for _, a := range acts {
		res := string(resultJSON(a.Result))
		if len(res) > 400 {
			res = res[:400] + "..."
		}
		fmt.Fprintf(&b, "  +%-8v %-14s %-10s %5dms %s\n", time.UnixMilli(a.Start).Sub(t0).Round(time.Millisecond), a.Name, a.Response.Status, a.Duration, res)
		if a.Response.Status != "success" {
			for _, l := range a.Logs {
				fmt.Fprintf(&b, "      | %s\n", l)
			}
		}
	}
	ds, _ := s.recv.snapshot()
	fmt.Fprintf(&b, "webhook deliveries: %d\n", len(ds))
	fmt.Fprintf(&b, "--- acs serve log ---\n%s\n--- versitygw log ---\n%s", tail(s.acs.logPath, 25), tail(s.gw.proc.logPath, 10))
	return b.String()
}
