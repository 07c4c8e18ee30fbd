package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestOpenWhiskBench is the benchmark of scripts/bench-openwhisk.sh, not a
// test: it runs only with E2E_OWBENCH set to a directory of JPEGs. It times
// the same profile (E2E_OWBENCH_PROFILE, an acs batch profile) over the same
// photos in process (`acs batch -j N`) and through the OpenWhisk path: the
// photos on versitygw, the process action of the deployed manifest invoked
// with N blocking requests at once (presigned GET source, presigned PUT
// targets), fanning out to warm thumbnail workers. The two take turns in
// every run (E2E_OWBENCH_RUNS, default 3) for each N of E2E_OWBENCH_N
// (default "1 2"), after an untimed warm-up that starts the action
// processes. acs batch gets --threads E2E_OWBENCH_THREADS (default 1).
// With E2E_OWBENCH_BASE (a directory with another build's process.zip and
// thumbnail.zip) those take the deployed actions' place for a timed
// OpenWhisk-path run of their own in every run. It prints images/s (the
// median run), the ratios, and where the time goes on the OpenWhisk path:
// the CPU time of every process (acs serve, each action's processes,
// versitygw) against the in-process run's, and the steps of the
// activations from their records and logs.
func TestOpenWhiskBench(t *testing.T) {
	dir := os.Getenv("E2E_OWBENCH")
	if dir == "" {
		t.Skip("a benchmark: set E2E_OWBENCH to a directory of JPEGs (scripts/bench-openwhisk.sh does)")
	}
	photos, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	sort.Strings(photos)
	if len(photos) == 0 {
		t.Fatalf("no *.jpg in %s", dir)
	}
	profilePath := os.Getenv("E2E_OWBENCH_PROFILE")
	profileRaw, err := os.ReadFile(profilePath)
	if err != nil {
		t.Fatalf("E2E_OWBENCH_PROFILE: %v", err)
	}
	var prof []map[string]any
	if err := json.Unmarshal(profileRaw, &prof); err != nil {
		t.Fatalf("profile %s: %v", profilePath, err)
	}
	runs := envInt(t, "E2E_OWBENCH_RUNS", 3)
	var ns []int
	for _, f := range strings.Fields(envOr("E2E_OWBENCH_N", "1 2")) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			t.Fatalf("E2E_OWBENCH_N: %q is not a positive number", f)
		}
		ns = append(ns, n)
	}
	threads := envOr("E2E_OWBENCH_THREADS", "1")

	s := startStackWith(t, false)
	c := s.gw.client()
	ctx := context.Background()
	const benchBucket = "bench"
	createBucket(t, c, benchBucket)
	// The sources, uploaded once; versitygw notifies nothing here.
	keys := make([]string, len(photos))
	for i, p := range photos {
		keys[i] = "src/" + filepath.Base(p)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(keys[i]),
			Body: bytes.NewReader(data), ContentType: aws.String("image/jpeg")}); err != nil {
			t.Fatalf("upload %s: %v", keys[i], err)
		}
	}

	b := &owBench{s: s, c: c, bucket: benchBucket, keys: keys, profile: prof}
	// Warm-up: one request per worker slot at once, so every action
	// process the timed runs use is started; then the page cache holds the
	// photos for acs batch too.
	maxN := slices.Max(ns)
	warm := func() {
		if _, _, err := b.run(ctx, maxN, keys[:min(maxN, len(keys))]); err != nil {
			t.Fatalf("warm-up: %v\n%s", err, tail(s.acs.logPath, 30))
		}
	}
	warm()
	if _, err := b.batch(ctx, photos, profilePath, maxN, threads, t.TempDir()); err != nil {
		t.Fatalf("warm-up acs batch: %v", err)
	}
	// A baseline build of the actions (E2E_OWBENCH_BASE, a directory of
	// zips such as process.zip and thumbnail.zip) takes turns with the
	// deployed one on the OpenWhisk path.
	var baseCode, curCode map[string]string
	if dir := os.Getenv("E2E_OWBENCH_BASE"); dir != "" {
		baseCode = map[string]string{}
		for _, a := range []string{"process", "thumbnail"} {
			zip, err := os.ReadFile(filepath.Join(dir, a+".zip"))
			if err != nil {
				t.Fatalf("E2E_OWBENCH_BASE: %v", err)
			}
			baseCode[a] = base64.StdEncoding.EncodeToString(zip)
		}
		curCode = s.setActionCode(t, baseCode)
		s.setActionCode(t, curCode) // new processes: warm them again
		warm()
	}

	type sample struct {
		wall    time.Duration
		rtt     time.Duration // OpenWhisk: the sum of the requests' round trips
		cpu     cpuSample
		records []whisk.Activation
	}
	inproc := map[int][]sample{}
	ow := map[int][]sample{}
	base := map[int][]sample{}
	load0 := loadavg()
	for run := 1; run <= runs; run++ {
		for _, n := range ns {
			c0 := cpuNow(s, b.batchCPU)
			wall, err := b.batch(ctx, photos, profilePath, n, threads, t.TempDir())
			if err != nil {
				t.Fatalf("acs batch -j %d: %v", n, err)
			}
			inproc[n] = append(inproc[n], sample{wall: wall, cpu: cpuNow(s, b.batchCPU).sub(c0)})

			t0 := time.Now()
			c0 = cpuNow(s, b.batchCPU)
			wall, rtt, err := b.run(ctx, n, keys)
			if err != nil {
				t.Fatalf("OpenWhisk path, %d at once: %v\n%s", n, err, tail(s.acs.logPath, 30))
			}
			cpu := cpuNow(s, b.batchCPU).sub(c0)
			ow[n] = append(ow[n], sample{wall: wall, cpu: cpu, rtt: rtt, records: runRecords(s.allActivationsSince(t, t0), b.lastPrefix)})
			fmt.Printf("OWBENCH run %d N=%d: acs batch %.2f img/s, OpenWhisk path %.2f img/s\n", run, n,
				float64(len(photos))/inproc[n][len(inproc[n])-1].wall.Seconds(), float64(len(photos))/wall.Seconds())
			if baseCode != nil {
				s.setActionCode(t, baseCode)
				warm()
				t0, c0 := time.Now(), cpuNow(s, b.batchCPU)
				wall, rtt, err := b.run(ctx, n, keys)
				if err != nil {
					t.Fatalf("OpenWhisk path (baseline), %d at once: %v\n%s", n, err, tail(s.acs.logPath, 30))
				}
				base[n] = append(base[n], sample{wall: wall, cpu: cpuNow(s, b.batchCPU).sub(c0), rtt: rtt, records: runRecords(s.allActivationsSince(t, t0), b.lastPrefix)})
				s.setActionCode(t, curCode)
				warm()
				fmt.Printf("OWBENCH run %d N=%d: OpenWhisk path, baseline actions %.2f img/s\n", run, n, float64(len(photos))/wall.Seconds())
			}
		}
	}
	load1 := loadavg()
	if os.Getenv("E2E_OWBENCH_LOGS") != "" {
		// The logs of one thumbnail activation, to see its steps.
		for _, a := range ow[ns[0]][0].records {
			if a.Name == "thumbnail" {
				fmt.Printf("OWBENCH thumbnail activation %s (%d ms):\n", a.ActivationID, a.Duration)
				for _, l := range a.Logs {
					fmt.Println("OWBENCH   " + l)
				}
				break
			}
		}
	}

	median := func(xs []sample) sample {
		ys := slices.Clone(xs)
		slices.SortFunc(ys, func(a, b sample) int { return int(a.wall - b.wall) })
		return ys[len(ys)/2]
	}
	imgs := float64(len(photos))
	fmt.Printf("\nOWBENCH %d photos x %d renditions (%s), %d runs (median), %d CPUs, load %s -> %s\n",
		len(photos), len(prof), profileSizes(prof), runs, runtime.NumCPU(), load0, load1)
	fmt.Printf("OWBENCH %-4s %15s %16s %7s %13s %13s %10s\n", "N", "acs batch img/s", "OpenWhisk img/s", "ratio", "CPU s/img in", "CPU s/img OW", "CPU ratio")
	for _, n := range ns {
		in, o := median(inproc[n]), median(ow[n])
		fmt.Printf("OWBENCH %-4d %15.2f %16.2f %6.2fx %13.3f %13.3f %9.2fx\n", n, imgs/in.wall.Seconds(), imgs/o.wall.Seconds(),
			in.wall.Seconds()/o.wall.Seconds(), in.cpu.total()/imgs, o.cpu.total()/imgs, in.cpu.total()/o.cpu.total())
	}
	fmt.Println("OWBENCH (ratio: OpenWhisk img/s over acs batch img/s; CPU ratio: acs batch CPU over OpenWhisk CPU per photo, the ratio when both are CPU-bound)")
	if baseCode != nil {
		fmt.Printf("OWBENCH %-4s %22s %16s %7s %17s %13s\n", "N", "OpenWhisk base img/s", "OpenWhisk img/s", "gain", "CPU s/img base", "CPU s/img OW")
		for _, n := range ns {
			bs, o := median(base[n]), median(ow[n])
			fmt.Printf("OWBENCH %-4d %22.2f %16.2f %6.2fx %17.3f %13.3f\n", n, imgs/bs.wall.Seconds(), imgs/o.wall.Seconds(),
				bs.wall.Seconds()/o.wall.Seconds(), bs.cpu.total()/imgs, o.cpu.total()/imgs)
		}
	}
	for _, n := range ns {
		in, o := median(inproc[n]), median(ow[n])
		fmt.Printf("\nOWBENCH N=%d where the CPU goes, seconds per photo (the median run of each):\n", n)
		fmt.Printf("OWBENCH   %-34s %8.3f\n", "acs batch (in process)", in.cpu.total()/imgs)
		for _, k := range o.cpu.keys() {
			fmt.Printf("OWBENCH   %-34s %8.3f\n", "OpenWhisk path: "+k, o.cpu[k]/imgs)
		}
		fmt.Printf("OWBENCH   %-34s %8.3f\n", "OpenWhisk path: total", o.cpu.total()/imgs)
		fmt.Print(stepBreakdown(o.records, o.rtt, len(photos)))
		if baseCode != nil {
			bs := median(base[n])
			fmt.Printf("OWBENCH   baseline actions: CPU %.3f s per photo (thumbnail %.3f, process %.3f)\n", bs.cpu.total()/imgs, bs.cpu["action thumbnail"]/imgs, bs.cpu["action process"]/imgs)
			fmt.Print(stepBreakdown(bs.records, bs.rtt, len(photos)))
		}
	}
}

