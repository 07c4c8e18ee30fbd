package worker_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// localOptions returns worker options that read and write local files, as
// `acs process` does, with the logs discarded.
func localOptions() worker.Options {
	client, err := transfer.New(transfer.Options{AllowLocal: true})
	if err != nil {
		panic(err)
	}
	return worker.Options{Transfer: client, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// request builds a worker request for a local source and one rendition
// whose output comes back embedded in the result.
func request(source, rendition string) *api.WorkerRequest {
	raw := fmt.Sprintf(`{"requestId":"r1","source":%q,"renditions":[%s]}`, source, rendition)
	req, err := api.DecodeWorkerRequest([]byte(raw))
	if err != nil {
		panic(err)
	}
	return req
}

// A custom worker reads its own instructions, unknown keys included, into
// a struct with Rendition.Decode.
func ExampleRendition_Decode() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "words.txt")
	_ = os.WriteFile(src, []byte("hello world"), 0o644)

	shout := func(ctx context.Context, s *worker.Source, r *worker.Rendition) error {
		var in struct {
			Fmt    string `json:"fmt"`
			Repeat int    `json:"repeat"` // an unknown key of the contract
		}
		if err := r.Decode(&in); err != nil {
			return err
		}
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return err
		}
		out := strings.Repeat(strings.ToUpper(string(b))+"!", in.Repeat)
		return os.WriteFile(r.Path, []byte(out), 0o644)
	}
	w, _ := worker.New(shout, localOptions())
	res := w.Process(context.Background(), request(src,
		`{"name":"shout.txt","worker":"shouter","repeat":2,"embedBinaryLimit":100}`))
	fmt.Println(res.Renditions[0].Status, res.Renditions[0].Data)

	bad := w.Process(context.Background(), request(src,
		`{"name":"shout.txt","worker":"shouter","repeat":"twice","embedBinaryLimit":100}`))
	fmt.Println(bad.Renditions[0].Reason, bad.Renditions[0].Message)
	// Output:
	// created data:text/plain;charset=utf-8;base64,SEVMTE8gV09STEQhSEVMTE8gV09STEQh
	// GenericError rendition "shout.txt": invalid instructions: repeat must be a int, not a string
}

// ExtraValue reads one unknown key and tells whether it was given.
func ExampleRendition_ExtraValue() {
	r := &worker.Rendition{}
	if err := json.Unmarshal([]byte(`{"name":"tags.json","worker":"tagger","embedBinaryLimit":1000,"labels":["cat","dog"]}`), &r.Rendition); err != nil {
		fmt.Println(err)
	}
	var labels []string
	found, err := r.ExtraValue("labels", &labels)
	fmt.Println(found, err, labels)
	var limit int
	found, _ = r.ExtraValue("limit", &limit)
	fmt.Println(found, limit)
	// Output:
	// true <nil> [cat dog]
	// false 0
}

// A team wrapping a command-line tool hands a shell script to Script. The
// script gets the source, the rendition path and the instructions file as
// arguments (and as ACS_* variables), and reports a failure with a reason
// file. On OpenWhisk PATH is empty: call programs by absolute path.
func ExampleScript() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "words.txt")
	_ = os.WriteFile(src, []byte("one\ntwo\nthree\n"), 0o644)
	script := filepath.Join(dir, "count.sh")
	_ = os.WriteFile(script, []byte(`#!/bin/sh
# $1 source, $2 rendition, $3 instructions (JSON); ACS_PARAM_* for scalars.
if [ "$ACS_PARAM_UNIT" != "lines" ]; then
  printf 'RenditionFormatUnsupported\nunit %s is not supported; use lines\n' "$ACS_PARAM_UNIT" >"$ACS_REASON_FILE"
  exit 1
fi
/usr/bin/wc -l <"$1" >"$2"
printf '{"count:unit": "%s"}' "$ACS_PARAM_UNIT" >"$ACS_METADATA_FILE"
`), 0o755)

	w, _ := worker.New(worker.Script(script, worker.ScriptOptions{Log: io.Discard}), localOptions())
	res := w.Process(context.Background(), request(src,
		`{"name":"count.txt","worker":"counter","unit":"lines","embedBinaryLimit":100}`))
	r := res.Renditions[0]
	fmt.Println(r.Status, r.Data, r.Metadata["count:unit"])

	res = w.Process(context.Background(), request(src,
		`{"name":"count.txt","worker":"counter","unit":"words","embedBinaryLimit":100}`))
	r = res.Renditions[0]
	fmt.Println(r.Status, r.Reason, r.Message)
	// Output:
	// created data:text/plain;charset=utf-8;base64,Mwo= lines
	// failed RenditionFormatUnsupported unit words is not supported; use lines
}

// decodeData returns the content of a base64 data: URI.
func decodeData(t interface{ Fatal(...any) }, uri string) string {
	_, b64, ok := strings.Cut(uri, ";base64,")
	if !ok {
		t.Fatal("not a base64 data URI: " + uri)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
