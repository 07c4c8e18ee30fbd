// Package e2e is the end-to-end test of Asset Compute on real parts:
// versitygw (a real S3 gateway) sends bucket notifications to the trigger
// asset-uploaded on `acs serve` (the local OpenWhisk-compatible
// controller), where manifest.yml was deployed with the real wskdeploy; the
// rule runs the sequence storage-event -> process, process fans out to the
// thumbnail, metadata and fulltext actions, which read the source from and
// write the renditions to versitygw, and process posts one signed webhook
// event per rendition to a local receiver. The Asset Compute HTTP API of
// acs serve is driven by the real @adobe/asset-compute-client (npm ci in
// test/compat), with tokens from an IMS stand-in checked against its JWKS.
// Run it with `make e2e`, which builds the binaries it needs; with
// E2E_REQUIRED set, a missing tool or npm client fails the test.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

const bucket = "assets"

// newPhoto is the photo asset: an EXIF-rotated JPEG (stored 600x450,
// orientation 6), so its thumbnails must come out portrait. Its text is
// read by OCR (a photo without words: an empty text rendition).
func newPhoto(label, key string) *asset {
	return &asset{
		Label: label, File: "examples/samples/portrait-rotated.jpg", Key: key, ContentType: "image/jpeg",
		MetaKeys: map[string]any{"dc:format": "image/jpeg", "tiff:Orientation": 6, "exif:PixelXDimension": 600, "tiff:ImageWidth": 600},
		Portrait: true,
	}
}

func newAssets() []*asset {
	return []*asset{
		newPhoto("photo", "uploads/photo 1 (naïve).jpg"),
		{
			Label: "pdf", File: "examples/samples/multilingual.pdf", Key: "uploads/Leuchtturm – notebook 100% + more.pdf", ContentType: "application/pdf",
			Phrases:  []string{"The Lighthouse Keeper's Notebook", "Das Notizbuch des Leuchtturmwärters", "灯台守の手帳"},
			MetaKeys: map[string]any{"dc:format": "application/pdf", "xmpTPg:NPages": 1, "pdf:Producer": nil},
			Portrait: true,
		},
		{
			Label: "docx", File: "examples/samples/report.docx", Key: "uploads/report (draft) ä.docx",
			ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			// Its thumbnails are its first page, made by the office action
			// (embedded thumbnail or LibreOffice): portrait.
			Portrait: true,
			Phrases:  []string{"Quarterly tide report", "café naïve Größe", "Footnote about granite foundations."},
			MetaKeys: map[string]any{"dc:format": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "xmp:CreatorTool": nil},
		},
		{
			// A 4 s 320x180 clip with a subtitle track: its thumbnails are
			// frames (landscape), its text the captions, its metadata the
			// movie's.
			Label: "video", File: "examples/samples/clip.mp4", Key: "uploads/clip (demo) é.mp4", ContentType: "video/mp4",
			Phrases:  []string{"Welcome to the demo clip.", "Every frame is made by ffmpeg."},
			MetaKeys: map[string]any{"dc:format": "video/mp4", "tiff:ImageWidth": 320, "tiff:ImageLength": 180, "xmpDM:videoCompressor": "h264"},
		},
	}
}

// upload puts an asset with aws-sdk-go-v2 and derives the requestId that
// storage-event gives it (bucket, key and ETag, as versitygw sends no
// version id).
func upload(ctx context.Context, c *s3.Client, a *asset) error {
	data, err := os.ReadFile(filepath.Join(repoRoot, a.File))
	if err != nil {
		return err
	}
	var etag *string
	switch a.Via {
	case "":
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Key),
			Body: bytes.NewReader(data), ContentType: aws.String(a.ContentType)})
		if err != nil {
			return fmt.Errorf("upload %s: %w", a.Key, err)
		}
		etag = out.ETag
	case "multipart":
		mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(a.Key), ContentType: aws.String(a.ContentType)})
		if err != nil {
			return fmt.Errorf("multipart upload %s: %w", a.Key, err)
		}
		part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(a.Key), UploadId: mp.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(data)})
		if err != nil {
			return fmt.Errorf("upload part of %s: %w", a.Key, err)
		}
		out, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(a.Key), UploadId: mp.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}}})
		if err != nil {
			return fmt.Errorf("complete multipart upload %s: %w", a.Key, err)
		}
		etag = out.ETag
	case "copy":
		out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Key),
			CopySource: aws.String(bucket + "/" + pathEscape(a.CopyOf.Key))})
		if err != nil {
			return fmt.Errorf("copy %s to %s: %w", a.CopyOf.Key, a.Key, err)
		}
		etag = out.CopyObjectResult.ETag
	default:
		return fmt.Errorf("unknown upload mode %q", a.Via)
	}
	a.Uploaded = time.Now()
	a.ETag = strings.Trim(aws.ToString(etag), `"`)
	a.RequestID = storageevent.RequestID(storageevent.Object{Bucket: bucket, Key: a.Key, ETag: a.ETag})
	return nil
}

