package journal

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ev(i int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)) }

func positions(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Position
	}
	return out
}

func TestPagingSinceAndLatest(t *testing.T) {
	t.Parallel()
	j := New(Options{})
	es, next, ok := j.Read("", 0)
	require.True(t, ok)
	assert.Empty(t, es)
	assert.Equal(t, "0", next)
	assert.Equal(t, "0", j.Latest())

	for i := 1; i <= 5; i++ {
		assert.Equal(t, fmt.Sprint(i), j.Append(ev(i)))
	}
	es, next, ok = j.Read("", 2)
	require.True(t, ok)
	assert.Equal(t, []string{"1", "2"}, positions(es))
	assert.JSONEq(t, `{"n":1}`, string(es[0].Event))
	assert.Equal(t, "2", next)
	es, next, _ = j.Read(next, 2)
	assert.Equal(t, []string{"3", "4"}, positions(es))
	es, next, _ = j.Read(next, 2)
	assert.Equal(t, []string{"5"}, positions(es))
	assert.Equal(t, "5", next)
	es, next, _ = j.Read(next, 2)
	assert.Empty(t, es)
	assert.Equal(t, "5", next, "an empty read keeps the position")

	latest := j.Latest()
	assert.Equal(t, "5", latest)
	j.Append(ev(6))
	es, _, _ = j.Read(latest, 0)
	assert.Equal(t, []string{"6"}, positions(es), "latest sees only what came after it")

	for _, bad := range []string{"x", "-1", "7", "99999999999999999999999"} {
		_, _, ok = j.Read(bad, 0)
		assert.False(t, ok, "since=%q", bad)
	}
}

func TestRetentionByCountAndAge(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	j := New(Options{MaxEvents: 3, MaxAge: time.Hour, Now: c.now})
	for i := 1; i <= 5; i++ {
		j.Append(ev(i))
	}
	assert.Equal(t, 3, j.Len())
	es, _, ok := j.Read("1", 0)
	require.True(t, ok, "a position dropped by retention is still valid")
	assert.Equal(t, []string{"3", "4", "5"}, positions(es), "the oldest went first")

	// A reader polling late, within the age bound, loses nothing.
	c.add(59 * time.Minute)
	j.Append(ev(6))
	es, _, _ = j.Read("4", 0)
	assert.Equal(t, []string{"5", "6"}, positions(es))

	// Past the age bound, the old events are gone, the young one stays.
	c.add(2 * time.Minute)
	es, next, _ := j.Read("", 0)
	assert.Equal(t, []string{"6"}, positions(es))
	assert.Equal(t, "6", next)
	c.add(time.Hour)
	assert.Equal(t, 0, j.Len())
	es, next, _ = j.Read("6", 0)
	assert.Empty(t, es)
	assert.Equal(t, "6", next)
	assert.Equal(t, "7", j.Append(ev(7)), "positions never repeat")
}

func TestConcurrentAppendsGetDistinctPositions(t *testing.T) {
	t.Parallel()
	j := New(Options{})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); j.Append(ev(i)) }()
	}
	wg.Wait()
	es, _, _ := j.Read("", 1000)
	require.Len(t, es, 50)
	seen := map[string]bool{}
	for _, e := range es {
		assert.False(t, seen[e.Position])
		seen[e.Position] = true
	}
}
