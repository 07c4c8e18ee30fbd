#!/usr/bin/env bash
# bench-deps.sh - side-by-side figures for the two named dependencies the
# project does not use: github.com/h2non/bimg (libvips binding) against
# pkg/image, and github.com/dsoprea/go-exif/v3 against pkg/meta, on the same
# files in one run. docs/dependencies.md records the results.
#
# The programs live in scripts/depbench, a module of its own (it requires
# bimg and go-exif; the product's go.mod does not): thumb-engine and
# thumb-bimg each link one libvips binding, so neither library's
# process-wide libvips settings touch the other; exifbench links go-exif
# and pkg/meta.
#
# Thumbnails (a 256x256 box, JPEG quality 80, one libvips thread each):
#   sets     corpus: the decodable JPEGs of ../shared/corpus/images but
#            giant-image.jpg (10 files, 450x600 to 2725x2225, 7 of them
#            EXIF-rotated, 8 with an ICC profile); photos: BENCH_PHOTOS generated photo-like
#            4000x3000 JPEGs (q90) with camera and GPS EXIF; rotated: the
#            same with EXIF orientation 6; giant: giant-image.jpg
#            (20000x14000).
#   tools    engine (pkg/image's public API), bimg-fit (bimg as a caller
#            must use it for a fit-inside thumbnail: size and orientation
#            read first, only the binding side given, metadata stripped),
#            bimg-box (Width and Height 256, bimg's defaults).
#   figures  images/s (best of BENCH_RUNS processes, each a warm-up pass
#            then timed passes) and CPU ms per image (their median),
#            peak RSS of one pass in a separate process (/usr/bin/time -v),
#            output sizes, PSNR against a reference made by ImageMagick
#            from the fully decoded source (auto-oriented, converted from
#            its ICC profile to sRGB, Lanczos), and
#            what each does with a truncated file, a corrupt header, EXIF
#            orientation and the source's metadata.
# EXIF (exifbench):
#   files    the JPEG, TIFF and AVIF files of the corpus, generated JPEG
#            (both byte orders, all 8 orientations, GPS in 4 hemispheres),
#            TIFF and HEIC files with camera tags written by exiftool, and
#            the generated photos.
#   figures  agreement on the core tags with `exiftool -j -n -G1`; time,
#            allocations and bytes allocated per file; outcomes over
#            truncated and bit-flipped copies (panics, errors, hangs).
#
#   scripts/bench-deps.sh
#
# Environment: BENCH_DIR (work directory, default $TMPDIR/acs-bench-deps;
# generated files are kept and reused), BENCH_PHOTOS (default 4),
# BENCH_RUNS (default 5), GO (default go).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-deps}
photos=${BENCH_PHOTOS:-4}
runs=${BENCH_RUNS:-5}
go=${GO:-go}
corpus=$root/../shared/corpus/images

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "bench-deps: $1 is not installed (Debian package $2)" >&2
		exit 1
	fi
}
need vips libvips-tools
need vipsheader libvips-tools
need exiftool libimage-exiftool-perl
need compare imagemagick
need python3 python3
need "$go" golang
[ -x /usr/bin/time ] || { echo "bench-deps: /usr/bin/time is not installed (Debian package time)" >&2; exit 1; }
[ -d "$corpus" ] || { echo "bench-deps: the sample corpus $corpus is missing" >&2; exit 1; }

mkdir -p "$work/bin" "$work/photos" "$work/rotated" "$work/exif" "$work/tmp"
echo "building scripts/depbench" >&2
(cd "$root/scripts/depbench" && "$go" build -o "$work/bin/" ./cmd/...)

