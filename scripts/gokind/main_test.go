package main

import (
	"archive/zip"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// info builds an OpenWhisk info answer's runtimes from kind specs:
// "go:1.22", "go:1.20*" (default), "go:1.19!" (deprecated).
func info(specs ...string) Info {
	in := Info{Runtimes: map[string][]Runtime{"nodejs": {{Kind: "nodejs:20", Default: true}}}}
	for _, s := range specs {
		r := Runtime{Kind: strings.TrimRight(s, "*!"), Default: strings.Contains(s, "*"), Deprecated: strings.Contains(s, "!")}
		r.Image.Prefix, r.Image.Name = "openwhisk", "action-golang-v"+strings.TrimPrefix(r.Kind, "go:")
		in.Runtimes["go"] = append(in.Runtimes["go"], r)
	}
	return in
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		info       Info
		kind       string
		errHas     []string
	}{
		{name: "default kind offered", info: info("go:1.22*", "go:1.24"), kind: "go:1.24"},
		{name: "cluster default when go:1.24 is absent", info: info("go:1.20*", "go:1.21", "go:1.22"), kind: "go:1.20"},
		{name: "newest without a default", info: info("go:1.9", "go:1.21", "go:1.10"), kind: "go:1.21"},
		{name: "deprecated default skipped", info: info("go:1.19!*", "go:1.21"), kind: "go:1.21"},
		{name: "asked and offered", info: info("go:1.20*", "go:1.21", "go:1.22"), want: "go:1.22", kind: "go:1.22"},
		{name: "asked and absent", info: info("go:1.20*", "go:1.21", "go:1.22"), want: "go:1.24",
			errHas: []string{"does not offer the Go runtime kind go:1.24 (ACS_GO_KIND)", "go:1.22, go:1.21, go:1.20 (default)", "Set ACS_GO_KIND"}},
		{name: "asked and deprecated", info: info("go:1.19!", "go:1.22*"), want: "go:1.19",
			errHas: []string{"lists as deprecated", "go:1.22 (default); deprecated: go:1.19"}},
		{name: "no Go at all", info: info(), errHas: []string{"offers no Go runtime kind (its runtimes: nodejs)", "metadata, process, process-web, acapi and storage-event"}},
		{name: "only deprecated Go", info: info("go:1.15!", "go:1.17!"), errHas: []string{"only deprecated Go runtime kinds (go:1.17, go:1.15)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Choose(tc.info, tc.want, "https://ow.example")
			if len(tc.errHas) > 0 {
				if err == nil {
					t.Fatalf("chose %s, want an error", c.Kind)
				}
				for _, s := range append(tc.errHas, "https://ow.example") {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != tc.kind || c.Why == "" || c.Warning != "" {
				t.Errorf("chose %+v, want %s without warning", c, tc.kind)
			}
		})
	}
}

func TestChooseWarnsAboutCustomImages(t *testing.T) {
	in := info("go:1.22*")
	in.Runtimes["go"][0].Image.Prefix, in.Runtimes["go"][0].Image.Name = "acme", "golang-runtime"
	c, err := Choose(in, "", "https://ow.example")
	if err != nil || c.Kind != "go:1.22" || !strings.Contains(c.Warning, "acme/golang-runtime") || !strings.Contains(c.Warning, "ACS_GO_EXEC_ENV") {
		t.Fatalf("%+v %v: want go:1.22 with a warning naming the image and ACS_GO_EXEC_ENV", c, err)
	}
}

func TestExecEnv(t *testing.T) {
	for kind, want := range map[string]string{"go:1.24": "openwhisk/action-golang-v1.24", "go:1.20": "openwhisk/action-golang-v1.20", "go:1.9": "openwhisk/action-golang-v1.9"} {
		if got, err := ExecEnv(kind); err != nil || got != want {
			t.Errorf("ExecEnv(%s) = %q, %v; want %q", kind, got, err, want)
		}
	}
	for _, kind := range []string{"go:default", "nodejs:20", "go:1.22-custom", "", "go:1.22\nx"} {
		if got, err := ExecEnv(kind); err == nil {
			t.Errorf("ExecEnv(%q) = %q, want an error", kind, got)
		}
	}
}

func TestFetchInfo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"description":"x","runtimes":{"go":[{"kind":"go:1.21","default":true,"image":{"prefix":"openwhisk","name":"action-golang-v1.21"}}]}}`))
	}))
	defer srv.Close()
	url, in, err := FetchInfo(context.Background(), srv.URL+"/")
	if err != nil || url != srv.URL+"/" || len(in.Runtimes["go"]) != 1 || in.Runtimes["go"][0].Kind != "go:1.21" {
		t.Fatalf("FetchInfo: %s %+v %v", url, in, err)
	}

	notOW := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			_, _ = w.Write([]byte("<html>hello</html>"))
			return
		}
		http.NotFound(w, r)
	}))
	defer notOW.Close()
	if _, _, err := FetchInfo(context.Background(), notOW.URL); !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), "not an OpenWhisk info answer") {
		t.Errorf("a web page: %v", err)
	}
	if _, _, err := FetchInfo(context.Background(), notOW.URL+"/nothing"); !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), "404") {
		t.Errorf("a 404: %v", err)
	}

	// A port nothing listens on: take one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	if _, _, err := FetchInfo(context.Background(), "http://"+addr); !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("a closed port: %v", err)
	}
	// No scheme means https, as for wskdeploy.
	if url, _, _ := FetchInfo(context.Background(), addr); url != "https://"+addr+"/" {
		t.Errorf("no scheme: read %s", url)
	}
}

func TestRenderAndActionsOfTheManifest(t *testing.T) {
	manifest, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	out, n := Render(manifest, "go:1.21", "..")
	if n != 5 {
		t.Errorf("%d runtime lines set, want 5 (metadata, process, process-web, acapi, storage-event)", n)
	}
	if regexp.MustCompile(`(?m)^\s+runtime: go:1\.24`).Match(out) {
		t.Error("a runtime: go:1.24 line is left")
	}
	got := map[string]manifestAction{}
	for _, a := range actionsOf(out) {
		got[a.name] = a
	}
	for name, want := range map[string]manifestAction{
		"metadata":       {function: "../build/metadata.zip", runtime: "go:1.21"},
		"process":        {function: "../build/process.zip", runtime: "go:1.21"},
		"process-web":    {function: "../build/process.zip", runtime: "go:1.21"},
		"acapi":          {function: "../build/acapi.zip", runtime: "go:1.21"},
		"storage-event":  {function: "../build/storage-event.zip", runtime: "go:1.21"},
		"thumbnail":      {function: "../build/thumbnail.zip", docker: "$ACS_RUNTIME_IMAGE"},
		"fulltext":       {function: "../build/fulltext.zip", docker: "$ACS_RUNTIME_IMAGE"},
		"office":         {function: "../build/office.zip", docker: "$ACS_OFFICE_RUNTIME_IMAGE"},
		"example-tagger": {function: "../build/example-tagger.zip", docker: "$ACS_RUNTIME_IMAGE"},
	} {
		want.name = name
		if got[name] != want {
			t.Errorf("action %s: %+v, want %+v", name, got[name], want)
		}
	}
	if len(got) != 9 {
		t.Errorf("actions %v, want the 9 of the manifest", got)
	}
	// Rendering in place keeps the paths; a quoted path and a comment
	// survive; absolute paths and URLs are kept.
	in := "      a:\n        function: 'build/a.zip' # the zip\n        runtime: go:1.24   # kind\n" +
		"      b:\n        function: /abs/b.zip\n        docker: x\n      c:\n        function: https://h/c.zip\n"
	if r, n := Render([]byte(in), "go:1.22", "."); n != 1 || string(r) != strings.Replace(in, "go:1.24", "go:1.22", 1) {
		t.Errorf("in place: %d\n%s", n, r)
	}
	r, _ := Render([]byte(in), "go:1.22", "..")
	for _, want := range []string{"function: '../build/a.zip' # the zip", "runtime: go:1.22   # kind", "function: /abs/b.zip", "function: https://h/c.zip"} {
		if !strings.Contains(string(r), want) {
			t.Errorf("rendered manifest lacks %q:\n%s", want, r)
		}
	}
}

func TestCheckZips(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.yml")
	if err := os.WriteFile(manifest, []byte(`packages:
  p:
    actions:
      static:
        function: build/static.zip
        runtime: go:1.22
      native:
        function: build/native.zip
        docker: $IMAGE
      missing:
        function: build/missing.zip
        runtime: go:1.22
    sequences:
      s:
        actions: static, native
`), 0o644); err != nil {
		t.Fatal(err)
	}
	writeZip := func(name, env string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, "build"), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dir, "build", name))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, _ := zw.Create("exec.env")
		_, _ = w.Write([]byte(env))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
	}
	writeZip("static.zip", "openwhisk/action-golang-v1.24")
	writeZip("native.zip", "openwhisk/action-golang-v1.24\n")
	err := CheckZips(manifest, "go:1.22", "openwhisk/action-golang-v1.22", "openwhisk/action-golang-v1.24")
	if err == nil {
		t.Fatal("no error for a zip built for go:1.24 deployed on go:1.22, and a missing zip")
	}
	for _, want := range []string{
		`action static: build/static.zip has exec.env "openwhisk/action-golang-v1.24", but it runs on the Go kind go:1.22, whose execution environment is "openwhisk/action-golang-v1.22": rebuild it with ACS_GO_KIND=go:1.22 scripts/build-actions.sh`,
		"action missing: build/missing.zip is missing",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "action native") {
		t.Errorf("the blackbox action matches its image, but: %v", err)
	}
	writeZip("static.zip", "openwhisk/action-golang-v1.22")
	writeZip("missing.zip", "openwhisk/action-golang-v1.22")
	if err := CheckZips(manifest, "go:1.22", "openwhisk/action-golang-v1.22", "openwhisk/action-golang-v1.24"); err != nil {
		t.Errorf("matching zips: %v", err)
	}
	if err := CheckZips(manifest, "go:1.22", "openwhisk/action-golang-v1.22", "openwhisk/action-golang-v1.23"); err == nil ||
		!strings.Contains(err.Error(), "action native") || !strings.Contains(err.Error(), "ACS_RUNTIME_EXEC_ENV=openwhisk/action-golang-v1.23") {
		t.Errorf("a blackbox zip for another image: %v", err)
	}
}
