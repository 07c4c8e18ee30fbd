// Package tools holds the tests that run the project's deployment tools
// (wskdeploy) from a module of their own, so their dependencies stay out of
// the product's go.mod.
package tools
