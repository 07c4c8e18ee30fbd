// Command hostile generates a corpus of hostile files (bombs, lies, loops,
// truncations, for every family of source the service reads) and runs
// every rendition family over each file with `acs process`, one process per
// file, as a client would. It prints one table: files, crashes, hangs, lost
// or duplicated events, partial files left behind, the reasons given by
// family, peak memory and the slowest files, and every outcome that breaks
// an expectation of the contract. scripts/hostile.sh builds acs and runs it.
//
//	hostile -acs bin/acs [-dir DIR] [-j 2] [-timeout 60s] [-only REGEXP] [-v]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// renditions are the renditions asked of every file, one per family and
// both metadata formats, in one request so that engines share a process
// as they do in a worker.
var renditions = []struct{ name, fmt, family string }{
	{"thumb.png", "png", "image"},
	{"meta.xmp", "xmp", "metadata"},
	{"meta.json", "machine-metadata-json", "metadata"},
	{"text.txt", "text", "text"},
}

func main() {
	acs := flag.String("acs", "bin/acs", "the acs binary")
	dir := flag.String("dir", "", "work directory (default: a new temporary directory, removed unless -keep)")
	keep := flag.Bool("keep", false, "keep the work directory")
	jobs := flag.Int("j", 2, "files processed at once")
	timeout := flag.Duration("timeout", 60*time.Second, "the request deadline given to acs; a process still running 15 s later is a hang")
	only := flag.String("only", "", "only the files whose name matches this regular expression")
	verbose := flag.Bool("v", false, "print every file's outcome")
	flag.Parse()
	if err := run(*acs, *dir, *keep, *jobs, *timeout, *only, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

// outcome is what one file did.
type outcome struct {
	sample  sample
	exit    int
	crash   string // why the run counts as a crash, if it does
	hang    bool
	lost    []string // renditions with no event or more than one
	reasons map[string]string
	partial []string // files left behind that no created rendition accounts for
	rssKB   int64
	elapsed time.Duration
}

func run(acs, dir string, keep bool, jobs int, timeout time.Duration, only string, verbose bool) error {
	acs, err := filepath.Abs(acs)
	if err != nil {
		return err
	}
	if _, err := os.Stat(acs); err != nil {
		return fmt.Errorf("acs binary: %w (build it with `go build -o bin/acs ./cmd/acs`)", err)
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hostile-"); err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	var filter *regexp.Regexp
	if only != "" {
		if filter, err = regexp.Compile(only); err != nil {
			return fmt.Errorf("-only: %w", err)
		}
	}

	fmt.Fprintf(os.Stderr, "hostile: generating the corpus in %s\n", dir)
	seeds := makeSeeds(acs, filepath.Join(dir, "seeds"))
	var samples []sample
	for _, s := range corpus(seeds) {
		if filter == nil || filter.MatchString(s.name) {
			samples = append(samples, s)
		}
	}
	corpusDir := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(corpusDir, 0o755); err != nil {
		return err
	}
	var total int64
	for _, s := range samples {
		b := s.data()
		total += int64(len(b))
		if err := os.WriteFile(filepath.Join(corpusDir, s.name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "hostile: %d files, %.1f MB; running %d renditions each, %d at a time\n",
		len(samples), float64(total)/1e6, len(renditions), jobs)

	out := make([]outcome, len(samples))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, jobs))
	for i, s := range samples {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = runOne(acs, filepath.Join(corpusDir, s.name), filepath.Join(dir, "runs", s.name), s, timeout)
			if verbose {
				fmt.Fprintln(os.Stderr, line(out[i]))
			}
		}()
	}
	wg.Wait()
	if !report(os.Stdout, out) {
		return errors.New("the corpus broke the contract (see above)")
	}
	return nil
}

// makeSeeds renders a PNG into the formats the corpus needs seeds of, with
// acs itself; a format this libvips cannot write is left out.
func makeSeeds(acs, dir string) map[string][]byte {
	seeds := map[string][]byte{}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return seeds
	}
	os.WriteFile(filepath.Join(dir, "seed.png"), encodePNG(), 0o644)
	exts := []string{"webp", "avif", "heic", "jp2", "jxl"}
	req := map[string]any{"source": "seed.png"}
	var rs []map[string]any
	for _, e := range exts {
		rs = append(rs, map[string]any{"name": "seed." + e, "fmt": e, "target": "seed." + e})
	}
	req["renditions"] = rs
	b, _ := json.Marshal(req)
	os.WriteFile(filepath.Join(dir, "request.json"), b, 0o644)
	cmd := exec.Command(acs, "process", "-f", "request.json")
	cmd.Dir = dir
	cmd.Run() // a format that cannot be written just has no seed
	for _, e := range exts {
		if _, err := os.Stat(filepath.Join(dir, "seed."+e)); err != nil {
			// Not an output format of acs (JPEG 2000): libvips' own tool
			// writes it, when libvips-tools is installed.
			vips := exec.Command("vips", "copy", "seed.png", "seed."+e)
			vips.Dir = dir
			vips.Run()
		}
		if b, err := os.ReadFile(filepath.Join(dir, "seed."+e)); err == nil && len(b) > 0 {
			seeds[e] = b
		} else {
			fmt.Fprintf(os.Stderr, "hostile: no %s seed (this libvips cannot write it): those samples are left out\n", e)
		}
	}
	makeMediaSeeds(dir, seeds)
	return seeds
}

// mediaSeeds are the video and audio seeds ffmpeg makes: two seconds of a
// test pattern and a tone, the videos with a subtitle track.
var mediaSeeds = map[string][]string{
	"mp4": {"-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "mov_text"},
	"mkv": {"-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-c:s", "srt"},
	"mp3": {"-map", "1", "-c:a", "libmp3lame", "-metadata", "title=Hostile seed"},
	"wav": {"-map", "1", "-c:a", "pcm_s16le"},
}

// makeMediaSeeds adds the media seeds to seeds when ffmpeg is installed; a
// seed ffmpeg cannot make is left out, with those samples.
func makeMediaSeeds(dir string, seeds map[string][]byte) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		fmt.Fprintln(os.Stderr, "hostile: no ffmpeg: the video and audio samples are left out")
		return
	}
	srt := "1\n00:00:00,000 --> 00:00:01,500\nA hostile caption\n"
	if err := os.WriteFile(filepath.Join(dir, "seed.srt"), []byte(srt), 0o644); err != nil {
		return
	}
	for ext, args := range mediaSeeds {
		in := []string{"-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=10:d=2",
			"-f", "lavfi", "-i", "sine=d=2", "-i", "seed.srt"}
		cmd := exec.Command("ffmpeg", append(append(in, args...), "-t", "2", "seed."+ext)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "hostile: ffmpeg cannot make a %s seed: %v %s\n", ext, err, out)
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "seed."+ext)); err == nil && len(b) > 0 {
			seeds[ext] = b
		}
	}
}

