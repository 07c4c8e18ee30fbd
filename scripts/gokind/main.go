// Command gokind is the part of scripts/deploy.sh that needs more than
// shell: it chooses the OpenWhisk Go runtime kind the static actions are
// deployed on, from the kinds the cluster lists, and checks that the action
// zips carry the execution environment (exec.env) of the runtime they are
// deployed on.
//
// The OpenWhisk Go runtime's proxy refuses to start an action whose
// exec.env differs from its own OW_EXECUTION_ENV ("Execution environment
// version mismatch"); the stock image of kind go:1.NN sets it to
// openwhisk/action-golang-v1.NN. The actions are prebuilt Linux binaries,
// so any Go kind runs them, as long as exec.env matches.
//
//	gokind choose -apihost URL [-kind KIND]
//	    reads GET URL/ (OpenWhisk's info: the runtimes object) and prints the
//	    kind to deploy: KIND when the cluster offers it; without -kind,
//	    go:1.24 when offered, else the cluster's default Go kind, else its
//	    newest. Exit 1 when no Go kind fits (the message says what the
//	    cluster offers), 3 when the API host cannot be read.
//	gokind env KIND
//	    prints the execution environment of a stock Go kind.
//	gokind render -manifest FILE -kind KIND -out FILE
//	    writes a copy of the manifest whose `runtime: go:...` lines name
//	    KIND (wskdeploy does not interpolate $VARIABLES in runtime:), with
//	    the relative function paths rewritten for the copy's folder.
//	gokind check -manifest FILE -go-env ENV -image-env ENV [-kind KIND]
//	    checks exec.env in the zip of every action of the manifest: ENV of
//	    -go-env for the actions with a `runtime: go:...`, that of -image-env
//	    for those with `docker:`. Exit 1 listing every mismatch.
package main

import (
	"archive/zip"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultKind is the Go kind chosen when the cluster offers it and none is
// asked for; manifest.yml names it.
const DefaultKind = "go:1.24"

// Exit statuses besides 0 and 1.
const (
	exitUsage       = 2
	exitUnreachable = 3
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "choose":
		err = runChoose(os.Args[2:])
	case "env":
		if len(os.Args) != 3 {
			usage()
		}
		var env string
		if env, err = ExecEnv(os.Args[2]); err == nil {
			fmt.Println(env)
		}
	case "render":
		err = runRender(os.Args[2:])
	case "check":
		err = runCheck(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		if errors.Is(err, errUnreachable) {
			os.Exit(exitUnreachable)
		}
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gokind choose -apihost URL [-kind KIND] | gokind env KIND | gokind render -manifest FILE -kind KIND -out FILE | gokind check -manifest FILE -go-env ENV -image-env ENV")
	os.Exit(exitUsage)
}

func runChoose(args []string) error {
	fs := flag.NewFlagSet("choose", flag.ExitOnError)
	apiHost := fs.String("apihost", "", "OpenWhisk API host (URL or host[:port]; https:// when no scheme)")
	kind := fs.String("kind", "", "the Go kind asked for (ACS_GO_KIND); empty chooses one")
	_ = fs.Parse(args)
	if *apiHost == "" {
		usage()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, info, err := FetchInfo(ctx, *apiHost)
	if err != nil {
		return err
	}
	c, err := Choose(info, *kind, strings.TrimSuffix(url, "/"))
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "deploy:", c.Why)
	if c.Warning != "" {
		fmt.Fprintln(os.Stderr, "deploy: warning:", c.Warning)
	}
	fmt.Println(c.Kind)
	return nil
}

func runRender(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	manifest := fs.String("manifest", "manifest.yml", "the wskdeploy manifest")
	kind := fs.String("kind", "", "the Go kind to write into every runtime: go:... line")
	out := fs.String("out", "", "the copy to write")
	_ = fs.Parse(args)
	if *kind == "" || *out == "" {
		usage()
	}
	b, err := os.ReadFile(*manifest)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(*out), filepath.Dir(*manifest))
	if err != nil {
		return err
	}
	r, n := Render(b, *kind, rel)
	if n == 0 {
		return fmt.Errorf("%s has no `runtime: go:...` line to set the Go kind in", *manifest)
	}
	header := fmt.Sprintf("# Written by scripts/deploy.sh from %s for the Go kind %s; edit %s instead.\n", *manifest, *kind, *manifest)
	return os.WriteFile(*out, append([]byte(header), r...), 0o644)
}

var (
	runtimeLine  = regexp.MustCompile(`^(\s*runtime:\s*)go:[^\s#]*(.*)$`)
	functionLine = regexp.MustCompile(`^(\s*function:\s*)(["']?)([^\s#"']+)(.*)$`)
)

// Render returns the manifest with kind in every `runtime: go:...` line
// and the number of such lines. Relative function paths get the prefix rel
// (the manifest's folder seen from the copy's), since wskdeploy reads them
// relative to the manifest; absolute paths, URLs and $VARIABLES are kept.
func Render(manifest []byte, kind, rel string) ([]byte, int) {
	lines := strings.Split(string(manifest), "\n")
	n := 0
	for i, l := range lines {
		if m := runtimeLine.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + kind + m[2]
			n++
			continue
		}
		if m := functionLine.FindStringSubmatch(l); m != nil && rel != "." {
			p := m[3]
			if filepath.IsAbs(p) || strings.Contains(p, "://") || strings.HasPrefix(p, "$") {
				continue
			}
			lines[i] = m[1] + m[2] + filepath.ToSlash(filepath.Join(rel, p)) + m[4]
		}
	}
	return []byte(strings.Join(lines, "\n")), n
}

