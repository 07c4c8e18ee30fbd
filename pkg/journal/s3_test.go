package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Since implements gofakes3.TimeSource with the test clock, so that the
// objects' Last-Modified follows it.
func (c *clock) Since(t time.Time) time.Duration { return c.now().Sub(t) }

// Now implements gofakes3.TimeSource.
func (c *clock) Now() time.Time { return c.now() }

// fakeS3 is an in-process S3 server (gofakes3) with bucket "b", whose
// objects are dated by c (the real clock when nil).
type fakeS3 struct {
	backend *s3mem.Backend
	client  *s3.Client

	mu   sync.Mutex
	tags map[string]string // x-amz-tagging of each PUT, by path
}

func newFakeS3(t *testing.T, c *clock) *fakeS3 {
	t.Helper()
	var opts []s3mem.Option
	if c != nil {
		opts = append(opts, s3mem.WithTimeSource(c))
	}
	backend := s3mem.New(opts...)
	require.NoError(t, backend.CreateBucket("b"))
	f := &fakeS3{backend: backend, tags: map[string]string{}}
	fake := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			f.mu.Lock()
			f.tags[r.URL.Path] = r.Header.Get("x-amz-tagging")
			f.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	// The client is built by package transfer, as the deployment builds it.
	tc, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, S3: transfer.S3Options{
		Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "k", SecretAccessKey: "s",
	}})
	require.NoError(t, err)
	client, err := tc.S3()
	require.NoError(t, err)
	f.client = client
	return f
}

// registered returns a store with default options and the id of the
// journal it registered for org "org" and key "key".
func (f *fakeS3) registered(t *testing.T) (*S3, string) {
	t.Helper()
	s := f.store(t, Options{})
	id, err := s.Register(context.Background(), "org", "key")
	require.NoError(t, err)
	return s, id
}

// store returns a new S3 store on the server, as a new process would
// build it.
func (f *fakeS3) store(t *testing.T, opts Options) *S3 {
	t.Helper()
	s, err := NewS3(S3Options{Client: f.client, Bucket: "b", Prefix: "acs/journal", Journal: opts})
	require.NoError(t, err)
	return s
}

// keys lists every key in the bucket.
func (f *fakeS3) keys(t *testing.T) []string {
	t.Helper()
	res, err := f.backend.ListBucket("b", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	require.NoError(t, err)
	var out []string
	for _, o := range res.Contents {
		out = append(out, o.Key)
	}
	return out
}

// stores runs f against each implementation of Store.
func stores(t *testing.T, f func(t *testing.T, c *clock, newStore func(Options) Store)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		f(t, c, func(o Options) Store { o.Now = c.now; return NewMemory(o) })
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		fs := newFakeS3(t, c)
		f(t, c, func(o Options) Store { o.Now = c.now; return fs.store(t, o) })
	})
}

