// Command bench-devserver measures `acs serve` from the client side: the
// round trip of a blocking invocation of a no-op Go action on a warm
// process, and of a cold start (the action re-created before each call, so
// that the call spawns the process and waits for its acknowledgement).
// scripts/bench-devserver.sh builds and starts everything it needs.
//
//	bench-devserver -apihost URL -auth UUID:KEY -exec FILE [-n 300] [-cold 30]
package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	apiHost := flag.String("apihost", "", "acs serve URL")
	auth := flag.String("auth", "", "namespace key")
	exe := flag.String("exec", "", "the no-op action executable (the devserver test action; mode noop)")
	n := flag.Int("n", 300, "warm iterations")
	cold := flag.Int("cold", 30, "cold iterations")
	flag.Parse()
	if err := run(*apiHost, *auth, *exe, *n, *cold); err != nil {
		fmt.Fprintln(os.Stderr, "bench-devserver:", err)
		os.Exit(1)
	}
}

// client talks to the server with the namespace key.
type client struct {
	hc      *http.Client
	base    string
	user, p string
}

func (c *client) do(method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.user, c.p)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func run(apiHost, auth, exe string, n, cold int) error {
	user, pass, ok := strings.Cut(auth, ":")
	if apiHost == "" || !ok || exe == "" || n < 1 || cold < 1 {
		return fmt.Errorf("need -apihost, -auth UUID:KEY, -exec, and positive -n and -cold")
	}
	c := &client{hc: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}, base: apiHost, user: user, p: pass}
	code, err := zipAction(exe)
	if err != nil {
		return err
	}
	put, _ := json.Marshal(map[string]any{"exec": map[string]any{"kind": "go:1.24", "code": code, "binary": true}})
	create := func() error {
		st, out, err := c.do("PUT", "/api/v1/namespaces/_/actions/bench-noop?overwrite=true", put)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("creating the action: %d %s %v", st, out, err)
		}
		return nil
	}
	invoke := func() (time.Duration, []byte, error) {
		start := time.Now()
		st, out, err := c.do("POST", "/api/v1/namespaces/_/actions/bench-noop?blocking=true", nil)
		d := time.Since(start)
		if err != nil || st != http.StatusOK {
			return d, out, fmt.Errorf("invoking: %d %s %v", st, out, err)
		}
		return d, out, nil
	}

	var colds, inits []time.Duration
	for range cold {
		if err := create(); err != nil {
			return err
		}
		d, out, err := invoke()
		if err != nil {
			return err
		}
		colds = append(colds, d)
		inits = append(inits, initTime(out))
	}
	if err := create(); err != nil {
		return err
	}
	for range 20 { // warm up the process and the connection
		if _, _, err := invoke(); err != nil {
			return err
		}
	}
	var warms []time.Duration
	for range n {
		d, _, err := invoke()
		if err != nil {
			return err
		}
		warms = append(warms, d)
	}
	_, _, _ = c.do("DELETE", "/api/v1/namespaces/_/actions/bench-noop", nil)

	fmt.Printf("warm no-op activation (blocking invoke round trip, %d runs): median %s  p90 %s   target < 2ms  %s\n",
		n, ms(median(warms)), ms(pct(warms, 90)), verdict(median(warms), 2*time.Millisecond))
	fmt.Printf("cold start (spawn + ack + activation, %d runs):            median %s  p90 %s   target < 30ms %s\n",
		cold, ms(median(colds)), ms(pct(colds, 90)), verdict(median(colds), 30*time.Millisecond))
	fmt.Printf("  of which initTime (spawn + ack, server-side):           median %s\n", ms(median(inits)))
	return nil
}

// initTime reads the initTime annotation of an activation record.
func initTime(record []byte) time.Duration {
	var a struct {
		Annotations []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"annotations"`
	}
	_ = json.Unmarshal(record, &a)
	for _, kv := range a.Annotations {
		if kv.Key == "initTime" {
			var v int64
			_ = json.Unmarshal(kv.Value, &v)
			return time.Duration(v) * time.Millisecond
		}
	}
	return 0
}

// zipAction zips exe as exec with exec.env and mode "noop", base64.
func zipAction(exe string) (string, error) {
	data, err := os.ReadFile(exe)
	if err != nil {
		return "", fmt.Errorf("reading the action: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode os.FileMode
		data []byte
	}{{"exec", 0o755, data}, {"exec.env", 0o644, []byte("openwhisk/action-golang-v1.24")}, {"mode", 0o644, []byte("noop")}} {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return "", err
		}
		if _, err := w.Write(f.data); err != nil {
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

func median(ds []time.Duration) time.Duration { return pct(ds, 50) }

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func verdict(got, target time.Duration) string {
	if got < target {
		return "(met)"
	}
	return "(NOT met)"
}
