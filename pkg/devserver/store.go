package devserver

import (
	"strings"
	"sync"
)

// activationStore keeps the last finished activations in memory: at most
// max records and about maxBytes of results and logs.
type activationStore struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	byID     map[string]*record
	sizes    map[string]int64
	order    []string // oldest first
}

// newActivationStore returns a store holding at most max records and about
// maxBytes of results and logs.
func newActivationStore(max int, maxBytes int64) *activationStore {
	return &activationStore{max: max, maxBytes: maxBytes, byID: map[string]*record{}, sizes: map[string]int64{}}
}

// put stores r, dropping the oldest records when full. The newest record
// is always kept.
func (s *activationStore) put(r *record) {
	size := int64(len(r.act.Response.Result) + 512)
	if r.logs != nil {
		size += int64(r.logs.byteSize())
	}
	for _, l := range r.act.Logs {
		size += int64(len(l))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.act.ActivationID
	s.byID[id], s.sizes[id] = r, size
	s.bytes += size
	s.order = append(s.order, id)
	for len(s.order) > 1 && (len(s.order) > s.max || s.bytes > s.maxBytes) {
		old := s.order[0]
		s.bytes -= s.sizes[old]
		delete(s.byID, old)
		delete(s.sizes, old)
		s.order[0] = ""
		s.order = s.order[1:]
	}
}

// get returns the record with id.
func (s *activationStore) get(id string) (*record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	return r, ok
}

// listQuery filters a listing.
type listQuery struct {
	name        string // "NAME" or "PKG/NAME"; empty for all
	skip, limit int
	since, upto int64
}

// list returns matching records, newest first.
func (s *activationStore) list(q listQuery) []*record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*record
	skipped := 0
	for i := len(s.order) - 1; i >= 0 && len(out) < q.limit; i-- {
		r := s.byID[s.order[i]]
		if r == nil || !q.matches(r) {
			continue
		}
		if skipped < q.skip {
			skipped++
			continue
		}
		out = append(out, r)
	}
	return out
}

// count returns the number of records q matches (its skip and limit
// aside).
func (s *activationStore) count(q listQuery) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range s.order {
		if r := s.byID[id]; r != nil && q.matches(r) {
			n++
		}
	}
	return n
}

func (q listQuery) matches(r *record) bool {
	if q.since > 0 && r.act.Start < q.since || q.upto > 0 && r.act.Start > q.upto {
		return false
	}
	if q.name == "" {
		return true
	}
	name := strings.Trim(q.name, "/")
	if name == r.act.Name {
		return true
	}
	// PKG/NAME: the record's namespace is NS/PKG.
	pkg, base, ok := strings.Cut(name, "/")
	return ok && base == r.act.Name && strings.HasSuffix(r.act.Namespace, "/"+pkg)
}