func TestStorePagingSinceAndLatest(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, _ *clock, newStore func(Options) Store) {
		ctx := context.Background()
		s := newStore(Options{})
		_, ok, err := s.Lookup(ctx, "org", "key")
		require.NoError(t, err)
		assert.False(t, ok)
		id, err := s.Register(ctx, "org", "key")
		require.NoError(t, err)
		again, err := s.Register(ctx, "org", "key")
		require.NoError(t, err)
		assert.Equal(t, id, again, "registering again keeps the journal")
		other, err := s.Register(ctx, "org", "key2")
		require.NoError(t, err)
		assert.NotEqual(t, id, other)
		org, err := s.Owner(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "org", org)

		es, next, err := s.Read(ctx, id, "", 0)
		require.NoError(t, err)
		assert.Empty(t, es)
		assert.Equal(t, "0", next)
		latest, err := s.Latest(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "0", latest)

		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Append(ctx, id, ev(i)))
		}
		es, next, err = s.Read(ctx, id, "", 2)
		require.NoError(t, err)
		assert.Equal(t, []string{"1", "2"}, positions(es))
		assert.JSONEq(t, `{"n":1}`, string(es[0].Event))
		es, next, _ = s.Read(ctx, id, next, 2)
		assert.Equal(t, []string{"3", "4"}, positions(es))
		es, next, _ = s.Read(ctx, id, next, 2)
		assert.Equal(t, []string{"5"}, positions(es))
		assert.JSONEq(t, `{"n":5}`, string(es[0].Event))
		es, next, _ = s.Read(ctx, id, next, 2)
		assert.Empty(t, es)
		assert.Equal(t, "5", next, "an empty read keeps the position")

		latest, _ = s.Latest(ctx, id)
		assert.Equal(t, "5", latest)
		require.NoError(t, s.Append(ctx, id, ev(6), ev(7)))
		es, _, _ = s.Read(ctx, id, latest, 0)
		assert.Equal(t, []string{"6", "7"}, positions(es), "latest sees only what came after it")

		for _, bad := range []string{"x", "-1", "8", "99999999999999999999999"} {
			_, _, err = s.Read(ctx, id, bad, 0)
			assert.ErrorIs(t, err, ErrBadPosition, "since=%q", bad)
		}
		es, _, _ = s.Read(ctx, other, "", 0)
		assert.Empty(t, es, "the other client's journal got nothing")

		for _, bad := range []string{"nope", strings.Repeat("0", 32), "../" + id} {
			_, _, err = s.Read(ctx, bad, "", 0)
			assert.ErrorIs(t, err, ErrNoJournal, bad)
			assert.ErrorIs(t, s.Append(ctx, bad, ev(1)), ErrNoJournal, bad)
		}

		gone, err := s.Unregister(ctx, "org", "key")
		require.NoError(t, err)
		assert.True(t, gone)
		gone, err = s.Unregister(ctx, "org", "key")
		require.NoError(t, err)
		assert.False(t, gone)
		_, _, err = s.Read(ctx, id, "", 0)
		assert.ErrorIs(t, err, ErrNoJournal)
		_, err = s.Owner(ctx, id)
		assert.ErrorIs(t, err, ErrNoJournal)
		id2, _ := s.Register(ctx, "org", "key")
		assert.NotEqual(t, id, id2, "a new registration, a new journal")
	})
}

func TestStoreRetentionAndLatePoller(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, c *clock, newStore func(Options) Store) {
		ctx := context.Background()
		s := newStore(Options{MaxEvents: 3, MaxAge: time.Hour})
		id, err := s.Register(ctx, "org", "key")
		require.NoError(t, err)
		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Append(ctx, id, ev(i)))
		}
		es, _, err := s.Read(ctx, id, "", 0)
		require.NoError(t, err)
		assert.Equal(t, []string{"3", "4", "5"}, positions(es), "the count bound dropped the oldest")
		es, _, err = s.Read(ctx, id, "1", 0)
		require.NoError(t, err, "a position dropped by retention is still valid")
		assert.Equal(t, []string{"3", "4", "5"}, positions(es))

		// A poller that last read position 4 comes back late, within the
		// age bound: it loses nothing.
		c.add(59 * time.Minute)
		require.NoError(t, s.Append(ctx, id, ev(6)))
		es, _, _ = s.Read(ctx, id, "4", 0)
		assert.Equal(t, []string{"5", "6"}, positions(es))
		assert.JSONEq(t, `{"n":6}`, string(es[1].Event))

		// Past the age bound the old events are gone, the young one stays,
		// before any further append deletes them.
		c.add(2 * time.Minute)
		es, next, _ := s.Read(ctx, id, "", 0)
		assert.Equal(t, []string{"6"}, positions(es))
		assert.Equal(t, "6", next)
		c.add(time.Hour)
		es, next, _ = s.Read(ctx, id, "", 0)
		assert.Empty(t, es)
		require.NoError(t, s.Append(ctx, id, ev(7)))
		es, _, _ = s.Read(ctx, id, next, 0)
		assert.Equal(t, []string{"7"}, positions(es), "positions never repeat; nothing expired is read")
	})
}

func TestS3RetentionDeletesObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	fs := newFakeS3(t, c)
	s := fs.store(t, Options{MaxEvents: 2, MaxAge: time.Hour, Now: c.now})
	id, err := s.Register(ctx, "org", "key")
	require.NoError(t, err)
	for i := 1; i <= 4; i++ {
		require.NoError(t, s.Append(ctx, id, ev(i)))
	}
	dir := "acs/journal/" + id + "/"
	assert.Equal(t, []string{dir + "00000000000000000003.json", dir + "00000000000000000004.json",
		dir + "_head.json", dir + "_owner.json"}, keysUnder(fs.keys(t), dir), "the count bound deleted the objects")
	c.add(2 * time.Hour)
	require.NoError(t, s.Append(ctx, id, ev(5)))
	assert.Equal(t, []string{dir + "00000000000000000005.json", dir + "_head.json", dir + "_owner.json"},
		keysUnder(fs.keys(t), dir), "the age bound deleted the objects")

	_, err = s.Unregister(ctx, "org", "key")
	require.NoError(t, err)
	assert.Empty(t, fs.keys(t), "unregister leaves nothing behind")
}

