package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Options configures an [S3] store.
type S3Options struct {
	// Client is the S3 client; build it with transfer.Client.S3 so that
	// the deployment's S3 settings (endpoint, region, credentials) apply.
	Client *s3.Client
	// Bucket holds the journals.
	Bucket string
	// Prefix is the key prefix of everything the store writes, e.g.
	// "acs-journal"; a trailing slash is added when missing.
	Prefix string
	// Journal bounds each journal: events kept and their age (by the
	// objects' Last-Modified). Zero values are the defaults.
	Journal Options
}

// S3 is a [Store] under an S3 prefix: the durable store of the Asset
// Compute API deployed as OpenWhisk web actions, whose containers keep no
// state and may run side by side. Layout (PREFIX is S3Options.Prefix):
//
//	PREFIX/_clients/SHA256(org, apiKey).json   {"journal": ID, "org": ORG}
//	PREFIX/ID/_owner.json                      {"org": ORG}
//	PREFIX/ID/00000000000000000001.json        the event at position 1
//	PREFIX/ID/_head.json                       {"last": N}, a hint only
//	PREFIX/ID/_pending/ACTIVATION.json         see Pending
//	PREFIX/ID/_claimed/ACTIVATION              see ClaimPending
//
// Positions: each event is one object whose key is its position, zero
// padded to 20 digits so that keys sort as positions do, written with a
// conditional put (If-None-Match: *). A writer tries the position after
// the last it knows of; when another writer took it (412 Precondition
// Failed) it lists the keys after it and tries after the last. Positions
// are therefore given out once each, increasing, and without gaps, by S3
// itself, with any number of concurrent writers and no lock or clock: a
// position is only tried once the one before it exists, so a reader that
// has seen position N never finds a new event below N later. (A
// per-writer sequence scheme would avoid the retry on contention but give
// positions that are not in the order events become visible, so a
// poller could skip an event committed late.) AWS S3 has honoured
// If-None-Match on PutObject since August 2024; MinIO, versitygw and
// Ceph RGW do too.
//
// Retention: after every append the oldest events beyond Journal.MaxEvents
// and those older than Journal.MaxAge are deleted; reads skip events older
// than MaxAge even before that. Add a bucket lifecycle rule expiring the
// objects under PREFIX/ tagged ExpireTag a day after MaxAge as well
// (docs/asset-compute-api.md), so that journals nobody writes to any more
// are emptied too.
type S3 struct {
	c      *s3.Client
	bucket string
	prefix string
	opts   Options

	mu   sync.Mutex
	last map[string]uint64 // last position seen per journal: a hint
	read map[string]bool   // journals known to have been read
}

// NewS3 returns a store under opts.Bucket and opts.Prefix.
func NewS3(opts S3Options) (*S3, error) {
	if opts.Client == nil || opts.Bucket == "" {
		return nil, errors.New("journal: an S3 client and a bucket are required")
	}
	p := strings.TrimPrefix(opts.Prefix, "/")
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	j := New(opts.Journal) // the defaults
	return &S3{c: opts.Client, bucket: opts.Bucket, prefix: p, opts: j.opts, last: map[string]uint64{}, read: map[string]bool{}}, nil
}

const posDigits = 20

func (s *S3) clientKey(org, apiKey string) string {
	sum := sha256.Sum256([]byte(org + "\x00" + apiKey))
	return s.prefix + "_clients/" + hex.EncodeToString(sum[:]) + ".json"
}
func (s *S3) dir(id string) string { return s.prefix + id + "/" }
func (s *S3) eventKey(id string, p uint64) string {
	return fmt.Sprintf("%s%0*d.json", s.dir(id), posDigits, p)
}

// eventPos returns the position of an event key of journal dir, false for
// any other key.
func eventPos(dir, key string) (uint64, bool) {
	name, ok := strings.CutSuffix(strings.TrimPrefix(key, dir), ".json")
	if !ok || len(name) != posDigits || strings.Trim(name, "0123456789") != "" {
		return 0, false
	}
	p, err := strconv.ParseUint(name, 10, 64)
	return p, err == nil
}