// owBench drives the OpenWhisk path and acs batch over the same photos.
type owBench struct {
	s       *stack
	c       *s3.Client
	bucket  string
	keys    []string
	profile []map[string]any
	// lastPrefix starts the request ids of the last run.
	lastPrefix string
	// batchCPU is the CPU time of the acs batch runs so far.
	batchCPU float64
}

// run sends one blocking process request per key, n at once, and checks
// that every rendition was created; it returns the wall time and the sum of
// the requests' round trips. Its requests' ids start with b.lastPrefix.
func (b *owBench) run(ctx context.Context, n int, keys []string) (time.Duration, time.Duration, error) {
	ps := s3.NewPresignClient(b.c)
	type req struct {
		key string
		raw map[string]any
	}
	reqs := make([]req, len(keys))
	stamp := time.Now().UnixNano()
	b.lastPrefix = fmt.Sprintf("owbench-%d-", stamp)
	for i, key := range keys {
		src, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)}, s3.WithPresignExpires(time.Hour))
		if err != nil {
			return 0, 0, err
		}
		var rs []map[string]any
		for _, r := range b.profile {
			rr := map[string]any{}
			for k, v := range r {
				rr[k] = v
			}
			put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.bucket),
				Key: aws.String(fmt.Sprintf("%sbench/%d/%s/%s", renditionPrefix, stamp, filepath.Base(key), r["name"]))}, s3.WithPresignExpires(time.Hour))
			if err != nil {
				return 0, 0, err
			}
			rr["target"] = put.URL
			rs = append(rs, rr)
		}
		reqs[i] = req{key, map[string]any{"requestId": fmt.Sprintf("%s%d", b.lastPrefix, i), "source": src.URL, "renditions": rs}}
	}
	work := make(chan req)
	errs := make(chan error, len(reqs)*(len(b.profile)+1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var roundTrips time.Duration
	start := time.Now()
	for range n {
		// One client per worker: openwhisk-client-go sets the namespace
		// on the client it is called with.
		ow, err := newWhiskClient(b.s.apiURL)
		if err != nil {
			return 0, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				t0 := time.Now()
				res, _, err := ow.Actions.Invoke(processFQN, r.raw, true, true)
				mu.Lock()
				roundTrips += time.Since(t0)
				mu.Unlock()
				if err != nil {
					errs <- fmt.Errorf("%s: %w", r.key, err)
					continue
				}
				var out struct {
					Renditions []struct{ Name, Status, ErrorMessage string } `json:"renditions"`
				}
				raw, _ := json.Marshal(res)
				if err := json.Unmarshal(raw, &out); err != nil || len(out.Renditions) != len(b.profile) {
					errs <- fmt.Errorf("%s: unexpected result %s", r.key, raw)
					continue
				}
				for _, x := range out.Renditions {
					if x.Status != "created" {
						errs <- fmt.Errorf("%s: %s %s: %s", r.key, x.Name, x.Status, x.ErrorMessage)
					}
				}
			}
		}()
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for err := range errs {
		return 0, 0, err
	}
	return wall, roundTrips, nil
}

// batch runs acs batch -j n over the photos into out and returns the wall
// time.
func (b *owBench) batch(ctx context.Context, photos []string, profile string, n int, threads, out string) (time.Duration, error) {
	args := append([]string{"batch", "--profile", profile, "--out", out, "-j", strconv.Itoa(n), "--threads", threads}, photos...)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir(), "acs"), args...)
	start := time.Now()
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, outb)
	}
	wall := time.Since(start)
	b.batchCPU += cmd.ProcessState.UserTime().Seconds() + cmd.ProcessState.SystemTime().Seconds()
	return wall, nil
}