// timedUpload uploads one asset while nothing else runs, waits until
// every rendition is listed (polling ListObjectsV2 every 20 ms) and its
// events have arrived, and logs the latency breakdown from the activation
// records. It returns the time from just before PutObject until the last
// rendition was listed.
func (s *stack) timedUpload(ctx context.Context, t *testing.T, c *s3.Client, a *asset) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := upload(ctx, c, a); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRenditions(ctx, c, bucket, renditionPrefix+a.Key+"/", []*asset{a}, 2*time.Minute, 20*time.Millisecond); err != nil {
		t.Fatalf("%s: %v\n%s", a.Label, err, s.diagnose(t, t0))
	}
	latency := time.Since(t0)
	if err := waitEvents(ctx, s.recv, []string{a.RequestID}, len(profile), time.Minute); err != nil {
		t.Fatalf("%s: %v\n%s", a.Label, err, s.diagnose(t, t0))
	}
	bench := s.breakdown(t, a, t0, latency)
	t.Log(bench)
	if os.Getenv("E2E_BENCH") == "1" {
		fmt.Println(bench)
	}
	return latency
}

// waitEvents waits until the receiver holds, for every asset, one
// deduplicated event per rendition of the profile.
func waitEvents(ctx context.Context, r *receiver, requestIDs []string, per int, timeout time.Duration) error {
	return waitFor(ctx, timeout, 100*time.Millisecond, func() error {
		var short []string
		for _, id := range requestIDs {
			if evs, _ := r.forRequest(id); len(evs) < per {
				short = append(short, fmt.Sprintf("%s: %d/%d", id, len(evs), per))
			}
		}
		if len(short) > 0 {
			return fmt.Errorf("events missing: %v", short)
		}
		return nil
	})
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs versitygw, acs serve and wskdeploy")
	}
	began := time.Now()
	phases := []phase{}
	mark := func(name string, start time.Time) {
		phases = append(phases, phase{name, time.Since(start)})
		t.Logf("phase %-28s %v", name, time.Since(start).Round(time.Millisecond))
	}

	acNode := needACClient(t)
	s := startStack(t)
	for _, k := range []string{"start acs serve", "deploy (wskdeploy)", "start versitygw"} {
		phases = append(phases, phase{k, s.timing[k]})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 7*time.Minute)
	defer cancel()
	c := s.gw.client()
	createBucket(t, c, bucket)
	assets := newAssets()
	photo := assets[0]

	// 1. One photo through the whole flow, alone, timed: first with every
	// action cold, then warm (E2E_BENCH=1: five warm runs).
	start := time.Now()
	photoLatency := s.timedUpload(ctx, t, c, photo)
	warmRuns := 1
	if os.Getenv("E2E_BENCH") == "1" {
		warmRuns = 5
	}
	var warm []time.Duration
	for i := range warmRuns {
		a := newPhoto(fmt.Sprintf("photo-warm%d", i+1), fmt.Sprintf("uploads/photo %d (warm).jpg", i+2))
		assets = append(assets, a)
		warm = append(warm, s.timedUpload(ctx, t, c, a))
	}
	sort.Slice(warm, func(i, j int) bool { return warm[i] < warm[j] })
	warmMedian := warm[len(warm)/2]
	benchLine := fmt.Sprintf("E2E BENCH photo upload -> all renditions listed: cold %v, warm median %v of %d", photoLatency.Round(time.Millisecond), warmMedian.Round(time.Millisecond), len(warm))
	t.Log(benchLine)
	if os.Getenv("E2E_BENCH") == "1" {
		fmt.Println(benchLine)
	}
	mark("photo upload -> renditions", start)

	// 2. A PDF and a DOCX uploaded together, with the photo again as a
	// multipart upload and as a server-side copy (versitygw notifies
	// s3:ObjectCreated:CompleteMultipartUpload and :Copy, with size 0).
	start = time.Now()
	mpPhoto := newPhoto("photo-mpu", "uploads/multipart/photo ü.jpg")
	mpPhoto.Via = "multipart"
	cpPhoto := newPhoto("photo-copy", "uploads/copies/photo copy ø.jpg")
	cpPhoto.Via, cpPhoto.CopyOf = "copy", photo
	assets = append(assets, mpPhoto, cpPhoto)
	var wg sync.WaitGroup
	errs := make(chan error, len(assets))
	for _, a := range assets {
		if a.Label != "pdf" && a.Label != "docx" && a.Label != "video" && a.Via == "" {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- upload(ctx, c, a) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	listing, err := waitRenditions(ctx, c, bucket, renditionPrefix, assets, 3*time.Minute, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.diagnose(t, start))
	}
	ids := []string{}
	for _, a := range assets {
		ids = append(ids, a.RequestID)
	}
	if err := waitEvents(ctx, s.recv, ids, len(profile), 2*time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, s.diagnose(t, start))
	}
	mark("pdf+docx+video+mpu+copy -> renditions", start)

	// Contents of every rendition, and the events.
	start = time.Now()
	created, failed, expectedCreated := 0, 0, 0
	for _, a := range assets {
		expectedCreated += len(a.created())
		for _, name := range a.created() {
			desc, err := checkRendition(ctx, c, bucket, a, name)
			if err != nil {
				t.Errorf("%s %s: %v", a.Label, name, err)
				continue
			}
			created++
			t.Logf("%-10s %-14s ok: %s", a.Label, name, desc)
		}
		failed += len(a.Failed)
		checkEvents(t, s.recv, a, listing)
	}
	// Nothing under the rendition prefix but the expected renditions: the
	// renditions' own notifications were skipped by the loop guard.
	want := map[string]bool{}
	for _, a := range assets {
		for _, n := range a.created() {
			want[a.renditionKey(n)] = true
		}
	}
	for k := range listing {
		if !want[k] {
			t.Errorf("unexpected object %q under %s", k, renditionPrefix)
		}
	}
	deliveries, unique := s.recv.snapshot()
	for _, d := range deliveries {
		if !d.Valid {
			t.Errorf("webhook delivery %s: %s: %s", d.ID, d.Problem, d.Body)
		}
	}
	if len(unique) != len(assets)*len(profile) {
		t.Errorf("%d distinct events, want %d (%d assets x %d renditions): %v", len(unique), len(assets)*len(profile), len(assets), len(profile), eventSummary(unique))
	}
	mark("content and event checks", start)
	bucketDeliveries := len(deliveries)

	// 3. process invoked directly with openwhisk-client-go on presigned URLs.
	start = time.Now()
	direct := s.invokeDirect(ctx, t, c, assets[1])
	mark("direct process (presigned)", start)

	// 3b. The web form process-web: POST with the namespace key
	// (require-whisk-auth), 202 and a non-blocking activation.
	start = time.Now()
	web := s.webForm(ctx, t, c, assets[2])
	mark("web form (process-web)", start)

	// 3c. The Asset Compute HTTP API driven by the real
	// @adobe/asset-compute-client: register, process the photo and the
	// PDF, every event through the client's journal emitter, renditions
	// checked in the gateway.
	start = time.Now()
	viaAPI := s.assetComputeClient(ctx, t, c, acNode, photo, assets[1])
	mark("asset compute client", start)

	// 4. A duplicate notification fired by hand (at-least-once delivery)
	// for the PDF, all of whose renditions were created: no work at all.
	// Then a genuinely new version of the same key: processed again.
	start = time.Now()
	dup := s.duplicate(ctx, t, c, assets[1])
	mark("duplicate notification", start)
	start = time.Now()
	nv := s.newVersion(ctx, t, c, assets[1])
	mark("new version", start)

	// Every activation of the run succeeded: unsupported renditions are
	// rendition_failed events, never failed activations; the gateway's
	// start-up test event and the renditions' own notifications were
	// accepted and skipped by storage-event.
	acts := s.allActivations(t)
	byName := map[string]int{}
	for _, a := range acts {
		byName[a.Name]++
		if a.Response.Status != "success" {
			t.Errorf("activation %s of %s: %s: %s", a.ActivationID, a.Name, a.Response.Status, resultJSON(a.Result))
		}
	}
	t.Logf("activations: %d %v", len(acts), byName)

	deliveries, unique = s.recv.snapshot()
	valid := 0
	for _, d := range deliveries {
		if d.Valid {
			valid++
		}
	}
	total := time.Since(began)
	var pt []string
	for _, p := range phases {
		pt = append(pt, fmt.Sprintf("%s=%.1fs", strings.ReplaceAll(strings.ReplaceAll(p.name, " ", "_"), "->", "to"), p.d.Seconds()))
	}
	summary := fmt.Sprintf("E2E SUMMARY: %s; assets=%d renditions_created=%d/%d expected_failures=%d events_unique=%d deliveries=%d (bucket flow %d) signatures_valid=%d/%d direct_renditions=%d web_form_renditions=%d api_renditions=%d activations=%d duplicate=[%s] new_version=[%s] photo_latency_cold=%.2fs photo_latency_warm=%.2fs phases: %s total=%.1fs",
		map[bool]string{true: "FAIL", false: "PASS"}[t.Failed()], len(assets), created, expectedCreated, failed,
		len(unique), len(deliveries), bucketDeliveries, valid, len(deliveries), direct, web, viaAPI, len(acts), dup, nv, photoLatency.Seconds(), warmMedian.Seconds(), strings.Join(pt, " "), total.Seconds())
	t.Log(summary)
	fmt.Println(summary)
}