func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	manifest := fs.String("manifest", "manifest.yml", "the wskdeploy manifest")
	goEnv := fs.String("go-env", "", "exec.env of the actions with runtime: go:...")
	imageEnv := fs.String("image-env", "", "exec.env of the actions with docker: (the runtime image's OW_EXECUTION_ENV)")
	kind := fs.String("kind", "", "the Go kind, for the messages")
	_ = fs.Parse(args)
	if *goEnv == "" || *imageEnv == "" {
		usage()
	}
	return CheckZips(*manifest, *kind, *goEnv, *imageEnv)
}

// Runtime is one runtime kind of OpenWhisk's info response.
type Runtime struct {
	Kind       string `json:"kind"`
	Default    bool   `json:"default"`
	Deprecated bool   `json:"deprecated"`
	Image      struct {
		Prefix string `json:"prefix"`
		Name   string `json:"name"`
		Tag    string `json:"tag"`
	} `json:"image"`
}

// Info is the part of OpenWhisk's GET / answer read here.
type Info struct {
	Runtimes map[string][]Runtime `json:"runtimes"`
}

var errUnreachable = errors.New("API host unreachable")

// FetchInfo reads GET / of the API host, as wskdeploy does to learn the
// kinds, and returns the URL it read and the decoded answer. The request
// carries no credentials; like wskdeploy's it does not verify the
// certificate, so that clusters with a self-signed one (a local
// deployment) work: a forged answer could only make the deployment refuse
// or pick another listed kind, which wskdeploy and the controller check
// again.
func FetchInfo(ctx context.Context, apiHost string) (string, Info, error) {
	url := strings.TrimRight(apiHost, "/")
	if !strings.Contains(url, "://") {
		url = "https://" + url
	}
	url += "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return url, Info{}, fmt.Errorf("%w: API host %q: %v", errUnreachable, apiHost, err)
	}
	client := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // see above: no credentials, answer checked again
	}}
	resp, err := client.Do(req)
	if err != nil {
		return url, Info{}, fmt.Errorf("%w: cannot read the runtime kinds from %s: %v", errUnreachable, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return url, Info{}, fmt.Errorf("%w: cannot read the runtime kinds from %s: %v", errUnreachable, url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return url, Info{}, fmt.Errorf("%w: GET %s answered %s, not the OpenWhisk info with its runtimes", errUnreachable, url, resp.Status)
	}
	var info Info
	if err := json.Unmarshal(body, &info); err != nil || info.Runtimes == nil {
		return url, Info{}, fmt.Errorf("%w: GET %s is not an OpenWhisk info answer (no \"runtimes\" object): is it the API host?", errUnreachable, url)
	}
	return url, info, nil
}

// Choice is the kind chosen, with a sentence saying why and, when the
// cluster's image for it is not a stock one, a warning about exec.env.
type Choice struct {
	Kind    string
	Why     string
	Warning string
}

// goKinds returns the Go kinds of info, newest first.
func goKinds(info Info) []Runtime {
	var rs []Runtime
	for family, list := range info.Runtimes {
		for _, r := range list {
			if family == "go" || strings.HasPrefix(r.Kind, "go:") {
				rs = append(rs, r)
			}
		}
	}
	slices.SortFunc(rs, func(a, b Runtime) int { return compareKinds(b.Kind, a.Kind) })
	return rs
}

// compareKinds orders go:1.9 before go:1.10.
func compareKinds(a, b string) int {
	va, vb := strings.Split(strings.TrimPrefix(a, "go:"), "."), strings.Split(strings.TrimPrefix(b, "go:"), ".")
	for i := 0; i < len(va) && i < len(vb); i++ {
		na, ea := strconv.Atoi(va[i])
		nb, eb := strconv.Atoi(vb[i])
		if ea == nil && eb == nil && na != nb {
			return cmp.Compare(na, nb)
		}
		if ea != nil || eb != nil {
			if c := strings.Compare(va[i], vb[i]); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(va), len(vb))
}

// Choose picks the Go kind to deploy to from the cluster's info: want when
// it is offered and not deprecated (wskdeploy refuses deprecated kinds);
// without want, DefaultKind when offered, else the cluster's default Go
// kind, else its newest. host names the cluster in the messages.
func Choose(info Info, want, host string) (Choice, error) {
	all := goKinds(info)
	var usable, deprecated []string
	var def string
	byKind := map[string]Runtime{}
	for _, r := range all {
		byKind[r.Kind] = r
		if r.Deprecated {
			deprecated = append(deprecated, r.Kind)
			continue
		}
		usable = append(usable, r.Kind)
		if r.Default {
			def = r.Kind
		}
	}
	if len(usable) == 0 {
		var families []string
		for f := range info.Runtimes {
			families = append(families, f)
		}
		slices.Sort(families)
		msg := fmt.Sprintf("%s offers no Go runtime kind (its runtimes: %s)", host, strings.Join(families, ", "))
		if len(deprecated) > 0 {
			msg = fmt.Sprintf("%s offers only deprecated Go runtime kinds (%s), which wskdeploy refuses", host, strings.Join(deprecated, ", "))
		}
		return Choice{}, fmt.Errorf("%s: the actions metadata, process, process-web, acapi and storage-event need a go:1.NN kind; "+
			"ask the cluster's operator to enable one (image openwhisk/action-golang-v1.NN), or see docs/deploy.md (Go runtime kind)", msg)
	}
	offered := describeKinds(usable, def, deprecated)
	var c Choice
	switch {
	case want != "":
		if _, ok := byKind[want]; !ok || slices.Contains(deprecated, want) {
			state := "does not offer"
			if ok {
				state = "lists as deprecated (wskdeploy refuses it)"
			}
			return Choice{}, fmt.Errorf("%s %s the Go runtime kind %s (ACS_GO_KIND); it offers %s. "+
				"Set ACS_GO_KIND to one of them (the actions are prebuilt binaries: any Go kind runs them), or unset it to choose automatically",
				host, state, want, offered)
		}
		c = Choice{Kind: want, Why: fmt.Sprintf("Go runtime kind %s (ACS_GO_KIND); %s offers %s", want, host, offered)}
	case slices.Contains(usable, DefaultKind):
		c = Choice{Kind: DefaultKind, Why: fmt.Sprintf("Go runtime kind %s (the default; set ACS_GO_KIND to choose another); %s offers %s", DefaultKind, host, offered)}
	case def != "":
		c = Choice{Kind: def, Why: fmt.Sprintf("Go runtime kind %s, the cluster's default: %s does not offer %s; it offers %s (set ACS_GO_KIND to choose)", def, host, DefaultKind, offered)}
	default:
		c = Choice{Kind: usable[0], Why: fmt.Sprintf("Go runtime kind %s, the newest: %s does not offer %s; it offers %s (set ACS_GO_KIND to choose)", usable[0], host, DefaultKind, offered)}
	}
	r := byKind[c.Kind]
	if env, err := ExecEnv(c.Kind); err != nil {
		c.Warning = err.Error() + "; set ACS_GO_EXEC_ENV to the OW_EXECUTION_ENV of the cluster's image for it"
	} else if r.Image.Name != "" && "openwhisk/"+r.Image.Name != env {
		c.Warning = fmt.Sprintf("the cluster runs %s on image %s/%s, not the stock openwhisk/action-golang-v1.NN: "+
			"if activations fail with \"Execution environment version mismatch\", set ACS_GO_EXEC_ENV to that image's OW_EXECUTION_ENV (default %s)",
			c.Kind, r.Image.Prefix, r.Image.Name, env)
	}
	return c, nil
}

func describeKinds(usable []string, def string, deprecated []string) string {
	var parts []string
	for _, k := range usable {
		if k == def {
			k += " (default)"
		}
		parts = append(parts, k)
	}
	s := strings.Join(parts, ", ")
	if len(deprecated) > 0 {
		s += "; deprecated: " + strings.Join(deprecated, ", ")
	}
	return s
}

var stockKind = regexp.MustCompile(`^go:(1\.[0-9]+)$`)

// ExecEnv returns the execution environment (OW_EXECUTION_ENV, which an
// action's exec.env must equal) of the stock image of a Go kind:
// go:1.NN runs on openwhisk/action-golang-v1.NN.
func ExecEnv(kind string) (string, error) {
	m := stockKind.FindStringSubmatch(kind)
	if m == nil {
		return "", fmt.Errorf("%q is not a stock Go runtime kind (go:1.NN)", kind)
	}
	return "openwhisk/action-golang-v" + m[1], nil
}

// manifestAction is an action of a manifest with its zip and where it runs.
type manifestAction struct {
	name, function, runtime, docker string
}

// actionsOf reads the actions of a wskdeploy manifest: for each entry of an
// `actions:` map, its function, runtime and docker keys. It reads the
// indentation only, which is enough for the project's manifests and
// avoids a YAML dependency in the product's module.
func actionsOf(manifest []byte) []manifestAction {
	indentOf := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	var out []manifestAction
	lines := strings.Split(string(manifest), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \r")
		if strings.TrimSpace(line) != "actions:" {
			continue
		}
		base, nameIndent := indentOf(line), -1
		var cur *manifestAction
		for i++; i < len(lines); i++ {
			l := strings.TrimRight(lines[i], " \r")
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			ind := indentOf(l)
			if ind <= base {
				i--
				break
			}
			if nameIndent < 0 {
				nameIndent = ind
			}
			key, value, _ := strings.Cut(t, ":")
			value = strings.Trim(strings.TrimSpace(stripComment(value)), `"'`)
			switch {
			case ind == nameIndent:
				out = append(out, manifestAction{name: key})
				cur = &out[len(out)-1]
			case cur != nil && ind > nameIndent && key == "function":
				cur.function = os.ExpandEnv(value)
			case cur != nil && ind > nameIndent && key == "runtime":
				cur.runtime = value
			case cur != nil && ind > nameIndent && key == "docker":
				cur.docker = value
			}
		}
	}
	return out
}

func stripComment(v string) string {
	if i := strings.Index(v, " #"); i >= 0 {
		return v[:i]
	}
	return v
}

// CheckZips checks the exec.env of the zip of every action of the manifest
// (paths relative to the manifest, as wskdeploy reads them): goEnv for the
// actions on a Go kind, imageEnv for the blackbox ones. kind names the Go
// kind in the messages.
func CheckZips(manifest, kind, goEnv, imageEnv string) error {
	b, err := os.ReadFile(manifest)
	if err != nil {
		return err
	}
	dir := filepath.Dir(manifest)
	var problems []string
	for _, a := range actionsOf(b) {
		if !strings.HasSuffix(a.function, ".zip") {
			continue
		}
		var want, runsOn, fix string
		switch {
		case strings.HasPrefix(a.runtime, "go:"):
			want, runsOn, fix = goEnv, "the Go kind "+cmp.Or(kind, a.runtime), "ACS_GO_KIND="+cmp.Or(kind, a.runtime)
		case a.docker != "":
			want, runsOn, fix = imageEnv, "the runtime image ("+a.docker+")", "ACS_RUNTIME_EXEC_ENV="+imageEnv
		default:
			continue
		}
		zpath := a.function
		if !filepath.IsAbs(zpath) {
			zpath = filepath.Join(dir, zpath)
		}
		got, err := readExecEnv(zpath)
		switch {
		case errors.Is(err, os.ErrNotExist):
			problems = append(problems, fmt.Sprintf("action %s: %s is missing: build it with scripts/build-actions.sh", a.name, a.function))
		case err != nil:
			problems = append(problems, fmt.Sprintf("action %s: %s: %v", a.name, a.function, err))
		case got != want:
			problems = append(problems, fmt.Sprintf("action %s: %s has exec.env %q, but it runs on %s, whose execution environment is %q: rebuild it with %s scripts/build-actions.sh",
				a.name, a.function, got, runsOn, want, fix))
		}
	}
	if len(problems) > 0 {
		return errors.New("the action zips do not match where they are deployed (the Go runtime refuses them with \"Execution environment version mismatch\"):\n  " +
			strings.Join(problems, "\n  "))
	}
	return nil
}

// readExecEnv returns the exec.env of an action zip, trimmed as the Go
// runtime's proxy trims it.
func readExecEnv(path string) (string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	f, err := zr.Open("exec.env")
	if err != nil {
		return "", errors.New("no exec.env in the zip")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
