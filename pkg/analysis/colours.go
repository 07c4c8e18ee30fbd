package analysis

import (
	"fmt"
	"image"
	"sort"

	"golang.org/x/image/colornames"
)

// Colour clustering parameters.
const (
	// MaxColours is the most dominant colours a report lists.
	MaxColours = 5
	// minShare is the smallest share of the opaque pixels a listed
	// colour covers; smaller clusters (anti-aliased edges, specks) are
	// dropped.
	minShare = 0.01
	// mergeDistance is the CIE76 difference under which two clusters are
	// one colour.
	mergeDistance = 10
	// tagShare is the smallest share of a colour whose basic term is a
	// colour tag.
	tagShare = 0.10
	// kmeansRounds bounds the k-means iterations.
	kmeansRounds = 20
)

// Colour is one dominant colour of a picture.
type Colour struct {
	// Hex is the colour as #rrggbb (sRGB), the mean of its cluster.
	Hex string `json:"hex"`
	// Share is the part of the opaque pixels in the cluster, 0-1.
	Share float64 `json:"share"`
	// Name is the nearest named colour (see NamedColours).
	Name string `json:"name"`
	// Term is the colour's basic colour term, one of BasicTerms.
	Term string `json:"tag"`
	// Lab is the colour in CIELAB (D65), rounded to 0.1.
	Lab [3]float64 `json:"lab"`
}

// BasicTerms are the 11 basic colour terms (Berlin and Kay) the colour
// tags are taken from.
var BasicTerms = []string{"red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "grey"}

// bin is a cell of the colour histogram: the pixels whose 8-bit sRGB
// values agree in their top 4 bits, with their mean colour in CIELAB.
type bin struct {
	c lab
	n float64
}

// dominantColours clusters the opaque pixels of img in CIELAB (weighted
// k-means over a 16x16x16 histogram, seeded deterministically by
// farthest-point selection from the most common cell) and returns at most
// MaxColours colours, largest share first. A picture without opaque
// pixels has none.
func dominantColours(img *image.NRGBA) []Colour {
	// Per cell: the sums of the 8-bit values and the count; the cell's
	// colour is converted to CIELAB once, from its mean (cells are 16
	// levels wide, so the mean in sRGB and in CIELAB barely differ).
	sums := make([][4]uint32, 16*16*16)
	b := img.Bounds()
	total := 0.0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			p := row[4*x : 4*x+4]
			if p[3] < 128 {
				continue
			}
			s := &sums[int(p[0]>>4)<<8|int(p[1]>>4)<<4|int(p[2]>>4)]
			s[0] += uint32(p[0])
			s[1] += uint32(p[1])
			s[2] += uint32(p[2])
			s[3]++
			total++
		}
	}
	if total == 0 {
		return []Colour{}
	}
	var bins []bin
	for _, s := range sums {
		if n := s[3]; n > 0 {
			mean := func(v uint32) uint8 { return uint8((v + n/2) / n) }
			bins = append(bins, bin{toLab(mean(s[0]), mean(s[1]), mean(s[2])), float64(n)})
		}
	}
	clusters := kmeans(bins, min(MaxColours+2, len(bins)))
	clusters = merge(clusters)
	sort.SliceStable(clusters, func(i, j int) bool { return clusters[i].n > clusters[j].n })
	out := []Colour{}
	for _, c := range clusters {
		share := c.n / total
		if share < minShare && len(out) > 0 || len(out) == MaxColours {
			break
		}
		out = append(out, describe(c.c, share))
	}
	return out
}

// kmeans clusters bins into k weighted clusters.
func kmeans(bins []bin, k int) []bin {
	// Seeds: the heaviest cell, then each time the cell farthest from
	// the seeds so far, weighted by its count.
	centres := make([]lab, 0, k)
	best := 0
	for i, b := range bins {
		if b.n > bins[best].n {
			best = i
		}
	}
	centres = append(centres, bins[best].c)
	nearest := make([]float64, len(bins))
	for i := range bins {
		nearest[i] = bins[i].c.dist2(centres[0])
	}
	for len(centres) < k {
		best, bestScore := -1, 0.0
		for i, b := range bins {
			if s := nearest[i] * b.n; s > bestScore {
				best, bestScore = i, s
			}
		}
		if best < 0 {
			break // every cell is a seed already
		}
		c := bins[best].c
		centres = append(centres, c)
		for i := range bins {
			nearest[i] = min(nearest[i], bins[i].c.dist2(c))
		}
	}
	assign := make([]int, len(bins))
	out := make([]bin, len(centres))
	for round := 0; round < kmeansRounds; round++ {
		changed := false
		for i, b := range bins {
			bi, bd := 0, b.c.dist2(centres[0])
			for j := 1; j < len(centres); j++ {
				if d := b.c.dist2(centres[j]); d < bd {
					bi, bd = j, d
				}
			}
			if round == 0 || assign[i] != bi {
				changed = true
				assign[i] = bi
			}
		}
		for j := range out {
			out[j] = bin{}
		}
		for i, b := range bins {
			o := &out[assign[i]]
			o.c.L += b.c.L * b.n
			o.c.A += b.c.A * b.n
			o.c.B += b.c.B * b.n
			o.n += b.n
		}
		for j := range out {
			if out[j].n > 0 {
				out[j].c = lab{out[j].c.L / out[j].n, out[j].c.A / out[j].n, out[j].c.B / out[j].n}
				centres[j] = out[j].c
			}
		}
		if !changed {
			break
		}
	}
	kept := out[:0]
	for _, c := range out {
		if c.n > 0 {
			kept = append(kept, c)
		}
	}
	return kept
}