type phase struct {
	name string
	d    time.Duration
}

func eventSummary(evs map[string]event) []string {
	var out []string
	for id, e := range evs {
		out = append(out, fmt.Sprintf("%s %s %s %s", id[:min(8, len(id))], e.RequestID, e.name(), e.Type))
	}
	sort.Strings(out)
	return out
}

// invokeDirect runs process with a blocking invocation through
// openwhisk-client-go: the source as a presigned GET, each target a
// presigned PUT (under the rendition prefix, so the gateway's notifications
// of them are skipped by storage-event). It returns how many renditions
// were created and checked.
func (s *stack) invokeDirect(ctx context.Context, t *testing.T, c *s3.Client, a *asset) int {
	t.Helper()
	ps := s3.NewPresignClient(c)
	src, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Key)}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d := &asset{Label: "direct", Key: "direct/" + a.Key, ContentType: a.ContentType, Phrases: a.Phrases, MetaKeys: a.MetaKeys, Portrait: a.Portrait, Failed: map[string]string{}}
	var renditions []map[string]any
	for _, spec := range profile {
		if spec.Name == "metadata.xmp" {
			d.Failed[spec.Name] = "" // not requested
			continue
		}
		var r map[string]any
		_ = json.Unmarshal([]byte(spec.JSON), &r)
		put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(d.renditionKey(spec.Name))}, s3.WithPresignExpires(15*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r["target"] = put.URL
		renditions = append(renditions, r)
	}
	reqID := fmt.Sprintf("e2e-direct-%d", time.Now().UnixNano())
	req := map[string]any{"requestId": reqID, "source": src.URL, "renditions": renditions, "userData": map[string]any{"phase": "direct"}}
	res, _, err := s.ow.Actions.Invoke(processFQN, req, true, true)
	s.ow.Namespace = namespace
	if err != nil {
		t.Fatalf("invoke %s: %v\n%s", processFQN, err, tail(s.acs.logPath, 30))
	}
	var result struct {
		RequestID  string  `json:"requestId"`
		Events     []event `json:"events"`
		Renditions []struct {
			Name, Status string
		} `json:"renditions"`
		Undelivered []map[string]any `json:"undelivered"`
	}
	raw, _ := json.Marshal(res)
	if err := json.Unmarshal(raw, &result); err != nil {
		t.Fatalf("process result: %v: %s", err, raw)
	}
	if result.RequestID != reqID {
		t.Errorf("direct: requestId %q, want %q", result.RequestID, reqID)
	}
	if len(result.Events) != len(renditions) {
		t.Errorf("direct: %d events in the result, want %d: %s", len(result.Events), len(renditions), raw)
	}
	if len(result.Undelivered) > 0 {
		t.Errorf("direct: undelivered events: %v", result.Undelivered)
	}
	n := 0
	for _, e := range result.Events {
		if e.Type != "rendition_created" {
			t.Errorf("direct %s: %s %s: %s", e.name(), e.Type, e.ErrorReason, e.ErrorMsg)
			continue
		}
		if strings.Contains(e.Source, "X-Amz-Signature") || strings.Contains(e.Source, "?") {
			t.Errorf("direct %s: the event's source keeps the presigned query: %q", e.name(), e.Source)
		}
		desc, err := checkRendition(ctx, c, bucket, d, e.name())
		if err != nil {
			t.Errorf("direct %s: %v", e.name(), err)
			continue
		}
		n++
		t.Logf("direct %-14s ok: %s", e.name(), desc)
	}
	if err := waitEvents(ctx, s.recv, []string{reqID}, len(renditions), 30*time.Second); err != nil {
		t.Errorf("direct: webhook: %v", err)
	}
	return n
}