func keysUnder(keys []string, dir string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, dir) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// TestS3ConcurrentWriters appends from several stores (as several
// processes would) and goroutines at once: every event gets exactly one
// position, positions run 1..N without a gap, and a reader that polled
// during the appends, following next, saw every event once.
func TestS3ConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := newFakeS3(t, nil)
	const procs, perProc, batch = 4, 6, 2
	var ss []*S3
	for range procs {
		ss = append(ss, fs.store(t, Options{}))
	}
	// Every process registers the same client at once: one journal.
	ids := make([]string, procs)
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.Register(ctx, "org", "key")
			assert.NoError(t, err)
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id, "concurrent registrations share one journal")
	}
	id := ids[0]

	stop := make(chan struct{})
	polled := make(chan []Entry)
	go func() { // a poller reading while the writers write
		var got []Entry
		next := "0"
		for {
			es, n, err := ss[0].Read(ctx, id, next, 5)
			assert.NoError(t, err)
			got = append(got, es...)
			next = n
			select {
			case <-stop:
				if len(es) == 0 {
					polled <- got
					return
				}
			default:
			}
		}
	}()
	for p, s := range ss {
		for g := range perProc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var evs []json.RawMessage
				for b := range batch {
					evs = append(evs, json.RawMessage(fmt.Sprintf(`{"p":%d,"g":%d,"b":%d}`, p, g, b)))
				}
				assert.NoError(t, s.Append(ctx, id, evs...))
			}()
		}
	}
	wg.Wait()
	close(stop)
	got := <-polled

	const n = procs * perProc * batch
	all, _, err := ss[1].Read(ctx, id, "", 1000)
	require.NoError(t, err)
	require.Len(t, all, n)
	seen := map[string]bool{}
	for i, e := range all {
		assert.Equal(t, fmt.Sprint(i+1), e.Position, "positions run without a gap")
		assert.False(t, seen[string(e.Event)], "event %s twice", e.Event)
		seen[string(e.Event)] = true
	}
	assert.Len(t, seen, n, "every event was kept")
	assert.Equal(t, positions(all), positions(got), "the poller saw every event once, in order")
	latest, err := ss[2].Latest(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(n), latest)
}

// TestS3Restart reads and extends a journal from a new store, as a new
// process (a fresh web action container) would.
func TestS3Restart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := newFakeS3(t, nil)
	first, id := fs.registered(t)
	require.NoError(t, first.Append(ctx, id, ev(1), ev(2), ev(3)))

	second := fs.store(t, Options{})
	got, ok, err := second.Lookup(ctx, "org", "key")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, id, got)
	latest, err := second.Latest(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "3", latest)
	require.NoError(t, second.Append(ctx, id, ev(4)))
	es, _, err := second.Read(ctx, id, "2", 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"3", "4"}, positions(es))
	// The first store's hint is behind now; its append still lands after.
	require.NoError(t, first.Append(ctx, id, ev(5)))
	es, _, _ = fs.store(t, Options{}).Read(ctx, id, "", 0)
	assert.Equal(t, []string{"1", "2", "3", "4", "5"}, positions(es))
	assert.JSONEq(t, `{"n":5}`, string(es[4].Event))
}