// merge joins clusters closer than mergeDistance, the closest pair first.
func merge(cs []bin) []bin {
	for {
		bi, bj, bd := -1, -1, float64(mergeDistance*mergeDistance)
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				if d := cs[i].c.dist2(cs[j].c); d < bd {
					bi, bj, bd = i, j, d
				}
			}
		}
		if bi < 0 {
			return cs
		}
		a, b := cs[bi], cs[bj]
		n := a.n + b.n
		cs[bi] = bin{lab{(a.c.L*a.n + b.c.L*b.n) / n, (a.c.A*a.n + b.c.A*b.n) / n, (a.c.B*a.n + b.c.B*b.n) / n}, n}
		cs = append(cs[:bj], cs[bj+1:]...)
	}
}

// describe names a cluster's colour.
func describe(c lab, share float64) Colour {
	r, g, b := c.rgb()
	return Colour{
		Hex:   fmt.Sprintf("#%02x%02x%02x", r, g, b),
		Share: round(share, 4),
		Name:  nearestName(c),
		Term:  basicTerm(c),
		Lab:   [3]float64{round(c.L, 1), round(c.A, 1), round(c.B, 1)},
	}
}

// NamedColours is the list colour names are taken from: the 147 colour
// keywords of SVG 1.1 and CSS Color Module Level 3 (package
// golang.org/x/image/colornames). Where two keywords are the same colour
// (aqua and cyan, fuchsia and magenta, gray and grey) the first in
// alphabetical order is used.
var NamedColours = colornames.Names

// namedLab holds NamedColours in CIELAB, in the same order.
var namedLab = func() []lab {
	out := make([]lab, len(colornames.Names))
	for i, n := range colornames.Names {
		c := colornames.Map[n]
		out[i] = toLab(c.R, c.G, c.B)
	}
	return out
}()

// nearestName returns the named colour nearest to c (CIE76).
func nearestName(c lab) string {
	best, bd := 0, c.dist2(namedLab[0])
	for i := 1; i < len(namedLab); i++ {
		if d := c.dist2(namedLab[i]); d < bd {
			best, bd = i, d
		}
	}
	return colornames.Names[best]
}

// basicTerm maps a colour to one of BasicTerms by its lightness L*,
// chroma C* and hue angle h of CIE LCh:
//
//   - C* < 12 is achromatic: black below L* 25, white above L* 88, grey
//     between;
//   - h 345-20: pink above L* 50, red below;
//   - h 20-50: red (pink above L* 75);
//   - h 50-85: orange, brown when L* < 50 or C* < 35;
//   - h 85-115: yellow; brown when C* < 25 and L* < 70 (khaki, drab),
//     else green (olive) when L* < 60;
//   - h 115-180: green; h 180-315: blue;
//   - h 315-345: purple (pink above L* 75).
//
// The bands were set on the CSS colours that carry the terms' names.
func basicTerm(c lab) string {
	C, h := c.chroma(), c.hue()
	switch {
	case C < 12 && c.L < 25:
		return "black"
	case C < 12 && c.L > 88:
		return "white"
	case C < 12:
		return "grey"
	case h >= 345 || h < 20:
		if c.L > 50 {
			return "pink"
		}
		return "red"
	case h < 50:
		if c.L > 75 {
			return "pink"
		}
		return "red"
	case h < 85:
		if c.L < 50 || C < 35 {
			return "brown"
		}
		return "orange"
	case h < 115:
		if C < 25 && c.L < 70 {
			return "brown"
		}
		if c.L < 60 {
			return "green"
		}
		return "yellow"
	case h < 180:
		return "green"
	case h < 315:
		return "blue"
	default:
		if c.L > 75 {
			return "pink"
		}
		return "purple"
	}
}

// colourTags returns the basic terms of the colours that cover at least
// tagShare of the picture, largest share first, each once.
func colourTags(cs []Colour) []string {
	tags := []string{}
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Share >= tagShare && !seen[c.Term] {
			seen[c.Term] = true
			tags = append(tags, c.Term)
		}
	}
	return tags
}