// webForm posts a processing request (presigned URLs) to the web action
// process-web, first without credentials (refused), then with the
// namespace key, and waits for the renditions and their events. It returns
// how many renditions were created and checked.
func (s *stack) webForm(ctx context.Context, t *testing.T, c *s3.Client, a *asset) int {
	t.Helper()
	ps := s3.NewPresignClient(c)
	src, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Key)}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d := &asset{Label: "web", Key: "web/" + a.Key, ContentType: a.ContentType, Phrases: a.Phrases, MetaKeys: a.MetaKeys, Failed: map[string]string{}}
	var renditions []map[string]any
	for _, spec := range profile {
		if spec.Name != "text.txt" && spec.Name != "metadata.json" {
			d.Failed[spec.Name] = "" // not requested
			continue
		}
		var r map[string]any
		_ = json.Unmarshal([]byte(spec.JSON), &r)
		put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(d.renditionKey(spec.Name))}, s3.WithPresignExpires(15*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r["target"] = put.URL
		renditions = append(renditions, r)
	}
	body, _ := json.Marshal(map[string]any{"source": src.URL, "renditions": renditions})
	url := s.apiURL + "/api/v1/web/" + namespace + "/asset-compute/process-web" // no extension: .http, the result is the HTTP response
	post := func(auth bool, body []byte) (int, []byte) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.SetBasicAuth(authUUID, authKey)
		}
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, b := post(false, body); code != http.StatusUnauthorized {
		t.Errorf("web form without credentials: status %d (%s), want 401", code, b)
	}
	// A web client cannot change the deployment's settings: wskdeploy
	// makes a web-export action's bound parameters final, so the
	// controller refuses a body that names acsConfig.
	evil, _ := json.Marshal(map[string]any{"source": src.URL, "renditions": renditions,
		"acsConfig": map[string]any{"webhookUrl": "https://attacker.invalid/"}})
	if code, b := post(true, evil); code != http.StatusBadRequest {
		t.Errorf("web form overriding acsConfig: status %d (%s), want 400", code, b)
	}
	code, b := post(true, body)
	var res struct {
		OK           bool   `json:"ok"`
		RequestID    string `json:"requestId"`
		ActivationID string `json:"activationId"`
	}
	if code != http.StatusAccepted || json.Unmarshal(b, &res) != nil || !res.OK || res.RequestID == "" || res.ActivationID == "" {
		t.Fatalf("web form: status %d %s, want 202 {ok, requestId, activationId}", code, b)
	}
	if _, err := waitRenditions(ctx, c, bucket, renditionPrefix+d.Key+"/", []*asset{d}, time.Minute, 50*time.Millisecond); err != nil {
		t.Fatalf("web form: %v\n%s", err, s.diagnose(t, time.Now().Add(-time.Minute)))
	}
	if err := waitEvents(ctx, s.recv, []string{res.RequestID}, len(renditions), 30*time.Second); err != nil {
		t.Errorf("web form: webhook: %v", err)
	}
	n := 0
	for _, name := range d.created() {
		desc, err := checkRendition(ctx, c, bucket, d, name)
		if err != nil {
			t.Errorf("web %s: %v", name, err)
			continue
		}
		n++
		t.Logf("web %-14s ok: %s (request %s, activation %s)", name, desc, res.RequestID, res.ActivationID)
	}
	return n
}

