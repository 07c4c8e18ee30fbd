// Package devtool is the devtool web page of `acs devtool` and of `acs
// serve` (at /devtool/): a single page, served from assets embedded in the
// binary (no CDN, no build step, works offline), with a small JSON API
// behind it.
//
// On the page a person chooses a source (an uploaded file, a URL or a
// bundled sample), builds a processing request from preset profiles or
// edits its JSON (validated as it is typed, with the same validation as
// package api), runs it through a Runner (the in-process orchestrator of
// `acs process`), and looks at each rendition: the picture with its size,
// bytes, format and quality, JSON and text outputs, the event, the
// failure's reason and message, the per-step timings and the logs. Two
// renditions can be compared side by side, with a slider and their PSNR
// (computed with libvips, package image). Outputs can be downloaded and
// the request copied as JSON, curl or wsk command lines. A contact sheet
// (an HTML report of `acs batch`) can be opened in a sandboxed frame.
//
// # Security
//
// The handler serves one person on their own machine. Bound to a loopback
// address (Options.Addr), it answers only requests whose Host header names
// a loopback host, so a web page elsewhere cannot reach it by DNS
// rebinding. Bound to any other address it requires Options.AuthKey, the
// namespace key UUID:KEY of `acs serve`, given as HTTP Basic credentials
// (user UUID, password KEY). Every POST must carry the session token of
// the page in the X-Devtool-Token header and, when the browser sends them,
// a same-origin Origin and Sec-Fetch-Site: a cross-site page can neither
// read the token nor send the header without a CORS preflight, which the
// handler never grants; a GET from another site's page (an <img>, a
// fetch; Sec-Fetch-Site) is refused too, so no page elsewhere can load a
// source or an output. Uploads are capped (Options.MaxUploadBytes) and
// kept under Options.Dir, the caller's private directory, removed on exit.
// URL sources are fetched through package transfer with its address guard:
// private, loopback and link-local addresses are refused unless
// Options.AllowPrivate is set. Outputs are served with a content type from
// a fixed list, X-Content-Type-Options: nosniff and a Content-Security-Policy
// that runs no script; the page itself is static and never has user data
// interpolated into it.
package devtool
