package faces

import (
	"encoding/binary"
	"fmt"
	"math"

	pigo "github.com/esimov/pigo/core"
)

// model is the cascade of facefinder unpacked for the upright scan: the
// same trees, thresholds and arithmetic as pigo's classifyRegion, laid out
// so that a window costs fewer loads and no closure call. Its answers are
// pigo's, bit for bit (TestUprightScanMatchesPigo).
type model struct {
	depth int
	// nodes holds, for each tree, its 2^depth-1 inner nodes (heap
	// order from 1) as the four signed offsets of the two pixels they
	// compare: row and column of the first, row and column of the
	// second, in 1/256 of the window size.
	nodes []int32
	// pred holds each tree's 2^depth leaf values; thr each tree's
	// threshold, under which the running sum rejects the window.
	pred, thr []float32
}

// unpackModel reads pigo's cascade format: a header of 8 bytes, the tree
// depth and count (little-endian uint32), then for each tree its inner
// nodes (4 signed bytes each), its leaves (float32) and its threshold.
func unpackModel(b []byte) (*model, error) {
	if len(b) < 16 {
		return nil, fmt.Errorf("faces: cascade of %d bytes", len(b))
	}
	depth := int(binary.LittleEndian.Uint32(b[8:]))
	trees := int(binary.LittleEndian.Uint32(b[12:]))
	if depth < 1 || depth > 16 || trees < 1 {
		return nil, fmt.Errorf("faces: cascade of %d trees of depth %d", trees, depth)
	}
	leaves := 1 << depth
	per := 4*(leaves-1) + 4*leaves + 4
	if len(b)-16 < trees*per {
		return nil, fmt.Errorf("faces: cascade truncated: %d bytes for %d trees", len(b), trees)
	}
	m := &model{depth: depth, nodes: make([]int32, 0, trees*4*leaves), pred: make([]float32, 0, trees*leaves), thr: make([]float32, 0, trees)}
	pos := 16
	for range trees {
		// Node 0 is unused, as in pigo, so node i is at 4*i.
		m.nodes = append(m.nodes, 0, 0, 0, 0)
		for _, c := range b[pos : pos+4*(leaves-1)] {
			m.nodes = append(m.nodes, int32(int8(c)))
		}
		pos += 4 * (leaves - 1)
		for range leaves {
			m.pred = append(m.pred, math.Float32frombits(binary.LittleEndian.Uint32(b[pos:])))
			pos += 4
		}
		m.thr = append(m.thr, math.Float32frombits(binary.LittleEndian.Uint32(b[pos:])))
		pos += 4
	}
	return m, nil
}

// offsets holds, for one window size and row length, each inner node's
// two pixels as offsets from the window's centre pixel, filled tree by
// tree as the scan first reaches them (most windows are rejected by the
// first few trees). pigo computes pixel (r*256 + dr*s) >> 8 for each
// window; as r*256 is a multiple of 256 that is r + (dr*s) >> 8 (the
// shift floors), so the offset does not depend on the window.
type offsets struct {
	m      *model
	s, dim int
	off    []int
	done   int
}

// reset makes o the offsets of windows of size s in rows of dim pixels,
// keeping its memory.
func (o *offsets) reset(m *model, s, dim int) {
	o.m, o.s, o.dim, o.off, o.done = m, s, dim, o.off[:0], 0
}

// fill computes the offsets of the trees up to t.
func (o *offsets) fill(t int) {
	s, dim := o.s, o.dim
	leaves := 1 << o.m.depth
	for ; o.done <= t; o.done++ {
		nodes := o.m.nodes[o.done*4*leaves : (o.done+1)*4*leaves]
		for i := 0; i+3 < len(nodes); i += 4 {
			o.off = append(o.off,
				((int(nodes[i])*s)>>8)*dim+((int(nodes[i+1])*s)>>8),
				((int(nodes[i+2])*s)>>8)*dim+((int(nodes[i+3])*s)>>8))
		}
	}
}

// classify is pigo's classifyRegion for the window whose centre is pixel
// centre of pix, with the offsets of its size: the cascade's output, or
// -1 when a tree rejects the window.
func (m *model) classify(centre int, o *offsets, pix []uint8) float32 {
	leaves := 1 << m.depth
	var out float32
	for t, thr := range m.thr {
		if t >= o.done {
			o.fill(t)
		}
		off := o.off[t*2*leaves : (t+1)*2*leaves]
		idx := 1
		for range m.depth {
			bit := 0
			if pix[centre+off[2*idx]] <= pix[centre+off[2*idx+1]] {
				bit = 1
			}
			idx = 2*idx + bit
		}
		out += m.pred[t*leaves+idx-leaves]
		if out <= thr {
			return -1
		}
	}
	return out - m.thr[len(m.thr)-1]
}

// scan is pigo's RunCascade for upright faces (angle 0): every window
// from MinSize to MaxSize, the same sizes, steps and order, and the
// windows with a positive output.
func (m *model) scan(cp pigo.CascadeParams) []pigo.Detection {
	var dets []pigo.Detection
	pix, dim := cp.Pixels, cp.Dim
	o := &offsets{off: make([]int, 0, len(m.nodes)/2)}
	for scale := cp.MinSize; scale <= cp.MaxSize; {
		step := int(math.Max(cp.ShiftFactor*float64(scale), 1))
		offset := scale/2 + 1
		o.reset(m, scale, dim)
		for row := offset; row <= cp.Rows-offset; row += step {
			for col := offset; col <= cp.Cols-offset; col += step {
				if q := m.classify(row*dim+col, o, pix); q > 0 {
					dets = append(dets, pigo.Detection{Row: row, Col: col, Scale: scale, Q: q})
				}
			}
		}
		scale = int(float64(scale) + math.Max(2, float64(scale)*cp.ScaleFactor-float64(scale)))
	}
	return dets
}
