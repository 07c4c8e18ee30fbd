// Package journal is a bounded, in-memory event journal read by position,
// in the shape of the Adobe I/O Events journal that the hosted Asset
// Compute service's clients poll: each appended event gets the next
// position (decimal, increasing from 1), and a reader asks for the events
// after a position it has seen, or for only those appended from now on.
//
// Retention is bounded twice: at most MaxEvents events are kept, and an
// event older than MaxAge is dropped; the oldest go first. A reader that
// polls again within both bounds loses nothing.
//
// A [Store] keeps the registered clients of the Asset Compute API with a
// journal each: [Memory] in the process (acs serve), [S3] under an S3
// prefix for the API deployed as OpenWhisk web actions, where no state
// survives in a container and several containers write at once.
package journal

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// Defaults of [Options].
const (
	DefaultMaxEvents = 10000
	DefaultMaxAge    = 24 * time.Hour
	DefaultPageSize  = 100
)

// Options bounds a [Journal]. Zero values mean the defaults.
type Options struct {
	// MaxEvents is how many events are kept. Default: DefaultMaxEvents.
	MaxEvents int
	// MaxAge is how long an event is kept. Default: DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil is time.Now (tests inject one).
	Now func() time.Time
}

// Entry is one journal event as readers receive it.
type Entry struct {
	// Position identifies the entry; pass it back as "since" to read the
	// entries after it.
	Position string `json:"position"`
	// Event is the event as appended.
	Event json.RawMessage `json:"event"`
}

type stored struct {
	pos   uint64
	at    time.Time
	event json.RawMessage
}

// Journal is safe for concurrent use.
type Journal struct {
	opts Options

	mu     sync.Mutex
	events []stored // oldest first; positions contiguous
	last   uint64   // position of the last event appended, 0 before any
}

// New returns an empty journal.
func New(opts Options) *Journal {
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultMaxEvents
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Journal{opts: opts}
}

// Append adds an event and returns its position.
func (j *Journal) Append(event json.RawMessage) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.opts.Now()
	j.last++
	j.events = append(j.events, stored{pos: j.last, at: now, event: event})
	j.expireLocked(now)
	return formatPos(j.last)
}

// expireLocked drops the events past the count and age bounds.
func (j *Journal) expireLocked(now time.Time) {
	drop := max(len(j.events)-j.opts.MaxEvents, 0)
	cutoff := now.Add(-j.opts.MaxAge)
	for drop < len(j.events) && j.events[drop].at.Before(cutoff) {
		drop++
	}
	if drop > 0 {
		j.events = append(j.events[:0:0], j.events[drop:]...)
	}
}

// Latest returns the position after which only events appended from now on
// are found: the position of the last event appended.
func (j *Journal) Latest() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return formatPos(j.last)
}

// Read returns up to limit events after the position since ("" or "0" for
// the oldest kept), and the position to read from next: that of the last
// event returned, or since itself when there is none. A limit <= 0 means
// DefaultPageSize. ok is false when since is not a position this journal
// gave out.
func (j *Journal) Read(since string, limit int) (entries []Entry, next string, ok bool) {
	var after uint64
	if since != "" {
		p, err := strconv.ParseUint(since, 10, 64)
		if err != nil {
			return nil, "", false
		}
		after = p
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if after > j.last {
		return nil, "", false
	}
	j.expireLocked(j.opts.Now())
	next = formatPos(after)
	start := 0 // positions are contiguous: index the first one after since
	if len(j.events) > 0 && after >= j.events[0].pos {
		start = int(after - j.events[0].pos + 1)
	}
	for _, e := range j.events[start:min(start+limit, len(j.events))] {
		entries = append(entries, Entry{Position: formatPos(e.pos), Event: e.event})
		next = formatPos(e.pos)
	}
	return entries, next, true
}

// Len returns how many events are kept.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.expireLocked(j.opts.Now())
	return len(j.events)
}

func formatPos(p uint64) string { return strconv.FormatUint(p, 10) }