// validID reports whether id can be a journal id (and so a key part).
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func isStatus(err error, status int) bool {
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == status
}

// isNotFound reports whether err means that the object does not exist; a
// missing bucket (NoSuchBucket, also a 404) is an error, not an absence.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() != "" {
		return api.ErrorCode() == "NoSuchKey"
	}
	return isStatus(err, http.StatusNotFound)
}

// ExpireTag is the object tag (key=value) of the objects a bucket
// lifecycle rule may expire: events, pending activations and claims. The
// registrations and each journal's _owner.json and _head.json do not carry
// it: they must outlive quiet periods, or a client would find itself
// unregistered and positions would start again at 1.
const ExpireTag = "acs-journal=expire"

// put writes body at key; with ifNew only when key does not exist yet,
// returning created false when it did. expirable objects carry ExpireTag.
func (s *S3) put(ctx context.Context, key string, body []byte, ifNew, expirable bool) (created bool, err error) {
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"), ContentLength: aws.Int64(int64(len(body)))}
	if ifNew {
		in.IfNoneMatch = aws.String("*")
	}
	if expirable {
		in.Tagging = aws.String(ExpireTag)
	}
	if _, err := s.c.PutObject(ctx, in); err != nil {
		if ifNew && (isStatus(err, http.StatusPreconditionFailed) || isStatus(err, http.StatusConflict)) {
			return false, nil
		}
		return false, fmt.Errorf("journal: put s3://%s/%s: %w", s.bucket, key, err)
	}
	return true, nil
}

// get reads the object at key; found is false when there is none.
func (s *S3) get(ctx context.Context, key string) (body []byte, found bool, err error) {
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		if isNotFound(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("journal: get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer out.Body.Close()
	body, err = io.ReadAll(io.LimitReader(out.Body, 16<<20))
	if err != nil {
		return nil, false, fmt.Errorf("journal: read s3://%s/%s: %w", s.bucket, key, err)
	}
	return body, true, nil
}

func (s *S3) getJSON(ctx context.Context, key string, v any) (bool, error) {
	b, found, err := s.get(ctx, key)
	if err != nil || !found {
		return found, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("journal: s3://%s/%s is not JSON: %w", s.bucket, key, err)
	}
	return true, nil
}

// list returns up to max objects under prefix after startAfter, in key
// order (max <= 0: all of them).
func (s *S3) list(ctx context.Context, prefix, startAfter string, max int) ([]types.Object, error) {
	var out []types.Object
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix}
	if startAfter != "" {
		in.StartAfter = &startAfter
	}
	for {
		if max > 0 {
			in.MaxKeys = aws.Int32(int32(min(max-len(out), 1000)))
		}
		page, err := s.c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("journal: list s3://%s/%s: %w", s.bucket, prefix, err)
		}
		out = append(out, page.Contents...)
		if (max > 0 && len(out) >= max) || !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			return out, nil
		}
		in.ContinuationToken, in.StartAfter = page.NextContinuationToken, nil
	}
}

type registrationDoc struct {
	Journal string `json:"journal,omitempty"`
	Org     string `json:"org"`
}

// Register implements [Store]. Two processes registering the same client
// at once get the same journal: the client's key is written with a
// conditional put, and the loser reads the winner's.
func (s *S3) Register(ctx context.Context, org, apiKey string) (string, error) {
	if id, ok, err := s.Lookup(ctx, org, apiKey); err != nil || ok {
		return id, err
	}
	id := newJournalID()
	owner, _ := json.Marshal(registrationDoc{Org: org})
	if _, err := s.put(ctx, s.dir(id)+"_owner.json", owner, false, false); err != nil {
		return "", err
	}
	reg, _ := json.Marshal(registrationDoc{Journal: id, Org: org})
	created, err := s.put(ctx, s.clientKey(org, apiKey), reg, true, false)
	if err != nil {
		return "", err
	}
	if !created { // registered meanwhile by another process
		_ = s.deleteDir(ctx, id)
		id, ok, err := s.Lookup(ctx, org, apiKey)
		if err == nil && !ok {
			err = errors.New("journal: a concurrent registration vanished")
		}
		return id, err
	}
	return id, nil
}

