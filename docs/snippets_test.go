// Package docs holds the check that the Go in README.md and docs/*.md
// compiles; the folder is otherwise documentation only.
package docs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// partialMarker, on the line before a ```go fence, marks a snippet that is
// deliberately not a whole file (a few lines in a sentence's context); the
// test leaves it alone. Every other ```go block must be a complete Go file,
// starting with its package clause (after comments), and compile against
// this checkout.
const partialMarker = "<!-- go-snippet: partial -->"

// snippet is one ```go block of a document.
type snippet struct {
	doc     string // path relative to the repository root
	line    int    // line of the opening fence
	partial bool
	code    string
}

func (s snippet) String() string { return fmt.Sprintf("%s:%d", s.doc, s.line) }

// docs returns the documents checked: README.md and docs/*.md.
func docs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		files[i] = filepath.Join("docs", f)
	}
	files = append([]string{"README.md"}, files...)
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	return files
}

// extract returns the ```go blocks of a Markdown file.
func extract(t *testing.T, doc string) []snippet {
	t.Helper()
	f, err := os.Open(filepath.Join("..", doc))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := parseSnippets(doc, f)
	if err != nil {
		t.Error(err)
	}
	return out
}

// parseSnippets returns the ```go blocks of Markdown text.
func parseSnippets(doc string, r io.Reader) ([]snippet, error) {
	var out []snippet
	var cur *snippet
	prev := ""
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &snippet{doc: doc, line: n, partial: strings.TrimSpace(prev) == partialMarker}
		case cur != nil && strings.HasPrefix(trimmed, "```"):
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
		prev = line
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if cur != nil {
		return out, fmt.Errorf("%s: the ```go block is not closed", cur)
	}
	return out, nil
}

// TestParseSnippets checks the extraction on a made-up document.
func TestParseSnippets(t *testing.T) {
	md := "# T\n\n```go\npackage a\n```\n\ntext\n" + partialMarker + "\n```go\nx := 1\n```\n```sh\nls\n```\n```go\npackage b\n"
	got, err := parseSnippets("t.md", strings.NewReader(md))
	if err == nil || !strings.Contains(err.Error(), "t.md:15: the ```go block is not closed") {
		t.Errorf("unclosed block: %v", err)
	}
	want := []snippet{{doc: "t.md", line: 3, code: "package a\n"}, {doc: "t.md", line: 9, partial: true, code: "x := 1\n"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

var packageClause = regexp.MustCompile(`(?m)^package [A-Za-z_][A-Za-z0-9_]*\s*$`)

// TestGoSnippetsCompile builds every complete ```go block of the documents,
// each as a package of its own in a module that requires this checkout (as
// an out-of-tree worker does, docs/custom-workers.md), so that a snippet a
// reader copies compiles.
func TestGoSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every snippet: skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var all []snippet
	for _, doc := range docs(t) {
		all = append(all, extract(t, doc)...)
	}
	mod := t.TempDir()
	where := map[string]snippet{}
	for i, s := range all {
		if s.partial {
			continue
		}
		// The package clause must come before any code: only comments
		// may precede it.
		loc := packageClause.FindStringIndex(s.code)
		if loc == nil || strings.TrimSpace(stripComments(s.code[:loc[0]])) != "" {
			t.Errorf("%s: a ```go block must be a complete file starting with its package clause, or be marked partial with %s on the line before its fence", s, partialMarker)
			continue
		}
		dir := fmt.Sprintf("s%02d", i)
		where[dir] = s
		if err := os.MkdirAll(filepath.Join(mod, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, dir, "snippet.go"), []byte(s.code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(where) == 0 {
		t.Fatalf("no complete ```go block found in %v", docs(t))
	}
	gomod := fmt.Sprintf("module docsnippets\n\ngo 1.26.0\n\nrequire github.com/assetcompute/assetcompute v0.0.0\n\nreplace github.com/assetcompute/assetcompute => %s\n", root)
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"build", "vet"} {
		cmd := exec.Command(goBin, verb, "-mod=mod", "./...")
		cmd.Dir = mod
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s of the documents' Go snippets failed: %v\n%s\nwhere: %s", verb, err, out, locations(where))
		}
	}
}

// locations lists which snippet each package folder holds.
func locations(where map[string]snippet) string {
	var ls []string
	for dir, s := range where {
		ls = append(ls, fmt.Sprintf("./%s = %s", dir, s))
	}
	slices.Sort(ls)
	return strings.Join(ls, ", ")
}

// stripComments removes // and /* */ comments from Go text before a
// package clause.
func stripComments(s string) string {
	s = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(s, "")
	return regexp.MustCompile(`(?m)//.*$`).ReplaceAllString(s, "")
}

// TestExamplesReferencedExist checks that every Example function the
// documents name (ExampleEngine_Render, ...) exists in a _test.go file of
// the checkout, so that a reference does not outlive a renamed example.
func TestExamplesReferencedExist(t *testing.T) {
	ref := regexp.MustCompile(`\bExample[A-Z][A-Za-z0-9_]*`)
	named := map[string][]string{}
	for _, doc := range docs(t) {
		b, err := os.ReadFile(filepath.Join("..", doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range ref.FindAllString(string(b), -1) {
			named[name] = append(named[name], doc)
		}
	}
	if len(named) == 0 {
		t.Fatal("the documents name no Example function")
	}
	defined := map[string]bool{}
	def := regexp.MustCompile(`(?m)^func (Example[A-Za-z0-9_]*)\(\)`)
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range def.FindAllStringSubmatch(string(b), -1) {
				defined[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range named {
		if !defined[name] {
			t.Errorf("%s names %s, which no _test.go file defines", strings.Join(slices.Compact(in), ", "), name)
		}
	}
}
