package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/meta"
	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
)

// Core is the core tag set of one file: key -> value (string or float64).
type Core map[string]any

// coreKeys lists the core keys in the order they are printed.
var coreKeys = []string{"make", "model", "dateTimeOriginal", "orientation", "gpsLatitude", "gpsLongitude", "exposureTime", "fNumber", "iso"}

// errNoExif is returned by a reader that found no EXIF block; it is not a
// failure.
var errNoExif = errors.New("no EXIF")

// reader reads the core tags of a file, given its path (file) or its
// bytes (bytes).
type reader struct {
	name  string
	file  func(path string) (Core, error)
	bytes func(data []byte) (Core, error)
}

var readers = []reader{
	{"go-exif", goexifFile, goexifRead},
	{"pkg/meta", metaFile, func(data []byte) (Core, error) {
		return metaRead(bytes.NewReader(data), int64(len(data)))
	}},
}

// goexifFile reads the whole file, as go-exif's SearchFileAndExtractExif
// does: the search needs the bytes in memory.
func goexifFile(path string) (Core, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return goexifRead(data)
}

// metaFile gives pkg/meta the open file, which it reads through
// io.ReaderAt: only the structures that hold metadata are read.
func metaFile(path string) (Core, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return metaRead(f, st.Size())
}

// go-exif's IFD mapping and tag index, made once, as a long-lived caller
// would.
var (
	ifdMapping = func() *exifcommon.IfdMapping {
		m, err := exifcommon.NewIfdMappingWithStandard()
		if err != nil {
			panic(err)
		}
		return m
	}()
	tagIndex = exif.NewTagIndex()
)

func goexifRead(data []byte) (Core, error) {
	raw, err := exif.SearchAndExtractExif(data)
	if errors.Is(err, exif.ErrNoExif) {
		return nil, errNoExif
	}
	if err != nil {
		return nil, err
	}
	_, index, err := exif.Collect(ifdMapping, tagIndex, raw)
	if err != nil {
		return nil, err
	}
	c := Core{}
	tag := func(ifdPath, name, key string) {
		ifd := index.Lookup[ifdPath]
		if ifd == nil {
			return
		}
		found, err := ifd.FindTagWithName(name)
		if err != nil || len(found) == 0 {
			return
		}
		v, err := found[0].Value()
		if err != nil {
			return
		}
		if x, ok := goexifValue(v); ok {
			c[key] = x
		}
	}
	tag("IFD", "Make", "make")
	tag("IFD", "Model", "model")
	tag("IFD", "Orientation", "orientation")
	tag("IFD/Exif", "DateTimeOriginal", "dateTimeOriginal")
	tag("IFD/Exif", "ExposureTime", "exposureTime")
	tag("IFD/Exif", "FNumber", "fNumber")
	tag("IFD/Exif", "ISOSpeedRatings", "iso")
	if gps := index.Lookup["IFD/GPSInfo"]; gps != nil {
		if gi, err := gps.GpsInfo(); err == nil {
			c["gpsLatitude"] = gi.Latitude.Decimal()
			c["gpsLongitude"] = gi.Longitude.Decimal()
		}
	}
	return c, nil
}

// goexifValue turns a go-exif tag value into a string or a float64 (the
// first item of a list).
func goexifValue(v any) (any, bool) {
	switch t := v.(type) {
	case string:
		return strings.TrimRight(t, "\x00 "), true
	case []uint16:
		if len(t) > 0 {
			return float64(t[0]), true
		}
	case []uint32:
		if len(t) > 0 {
			return float64(t[0]), true
		}
	case []exifcommon.Rational:
		if len(t) > 0 && t[0].Denominator != 0 {
			return float64(t[0].Numerator) / float64(t[0].Denominator), true
		}
	case []exifcommon.SignedRational:
		if len(t) > 0 && t[0].Denominator != 0 {
			return float64(t[0].Numerator) / float64(t[0].Denominator), true
		}
	}
	return nil, false
}

// metaKeys maps the core keys to pkg/meta's keys.
var metaKeys = map[string]string{
	"make":             "tiff:Make",
	"model":            "tiff:Model",
	"dateTimeOriginal": "exif:DateTimeOriginal",
	"orientation":      "tiff:Orientation",
	"gpsLatitude":      "exif:GPSLatitude",
	"gpsLongitude":     "exif:GPSLongitude",
	"exposureTime":     "exif:ExposureTime",
	"fNumber":          "exif:FNumber",
	"iso":              "exif:ISOSpeedRatings",
}

func metaRead(r io.ReaderAt, size int64) (Core, error) {
	md, err := meta.Extract(context.Background(), r, size, "", meta.Options{})
	if err != nil {
		return nil, err
	}
	c := Core{}
	for _, k := range coreKeys {
		v, ok := md.Get(metaKeys[k])
		if !ok {
			continue
		}
		if len(v.Items) > 0 {
			v = v.Items[0]
		}
		switch v.Kind {
		case meta.KindNumber:
			c[k] = v.Num
		case meta.KindText, meta.KindDate:
			c[k] = v.Text
		}
	}
	return c, nil
}

// exiftoolKeys maps the core keys to `exiftool -j -n -G1` tags: the EXIF
// groups only (IFD0, ExifIFD, and Composite for the signed GPS position).
var exiftoolKeys = map[string]string{
	"make":             "IFD0:Make",
	"model":            "IFD0:Model",
	"dateTimeOriginal": "ExifIFD:DateTimeOriginal",
	"orientation":      "IFD0:Orientation",
	"gpsLatitude":      "Composite:GPSLatitude",
	"gpsLongitude":     "Composite:GPSLongitude",
	"exposureTime":     "ExifIFD:ExposureTime",
	"fNumber":          "ExifIFD:FNumber",
	"iso":              "ExifIFD:ISO",
}

func exiftoolCore(obj map[string]any) Core {
	c := Core{}
	for _, k := range coreKeys {
		v, ok := obj[exiftoolKeys[k]]
		if !ok {
			continue
		}
		switch t := v.(type) {
		case float64:
			c[k] = t
		case string:
			c[k] = strings.TrimSpace(t)
		default:
			c[k] = fmt.Sprint(t)
		}
	}
	return c
}

// same reports whether two values of key k agree: numbers within 0.1%
// (1e-5 degrees for coordinates), dates to the second whatever the
// separators and a time zone or fraction present on one side only, texts
// after trimming.
func same(k string, a, b any) bool {
	x, xNum := a.(float64)
	y, yNum := b.(float64)
	if xNum && yNum {
		d := math.Abs(x - y)
		return d <= 1e-5 || d <= 1e-3*math.Max(math.Abs(x), math.Abs(y))
	}
	as, bs := fmt.Sprint(a), fmt.Sprint(b)
	if k == "dateTimeOriginal" {
		return dateKey(as) == dateKey(bs)
	}
	return strings.TrimSpace(as) == strings.TrimSpace(bs)
}

// dateKey keeps the digits of the first 19 characters of a date
// ("2004:03:20 14:54:55", "2004-03-20T14:54:55+01:00").
func dateKey(s string) string {
	if len(s) > 19 {
		s = s[:19]
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
