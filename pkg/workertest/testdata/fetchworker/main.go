// Command fetchworker is a test worker that calls an external host, as
// the mockserver example of aio's test projects does: it fetches the
// rendition instruction fetch (default https://example.org/file) with Go's
// default HTTP client, or with package transfer when the instruction via
// is "transfer", and writes the answer as the rendition.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.Main(fetch)
}

func fetch(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
	u, via := "https://example.org/file", "http"
	if _, err := r.ExtraValue("fetch", &u); err != nil {
		return err
	}
	if _, err := r.ExtraValue("via", &via); err != nil {
		return err
	}
	if via == "transfer" {
		// Local mode, as the test environment sets it.
		c, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1})
		if err != nil {
			return err
		}
		f, err := c.Fetch(ctx, api.Source{URL: u}, src.Dir())
		if err != nil {
			return err
		}
		return os.Rename(f.Path, r.Path)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Test", "fetchworker")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "fetch failed: "+err.Error())
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return api.Errorf(api.ReasonGeneric, "fetch %s: %s", u, resp.Status)
	}
	out, err := os.Create(r.Path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		_ = out.Close()
		return fmt.Errorf("fetchworker: %w", err)
	}
	return out.Close()
}