// Lookup implements [Store].
func (s *S3) Lookup(ctx context.Context, org, apiKey string) (string, bool, error) {
	var reg registrationDoc
	found, err := s.getJSON(ctx, s.clientKey(org, apiKey), &reg)
	if err != nil || !found {
		return "", false, err
	}
	if !validID(reg.Journal) {
		return "", false, fmt.Errorf("journal: the registration of s3://%s/%s names no journal", s.bucket, s.clientKey(org, apiKey))
	}
	return reg.Journal, true, nil
}

// Unregister implements [Store]: the registration goes first, then every
// object of the journal.
func (s *S3) Unregister(ctx context.Context, org, apiKey string) (bool, error) {
	id, ok, err := s.Lookup(ctx, org, apiKey)
	if err != nil || !ok {
		return false, err
	}
	key := s.clientKey(org, apiKey)
	if _, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return false, fmt.Errorf("journal: delete s3://%s/%s: %w", s.bucket, key, err)
	}
	s.mu.Lock()
	delete(s.last, id)
	delete(s.read, id)
	s.mu.Unlock()
	return true, s.deleteDir(ctx, id)
}

// deleteDir deletes every object of journal id.
func (s *S3) deleteDir(ctx context.Context, id string) error {
	objs, err := s.list(ctx, s.dir(id), "", 0)
	if err != nil {
		return err
	}
	return s.deleteObjects(ctx, objs)
}

func (s *S3) deleteObjects(ctx context.Context, objs []types.Object) error {
	for len(objs) > 0 {
		n := min(len(objs), 1000)
		ids := make([]types.ObjectIdentifier, n)
		for i, o := range objs[:n] {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		if _, err := s.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &s.bucket,
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return fmt.Errorf("journal: delete under s3://%s/%s: %w", s.bucket, *objs[0].Key, err)
		}
		objs = objs[n:]
	}
	return nil
}

// Owner implements [Store].
func (s *S3) Owner(ctx context.Context, id string) (string, error) {
	if !validID(id) {
		return "", ErrNoJournal
	}
	var doc registrationDoc
	found, err := s.getJSON(ctx, s.dir(id)+"_owner.json", &doc)
	if err != nil {
		return "", err
	}
	if !found {
		return "", ErrNoJournal
	}
	return doc.Org, nil
}

// MarkRead implements [ReadMarker]: the first read writes the journal's
// _read.json with a conditional put, so that exactly one reader of all
// the processes sharing the store is told it is the first. A process
// remembers the journals it saw read, and asks S3 once per journal (so
// it does not check again that such a journal still exists: callers
// check Owner first, as the API does).
func (s *S3) MarkRead(ctx context.Context, id string) (bool, error) {
	s.mu.Lock()
	seen := s.read[id]
	s.mu.Unlock()
	if seen {
		return false, nil
	}
	if _, err := s.Owner(ctx, id); err != nil {
		return false, err
	}
	created, err := s.put(ctx, s.dir(id)+"_read.json", []byte("{}"), true, false)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.read[id] = true
	s.mu.Unlock()
	return created, nil
}

// hint returns the last position this process knows of for journal id,
// reading the journal's _head.json the first time.
func (s *S3) hint(ctx context.Context, id string) (uint64, error) {
	s.mu.Lock()
	p, ok := s.last[id]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	var head struct {
		Last uint64 `json:"last"`
	}
	if _, err := s.getJSON(ctx, s.dir(id)+"_head.json", &head); err != nil {
		return 0, err
	}
	return head.Last, nil
}

