package transfer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// A worker fetches the source once into its private directory, makes a
// rendition from it and puts the rendition to its target. Here both ends
// are local (local mode); in a deployment they are presigned URLs or
// s3://bucket/key.
func ExampleClient_Fetch() {
	client, err := transfer.New(transfer.Options{AllowLocal: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	src, err := client.Fetch(ctx, api.Source{URL: "data:text/plain;base64,aGVsbG8gd29ybGQ="}, filepath.Join(dir, "source"))
	if err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	fmt.Println(src.Size, src.SHA1, src.ContentType)

	target := api.Target{URL: filepath.Join(dir, "out", "hello.txt")}
	if err := client.Put(ctx, target, src.Path, transfer.PutOptions{ContentType: "text/plain"}); err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	data, _ := os.ReadFile(target.URL)
	fmt.Println(string(data))

	_, err = client.Fetch(ctx, api.Source{URL: "ftp://example.com/a.png"}, dir)
	fmt.Println(api.ReasonOf(err), api.MessageOf(err))
	// Output:
	// 11 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed text/plain
	// hello world
	// SourceUnsupported source scheme "ftp" is not supported (allowed: https, s3, data, file, local paths)
}

// PlanParts tells how a rendition is split over a multipart target, or that
// it does not fit, before anything is uploaded.
func ExamplePlanParts() {
	target := api.Target{URLs: []string{"https://a/1", "https://a/2", "https://a/3"}, MinPartSize: 400, MaxPartSize: 1000}
	for _, size := range []int64{1000, 2500, 3001} {
		partSize, parts, err := transfer.PlanParts(target, size)
		if err != nil {
			fmt.Println(size, api.ReasonOf(err))
			continue
		}
		fmt.Println(size, partSize, parts)
	}
	// Output:
	// 1000 400 3
	// 2500 834 3
	// 3001 RenditionTooLarge
}

// A metadata reader needs a few small parts of a source that may be huge:
// OpenRanged gives it an io.ReaderAt that fetches only the blocks it reads.
// Here the source is a data: URI, which is simply decoded; an https:// or
// s3:// source would be read with byte-range requests (Mode "ranged").
func ExampleClient_OpenRanged() {
	client, err := transfer.New(transfer.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := client.OpenRanged(context.Background(), api.Source{URL: "data:text/plain;base64,aGVsbG8gd29ybGQ="}, transfer.RangeOptions{})
	if err != nil {
		fmt.Println(api.ReasonOf(err), api.MessageOf(err))
		return
	}
	defer src.Close()
	word := make([]byte, 5)
	if _, err := src.ReadAt(word, 6); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(src.Mode(), src.Size(), string(word))
	// Output:
	// downloaded 11 world
}
