package devtool

import (
	"math"
	"net/http"
	"os"
	"strconv"
)

// compareSide is the largest side the two pictures are compared at.
const compareSide = 1024

// ref names a rendition of a run.
type ref struct {
	Run   string `json:"run"`
	Index int    `json:"index"`
}

// compared is one side of a comparison.
type compared struct {
	Run    string `json:"run"`
	Index  int    `json:"index"`
	Name   string `json:"name"`
	URL    string `json:"url"`
	Bytes  int64  `json:"bytes"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Fmt    string `json:"fmt"`
}

// compare answers {"a": {run, index}, "b": {run, index}}: the two
// renditions' sizes and their PSNR, computed with libvips (image.PSNR).
func (h *Handler) compare(w http.ResponseWriter, r *http.Request) {
	var body struct{ A, B ref }
	if !readJSON(w, r, &body) {
		return
	}
	var sides [2]compared
	var paths [2]string
	for i, rf := range []ref{body.A, body.B} {
		_, v, ok := h.lookup(rf.Run, strconv.Itoa(rf.Index))
		if !ok || v.Output.Kind != "image" {
			apiError(w, http.StatusBadRequest, "compare", "pick two picture renditions to compare")
			return
		}
		sides[i] = compared{Run: rf.Run, Index: rf.Index, Name: v.Name, URL: v.Output.URL, Bytes: v.Output.Bytes,
			Width: v.Output.Width, Height: v.Output.Height, Fmt: v.Fmt}
		paths[i] = v.path
	}
	tmp, err := os.MkdirTemp(h.opts.Dir, "compare-")
	if err != nil {
		apiError(w, http.StatusInternalServerError, "compare", "cannot create a temporary directory")
		return
	}
	defer os.RemoveAll(tmp)
	psnr, size, err := h.engine.PSNR(r.Context(), paths[0], paths[1], compareSide, tmp)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"a": sides[0], "b": sides[1], "error": err.Error()})
		return
	}
	res := map[string]any{"a": sides[0], "b": sides[1], "comparedWidth": size.X, "comparedHeight": size.Y}
	if math.IsInf(psnr, 1) {
		res["identical"] = true
	} else {
		res["psnr"] = math.Round(psnr*100) / 100
	}
	writeJSON(w, http.StatusOK, res)
}