// remember records that position p of journal id exists.
func (s *S3) remember(id string, p uint64) {
	s.mu.Lock()
	if p > s.last[id] {
		s.last[id] = p
	}
	s.mu.Unlock()
}

// latest returns the last position of journal id: the hint, then the
// event keys after it.
func (s *S3) latest(ctx context.Context, id string) (uint64, error) {
	last, err := s.hint(ctx, id)
	if err != nil {
		return 0, err
	}
	dir := s.dir(id)
	start := ""
	if last > 0 {
		start = s.eventKey(id, last)
	}
	objs, err := s.list(ctx, dir, start, 0)
	if err != nil {
		return 0, err
	}
	for _, o := range objs {
		if p, ok := eventPos(dir, aws.ToString(o.Key)); ok && p > last {
			last = p
		}
	}
	s.remember(id, last)
	return last, nil
}

// Latest implements [Store].
func (s *S3) Latest(ctx context.Context, id string) (string, error) {
	if _, err := s.Owner(ctx, id); err != nil {
		return "", err
	}
	p, err := s.latest(ctx, id)
	return formatPos(p), err
}

// Append implements [Store]. See [S3] for how positions are given out.
func (s *S3) Append(ctx context.Context, id string, events ...json.RawMessage) error {
	if _, err := s.Owner(ctx, id); err != nil {
		return err
	}
	last, err := s.hint(ctx, id)
	if err != nil {
		return err
	}
	for _, ev := range events {
		for {
			created, err := s.put(ctx, s.eventKey(id, last+1), ev, true, true)
			if err != nil {
				return err
			}
			if created {
				last++
				s.remember(id, last)
				break
			}
			// Taken by another writer: go past the last one written.
			s.remember(id, last+1)
			if last, err = s.latest(ctx, id); err != nil {
				return err
			}
		}
	}
	head, _ := json.Marshal(map[string]uint64{"last": last})
	if _, err := s.put(ctx, s.dir(id)+"_head.json", head, false, false); err != nil {
		return err
	}
	return s.expire(ctx, id, last)
}

// expire deletes the events of journal id beyond the count bound (the
// last position being last) and those past the age bound, and the claims
// past the age bound.
func (s *S3) expire(ctx context.Context, id string, last uint64) error {
	dir := s.dir(id)
	cutoff := s.opts.Now().Add(-s.opts.MaxAge)
	var drop []types.Object
	start := ""
	for {
		objs, err := s.list(ctx, dir, start, 1000)
		if err != nil {
			return err
		}
		done := len(objs) < 1000
		for _, o := range objs {
			p, ok := eventPos(dir, aws.ToString(o.Key))
			if !ok || (p+uint64(s.opts.MaxEvents) > last && !aws.ToTime(o.LastModified).Before(cutoff)) {
				done = true // the oldest are first: everything after is kept
				break
			}
			drop = append(drop, o)
		}
		if done || len(objs) == 0 {
			break
		}
		start = aws.ToString(objs[len(objs)-1].Key)
	}
	claims, err := s.list(ctx, dir+"_claimed/", "", 0)
	if err != nil {
		return err
	}
	for _, o := range claims {
		if aws.ToTime(o.LastModified).Before(cutoff) {
			drop = append(drop, o)
		}
	}
	return s.deleteObjects(ctx, drop)
}