// runOne runs every rendition of one file in one acs process.
func runOne(acs, src, dir string, s sample, timeout time.Duration) outcome {
	o := outcome{sample: s, reasons: map[string]string{}}
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		o.crash = err.Error()
		return o
	}
	var rs []map[string]any
	for _, r := range renditions {
		rs = append(rs, map[string]any{"name": r.name, "fmt": r.fmt, "target": r.name, "width": 200, "height": 200})
		if r.family != "image" {
			delete(rs[len(rs)-1], "width")
			delete(rs[len(rs)-1], "height")
		}
	}
	req, _ := json.Marshal(map[string]any{"source": src, "renditions": rs})
	if err := os.WriteFile(filepath.Join(dir, "request.json"), req, 0o644); err != nil {
		o.crash = err.Error()
		return o
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout+15*time.Second)
	defer cancel()
	// Peak RSS comes from /usr/bin/time: the rusage of a child started
	// from this (large) process would count this process's own memory,
	// which Linux carries over into the child's high-water mark at exec.
	args := []string{"process", "-f", "request.json", "-timeout", timeout.String()}
	name := acs
	rssFile := filepath.Join(dir, "maxrss.txt")
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		args = append([]string{"-o", rssFile, "-f", "%M", acs}, args...)
		name = "/usr/bin/time"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	o.elapsed = time.Since(start)
	os.WriteFile(filepath.Join(dir, "stdout.json"), stdout.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "stderr.log"), stderr.Bytes(), 0o644)
	if b, err := os.ReadFile(rssFile); err == nil {
		// time writes "Command exited with non-zero status N" first when
		// the command fails; the figure is the last line.
		fields := strings.Fields(string(b))
		if len(fields) > 0 {
			fmt.Sscan(fields[len(fields)-1], &o.rssKB)
		}
	} else if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			o.rssKB = ru.Maxrss
		}
	}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		o.hang = true
	case err == nil:
	case errors.As(err, &exitErr):
		o.exit = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			o.crash = "killed by " + ws.Signal().String()
		} else if o.exit != 1 {
			o.crash = fmt.Sprintf("exit status %d", o.exit)
		}
	default:
		o.crash = err.Error()
	}
	if o.crash == "" && !o.hang && bytes.Contains(stderr.Bytes(), []byte("panic:")) {
		o.crash = "panic in the log"
	}

	var result struct {
		Events []struct {
			Type        string `json:"type"`
			ErrorReason string `json:"errorReason"`
			Rendition   struct {
				Name string `json:"name"`
			} `json:"rendition"`
		} `json:"events"`
	}
	if !o.hang && o.crash == "" {
		if err := json.Unmarshal(stdout.Bytes(), &result); err != nil {
			o.crash = "result is not JSON: " + err.Error()
		}
	}
	count := map[string]int{}
	for _, e := range result.Events {
		count[e.Rendition.Name]++
		reason := e.ErrorReason
		if e.Type == "rendition_created" {
			reason = "created"
		}
		o.reasons[e.Rendition.Name] = reason
	}
	if !o.hang && o.crash == "" {
		for _, r := range renditions {
			if count[r.name] != 1 {
				o.lost = append(o.lost, fmt.Sprintf("%s: %d events", r.name, count[r.name]))
			}
		}
	}

	// What is left in the folder must be the created renditions only.
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		o.partial = append(o.partial, "tmp/"+e.Name())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		switch n := e.Name(); n {
		case "request.json", "stdout.json", "stderr.log", "maxrss.txt", "tmp":
		default:
			if o.reasons[n] != "created" {
				o.partial = append(o.partial, n)
			}
		}
	}
	return o
}

