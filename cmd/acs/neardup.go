package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// DefaultNearDistance is the default of --distance: two files are near
// duplicates when both their pHash and their dHash differ in at most this
// many of 64 bits. A resized or recompressed copy differs in 0 to 6, a
// small crop in a few more, unrelated pictures in about 32.
const DefaultNearDistance = 10

// hashed is one FILE and its hashes, or why it has none.
type hashed struct {
	src          batchSource
	pHash, dHash string
	err          error
}

// nearMember is one file of a group in the report.
type nearMember struct {
	Path  string `json:"path"`
	PHash string `json:"pHash"`
	DHash string `json:"dHash"`
	// PHashDistance and DHashDistance are the distances to the group's
	// first file (0 for itself).
	PHashDistance int `json:"pHashDistance"`
	DHashDistance int `json:"dHashDistance"`
}

// nearGroup is a group of near-identical files.
type nearGroup struct {
	Files []nearMember `json:"files"`
}

// nearFailure is a file that could not be hashed.
type nearFailure struct {
	Path    string     `json:"path"`
	Reason  api.Reason `json:"reason"`
	Message string     `json:"message"`
}

// nearReport is the JSON report of acs batch --near-duplicates.
type nearReport struct {
	Distance int           `json:"distance"`
	Files    int           `json:"files"`
	Groups   []nearGroup   `json:"groups"`
	Failed   []nearFailure `json:"failed"`
}

// nearDuplicates hashes every source with the analysis rendition (the
// thumbnail action's code: any source that yields a picture) and reports
// the groups of near-identical ones on stdout, as text or JSON. It
// returns the exit status: exitFailed when a source could not be hashed.
func nearDuplicates(ctx context.Context, w *worker.Worker, sources []batchSource, tmp string, jobs int, timeout time.Duration, distance int, asJSON bool, stdout, stderr io.Writer) int {
	results := make([]hashed, len(sources))
	work := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < min(jobs, len(sources)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				results[k] = hashSource(ctx, w, sources[k], filepath.Join(tmp, strconv.Itoa(k)+".json"), timeout)
			}
		}()
	}
	for k := range sources {
		work <- k
	}
	close(work)
	wg.Wait()

	rep := nearReport{Distance: distance, Files: len(sources), Groups: []nearGroup{}, Failed: []nearFailure{}}
	var ok []hashed
	for _, h := range results {
		if h.err != nil {
			rep.Failed = append(rep.Failed, nearFailure{Path: h.src.path, Reason: api.ReasonOf(h.err), Message: api.MessageOf(h.err)})
			continue
		}
		ok = append(ok, h)
	}
	for _, g := range groupNear(ok, distance) {
		first := ok[g[0]]
		var group nearGroup
		for _, i := range g {
			pd, _ := analysis.Distance(first.pHash, ok[i].pHash)
			dd, _ := analysis.Distance(first.dHash, ok[i].dHash)
			group.Files = append(group.Files, nearMember{Path: ok[i].src.path, PHash: ok[i].pHash, DHash: ok[i].dHash, PHashDistance: pd, DHashDistance: dd})
		}
		rep.Groups = append(rep.Groups, group)
	}

	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "acs batch:", err)
			return exitFailed
		}
	} else {
		writeNearText(stdout, rep)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(stderr, "acs batch: %s: %s: %s\n", f.Path, f.Reason, f.Message)
	}
	if len(rep.Failed) > 0 {
		return exitFailed
	}
	return exitOK
}

// writeNearText writes the report for people: one block per group, each
// file with its distances to the group's first.
func writeNearText(w io.Writer, rep nearReport) {
	for i, g := range rep.Groups {
		fmt.Fprintf(w, "group %d: %d near-identical files\n", i+1, len(g.Files))
		for j, m := range g.Files {
			if j == 0 {
				fmt.Fprintf(w, "  %s\n", m.Path)
				continue
			}
			fmt.Fprintf(w, "  %s  (pHash distance %d, dHash distance %d)\n", m.Path, m.PHashDistance, m.DHashDistance)
		}
	}
	fmt.Fprintf(w, "%d files, %d groups of near duplicates (distance at most %d of 64 bits), %d could not be read\n",
		rep.Files, len(rep.Groups), rep.Distance, len(rep.Failed))
}