# photo OUT SEED: a 4000x3000 JPEG at quality 90 made of three octaves of
# Perlin noise per channel and a little Gaussian sensor noise, so it
# compresses like a photograph (as scripts/bench-thumbnail.sh makes them).
photo() {
	local out=$1 seed=$2 t=$work/tmp
	local bands=()
	for b in 0 1 2; do
		vips perlin "$t/a.v" 4000 3000 --cell-size 700 --seed $((seed * 10 + b))
		vips perlin "$t/b.v" 4000 3000 --cell-size 90 --seed $((seed * 10 + b + 3))
		vips perlin "$t/c.v" 4000 3000 --cell-size 12 --seed $((seed * 10 + b + 6))
		vips linear "$t/b.v" "$t/b2.v" 0.35 0
		vips linear "$t/c.v" "$t/c2.v" 0.12 0
		vips sum "$t/a.v $t/b2.v $t/c2.v" "$t/band$b.v"
		bands+=("$t/band$b.v")
	done
	vips bandjoin "${bands[*]}" "$t/rgb.v"
	vips gaussnoise "$t/noise.v" 4000 3000 --sigma 4 --mean 0 --seed "$seed"
	vips linear "$t/rgb.v" "$t/scaled.v" 110 128
	vips add "$t/scaled.v" "$t/noise.v" "$t/noisy.v"
	vips cast "$t/noisy.v" "$t/u8.v" uchar
	vips copy "$t/u8.v" "$t/srgb.v" --interpretation srgb
	vips jpegsave "$t/srgb.v" "$out" --Q 90
}

# camera FILE I ARGS...: write camera, exposure and GPS EXIF tags into FILE
# (the values vary with I: hemispheres, exposure, date).
camera() {
	local f=$1 i=$2
	shift 2
	local lat lon latref lonref
	lat=$(awk -v i="$i" 'BEGIN { printf "%.6f", 10 + i * 7.123457 }')
	lon=$(awk -v i="$i" 'BEGIN { printf "%.6f", 20 + i * 13.654321 }')
	latref=$([ $((i % 2)) = 0 ] && echo N || echo S)
	lonref=$([ $((i % 4)) -lt 2 ] && echo E || echo W)
	exiftool -q -overwrite_original "$@" \
		-Make="Maker$i" -Model="Camera Model $i" \
		-DateTimeOriginal="20$((10 + i)):0$((1 + i % 9)):1$((i % 10)) 1$((i % 10)):2$((i % 10)):3$((i % 10))" \
		-ExposureTime="1/$((60 * (i + 1)))" -FNumber="$((2 + i % 9)).8" -ISO=$((100 * (i + 1))) \
		-GPSLatitude="$lat" -GPSLatitudeRef="$latref" -GPSLongitude="$lon" -GPSLongitudeRef="$lonref" \
		"$f"
}

for i in $(seq 1 "$photos"); do
	f=$(printf '%s/photos/photo-%02d.jpg' "$work" "$i")
	if [ ! -s "$f" ]; then
		echo "generating $f" >&2
		photo "$f" "$i"
		camera "$f" "$i" -Orientation#=1
	fi
	r=$(printf '%s/rotated/rotated-%02d.jpg' "$work" "$i")
	if [ ! -s "$r" ]; then
		cp "$f" "$r"
		exiftool -q -overwrite_original -Orientation#=6 "$r"
	fi
done

# Small EXIF files: JPEGs in both byte orders and all 8 orientations, a
# TIFF and a HEIC, each with its own values.
if [ ! -s "$work/exif/done" ]; then
	echo "generating EXIF files" >&2
	vips black "$work/tmp/black.v" 320 240 --bands 3
	vips linear "$work/tmp/black.v" "$work/tmp/grey.v" 1 90
	vips cast "$work/tmp/grey.v" "$work/tmp/grey8.v" uchar
	for i in 1 2 3 4 5 6 7 8; do
		order=$([ $((i % 2)) = 0 ] && echo II || echo MM)
		f=$work/exif/exif-$i-$order.jpg
		vips jpegsave "$work/tmp/grey8.v" "$f" --Q 80
		camera "$f" "$i" -ExifByteOrder="$order" -Orientation#="$i"
	done
	vips tiffsave "$work/tmp/grey8.v" "$work/exif/exif-9.tif" --compression lzw
	camera "$work/exif/exif-9.tif" 9 -Orientation#=1
	vips heifsave "$work/tmp/grey8.v" "$work/exif/exif-10.heic" --compression hevc
	camera "$work/exif/exif-10.heic" 10 -Orientation#=6
	touch "$work/exif/done"
