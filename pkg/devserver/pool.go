package devserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// errPoolClosed reports a pool closed because its action was updated or
// deleted while an activation waited for it.
var errPoolClosed = errors.New("the action was updated or deleted")

// warmProc is one action process with the switch its logs go through.
type warmProc struct {
	proc     *owaction.Process
	logs     *logSwitch
	lastUsed time.Time
}

// actionPool is one unpacked revision of an action and its pool of processes:
// at most size processes run at once; idle ones are reused, newest first,
// and closed after the idle timeout.
type actionPool struct {
	dir   string
	env   map[string]string
	popts owaction.ProcessOptions
	slots chan struct{}
	// waiting counts the callers of acquire waiting for a free slot.
	waiting atomic.Int32

	mu     sync.Mutex
	idle   []*warmProc
	closed bool
}

// newActionPool returns the pool of the action unpacked in dir.
func newActionPool(dir string, env map[string]string, size int, popts owaction.ProcessOptions) *actionPool {
	return &actionPool{dir: dir, env: env, popts: popts, slots: make(chan struct{}, size)}
}

// acquire waits for a free slot and returns an idle process, or starts one
// (cold is then true and init is how long the start took). Output goes to
// logs from now on.
func (rt *actionPool) acquire(ctx context.Context, logs *logBuffer) (wp *warmProc, cold bool, init time.Duration, err error) {
	select {
	case rt.slots <- struct{}{}:
	default:
		rt.waiting.Add(1)
		select {
		case rt.slots <- struct{}{}:
			rt.waiting.Add(-1)
		case <-ctx.Done():
			rt.waiting.Add(-1)
			return nil, false, 0, fmt.Errorf("waiting for a free process: %w", ctx.Err())
		}
	}
	rt.mu.Lock()
	for len(rt.idle) > 0 && wp == nil {
		last := rt.idle[len(rt.idle)-1]
		rt.idle = rt.idle[:len(rt.idle)-1]
		if last.proc.Exited() {
			_ = last.proc.Close()
			continue
		}
		wp = last
	}
	closed := rt.closed
	rt.mu.Unlock()
	if closed {
		<-rt.slots
		return nil, false, 0, errPoolClosed
	}
	if wp != nil {
		wp.logs.set(logs)
		return wp, false, 0, nil
	}
	sw := &logSwitch{cur: logs}
	opts := rt.popts
	opts.Log, opts.Stderr = sw.stream("stdout"), sw.stream("stderr")
	start := time.Now()
	p, err := owaction.StartProcess(ctx, rt.dir, rt.env, opts)
	init = time.Since(start)
	if err != nil {
		<-rt.slots
		return nil, true, init, err
	}
	return &warmProc{proc: p, logs: sw}, true, init, nil
}

// release returns wp to the pool, or closes it when it is unhealthy or the
// runtime is closed.
func (rt *actionPool) release(wp *warmProc, healthy bool) {
	defer func() { <-rt.slots }()
	rt.mu.Lock()
	if healthy && !rt.closed && !wp.proc.Exited() {
		wp.lastUsed = time.Now()
		rt.idle = append(rt.idle, wp)
		rt.mu.Unlock()
		return
	}
	rt.mu.Unlock()
	_ = wp.proc.Close()
}

// reap closes processes idle since before cutoff.
func (rt *actionPool) reap(cutoff time.Time) {
	rt.mu.Lock()
	var stale, keep []*warmProc
	for _, wp := range rt.idle {
		if wp.lastUsed.Before(cutoff) || wp.proc.Exited() {
			stale = append(stale, wp)
		} else {
			keep = append(keep, wp)
		}
	}
	rt.idle = keep
	rt.mu.Unlock()
	for _, wp := range stale {
		_ = wp.proc.Close()
	}
}

// idleCount returns the number of idle processes.
func (rt *actionPool) idleCount() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.idle)
}

// close stops the idle processes and removes the unpacked files; processes
// in use are closed when released.
func (rt *actionPool) close() {
	rt.mu.Lock()
	rt.closed = true
	idle := rt.idle
	rt.idle = nil
	rt.mu.Unlock()
	for _, wp := range idle {
		_ = wp.proc.Close()
	}
	_ = os.RemoveAll(rt.dir)
}
