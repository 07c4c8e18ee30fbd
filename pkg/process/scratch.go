package process

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Scratch is where the orchestrator keeps the output of a rendition that
// other renditions of the same request are made from (a rendition with
// source {"rendition": name}): the worker making it stores a copy there
// (api.WorkerRequest.Keep), and the workers making the renditions composed
// from it read it from there. Nothing kept there is reported as a
// rendition.
type Scratch interface {
	// Open returns the scratch space of one request.
	Open(ctx context.Context, requestID string) (ScratchSpace, error)
}

// ScratchSpace holds the intermediate outputs of one request. Its methods
// may be called from several goroutines.
type ScratchSpace interface {
	// Place returns a new place for an output whose file name is name:
	// the target a worker stores it at and the source other workers read
	// it from.
	Place(ctx context.Context, name string) (api.Target, api.Source, error)
	// Remove deletes the output at a place, once no step reads it.
	Remove(ctx context.Context, t api.Target) error
	// Close deletes whatever the space still holds.
	Close(ctx context.Context) error
}

// DirScratch keeps intermediate outputs as files in a private temporary
// directory per request, under Dir (default os.TempDir()). It is for
// orchestrators whose workers share its file system (`acs process`, the
// in-process invoker): outputs pass from one step to the next without a
// storage round trip. The workers' transfer client must accept local
// paths.
type DirScratch struct {
	Dir string
}

// Open creates the request's directory.
func (s DirScratch) Open(_ context.Context, requestID string) (ScratchSpace, error) {
	dir, err := os.MkdirTemp(s.Dir, "acs-compose-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a directory for intermediate outputs: %w", err)
	}
	return &dirSpace{dir: dir}, nil
}

type dirSpace struct {
	dir string
	mu  sync.Mutex
	n   int
}

func (d *dirSpace) Place(_ context.Context, name string) (api.Target, api.Source, error) {
	d.mu.Lock()
	d.n++
	n := d.n
	d.mu.Unlock()
	p := filepath.Join(d.dir, fmt.Sprintf("%d-%s", n, scratchName(name)))
	return api.Target{URL: p}, api.Source{URL: p, Name: scratchName(name)}, nil
}

func (d *dirSpace) Remove(_ context.Context, t api.Target) error {
	if err := os.Remove(t.URL); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (d *dirSpace) Close(context.Context) error { return os.RemoveAll(d.dir) }

// StorageScratch keeps intermediate outputs as temporary objects under
// Prefix (such as s3://bucket/acs-tmp/): one folder per request, named
// after its requestId and a random suffix, one object per output. The
// workers write and read them with their own storage credentials; Delete
// removes an object (transfer.Client.Delete). It is for orchestrators
// whose workers run elsewhere (the OpenWhisk process action). A bucket
// lifecycle rule expiring the prefix after a day catches what a crashed
// activation leaves behind.
type StorageScratch struct {
	Prefix string
	Delete func(ctx context.Context, url string) error
}

// Open returns the request's folder under Prefix.
func (s StorageScratch) Open(_ context.Context, requestID string) (ScratchSpace, error) {
	if s.Prefix == "" || s.Delete == nil {
		return nil, errors.New("StorageScratch needs a Prefix and a Delete function")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := s.Prefix
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &storageSpace{prefix: prefix + scratchName(requestID) + "-" + hex.EncodeToString(b[:]) + "/", del: s.Delete, live: map[string]bool{}}, nil
}

type storageSpace struct {
	prefix string
	del    func(ctx context.Context, url string) error
	mu     sync.Mutex
	n      int
	live   map[string]bool
}

func (s *storageSpace) Place(_ context.Context, name string) (api.Target, api.Source, error) {
	s.mu.Lock()
	s.n++
	u := s.prefix + fmt.Sprintf("%d-%s", s.n, scratchName(name))
	s.live[u] = true
	s.mu.Unlock()
	return api.Target{URL: u}, api.Source{URL: u, Name: scratchName(name)}, nil
}

func (s *storageSpace) Remove(ctx context.Context, t api.Target) error {
	s.mu.Lock()
	delete(s.live, t.URL)
	s.mu.Unlock()
	return s.del(ctx, t.URL)
}

func (s *storageSpace) Close(ctx context.Context) error {
	s.mu.Lock()
	left := make([]string, 0, len(s.live))
	for u := range s.live {
		left = append(left, u)
	}
	s.live = map[string]bool{}
	s.mu.Unlock()
	var errs []error
	for _, u := range left {
		if err := s.del(ctx, u); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// scratchName turns a rendition name or request id into a safe file or
// object name: letters, digits, '.', '-' and '_' only, at most 64 bytes.
func scratchName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if out == "" {
		out = "output"
	}
	return out
}
