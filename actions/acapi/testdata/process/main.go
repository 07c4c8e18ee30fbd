// Command process is a stand-in for the process action in the tests of
// acapi: it answers a request with one event per rendition, as the real
// one does, without making renditions. A rendition with "fail": true gets
// rendition_failed; userData {"crash": true} makes the process exit.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

func main() {
	owaction.Run(func(_ context.Context, params json.RawMessage) (any, error) {
		var req struct {
			RequestID  string                     `json:"requestId"`
			Source     any                        `json:"source"`
			Renditions []map[string]any           `json:"renditions"`
			UserData   map[string]any             `json:"userData"`
			Extra      map[string]json.RawMessage `json:"-"`
		}
		if err := json.Unmarshal(params, &req); err != nil {
			return nil, err
		}
		if req.UserData["crash"] == true {
			os.Exit(3)
		}
		var events []map[string]any
		for _, r := range req.Renditions {
			ev := map[string]any{"type": "rendition_created", "requestId": req.RequestID, "rendition": r, "source": req.Source}
			if r["fail"] == true {
				ev["type"], ev["errorReason"] = "rendition_failed", "RenditionFormatUnsupported"
			} else if w, ok := r["wid"].(float64); ok {
				// An image rendition's dimensions, named as the worker
				// lifecycle names them.
				h, ok := r["hei"].(float64)
				if !ok {
					h = w
				}
				ev["metadata"] = map[string]any{"tiff:imageWidth": w, "tiff:imageHeight": h, "dc:format": "image/" + r["fmt"].(string)}
			}
			if req.UserData != nil {
				ev["userData"] = req.UserData
			}
			events = append(events, ev)
		}
		return map[string]any{"requestId": req.RequestID, "events": events}, nil
	})
}
