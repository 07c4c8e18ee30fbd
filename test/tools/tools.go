//go:build tools

// Package tools pins the command-line tools the project's tests and scripts
// build, so that their versions live in this module's go.mod and never in the
// product's own dependency graph.
package tools

import (
	_ "github.com/apache/openwhisk-wskdeploy"
)
