//go:build tools

// Package tools pins the S3 gateway the end-to-end test runs, versitygw, so
// that its version and its large dependency graph live in this module's
// go.mod, apart from the product's and from test/tools (wskdeploy).
//
//	go build -o ../../../bin/versitygw github.com/versity/versitygw/cmd/versitygw
package tools

import (
	_ "github.com/versity/versitygw/cmd/versitygw"
)