// hashSource makes the hashes analysis of one source into out and reads
// it back.
func hashSource(ctx context.Context, w *worker.Worker, src batchSource, out string, timeout time.Duration) hashed {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := hashed{src: src}
	r := api.Rendition{Fmt: "analysis", Name: "hashes.json", Features: []string{api.FeatureHashes}, Target: api.Target{URL: out}}
	res := w.Process(ctx, &api.WorkerRequest{RequestID: "near-" + src.base, Source: api.Source{URL: src.path}, Renditions: []api.Rendition{r}})
	if len(res.Renditions) != 1 || !res.Renditions[0].Created() {
		if len(res.Renditions) == 1 {
			h.err = api.Errorf(res.Renditions[0].Reason, "%s", res.Renditions[0].Message)
		} else {
			h.err = api.Errorf(api.ReasonGeneric, "no analysis was made")
		}
		return h
	}
	defer os.Remove(out)
	b, err := os.ReadFile(out)
	if err != nil {
		h.err = api.Wrap(api.ReasonGeneric, err, "cannot read the analysis")
		return h
	}
	var v struct {
		PHash string `json:"acs-ai:pHash"`
		DHash string `json:"acs-ai:dHash"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.PHash == "" || v.DHash == "" {
		h.err = api.Errorf(api.ReasonGeneric, "the picture has no hashes")
		return h
	}
	h.pHash, h.dHash = v.PHash, v.DHash
	return h
}

// groupNear links every two files whose pHash and dHash distances are
// both at most distance, and returns the groups of linked files of two
// or more (single linkage: a file joins a group through any member), as
// indices into files, each group and the list in the order of files.
func groupNear(files []hashed, distance int) [][]int {
	parent := make([]int, len(files))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range files {
		for j := i + 1; j < len(files); j++ {
			pd, err1 := analysis.Distance(files[i].pHash, files[j].pHash)
			dd, err2 := analysis.Distance(files[i].dHash, files[j].dHash)
			if err1 == nil && err2 == nil && pd <= distance && dd <= distance {
				a, b := find(i), find(j)
				if a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	byRoot := map[int][]int{}
	var roots []int
	for i := range files {
		r := find(i)
		if _, seen := byRoot[r]; !seen {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], i)
	}
	var out [][]int
	for _, r := range roots {
		if len(byRoot[r]) > 1 {
			out = append(out, byRoot[r])
		}
	}
	return out
}

// batchNearDuplicates runs acs batch --near-duplicates over the FILE
// arguments.
func batchNearDuplicates(ctx context.Context, args []string, s settings.Settings, jobs, threads int, timeout time.Duration, distance int, asJSON, verbose bool, stdout, stderr io.Writer) int {
	sources, err := nearSources(args)
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitInvalid
	}
	level := slog.LevelError + 4 // failures are reported at the end
	if verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	tmp, err := os.MkdirTemp("", "acs-near-")
	if err != nil {
		fmt.Fprintln(stderr, "acs batch: cannot create a temporary directory:", err)
		return exitFailed
	}
	defer os.RemoveAll(tmp)
	if threads == 0 {
		threads = max(1, runtime.GOMAXPROCS(0)/jobs)
	}
	w, _, err := newBatchWorker(logger, threads, tmp, s)
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitFailed
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return nearDuplicates(ctx, w, sources, tmp, jobs, timeout, distance, asJSON, stdout, stderr)
}

// nearSources resolves the FILE arguments; unlike renditions, hashes do
// not collide, so two files may share a basename. A file named twice is
// hashed once.
func nearSources(args []string) ([]batchSource, error) {
	seen := map[string]bool{}
	var out []batchSource
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		out = append(out, batchSource{path: abs, base: filepath.Base(abs)})
	}
	return out, nil
}