// setActionCode replaces the code of the deployed actions named in code
// (base64 zips by action name, in the package of processFQN) and returns
// the code they had. Their warm processes are replaced too.
func (s *stack) setActionCode(t *testing.T, code map[string]string) map[string]string {
	t.Helper()
	pkg, _, _ := strings.Cut(processFQN, "/")
	old := map[string]string{}
	for name, zip := range code {
		a, _, err := s.ow.Actions.Get(pkg+"/"+name, true)
		s.ow.Namespace = namespace
		if err != nil || a.Exec == nil || a.Exec.Code == nil {
			t.Fatalf("get action %s: %v", name, err)
		}
		old[name] = *a.Exec.Code
		a.Name, a.Namespace = pkg+"/"+name, ""
		a.Exec.Code = &zip
		if _, _, err := s.ow.Actions.Insert(a, true); err != nil {
			t.Fatalf("update action %s: %v", name, err)
		}
		s.ow.Namespace = namespace
	}
	return old
}

// allActivationsSince lists every activation record that started at or
// after since, page by page.
func (s *stack) allActivationsSince(t testing.TB, since time.Time) []whisk.Activation {
	t.Helper()
	var all []whisk.Activation
	for skip := 0; ; skip += 100 {
		page, _, err := s.ow.Activations.List(&whisk.ActivationListOptions{Limit: 100, Skip: skip, Docs: true, Since: since.UnixMilli()})
		s.ow.Namespace = namespace
		if err != nil {
			t.Logf("list activations: %v", err)
			return all
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
	}
}

// cpuSample is CPU seconds by process group: "acs serve", each action,
// "versitygw", "acs batch".
type cpuSample map[string]float64

func (c cpuSample) sub(o cpuSample) cpuSample {
	out := cpuSample{}
	for k, v := range c {
		if d := v - o[k]; d > 0.0005 {
			out[k] = d
		}
	}
	return out
}

func (c cpuSample) total() float64 {
	var t float64
	for _, v := range c {
		t += v
	}
	return t
}

func (c cpuSample) keys() []string {
	ks := make([]string, 0, len(c))
	for k := range c {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// cpuNow reads the CPU time of acs serve, its action processes (named by
// the action directory they run in) and versitygw from /proc, and the
// acs batch runs so far.
func cpuNow(s *stack, batchCPU float64) cpuSample {
	out := cpuSample{"acs batch": batchCPU}
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok {
			children[st.ppid] = append(children[st.ppid], pid)
		}
	}
	var walk func(pid int, label string)
	walk = func(pid int, label string) {
		st, ok := procStat(pid)
		if !ok {
			return
		}
		if label == "" {
			label = actionOf(pid)
		}
		out[label] += st.cpu
		for _, c := range children[pid] {
			walk(c, "")
		}
	}
	if st, ok := procStat(s.acs.cmd.Process.Pid); ok {
		out["acs serve"] += st.cpu
		for _, c := range children[s.acs.cmd.Process.Pid] {
			walk(c, "")
		}
	}
	if st, ok := procStat(s.gw.proc.cmd.Process.Pid); ok {
		out["versitygw"] += st.cpu
	}
	return out
}

type pstat struct {
	ppid int
	cpu  float64 // user + system seconds
}

// procStat reads a process's parent and CPU time from /proc/PID/stat.
func procStat(pid int) (pstat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return pstat{}, false
	}
	// The command name is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return pstat{}, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return pstat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return pstat{ppid: ppid, cpu: (ut + st) / 100}, true // USER_HZ is 100 on Linux
}

// actionOf names an action process by the __OW_ACTION_NAME acs serve
// gives it.
func actionOf(pid int) string {
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	for _, kv := range strings.Split(string(env), "\x00") {
		if name, ok := strings.CutPrefix(kv, "__OW_ACTION_NAME="); ok {
			return "action " + name[strings.LastIndexByte(name, '/')+1:]
		}
	}
	return "action (other)"
}

// runRecords keeps the records of one run: the process activations of its
// requests (request ids starting with prefix) and the worker activations.
func runRecords(acts []whisk.Activation, prefix string) []whisk.Activation {
	var out []whisk.Activation
	for _, a := range acts {
		if a.Name != "process" || strings.HasPrefix(resultRequestID(&a), prefix) {
			out = append(out, a)
		}
	}
	return out
}

// stepBreakdown sums the activation records of one OpenWhisk-path run:
// the requests' round trips, the process and thumbnail activations'
// durations, and the steps the thumbnail worker logs (source opened and
// read, renditions stored), as mean wall milliseconds per photo.
func stepBreakdown(acts []whisk.Activation, rtt time.Duration, photos int) string {
	var procMs, thumbMs, thumbWait, openMs, copiedMs, storeMs, storeMax, reqs, bytes float64
	var nProc, nThumb, nStore int
	num := func(l, key string) (float64, bool) {
		m := regexp.MustCompile(`"` + key + `":(\d+)`).FindStringSubmatch(l)
		if m == nil {
			return 0, false
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v, true
	}
	for _, a := range acts {
		switch a.Name {
		case "process":
			procMs += float64(a.Duration)
			nProc++
		case "thumbnail":
			thumbMs += float64(a.Duration)
			thumbWait += float64(annotMillis(&a, "waitTime"))
			nThumb++
			var actStore float64
			for _, l := range a.Logs {
				switch {
				case strings.Contains(l, `"source opened"`):
					v, _ := num(l, "ms")
					openMs += v
				case strings.Contains(l, `"source copied for a file engine"`):
					if at, ok := logTime(l); ok {
						copiedMs += float64(at.Sub(time.UnixMilli(a.Start)).Milliseconds())
					}
				case strings.Contains(l, `"source read"`):
					v, _ := num(l, "requests")
					reqs += v
					v, _ = num(l, "bytes")
					bytes += v
				case strings.Contains(l, `"rendition stored"`):
					v, _ := num(l, "ms")
					storeMs += v
					actStore = max(actStore, v)
					nStore++
				}
			}
			storeMax += actStore
		}
	}
	var b strings.Builder
	p := float64(photos)
	row := func(label string, v float64, note string) {
		fmt.Fprintf(&b, "OWBENCH   %-38s %8.1f  %s\n", label, v, note)
	}
	fmt.Fprintf(&b, "OWBENCH   mean wall ms per photo, from %d process and %d thumbnail activation records:\n", nProc, nThumb)
	row("request round trip (client)", rtt.Seconds()*1000/p, "")
	row("  controller (round trip - process)", rtt.Seconds()*1000/p-procMs/p, "HTTP, acs serve, activation records")
	row("  process activation", procMs/p, "")
	row("    orchestration (process - thumbnail)", (procMs-thumbMs)/p, "decode, plan, invoke, JSON, webhook post")
	row("    thumbnail activation", thumbMs/p, fmt.Sprintf("(waitTime %.1f)", thumbWait/p))
	row("      source opened", openMs/p, fmt.Sprintf("(%.1f requests, %.1f MB read per photo)", reqs/p, bytes/p/1e6))
	row("      source opened and copied", copiedMs/p, "(activation start to the local copy for libvips)")
	row("      renditions stored", storeMs/p, fmt.Sprintf("(sum of %d uploads; the longest %.1f)", nStore, storeMax/p))
	return b.String()
}

// logTime is the time of a JSON log line of an action.
func logTime(l string) (time.Time, bool) {
	m := regexp.MustCompile(`"time":"([^"]+)"`).FindStringSubmatch(l)
	if m == nil {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, m[1])
	return at, err == nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(t *testing.T, k string, def int) int {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", k, v)
	}
	return n
}

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func profileSizes(prof []map[string]any) string {
	var parts []string
	for _, r := range prof {
		parts = append(parts, fmt.Sprintf("%v %v q%v", r["fmt"], r["width"], r["quality"]))
	}
	return strings.Join(parts, ", ")
}