// familyOf returns the family of a rendition name.
func familyOf(name string) string {
	for _, r := range renditions {
		if r.name == name {
			return r.family
		}
	}
	return "?"
}

// unexpected lists the outcomes that break the sample's expectations.
func unexpected(o outcome) []string {
	var bad []string
	for _, r := range renditions {
		want, ok := o.sample.want[r.family]
		if !ok || o.hang || o.crash != "" {
			continue
		}
		if got := o.reasons[r.name]; got != want {
			bad = append(bad, fmt.Sprintf("%s: %s, want %s", r.name, got, want))
		}
	}
	return bad
}

func line(o outcome) string {
	status := "ok"
	switch {
	case o.hang:
		status = "HANG"
	case o.crash != "":
		status = "CRASH " + o.crash
	case len(o.lost) > 0:
		status = "LOST " + strings.Join(o.lost, ", ")
	}
	var rs []string
	for _, r := range renditions {
		rs = append(rs, r.fmt+"="+o.reasons[r.name])
	}
	return fmt.Sprintf("%-34s %-6s %6.1fs %6.0f MB  %s", o.sample.name, status, o.elapsed.Seconds(), float64(o.rssKB)/1024, strings.Join(rs, " "))
}

// report prints the table and reports whether every file kept the
// contract: no crash, hang, lost event, partial file or unexpected reason.
func report(w *os.File, out []outcome) bool {
	var crashes, hangs, lost, partial []string
	var surprises []string
	byFamily := map[string]map[string]int{}
	reasonSet := map[string]bool{}
	var peak outcome
	for _, o := range out {
		switch {
		case o.hang:
			hangs = append(hangs, o.sample.name)
		case o.crash != "":
			crashes = append(crashes, o.sample.name+" ("+o.crash+")")
		}
		if len(o.lost) > 0 {
			lost = append(lost, o.sample.name+": "+strings.Join(o.lost, ", "))
		}
		if len(o.partial) > 0 {
			partial = append(partial, o.sample.name+": "+strings.Join(o.partial, ", "))
		}
		for _, u := range unexpected(o) {
			surprises = append(surprises, o.sample.name+" ("+o.sample.what+"): "+u)
		}
		for name, reason := range o.reasons {
			f := familyOf(name)
			if byFamily[f] == nil {
				byFamily[f] = map[string]int{}
			}
			byFamily[f][reason]++
			reasonSet[reason] = true
		}
		if o.rssKB > peak.rssKB {
			peak = o
		}
	}

	fmt.Fprintf(w, "HOSTILE CORPUS: %d files x %d renditions (image: png; metadata: xmp, machine-metadata-json; text: text)\n", len(out), len(renditions))
	fmt.Fprintf(w, "crashes: %d   hangs: %d   lost or duplicated events: %d   partial files: %d   unexpected reasons: %d\n",
		len(crashes), len(hangs), len(lost), len(partial), len(surprises))
	fmt.Fprintf(w, "peak RSS: %.0f MB (%s)\n\n", float64(peak.rssKB)/1024, peak.sample.name)

	reasons := make([]string, 0, len(reasonSet))
	for r := range reasonSet {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if (reasons[i] == "created") != (reasons[j] == "created") {
			return reasons[i] == "created"
		}
		return reasons[i] < reasons[j]
	})
	fmt.Fprintf(w, "%-10s", "family")
	for _, r := range reasons {
		fmt.Fprintf(w, " %*s", max(8, len(r)), r)
	}
	fmt.Fprintln(w)
	for _, f := range []string{"image", "metadata", "text"} {
		fmt.Fprintf(w, "%-10s", f)
		for _, r := range reasons {
			fmt.Fprintf(w, " %*d", max(8, len(r)), byFamily[f][r])
		}
		fmt.Fprintln(w)
	}

	slow := append([]outcome(nil), out...)
	sort.Slice(slow, func(i, j int) bool { return slow[i].elapsed > slow[j].elapsed })
	fmt.Fprintln(w, "\nslowest files:")
	for _, o := range slow[:min(5, len(slow))] {
		fmt.Fprintln(w, "  "+line(o))
	}
	big := append([]outcome(nil), out...)
	sort.Slice(big, func(i, j int) bool { return big[i].rssKB > big[j].rssKB })
	fmt.Fprintln(w, "largest peak RSS:")
	for _, o := range big[:min(5, len(big))] {
		fmt.Fprintln(w, "  "+line(o))
	}
	for _, list := range []struct {
		title string
		items []string
	}{{"crashes", crashes}, {"hangs", hangs}, {"lost or duplicated events", lost}, {"partial files", partial}, {"unexpected reasons", surprises}} {
		if len(list.items) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", list.title)
		for _, it := range list.items {
			fmt.Fprintln(w, "  "+it)
		}
	}
	return len(crashes)+len(hangs)+len(lost)+len(partial)+len(surprises) == 0
}
