// Command metatool runs the metadata engine over files, for the scripts
// under scripts/ (compare-exiftool.sh, bench-metadata.sh) and for manual
// checks.
//
//	metatool extract [-xmp] PATH...   one JSON object per file, one per line
//	metatool compare DIR EXIFTOOL.json print per-key agreement with exiftool
//	metatool gen DIR [CORPUS]          write the generated sample set (needs exiftool)
//	metatool time PATH...              in-process extraction time of all files, in µs
//	metatool mediacompare DIR REF      per-field agreement of DIR's media files with
//	                                   REF/NAME.ffprobe.json and REF/NAME.exiftool.json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/meta/internal/testgen"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "extract":
		err = extract(os.Args[2:])
	case "compare":
		if len(os.Args) != 4 {
			usage()
		}
		err = compare(os.Args[2], os.Args[3])
	case "time":
		err = timeAll(os.Args[2:])
	case "mediacompare":
		if len(os.Args) != 4 {
			usage()
		}
		err = mediaCompare(os.Args[2], os.Args[3], os.Getenv("VERBOSE") != "")
	case "gen":
		if len(os.Args) < 3 {
			usage()
		}
		corpus := ""
		if len(os.Args) > 3 {
			corpus = os.Args[3]
		}
		_, err = testgen.Generate(os.Args[2], "/usr/bin/exiftool", corpus)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "metatool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: metatool extract [-xmp] PATH... | compare DIR EXIFTOOL.json | gen DIR [CORPUS] | time PATH... | mediacompare DIR REF")
	os.Exit(2)
}

// files expands directories (recursively) into their regular files, sorted.
func files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func extractFile(path string) (*meta.Metadata, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return meta.Extract(context.Background(), f, st.Size(), path, meta.Options{})
}

func extract(args []string) error {
	xmp := false
	if len(args) > 0 && args[0] == "-xmp" {
		xmp, args = true, args[1:]
	}
	list, err := files(args)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, p := range list {
		md, err := extractFile(p)
		if xmp {
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", p, err)
				continue
			}
			out, _ := md.XMP()
			w.Write(out)
			w.WriteString("\n")
			continue
		}
		rec := map[string]any{"file": p}
		if err != nil {
			rec["error"] = err.Error()
			rec["reason"] = api.ReasonOf(err)
		} else {
			raw, _ := md.JSON()
			rec["metadata"] = json.RawMessage(raw)
			rec["warnings"] = md.Warnings
		}
		line, _ := json.Marshal(rec)
		w.Write(line)
		w.WriteString("\n")
	}
	return nil
}

// timeAll extracts every file once to warm up, then times a second pass
// in this process: the per-file cost inside a running worker.
func timeAll(args []string) error {
	list, err := files(args)
	if err != nil {
		return err
	}
	for _, p := range list {
		extractFile(p)
	}
	start := time.Now()
	for _, p := range list {
		extractFile(p)
	}
	fmt.Println(time.Since(start).Microseconds())
	return nil
}

func compare(dir, exiftoolJSON string) error {
	list, err := files([]string{dir})
	if err != nil {
		return err
	}
	ours := map[string]map[string]any{}
	for _, p := range list {
		md, err := extractFile(p)
		if err != nil {
			ours[p] = nil
			continue
		}
		ours[p] = md.Map()
	}
	raw, err := os.ReadFile(exiftoolJSON)
	if err != nil {
		return err
	}
	var theirs []map[string]any
	if err := json.Unmarshal(raw, &theirs); err != nil {
		return fmt.Errorf("%s: %w", exiftoolJSON, err)
	}
	byFile := map[string]map[string]any{}
	for _, t := range theirs {
		if f, ok := t["SourceFile"].(string); ok {
			byFile[filepath.Clean(f)] = t
		}
	}
	var pairs []meta.ComparePair
	for _, p := range list {
		pairs = append(pairs, meta.ComparePair{File: p, Ours: ours[p], Exiftool: byFile[filepath.Clean(p)]})
	}
	rep := meta.CompareCore(pairs)
	rep.Write(os.Stdout, os.Getenv("VERBOSE") != "")
	return nil
}