fi
rm -rf "$work/tmp"

mapfile -t set_corpus < <(cd "$corpus" && ls ./*.jpg | grep -v -e giant-image -e truncated -e corrupt-header | sed "s|^\./|$corpus/|")
mapfile -t set_photos < <(ls "$work"/photos/*.jpg)
mapfile -t set_rotated < <(ls "$work"/rotated/*.jpg)
set_giant=("$corpus/giant-image.jpg")
mapfile -t set_exif < <(
	find "$corpus" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.tif' -o -iname '*.tiff' -o -iname '*.heic' -o -iname '*.avif' \) | sort
	ls "$work"/exif/*.jpg "$work"/exif/*.tif "$work"/exif/*.heic "$work"/photos/*.jpg
)

declare -A passes=([corpus]=5 [photos]=2 [rotated]=2 [giant]=2)
tools="engine bimg-fit bimg-box"
# cmd TOOL: the program and mode of a tool.
cmd() {
	case $1 in
	engine) echo "$work/bin/thumb-engine" ;;
	bimg-fit) echo "$work/bin/thumb-bimg -mode fit" ;;
	bimg-box) echo "$work/bin/thumb-bimg -mode box" ;;
	esac
}
# run TOOL OUTDIR PASSES FILE...: one process; prints its JSON report.
run() {
	local tool=$1 out=$2 p=$3
	shift 3
	$(cmd "$tool") -out "$out" -passes "$p" "$@"
}

rm -rf "$work/out" "$work/reports"
mkdir -p "$work/reports"
for set in corpus photos rotated giant; do
	declare -n files="set_$set"
	for tool in $tools; do
		echo "thumbnails: $set with $tool" >&2
		out=$work/out/$set/$tool
		# Peak RSS of one pass, in its own process.
		/usr/bin/time -v -o "$work/reports/$set-$tool.time" $(cmd "$tool") -out "$out" -passes 0 "${files[@]}" \
			>"$work/reports/$set-$tool.first.json" 2>"$work/reports/$set-$tool.stderr"
	done
	# Timed processes, the tools interleaved so that a change in the
	# machine's load hits all of them alike.
	for r in $(seq 1 "$runs"); do
		for tool in $tools; do
			run "$tool" "$work/out/$set/$tool" "${passes[$set]}" "${files[@]}" \
				>"$work/reports/$set-$tool.run$r.json" 2>>"$work/reports/$set-$tool.stderr"
		done
	done
	unset -n files
done

# PSNR of each fit-inside thumbnail against ImageMagick's resize of the
# fully decoded, auto-oriented source to the same size, colour-managed
# (transformed from the source's ICC profile to sRGB by ImageMagick's
# lcms; the sRGB profile is libvips' built-in one, saved to a file).
echo "quality: PSNR against ImageMagick references" >&2
if [ ! -s "$work/srgb.icc" ]; then
	vips black "$work/out/t.v" 8 8 --bands 3
	vips icc_transform "$work/out/t.v" "$work/out/t2.v" srgb --input-profile srgb --embedded=false
	vips copy "$work/out/t2.v" "$work/out/t.jpg"
	exiftool -b -ICC_Profile "$work/out/t.jpg" >"$work/srgb.icc"
fi
: >"$work/reports/psnr.tsv"
for set in corpus photos rotated; do
	declare -n files="set_$set"
	for src in "${files[@]}"; do
		base=$(basename "${src%.*}")
		for tool in engine bimg-fit; do
			th=$work/out/$set/$tool/$base.jpg
			[ -s "$th" ] || continue
			dims=$(vipsheader -f width "$th")x$(vipsheader -f height "$th")
			ref=$work/out/$set/ref-$base-$dims.png
			[ -s "$ref" ] || convert "$src" -profile "$work/srgb.icc" -auto-orient -filter Lanczos -resize "$dims!" -strip "$ref"
			db=$(compare -metric PSNR "$th" "$ref" null: 2>&1 || true)
			printf '%s\t%s\t%s\t%s\n' "$set" "$tool" "$base" "$db" >>"$work/reports/psnr.tsv"
		done
	done
	unset -n files
done

# Correctness probes: damaged files, and what the thumbnails keep of the
# source's metadata.
echo "correctness probes" >&2
mkdir -p "$work/out/probe"
for tool in $tools; do
	run "$tool" "$work/out/probe/$tool" 0 "$corpus/truncated.jpg" "$corpus/corrupt-header.jpg" \
		"$work/photos/photo-01.jpg" "$corpus/Portrait_6.jpg" "$corpus/Channel_digital_image_CMYK_color.jpg" \
		>"$work/reports/probe-$tool.json" 2>/dev/null
	exiftool -j -n -G1 -GPSLatitude -Make -Orientation -ICC_Profile:ProfileDescription \
		"$work/out/probe/$tool/photo-01.jpg" "$work/out/probe/$tool/Portrait_6.jpg" \
		"$work/out/probe/$tool/Channel_digital_image_CMYK_color.jpg" >"$work/reports/probe-$tool.exif.json" 2>/dev/null || true
done

python3 - "$work" "$runs" <<'EOF'
import json, os, re, statistics, sys

work, runs = sys.argv[1], int(sys.argv[2])
rep = os.path.join(work, "reports")
tools = ["engine", "bimg-fit", "bimg-box"]
sets = ["corpus", "photos", "rotated", "giant"]

def load(path):
    with open(path) as f:
        return json.load(f)

def peak_mb(path):
    with open(path) as f:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    return int(m.group(1)) / 1024 if m else float("nan")

fig = {}
for s in sets:
    for t in tools:
        reps = [load(f"{rep}/{s}-{t}.run{r}.json") for r in range(1, runs + 1)]
        ips = max(r["images"] / r["seconds"] for r in reps)
        cpu = statistics.median(1000 * r["cpuSeconds"] / r["images"] for r in reps)
        first = load(f"{rep}/{s}-{t}.first.json")
        sizes = [f["bytes"] for f in first["files"] if f.get("bytes")]
        fig[s, t] = dict(ips=ips, cpu=cpu, rss=peak_mb(f"{rep}/{s}-{t}.time"), files=first["files"],
                         kb=sum(sizes) / len(sizes) / 1024 if sizes else 0, n=len(first["files"]),
                         calls=sum(r["images"] + len(r.get("failures") or []) for r in reps),
                         failures=[x for r in reps for x in (r.get("failures") or [])])

print()
print(f"Thumbnails: 256x256 box, JPEG q80, one libvips thread; images/s is the best of {runs} processes")
print("(wall time, the least disturbed by other work), CPU ms/image their median (user+system);")
print("peak RSS is one pass in its own process (/usr/bin/time -v)")
print()
print(f"{'set':<8} {'tool':<9} {'images/s':>9} {'CPU ms/img':>11} {'peak RSS MB':>12} {'avg KB':>7}   output sizes")
for s in sets:
    for t in tools:
        f = fig[s, t]
        dims = sorted({f"{x['width']}x{x['height']}" for x in f["files"] if x.get("width")})
        print(f"{s:<8} {t:<9} {f['ips']:>9.1f} {f['cpu']:>11.1f} {f['rss']:>12.1f} {f['kb']:>7.1f}   {' '.join(dims)}")
print()
print("ratios engine / bimg-fit (same output sizes; above 1 means the engine is faster, or uses more memory):")
for s in sets:
    e, b = fig[s, "engine"], fig[s, "bimg-fit"]
    print(f"  {s:<8} images/s {e['ips'] / b['ips']:.2f}x, images per CPU second {b['cpu'] / e['cpu']:.2f}x, peak RSS {e['rss'] / b['rss']:.2f}x")
fails = [(s, t, fig[s, t]) for s in sets for t in tools if fig[s, t]["failures"]]
if fails:
    print("calls of the timed passes that failed on a file the first pass had done:")
    for s, t, f in fails:
        print(f"  {s:<8} {t:<9} {len(f['failures'])} of {f['calls']}: {'; '.join(sorted(set(' '.join(x.split()) for x in f['failures'])))[:200]}")
else:
    print("no call of the timed passes failed")
b_up, b_rot = fig["photos", "bimg-fit"], fig["rotated", "bimg-fit"]
e_up, e_rot = fig["photos", "engine"], fig["rotated", "engine"]
print(f"EXIF orientation 6 on the 4000x3000 photos: bimg-fit {b_up['cpu']:.0f} -> {b_rot['cpu']:.0f} CPU ms/image "
      f"({b_rot['cpu'] / b_up['cpu']:.1f}x), peak RSS {b_up['rss']:.0f} -> {b_rot['rss']:.0f} MB; "
      f"engine {e_up['cpu']:.0f} -> {e_rot['cpu']:.0f} ms ({e_rot['cpu'] / e_up['cpu']:.1f}x)")

psnr = {}
with open(f"{rep}/psnr.tsv") as f:
    for line in f:
        s, t, base, db = line.rstrip("\n").split("\t")
        m = re.match(r"[\d.]+", db)
        if m:
            psnr.setdefault((s, t), []).append(float(m.group(0)))
print()
print("PSNR (dB) against ImageMagick's Lanczos resize of the fully decoded source, same size (mean, min):")
for s in ["corpus", "photos", "rotated"]:
    line = f"  {s:<8}"
    for t in ["engine", "bimg-fit"]:
        v = psnr.get((s, t), [])
        if v:
            line += f"  {t} {statistics.mean(v):.1f} (min {min(v):.1f})"
    print(line)

print()
print("Correctness probes (first pass, one thumbnail each):")
for t in tools:
    r = load(f"{rep}/probe-{t}.json")
    try:
        ex = {os.path.basename(o["SourceFile"]): o for o in load(f"{rep}/probe-{t}.exif.json")}
    except (ValueError, FileNotFoundError):
        ex = {}
    print(f"  {t}:")
    for f in r["files"]:
        name = f["file"]
        if f.get("error") or f.get("panic"):
            print(f"    {name:<38} fails: {' '.join((f.get('error') or f.get('panic')).split())[:90]}")
            continue
        meta = ex.get(os.path.splitext(name)[0] + ".jpg", {})
        kept = [f"{k.split(':')[1]}={meta[k]}" for k in ("Composite:GPSLatitude", "IFD0:Make", "IFD0:Orientation") if k in meta]
        icc = meta.get("ICC_Profile:ProfileDescription")
        print(f"    {name:<38} {f['width']}x{f['height']}, {f['bytes']} bytes; keeps {', '.join(kept) or 'no EXIF'}"
              + (f"; ICC '{icc}'" if icc else ""))
EOF

echo
echo "EXIF: ${#set_exif[@]} files"
exiftool -j -n -G1 -q -q "${set_exif[@]}" >"$work/reports/exiftool.json" 2>/dev/null || true
"$work/bin/exifbench" agree "$work/reports/exiftool.json" "${set_exif[@]}"
echo
"$work/bin/exifbench" time "${set_exif[@]}"
echo
"$work/bin/exifbench" robust -seed 1 "${set_exif[@]}"
echo
echo "machine: $(nproc) CPUs, $(. /etc/os-release && echo "$PRETTY_NAME"), libvips $(vips --version | sed 's/vips-//'), exiftool $(exiftool -ver), $("$go" version | cut -d' ' -f3)"
