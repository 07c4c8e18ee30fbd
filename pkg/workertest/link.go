package workertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// DefaultLinkCache is where linked sources and renditions are kept once
// fetched: the user's cache folder's adobe-asset-compute, the folder
// `aio asset-compute test-worker` uses, so both share what they fetched.
func DefaultLinkCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "adobe-asset-compute")
}

// linkCachePath is where the file a link names is cached:
// cache/<host>/<path>, the URL's path cleaned so that it stays inside.
func linkCachePath(cache, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("workertest: %q is not a URL", api.RedactURL(link))
	}
	p := path.Clean("/" + u.Path)
	if p == "/" {
		return "", fmt.Errorf("workertest: link %s names no file", api.RedactURL(link))
	}
	host := strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace(u.Host)
	return filepath.Join(cache, host, filepath.FromSlash(p)), nil
}

// resolveLink returns a local copy of the file link names: the cached
// one, or one fetched now (and cached). An S3 URL
// (https://s3.amazonaws.com/bucket/key, https://bucket.s3.amazonaws.com/key
// or s3://bucket/key) is read with the AWS SDK's credentials when
// AWS_ACCESS_KEY_ID is set, as aio does; other URLs (public or
// presigned) are fetched as they are.
func resolveLink(ctx context.Context, cache, link string) (string, error) {
	dst, err := linkCachePath(cache, link)
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(dst); err == nil && st.Mode().IsRegular() {
		return dst, nil
	}
	src := link
	if s3, ok := awsS3URL(link); ok && os.Getenv("AWS_ACCESS_KEY_ID") != "" {
		src = s3
	}
	// The links are the suite author's own files: local servers allowed.
	c, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true})
	if err != nil {
		return "", fmt.Errorf("workertest: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("workertest: link cache: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".fetch-")
	if err != nil {
		return "", fmt.Errorf("workertest: link cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	f, err := c.Fetch(ctx, api.Source{URL: src}, tmp)
	if err != nil {
		hint := ""
		if _, ok := awsS3URL(link); ok && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			hint = " (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to read a private S3 object)"
		}
		return "", fmt.Errorf("workertest: fetching the linked file %s: %w%s", api.RedactURL(link), err, hint)
	}
	if err := os.Rename(f.Path, dst); err != nil {
		return "", fmt.Errorf("workertest: link cache: %w", err)
	}
	return dst, nil
}

// awsS3URL turns an AWS S3 https URL into s3://bucket/key.
func awsS3URL(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return "", false
	}
	if u.Scheme == "s3" {
		return link, true
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme != "https" || !strings.HasSuffix(host, ".amazonaws.com") {
		return "", false
	}
	key := strings.TrimPrefix(u.Path, "/")
	switch {
	case host == "s3.amazonaws.com" || (strings.HasPrefix(host, "s3.") || strings.HasPrefix(host, "s3-")) && strings.Count(host, ".") == 3:
		bucket, rest, ok := strings.Cut(key, "/")
		if !ok || bucket == "" || rest == "" {
			return "", false
		}
		return "s3://" + bucket + "/" + rest, true
	case strings.Contains(host, ".s3.") || strings.Contains(host, ".s3-"):
		bucket := host[:strings.Index(host, ".s3")]
		if key == "" {
			return "", false
		}
		return "s3://" + bucket + "/" + key, true
	}
	return "", false
}
