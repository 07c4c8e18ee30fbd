// Command exifbench compares EXIF reading by github.com/dsoprea/go-exif/v3
// with this project's metadata engine (pkg/meta), for bench-deps.sh.
//
//	exifbench agree EXIFTOOL.json FILE...   core tags of both against exiftool
//	exifbench time [-min D] FILE...          time and allocations per file
//	exifbench robust [-seed N] FILE...       truncated and bit-flipped copies
//
// EXIFTOOL.json is the output of `exiftool -j -n -G1` on the same files.
// The core tags are Make, Model, DateTimeOriginal, Orientation, GPS
// latitude and longitude (signed decimal degrees), ExposureTime, FNumber
// and ISO.
//
// go-exif is used as its documentation shows: the whole file is read,
// exif.SearchAndExtractExif finds the EXIF block, exif.Collect parses its
// IFDs (with one IFD mapping and tag index made once and shared by every
// call), and the tags are looked up by name, GPS through Ifd.GpsInfo.
// pkg/meta is used through meta.Extract on the open file (an io.ReaderAt)
// with its default options; it reads every kind of metadata the file
// holds (EXIF, XMP, IPTC, ICC, the file structure), not only EXIF.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "agree":
		err = agree(os.Args[2:])
	case "time":
		err = timing(os.Args[2:])
	case "robust":
		err = robust(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "exifbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: exifbench agree EXIFTOOL.json FILE... | time [-min D] FILE... | robust [-seed N] FILE...")
	os.Exit(2)
}
