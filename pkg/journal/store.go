package journal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
)

// ErrNoJournal is returned (wrapped) for a journal id that is not, or no
// longer, registered.
var ErrNoJournal = errors.New("no such journal")

// ErrBadPosition is returned (wrapped) by Read for a since that is not a
// position the journal gave out.
var ErrBadPosition = errors.New("not a position of this journal")

// Store keeps the registered clients of the Asset Compute API and a
// journal per client. [Memory] keeps them in the process (acs serve);
// [S3] keeps them under an S3 prefix, so that any number of stateless
// processes (OpenWhisk web action containers) share them and a restart
// loses nothing. Implementations are safe for concurrent use.
type Store interface {
	// Register returns the journal id of the client (org, apiKey),
	// creating the registration and its journal the first time.
	Register(ctx context.Context, org, apiKey string) (id string, err error)
	// Unregister removes the client's registration and its journal; false
	// when the client was not registered.
	Unregister(ctx context.Context, org, apiKey string) (bool, error)
	// Lookup returns the journal id of a registered client; ok is false
	// when it is not registered.
	Lookup(ctx context.Context, org, apiKey string) (id string, ok bool, err error)
	// Owner returns the organisation a journal belongs to, or ErrNoJournal.
	Owner(ctx context.Context, id string) (org string, err error)
	// Append adds events to journal id, in order, each at the next
	// position, and enforces the retention bounds.
	Append(ctx context.Context, id string, events ...json.RawMessage) error
	// Read returns up to limit events after the position since ("" or
	// "0" for the oldest kept), and the position to read from next: that
	// of the last event returned, or since itself when there is none. A
	// limit <= 0 means DefaultPageSize. The error is ErrBadPosition for a
	// position never given out, ErrNoJournal for an unknown journal.
	Read(ctx context.Context, id, since string, limit int) (entries []Entry, next string, err error)
	// Latest returns the position of the last event appended, after which
	// only events appended from now on are found ("0" before any).
	Latest(ctx context.Context, id string) (string, error)
}

// ReadMarker is implemented by a [Store] that remembers whether a journal
// has ever been read. The Asset Compute API uses it to answer the first
// latest=true read of a journal from its oldest event kept rather than
// from its end: a client whose journal reader starts after its first
// request (as @adobe/asset-compute-client's does) then finds that
// request's events even when they were appended before that first read.
type ReadMarker interface {
	// MarkRead records that journal id is being read and reports whether
	// this is the first read ever (of any process sharing the store).
	// The error is ErrNoJournal for an unknown journal.
	MarkRead(ctx context.Context, id string) (first bool, err error)
}

// newJournalID returns a random journal id, 32 hex digits.
func newJournalID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// client identifies a registered client.
type client struct{ org, apiKey string }

// Memory is a [Store] in the process's memory, bounded by Options per
// journal: the store of acs serve. Everything is lost when the process
// ends.
type Memory struct {
	opts Options

	mu       sync.Mutex
	clients  map[client]string // journal id by client
	journals map[string]*memJournal
}

type memJournal struct {
	org  string
	j    *Journal
	read bool // MarkRead was called
}

// NewMemory returns an empty in-memory store whose journals are bounded
// by opts.
func NewMemory(opts Options) *Memory {
	return &Memory{opts: opts, clients: map[client]string{}, journals: map[string]*memJournal{}}
}

// MarkRead implements [ReadMarker].
func (m *Memory) MarkRead(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.journals[id]
	if !ok {
		return false, ErrNoJournal
	}
	first := !j.read
	j.read = true
	return first, nil
}

// Register implements [Store].
func (m *Memory) Register(_ context.Context, org, apiKey string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := client{org, apiKey}
	if id, ok := m.clients[c]; ok {
		return id, nil
	}
	id := newJournalID()
	m.clients[c] = id
	m.journals[id] = &memJournal{org: org, j: New(m.opts)}
	return id, nil
}

// Unregister implements [Store].
func (m *Memory) Unregister(_ context.Context, org, apiKey string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := client{org, apiKey}
	id, ok := m.clients[c]
	if ok {
		delete(m.clients, c)
		delete(m.journals, id)
	}
	return ok, nil
}

// Lookup implements [Store].
func (m *Memory) Lookup(_ context.Context, org, apiKey string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.clients[client{org, apiKey}]
	return id, ok, nil
}

func (m *Memory) journal(id string) (*memJournal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.journals[id]
	if !ok {
		return nil, ErrNoJournal
	}
	return j, nil
}

// Owner implements [Store].
func (m *Memory) Owner(_ context.Context, id string) (string, error) {
	j, err := m.journal(id)
	if err != nil {
		return "", err
	}
	return j.org, nil
}

// Append implements [Store]. Appending to an unregistered journal is
// ErrNoJournal.
func (m *Memory) Append(_ context.Context, id string, events ...json.RawMessage) error {
	j, err := m.journal(id)
	if err != nil {
		return err
	}
	for _, e := range events {
		j.j.Append(e)
	}
	return nil
}

// Read implements [Store].
func (m *Memory) Read(_ context.Context, id, since string, limit int) ([]Entry, string, error) {
	j, err := m.journal(id)
	if err != nil {
		return nil, "", err
	}
	entries, next, ok := j.j.Read(since, limit)
	if !ok {
		return nil, "", ErrBadPosition
	}
	return entries, next, nil
}

// Latest implements [Store].
func (m *Memory) Latest(_ context.Context, id string) (string, error) {
	j, err := m.journal(id)
	if err != nil {
		return "", err
	}
	return j.j.Latest(), nil
}
