package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// mediaCompare compares the metadata of the audio and video files of dir
// with ffprobe's (REF/NAME.ffprobe.json: duration, size, codecs, frame
// rate, sample rate, channels) and exiftool's (REF/NAME.exiftool.json,
// `exiftool -j -n`: dates, GPS, make/model and tags), printing per-field
// agreement and the total.
func mediaCompare(dir, ref string, verbose bool) error {
	list, err := files([]string{dir})
	if err != nil {
		return err
	}
	type tally struct{ agree, total, files int }
	fields := map[string]*tally{}
	var order []string
	exts := map[string]*tally{}
	var extOrder []string
	count := func(field string, ok bool, file, detail string) {
		t := fields[field]
		if t == nil {
			t = &tally{}
			fields[field] = t
			order = append(order, field)
		}
		t.total++
		e := exts[strings.ToLower(filepath.Ext(file))]
		e.total++
		if ok {
			t.agree++
			e.agree++
		} else if verbose {
			fmt.Printf("  %-28s %-16s %s\n", filepath.Base(file), field, detail)
		}
	}
	for _, p := range list {
		base := filepath.Base(p)
		ext := strings.ToLower(filepath.Ext(p))
		if exts[ext] == nil {
			exts[ext] = &tally{}
			extOrder = append(extOrder, ext)
		}
		exts[ext].files++
		md, err := extractFile(p)
		ours := map[string]any{}
		if err == nil {
			ours = md.Map()
		} else if verbose {
			fmt.Printf("  %-28s error: %v\n", base, err)
		}
		var probe struct {
			Format struct {
				Duration string `json:"duration"`
			} `json:"format"`
			Streams []map[string]any `json:"streams"`
		}
		if b, err := os.ReadFile(filepath.Join(ref, base+".ffprobe.json")); err == nil {
			_ = json.Unmarshal(b, &probe)
		}
		if d, err := strconv.ParseFloat(probe.Format.Duration, 64); err == nil {
			got, _ := ours["acs:Duration"].(float64)
			count("duration ±0.05 s", math.Abs(got-d) <= 0.05, p, fmt.Sprintf("ffprobe %v, ours %v", d, ours["acs:Duration"]))
		}
		video, audio := false, false
		for _, s := range probe.Streams {
			typ, _ := s["codec_type"].(string)
			disp, _ := s["disposition"].(map[string]any)
			if typ == "video" && !video && disp["attached_pic"] != 1.0 {
				video = true
				eqNum(count, "width", s["width"], ours["tiff:ImageWidth"], 0, p)
				eqNum(count, "height", s["height"], ours["tiff:ImageLength"], 0, p)
				eqStr(count, "video codec", s["codec_name"], ours["xmpDM:videoCompressor"], p)
				eqNum(count, "frame rate ±0.01", ratio(s["avg_frame_rate"]), ours["xmpDM:videoFrameRate"], 0.01, p)
			}
			if typ == "audio" && !audio {
				audio = true
				eqStr(count, "audio codec", s["codec_name"], ours["xmpDM:audioCompressor"], p)
				sr, _ := strconv.ParseFloat(fmt.Sprint(s["sample_rate"]), 64)
				eqNum(count, "sample rate", sr, ours["xmpDM:audioSampleRate"], 0, p)
				eqNum(count, "channels", s["channels"], ours["acs:AudioChannels"], 0, p)
			}
		}
		var et []map[string]any
		if b, err := os.ReadFile(filepath.Join(ref, base+".exiftool.json")); err == nil {
			_ = json.Unmarshal(b, &et)
		}
		if len(et) == 0 {
			continue
		}
		e := et[0]
		for _, d := range [][2]string{{"CreateDate", "xmp:CreateDate"}, {"DateTimeOriginal", "exif:DateTimeOriginal"}} {
			v, ok := e[d[0]].(string)
			if !ok || strings.HasPrefix(v, "0000") {
				continue
			}
			if i := strings.IndexByte(v, '.'); i > 0 {
				v = v[:i] // MXF timestamps: milliseconds
			}
			got, _ := ours[d[1]].(string)
			got = strings.TrimSuffix(strings.Replace(strings.Replace(got, "-", ":", 2), "T", " ", 1), "Z")
			count("create date", got == v, p, fmt.Sprintf("exiftool %s %q, ours %q", d[0], v, got))
		}
		for _, g := range [][2]string{{"GPSLatitude", "exif:GPSLatitude"}, {"GPSLongitude", "exif:GPSLongitude"}} {
			if v, ok := e[g[0]]; ok {
				eqNum(count, "GPS", v, ours[g[1]], 1e-4, p)
			}
		}
		for _, g := range [][2]string{{"Title", "dc:title"}, {"Artist", "xmpDM:artist"}, {"Album", "xmpDM:album"},
			{"Author", "xmpDM:artist"}, {"AlbumTitle", "xmpDM:album"},
			{"Genre", "xmpDM:genre"}, {"Comment", "acs:Comment"}, {"Make", "tiff:Make"}, {"Model", "tiff:Model"}} {
			if v, ok := e[g[0]]; ok && fmt.Sprint(v) != "" {
				eqStr(count, strings.ToLower(g[0]), fmt.Sprint(v), ours[g[1]], p)
			}
		}
		for _, k := range []string{"TrackNumber", "Track"} {
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".mkv" || ext == ".webm" || ext == ".mxf" {
				break // exiftool's Matroska and MXF TrackNumber is a stream's number, not a tag
			}
			if v, ok := e[k]; ok {
				s := strings.Fields(strings.ReplaceAll(fmt.Sprint(v), "/", " "))
				if len(s) > 0 {
					eqStr(count, "track", s[0], fmt.Sprint(ours["xmpDM:trackNumber"]), p)
				}
				break
			}
		}
	}
	agree, total := 0, 0
	fmt.Printf("%-20s %8s\n", "field", "agree")
	for _, f := range order {
		t := fields[f]
		agree += t.agree
		total += t.total
		fmt.Printf("%-20s %4d/%-4d\n", f, t.agree, t.total)
	}
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(agree) / float64(total)
	}
	fmt.Printf("%-20s %4d/%-4d (%.1f%%) over %d files\n", "total", agree, total, pct, len(list))
	fmt.Printf("\n%-20s %5s %8s\n", "container", "files", "agree")
	sort.Strings(extOrder)
	for _, e := range extOrder {
		t := exts[e]
		fmt.Printf("%-20s %5d %4d/%-4d\n", e, t.files, t.agree, t.total)
	}
	return nil
}

func ratio(v any) float64 {
	s := fmt.Sprint(v)
	n, d, ok := strings.Cut(s, "/")
	a, _ := strconv.ParseFloat(n, 64)
	if !ok {
		return a
	}
	b, _ := strconv.ParseFloat(d, 64)
	if b == 0 {
		return 0
	}
	return a / b
}

func eqNum(count func(string, bool, string, string), field string, want, got any, tol float64, file string) {
	w, _ := strconv.ParseFloat(fmt.Sprint(want), 64)
	g, ok := got.(float64)
	count(field, ok && math.Abs(w-g) <= tol, file, fmt.Sprintf("reference %v, ours %v", want, got))
}

func eqStr(count func(string, bool, string, string), field string, want, got any, file string) {
	g := fmt.Sprint(got)
	if got == nil {
		g = ""
	}
	count(field, fmt.Sprint(want) == g, file, fmt.Sprintf("reference %q, ours %q", want, g))
}