func TestS3PendingIsClaimedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := newFakeS3(t, nil)
	s, id := fs.registered(t)
	p := Pending{ActivationID: "0123abcd", RequestID: "r1", Renditions: []json.RawMessage{json.RawMessage(`{"fmt":"png"}`)},
		UserData: json.RawMessage(`{"a":1}`), Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, s.AddPending(ctx, id, p))
	assert.Error(t, s.AddPending(ctx, id, Pending{ActivationID: "../x"}), "an activation id is a key part")
	got, err := fs.store(t, Options{}).PendingOf(ctx, id)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, p.RequestID, got[0].RequestID)
	assert.JSONEq(t, `{"a":1}`, string(got[0].UserData))

	var wins sync.Map
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := fs.store(t, Options{}).ClaimPending(ctx, id, p.ActivationID)
			assert.NoError(t, err)
			if ok {
				wins.Store(i, true)
			}
		}()
	}
	wg.Wait()
	n := 0
	wins.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, 1, n, "exactly one claim wins")
	require.NoError(t, s.DonePending(ctx, id, p.ActivationID))
	got, err = s.PendingOf(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestS3Errors(t *testing.T) {
	t.Parallel()
	_, err := NewS3(S3Options{Bucket: "b"})
	assert.Error(t, err)
	fs := newFakeS3(t, nil)
	s, err := NewS3(S3Options{Client: fs.client, Bucket: "missing"})
	require.NoError(t, err)
	_, err = s.Register(context.Background(), "org", "key")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s3://missing/")
	assert.False(t, errors.Is(err, ErrNoJournal))
	// A missing bucket is an error, not a client that is not registered
	// or a journal that does not exist.
	_, _, err = s.Lookup(context.Background(), "org", "key")
	assert.Error(t, err)
	_, err = s.Owner(context.Background(), strings.Repeat("a", 32))
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNoJournal), "%v", err)
}

// TestS3ExpireTag: the objects a bucket lifecycle rule may expire carry
// ExpireTag; the registration, owner and head, which must outlive quiet
// periods, do not.
func TestS3ExpireTag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := newFakeS3(t, nil)
	s, id := fs.registered(t)
	require.NoError(t, s.Append(ctx, id, ev(1)))
	require.NoError(t, s.AddPending(ctx, id, Pending{ActivationID: "abc123"}))
	_, err := s.ClaimPending(ctx, id, "abc123")
	require.NoError(t, err)
	dir := "/b/acs/journal/" + id + "/"
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for path, tag := range fs.tags {
		switch {
		case strings.HasPrefix(path, "/b/acs/journal/_clients/"), path == dir+"_owner.json", path == dir+"_head.json":
			assert.Empty(t, tag, path)
		default:
			assert.Equal(t, ExpireTag, tag, path)
		}
	}
	for _, p := range []string{dir + "00000000000000000001.json", dir + "_pending/abc123.json", dir + "_claimed/abc123", dir + "_head.json"} {
		_, ok := fs.tags[p]
		assert.True(t, ok, "%s was written", p)
	}
}

// TestMarkRead: each store tells exactly one reader that it is the first
// to read a journal, S3 across processes (new stores on the same bucket,
// at once); unregistering and registering again gives a journal never
// read; an unknown journal is ErrNoJournal.
func TestMarkRead(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, _ *clock, newStore func(Options) Store) {
		ctx := context.Background()
		s := newStore(Options{})
		id, err := s.Register(ctx, "org", "key")
		require.NoError(t, err)
		readers := []Store{s}
		if _, ok := s.(*S3); ok {
			for range 4 {
				readers = append(readers, newStore(Options{}))
			}
		}
		var firsts atomic.Int32
		var wg sync.WaitGroup
		for _, r := range readers {
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					first, err := r.(ReadMarker).MarkRead(ctx, id)
					assert.NoError(t, err)
					if first {
						firsts.Add(1)
					}
				}()
			}
		}
		wg.Wait()
		assert.Equal(t, int32(1), firsts.Load(), "one first reader")
		first, err := newStoreOrSame(s, newStore).(ReadMarker).MarkRead(ctx, id)
		require.NoError(t, err)
		assert.False(t, first, "read before")

		_, err = s.Unregister(ctx, "org", "key")
		require.NoError(t, err)
		_, err = s.(ReadMarker).MarkRead(ctx, id)
		assert.ErrorIs(t, err, ErrNoJournal)
		id2, err := s.Register(ctx, "org", "key")
		require.NoError(t, err)
		first, err = s.(ReadMarker).MarkRead(ctx, id2)
		require.NoError(t, err)
		assert.True(t, first, "a new journal was never read")
	})
}

// newStoreOrSame returns a new store on the same S3 bucket (another
// process), or s itself for the in-memory store.
func newStoreOrSame(s Store, newStore func(Options) Store) Store {
	if _, ok := s.(*S3); ok {
		return newStore(Options{})
	}
	return s
}
