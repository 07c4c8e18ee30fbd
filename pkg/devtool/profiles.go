package devtool

import (
	"encoding/json"
	"net/http"
)

// profile is a preset request: a list of renditions the page starts from.
type profile struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Renditions []json.RawMessage `json:"renditions"`
}

// raw is shorthand for a literal rendition.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

// profiles are the preset profiles, built from what the built-in workers
// make (api.BuiltinFormats).
var profiles = []profile{
	{"web", "Web sizes (jpg + webp)", []json.RawMessage{
		raw(`{"name":"web-1280.jpg","fmt":"jpg","width":1280,"height":1280,"quality":82}`),
		raw(`{"name":"web-640.jpg","fmt":"jpg","width":640,"height":640,"quality":82}`),
		raw(`{"name":"web-320.jpg","fmt":"jpg","width":320,"height":320,"quality":82}`),
		raw(`{"name":"web-640.webp","fmt":"webp","width":640,"height":640,"quality":80}`),
	}},
	{"thumbnails", "Thumbnails (png)", []json.RawMessage{
		raw(`{"name":"thumb-48.png","fmt":"png","width":48,"height":48}`),
		raw(`{"name":"thumb-140.png","fmt":"png","width":140,"height":100}`),
		raw(`{"name":"thumb-319.png","fmt":"png","width":319,"height":319}`),
	}},
	{"quality", "Quality 70 vs 85 (to compare)", []json.RawMessage{
		raw(`{"name":"q70.jpg","fmt":"jpg","width":800,"height":800,"quality":70}`),
		raw(`{"name":"q85.jpg","fmt":"jpg","width":800,"height":800,"quality":85}`),
	}},
	{"modern", "Modern formats (avif, webp, png)", []json.RawMessage{
		raw(`{"name":"modern-800.avif","fmt":"avif","width":800,"height":800,"quality":60}`),
		raw(`{"name":"modern-800.webp","fmt":"webp","width":800,"height":800,"quality":75}`),
		raw(`{"name":"modern-800.png","fmt":"png","width":800,"height":800}`),
	}},
	{"crops", "Crops (smart, centre)", []json.RawMessage{
		raw(`{"name":"smart-400x400.jpg","fmt":"jpg","width":400,"height":400,"crop":"smart"}`),
		raw(`{"name":"banner-800x200.jpg","fmt":"jpg","width":800,"height":200,"crop":"smart"}`),
	}},
	{"metadata", "Metadata (xmp, json)", []json.RawMessage{
		raw(`{"name":"metadata.xmp","fmt":"xmp"}`),
		raw(`{"name":"metadata.json","fmt":"machine-metadata-json"}`),
	}},
	{"text", "Text", []json.RawMessage{
		raw(`{"name":"fulltext.txt","fmt":"text"}`),
	}},
	{"analysis", "Analysis", []json.RawMessage{
		raw(`{"name":"analysis.json","fmt":"analysis"}`),
	}},
	{"video", "Video preview (mp4 + poster)", []json.RawMessage{
		raw(`{"name":"preview.mp4","fmt":"mp4","width":640,"height":640}`),
		raw(`{"name":"poster.jpg","fmt":"jpg","width":640,"height":640,"time":1}`),
	}},
}

// profiles answers the preset profiles.
func (h *Handler) profiles(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, profiles)
}
