# bench-photos.sh - sourced by the benchmark scripts: the deterministic
# photo-like corpus they share.
#
# bench_photo OUT SEED [WIDTH HEIGHT]: a JPEG at quality 90 (default
# 4000x3000) made with libvips' seeded noise generators: three octaves of
# Perlin noise per channel (large shapes, smaller texture) and a little
# Gaussian sensor noise, so it compresses like a photograph (3-4 MB at
# 12 MP). The same seed gives the same file. Needs vips (libvips-tools).
bench_photo() {
	local out=$1 seed=$2 w=${3:-4000} h=${4:-3000}
	local t
	t=$(mktemp -d)
	local bands=()
	for b in 0 1 2; do
		vips perlin "$t/a.v" "$w" "$h" --cell-size 700 --seed $((seed * 10 + b))
		vips perlin "$t/b.v" "$w" "$h" --cell-size 90 --seed $((seed * 10 + b + 3))
		vips perlin "$t/c.v" "$w" "$h" --cell-size 12 --seed $((seed * 10 + b + 6))
		vips linear "$t/b.v" "$t/b2.v" 0.35 0
		vips linear "$t/c.v" "$t/c2.v" 0.12 0
		vips sum "$t/a.v $t/b2.v $t/c2.v" "$t/band$b.v"
		bands+=("$t/band$b.v")
	done
	vips bandjoin "${bands[*]}" "$t/rgb.v"
	vips gaussnoise "$t/noise.v" "$w" "$h" --sigma 4 --mean 0 --seed "$seed"
	vips linear "$t/rgb.v" "$t/scaled.v" 110 128
	vips add "$t/scaled.v" "$t/noise.v" "$t/noisy.v"
	vips cast "$t/noisy.v" "$t/u8.v" uchar
	vips copy "$t/u8.v" "$t/srgb.v" --interpretation srgb
	case $out in
	*.png) vips pngsave "$t/srgb.v" "$out" ;;
	*) vips jpegsave "$t/srgb.v" "$out" --Q 90 ;;
	esac
	rm -rf "$t"
}

# bench_photos DIR N: DIR/photo-01.jpg .. photo-N.jpg, 4000x3000, each made
# once (an existing file is kept).
bench_photos() {
	local dir=$1 n=$2 i f
	mkdir -p "$dir"
	for i in $(seq 1 "$n"); do
		f=$(printf '%s/photo-%02d.jpg' "$dir" "$i")
		if [ ! -s "$f" ]; then
			echo "generating $f" >&2
			bench_photo "$f.tmp.jpg" "$i"
			mv "$f.tmp.jpg" "$f"
		fi
	done
}
