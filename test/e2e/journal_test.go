package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/assetcompute/assetcompute/pkg/journal"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// TestJournalOnVersitygw runs the Asset Compute API's S3 journal store
// (journal.S3) on a real S3 gateway: concurrent registrations of one client
// share a journal, appends from several stores and goroutines at once get
// positions 1..N each once (conditional puts, If-None-Match), events are
// tagged for the lifecycle rule and the registration is not, the count
// bound deletes objects, and unregister leaves nothing behind.
func TestJournalOnVersitygw(t *testing.T) {
	g := startVersitygw(t, "")
	c := g.client()
	createBucket(t, c, "journals")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	newStore := func(opts journal.Options) *journal.S3 {
		tc, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, S3: transfer.S3Options{
			Endpoint: g.Endpoint, Region: s3Region, PathStyle: true, AccessKeyID: s3Access, SecretAccessKey: s3Secret}})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := tc.S3()
		if err != nil {
			t.Fatal(err)
		}
		s, err := journal.NewS3(journal.S3Options{Client: sc, Bucket: "journals", Prefix: "acs-journal", Journal: opts})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const procs, perProc = 4, 8
	stores := make([]*journal.S3, procs)
	for i := range stores {
		stores[i] = newStore(journal.Options{})
	}
	ids := make([]string, procs)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.Register(ctx, "ORG@AdobeOrg", "client")
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("concurrent registrations gave journals %v, want one", ids)
		}
	}
	id := ids[0]
	for p, s := range stores {
		for g := range perProc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev := json.RawMessage(fmt.Sprintf(`{"p":%d,"g":%d}`, p, g))
				if err := s.Append(ctx, id, ev); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	es, next, err := newStore(journal.Options{}).Read(ctx, id, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, e := range es {
		if e.Position != fmt.Sprint(i+1) {
			t.Errorf("event %d at position %s: positions must run without a gap", i, e.Position)
		}
		if seen[string(e.Event)] {
			t.Errorf("event %s twice", e.Event)
		}
		seen[string(e.Event)] = true
	}
	if len(es) != procs*perProc || len(seen) != procs*perProc || next != fmt.Sprint(procs*perProc) {
		t.Fatalf("read %d events (%d distinct), next %s; want %d", len(es), len(seen), next, procs*perProc)
	}

	tagOf := func(key string) string {
		out, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("journals"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("tagging of %s: %v", key, err)
		}
		s := ""
		for _, tag := range out.TagSet {
			s += aws.ToString(tag.Key) + "=" + aws.ToString(tag.Value)
		}
		return s
	}
	if got := tagOf("acs-journal/" + id + "/00000000000000000001.json"); got != journal.ExpireTag {
		t.Errorf("an event is tagged %q, want %q", got, journal.ExpireTag)
	}
	if got := tagOf("acs-journal/" + id + "/_owner.json"); got != "" {
		t.Errorf("the owner record is tagged %q: a lifecycle rule would expire it", got)
	}

	// The count bound deletes the oldest objects.
	small := newStore(journal.Options{MaxEvents: 5})
	if err := small.Append(ctx, id, json.RawMessage(`{"last":true}`)); err != nil {
		t.Fatal(err)
	}
	es, _, err = small.Read(ctx, id, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 5 || es[0].Position != fmt.Sprint(procs*perProc-3) {
		t.Errorf("after a bounded append: %d events from %v, want the last 5", len(es), es[0].Position)
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("journals"), Prefix: aws.String("acs-journal/" + id + "/0")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 5 {
		t.Errorf("%d event objects left, want 5", len(list.Contents))
	}

	if gone, err := small.Unregister(ctx, "ORG@AdobeOrg", "client"); err != nil || !gone {
		t.Fatalf("unregister: %v %v", gone, err)
	}
	list, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("journals")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("unregister left %d objects", len(list.Contents))
	}
}