// duplicate fires the trigger by hand with the notification versitygw sent
// for an asset whose renditions were all created (same bucket, key, size
// and ETag, in versitygw's exact shape), as an at-least-once delivery
// would, and checks that it does no work: storage-event derives the same
// requestId, finds every rendition stored with it (x-amz-meta-acs-request-id,
// skipExisting) and reports the request as skipped, so process invokes no
// worker, no event is delivered again and the renditions are untouched.
func (s *stack) duplicate(ctx context.Context, t *testing.T, c *s3.Client, a *asset) string {
	t.Helper()
	if len(a.Failed) != 0 {
		t.Fatalf("duplicate: %s has failed renditions, which a duplicate rightly makes again; use an asset whose renditions were all created", a.Label)
	}
	prefix := renditionPrefix + a.Key + "/"
	before, err := listPrefix(ctx, c, bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	// Every rendition carries the request's id, which is what makes the
	// duplicate recognisable.
	tagged := 0
	for _, name := range a.created() {
		id, err := renditionRequestID(ctx, c, a.renditionKey(name))
		switch {
		case err != nil:
			t.Errorf("duplicate: HEAD %s: %v", name, err)
		case id != a.RequestID:
			t.Errorf("duplicate: %s has x-amz-meta-acs-request-id %q, want %q", name, id, a.RequestID)
		default:
			tagged++
		}
	}
	_, firstDeliveries := s.recv.forRequest(a.RequestID)
	_, allBefore := s.recv.snapshot()

	body := versitygwNotification(t, a)
	fired := time.Now()
	if _, _, err := s.ow.Triggers.Fire(trigger, json.RawMessage(body)); err != nil {
		t.Fatalf("fire %s: %v", trigger, err)
	}
	// The sequence ends in a process activation whose batch reports the
	// request as skipped.
	var skip *skipRecord
	err = waitFor(ctx, time.Minute, 100*time.Millisecond, func() error {
		for _, act := range s.activations(t, fired) {
			if act.Name != "process" || act.Start < fired.UnixMilli() {
				continue
			}
			if id := resultRequestID(&act); id == a.RequestID {
				return fmt.Errorf("process ran request %s again (activation %s)", id, act.ActivationID)
			}
			for _, sk := range resultSkipped(&act) {
				if sk.RequestID == a.RequestID {
					skip = &sk
					return nil
				}
			}
		}
		return errors.New("no process activation reported the request as skipped yet")
	})
	if err != nil {
		t.Fatalf("duplicate: %v\n%s", err, s.diagnose(t, fired))
	}
	if skip.Reason != "already processed: every rendition exists for this object version" {
		t.Errorf("duplicate: skipped with reason %q", skip.Reason)
	}
	if len(skip.Renditions) != len(a.created()) {
		t.Errorf("duplicate: %d renditions reported existing, want %d: %v", len(skip.Renditions), len(a.created()), skip.Renditions)
	}
	time.Sleep(time.Second) // anything the duplicate started would show now

	workers := 0
	for _, act := range s.activations(t, fired) {
		if act.Start >= fired.UnixMilli() && isWorker(act.Name) {
			workers++
			t.Errorf("duplicate: worker activation %s of %s", act.ActivationID, act.Name)
		}
	}
	_, afterDeliveries := s.recv.forRequest(a.RequestID)
	_, allAfter := s.recv.snapshot()
	newIDs := len(allAfter) - len(allBefore)
	redelivered := afterDeliveries - firstDeliveries
	if newIDs != 0 || redelivered != 0 {
		t.Errorf("duplicate: %d new event ids and %d deliveries for the request, want none", newIDs, redelivered)
	}
	// The renditions hold the same bytes (versitygw's ETag is the MD5);
	// LastModified (1 s resolution in listings) is not compared.
	afterObjs, _ := listPrefix(ctx, c, bucket, prefix)
	sameETag := 0
	for k, o := range afterObjs {
		if b, ok := before[k]; !ok {
			t.Errorf("duplicate: new object %s", k)
		} else if o.ETag == b.ETag {
			sameETag++
		} else {
			t.Errorf("duplicate: %s changed: ETag %s, was %s", k, o.ETag, b.ETag)
		}
	}
	if sameETag != len(a.created()) {
		t.Errorf("duplicate: %d of %d renditions unchanged", sameETag, len(a.created()))
	}
	return fmt.Sprintf("skipped=%t tagged=%d/%d worker_activations=%d new_event_ids=%d redelivered=%d same_etag=%d/%d",
		skip != nil, tagged, len(a.created()), workers, newIDs, redelivered, sameETag, len(a.created()))
}

// newVersion re-uploads an asset's key with different bytes (the same PDF
// with a comment appended after %%EOF: a new ETag, so a new requestId) and
// checks that it is processed again: workers run, every rendition is
// rewritten with the new requestId and its events arrive.
func (s *stack) newVersion(ctx context.Context, t *testing.T, c *s3.Client, a *asset) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, a.File))
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("\n% acs e2e: a new version of the object\n")...)
	start := time.Now()
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(a.Key),
		Body: bytes.NewReader(data), ContentType: aws.String(a.ContentType)})
	if err != nil {
		t.Fatalf("new version of %s: %v", a.Key, err)
	}
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	id := storageevent.RequestID(storageevent.Object{Bucket: bucket, Key: a.Key, ETag: etag})
	if etag == a.ETag || id == a.RequestID {
		t.Fatalf("new version: ETag %s and requestId %s did not change", etag, id)
	}
	remade := 0
	err = waitFor(ctx, 2*time.Minute, 100*time.Millisecond, func() error {
		remade = 0
		for _, name := range a.created() {
			if got, err := renditionRequestID(ctx, c, a.renditionKey(name)); err == nil && got == id {
				remade++
			}
		}
		if remade < len(a.created()) {
			return fmt.Errorf("%d of %d renditions rewritten by request %s", remade, len(a.created()), id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("new version: %v\n%s", err, s.diagnose(t, start))
	}
	if err := waitEvents(ctx, s.recv, []string{id}, len(profile), time.Minute); err != nil {
		t.Errorf("new version: %v", err)
	}
	evs, _ := s.recv.forRequest(id)
	created := 0
	for _, e := range evs {
		if e.Type == "rendition_created" {
			created++
		}
	}
	if created != len(a.created()) {
		t.Errorf("new version: %d rendition_created events, want %d", created, len(a.created()))
	}
	workers := map[string]int{}
	for _, act := range s.activations(t, start) {
		if act.Start >= start.UnixMilli() && isWorker(act.Name) {
			workers[act.Name]++
		}
	}
	for _, w := range []string{"thumbnail", "metadata", "fulltext"} {
		if workers[w] == 0 {
			t.Errorf("new version: no %s activation", w)
		}
	}
	return fmt.Sprintf("requestId_new=%t worker_activations=%d renditions_remade=%d/%d events_created=%d",
		id != a.RequestID, workers["thumbnail"]+workers["metadata"]+workers["fulltext"], remade, len(a.created()), created)
}

// skipRecord is one entry of the "skipped" list storage-event emits and
// process passes through.
type skipRecord struct {
	Key        string   `json:"key"`
	RequestID  string   `json:"requestId"`
	Reason     string   `json:"reason"`
	Renditions []string `json:"renditions"`
}

// resultSkipped returns the skipped records in a process activation's
// batch result.
func resultSkipped(a *whisk.Activation) []skipRecord {
	var r struct {
		Skipped []skipRecord `json:"skipped"`
	}
	_ = json.Unmarshal(resultJSON(a.Result), &r)
	return r.Skipped
}

// renditionRequestID returns the x-amz-meta-acs-request-id of a stored
// rendition.
func renditionRequestID(ctx context.Context, c *s3.Client, key string) (string, error) {
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	for k, v := range out.Metadata {
		if strings.EqualFold(k, "acs-request-id") {
			return v, nil
		}
	}
	return "", nil
}

// isWorker reports whether an action name is one of the built-in workers.
func isWorker(name string) bool {
	return name == "thumbnail" || name == "metadata" || name == "fulltext"
}

// versitygwNotification is the body versitygw v1.8.0 posts for a PutObject
// of the asset: pkg/storageevent/testdata/versitygw_put.json (captured from
// it) with this bucket, key, size and ETag.
func versitygwNotification(t *testing.T, a *asset) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "pkg", "storageevent", "testdata", "versitygw_put.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(repoRoot, a.File))
	if err != nil {
		t.Fatal(err)
	}
	rec := ev["Records"].([]any)[0].(map[string]any)
	rec["eventTime"] = time.Now().UTC().Format(time.RFC3339)
	s3m := rec["s3"].(map[string]any)
	b := s3m["bucket"].(map[string]any)
	b["name"] = bucket
	b["arn"] = "arn:aws:s3:::/" + bucket + "/" + a.Key
	o := s3m["object"].(map[string]any)
	o["key"] = a.Key
	o["size"] = fi.Size()
	o["eTag"] = `"` + a.ETag + `"`
	out, _ := json.Marshal(ev)
	return out
}
