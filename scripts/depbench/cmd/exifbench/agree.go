package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// safeRead runs a reader and turns a panic that escapes it into an error
// whose text starts with "panic:".
func safeRead(fn func() (Core, error)) (c Core, err error) {
	defer func() {
		if v := recover(); v != nil {
			stack := strings.SplitN(string(debug.Stack()), "\n", 12)
			err = fmt.Errorf("panic: %v (%s)", v, strings.TrimSpace(stack[len(stack)-2]))
		}
	}()
	return fn()
}

// agree prints, per core key, on how many files each reader has exiftool's
// value, then every disagreement and every file a reader failed on.
func agree(args []string) error {
	if len(args) < 2 {
		usage()
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var objs []map[string]any
	if err := json.Unmarshal(raw, &objs); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	oracle := map[string]Core{}
	for _, o := range objs {
		if src, ok := o["SourceFile"].(string); ok {
			oracle[src] = exiftoolCore(o)
		}
	}
	files := args[1:]
	type tally struct{ agree, missing, wrong int }
	counts := map[string]map[string]*tally{}
	total := map[string]int{}
	extra := map[string]int{}
	var notes []string
	failed := map[string]int{}
	for _, r := range readers {
		counts[r.name] = map[string]*tally{}
		for _, k := range coreKeys {
			counts[r.name][k] = &tally{}
		}
	}
	for _, f := range files {
		want := oracle[f]
		for _, k := range coreKeys {
			if _, ok := want[k]; ok {
				total[k]++
			}
		}
		for _, r := range readers {
			got, err := safeRead(func() (Core, error) { return r.file(f) })
			if err != nil && !errors.Is(err, errNoExif) {
				failed[r.name]++
				notes = append(notes, fmt.Sprintf("%-9s %s: %s", r.name, filepath.Base(f), oneLine(err.Error())))
			}
			for _, k := range coreKeys {
				w, wok := want[k]
				g, gok := got[k]
				switch {
				case wok && gok && same(k, g, w):
					counts[r.name][k].agree++
				case wok && !gok:
					counts[r.name][k].missing++
					notes = append(notes, fmt.Sprintf("%-9s %s: %s missing (exiftool %v)", r.name, filepath.Base(f), k, w))
				case wok:
					counts[r.name][k].wrong++
					notes = append(notes, fmt.Sprintf("%-9s %s: %s = %v, exiftool %v", r.name, filepath.Base(f), k, g, w))
				case gok:
					extra[r.name]++
					notes = append(notes, fmt.Sprintf("%-9s %s: %s = %v, exiftool has none", r.name, filepath.Base(f), k, g))
				}
			}
		}
	}
	fmt.Printf("%d files; agreement with exiftool -j -n -G1 (EXIF groups) per core tag: agree/exiftool has a value\n\n", len(files))
	fmt.Printf("%-18s %10s %10s\n", "tag", readers[0].name, readers[1].name)
	sum := map[string]int{}
	all := 0
	for _, k := range coreKeys {
		all += total[k]
		line := fmt.Sprintf("%-18s", k)
		for _, r := range readers {
			c := counts[r.name][k]
			sum[r.name] += c.agree
			line += fmt.Sprintf(" %10s", fmt.Sprintf("%d/%d", c.agree, total[k]))
		}
		fmt.Println(line)
	}
	line := fmt.Sprintf("%-18s", "TOTAL")
	for _, r := range readers {
		line += fmt.Sprintf(" %10s", fmt.Sprintf("%d/%d", sum[r.name], all))
	}
	fmt.Println(line)
	line = fmt.Sprintf("%-18s", "files failed")
	for _, r := range readers {
		line += fmt.Sprintf(" %10d", failed[r.name])
	}
	fmt.Println(line)
	line = fmt.Sprintf("%-18s", "values not in exiftool")
	for _, r := range readers {
		line += fmt.Sprintf(" %6d", extra[r.name])
	}
	fmt.Println(line)
	if len(notes) > 0 {
		fmt.Println("\ndifferences:")
		for _, n := range notes {
			fmt.Println("  " + n)
		}
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