// Read implements [Store]. Events are read with up to 8 requests at once.
func (s *S3) Read(ctx context.Context, id, since string, limit int) ([]Entry, string, error) {
	var after uint64
	if since != "" {
		p, err := strconv.ParseUint(since, 10, 64)
		if err != nil {
			return nil, "", ErrBadPosition
		}
		after = p
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	if _, err := s.Owner(ctx, id); err != nil {
		return nil, "", err
	}
	dir := s.dir(id)
	start := ""
	if after > 0 {
		start = s.eventKey(id, after)
	}
	objs, err := s.list(ctx, dir, start, limit)
	if err != nil {
		return nil, "", err
	}
	cutoff := s.opts.Now().Add(-s.opts.MaxAge)
	type item struct {
		pos  uint64
		key  string
		body []byte
		err  error
	}
	var items []*item
	next := formatPos(after)
	for _, o := range objs {
		p, ok := eventPos(dir, aws.ToString(o.Key))
		if !ok {
			break // past the events
		}
		if aws.ToTime(o.LastModified).Before(cutoff) {
			next = formatPos(p) // expired, not deleted yet: read past it
			continue
		}
		items = append(items, &item{pos: p, key: aws.ToString(o.Key)})
	}
	if len(items) == 0 {
		last, err := s.latest(ctx, id)
		if err != nil {
			return nil, "", err
		}
		if after > last {
			return nil, "", ErrBadPosition
		}
		return nil, next, nil
	}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var found bool
			it.body, found, it.err = s.get(ctx, it.key)
			if it.err == nil && !found {
				it.body = nil // deleted by retention meanwhile
			}
		}()
	}
	wg.Wait()
	s.remember(id, items[len(items)-1].pos)
	var entries []Entry
	for _, it := range items {
		if it.err != nil {
			return nil, "", it.err
		}
		if it.body == nil {
			continue
		}
		entries = append(entries, Entry{Position: formatPos(it.pos), Event: json.RawMessage(it.body)})
		next = formatPos(it.pos)
	}
	return entries, next, nil
}

// Pending is a process activation whose events are not in its journal
// yet: the web action deployment starts activations without waiting for
// them, and appends their events when a reader finds them ended.
type Pending struct {
	ActivationID string            `json:"activationId"`
	RequestID    string            `json:"requestId"`
	Renditions   []json.RawMessage `json:"renditions"`
	UserData     json.RawMessage   `json:"userData,omitempty"`
	Started      time.Time         `json:"started"`
}

func (s *S3) pendingKey(id, activationID string) string {
	return s.dir(id) + "_pending/" + activationID + ".json"
}

// validActivation reports whether an activation id can be a key part.
func validActivation(a string) bool {
	return a != "" && len(a) <= 64 && strings.Trim(a, "0123456789abcdefABCDEF-") == ""
}

// AddPending records a pending activation of journal id.
func (s *S3) AddPending(ctx context.Context, id string, p Pending) error {
	if !validActivation(p.ActivationID) {
		return fmt.Errorf("journal: %q is not an activation id", p.ActivationID)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.put(ctx, s.pendingKey(id, p.ActivationID), b, false, true)
	return err
}

// PendingOf returns the pending activations of journal id, oldest first.
func (s *S3) PendingOf(ctx context.Context, id string) ([]Pending, error) {
	objs, err := s.list(ctx, s.dir(id)+"_pending/", "", 1000)
	if err != nil {
		return nil, err
	}
	var out []Pending
	for _, o := range objs {
		var p Pending
		found, err := s.getJSON(ctx, aws.ToString(o.Key), &p)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, p)
		}
	}
	return out, nil
}

// ClaimPending claims the right to append the events of a pending
// activation, with a conditional put: of several readers that find it
// ended at once, exactly one gets true, so its events are appended once.
func (s *S3) ClaimPending(ctx context.Context, id, activationID string) (bool, error) {
	if !validActivation(activationID) {
		return false, fmt.Errorf("journal: %q is not an activation id", activationID)
	}
	return s.put(ctx, s.dir(id)+"_claimed/"+activationID, []byte("{}"), true, true)
}

// DonePending forgets a pending activation whose events were appended.
// Its claim stays until it is older than the age bound, so that a reader
// that listed it before cannot claim it again.
func (s *S3) DonePending(ctx context.Context, id, activationID string) error {
	key := s.pendingKey(id, activationID)
	if _, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return fmt.Errorf("journal: delete s3://%s/%s: %w", s.bucket, key, err)
	}
	return nil
}
