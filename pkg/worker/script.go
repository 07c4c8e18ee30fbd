package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The environment variables a script worker receives (see Script).
const (
	// EnvScriptSource holds the path of the source file.
	EnvScriptSource = "ACS_SOURCE"
	// EnvScriptRendition holds the path the script must write.
	EnvScriptRendition = "ACS_RENDITION"
	// EnvScriptInstructions holds the path of the instructions JSON file.
	EnvScriptInstructions = "ACS_INSTRUCTIONS"
	// EnvScriptReasonFile holds the path of the reason file a failing
	// script may write.
	EnvScriptReasonFile = "ACS_REASON_FILE"
	// EnvScriptMetadataFile holds the path of the metadata file a script
	// may write: a JSON object whose keys are added to the rendition's
	// metadata.
	EnvScriptMetadataFile = "ACS_METADATA_FILE"
	// EnvScriptParamPrefix prefixes one variable per instruction whose value
	// is a string, number or boolean: fmt becomes ACS_PARAM_FMT, minScore
	// ACS_PARAM_MINSCORE.
	EnvScriptParamPrefix = "ACS_PARAM_"
)

// scriptWaitDelay is how long a killed script's output pipes are waited for.
const scriptWaitDelay = time.Second

// ScriptOptions configure Script. The zero value is ready to use.
type ScriptOptions struct {
	// Args are passed to the script after its three path arguments.
	Args []string
	// Env holds extra KEY=VALUE entries added to the script's environment.
	Env []string
	// Log receives the script's stdout and stderr; default os.Stderr, which
	// is the activation log.
	Log io.Writer
}

// Script returns a RenditionFunc that runs the executable at path once per
// rendition, for teams that wrap command-line tools. The script is called
// as
//
//	path SOURCE RENDITION INSTRUCTIONS [opts.Args...]
//
// with the working directory set to the rendition's private directory and
// these variables added to the action's environment:
//
//	ACS_SOURCE         the source file (read it; do not change it)
//	ACS_RENDITION      the file to write: the rendition
//	ACS_INSTRUCTIONS   a JSON file holding the rendition's instructions,
//	                   unknown keys included, target left out
//	ACS_REASON_FILE    where to write a failure reason (see below)
//	ACS_METADATA_FILE  where to write a JSON object of extra metadata
//	ACS_SOURCE_NAME    the source's name, for type detection
//	ACS_SOURCE_MIMETYPE  the announced media type, possibly empty
//	ACS_PARAM_<KEY>    each scalar instruction, key upper-cased
//
// A script reports a failure by writing the reason file, a contract reason
// on the first line and a message for the client on the next ones:
//
//	printf 'SourceCorrupt\nthe source is not a valid WAV file\n' >"$ACS_REASON_FILE"
//	exit 1
//
// A reason file fails the rendition whatever the exit status; an unknown
// reason becomes GenericError. Without one, a non-zero exit status fails
// the rendition with GenericError. Success is exit status 0 and a non-empty
// ACS_RENDITION; the lifecycle then checks, describes and uploads it as for
// any worker.
//
// Limits, which the script's author must know:
//   - Time: the script runs under the activation's deadline less the
//     watchdog margin; when it is reached the script and every process it
//     started (its process group) are killed, and the rendition fails with
//     Timeout.
//   - Logs: stdout and stderr go to the activation log (10 MB at most on
//     OpenWhisk); never print secrets.
//   - Environment: on OpenWhisk PATH and HOME are empty, so call every
//     program by its absolute path (/usr/bin/convert, not convert), and
//     the program must exist in the action's runtime image.
//   - Network: nothing guards what the script reaches; the transfer
//     package's address guard does not apply to it.
//   - Secrets: the script inherits the action's environment, including
//     the __OW_* variables (and __OW_API_KEY when the action is annotated
//     provide-api-key); run only scripts you trust.
//   - Source: always a downloaded file (Options.RangedSource does not
//     apply), limited by the transfer size limit.
func Script(path string, opts ScriptOptions) RenditionFunc {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	return func(ctx context.Context, src *Source, r *Rendition) error {
		if src.Path == "" {
			return api.Errorf(api.ReasonGeneric, "script worker %s needs a downloaded source; do not set Options.RangedSource", filepath.Base(path))
		}
		dir := filepath.Dir(r.Path)
		instructions, err := r.InstructionsJSON()
		if err != nil {
			return err
		}
		files := scriptFiles{
			instructions: filepath.Join(dir, ".instructions.json"),
			reason:       filepath.Join(dir, ".reason"),
			metadata:     filepath.Join(dir, ".metadata.json"),
		}
		if err := os.WriteFile(files.instructions, instructions, 0o600); err != nil {
			return api.Wrap(api.ReasonGeneric, err, "cannot write the instructions file")
		}
		cmd := exec.CommandContext(ctx, path, append([]string{src.Path, r.Path, files.instructions}, opts.Args...)...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), scriptEnv(src, r, files)...), opts.Env...)
		cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
		cmd.WaitDelay = scriptWaitDelay
		killGroupOnCancel(cmd)
		runErr := cmd.Run()
		if err := files.reasonError(r.Name); err != nil {
			return err
		}
		if runErr != nil {
			if ctx.Err() != nil {
				return api.Wrap(api.ReasonTimeout, runErr, fmt.Sprintf("script %s did not finish rendition %q before the activation deadline", filepath.Base(path), r.Name))
			}
			var ee *exec.ExitError
			if errors.As(runErr, &ee) {
				return api.Wrap(api.ReasonGeneric, runErr, fmt.Sprintf("script %s failed for rendition %q: %v", filepath.Base(path), r.Name, ee.ProcessState))
			}
			return api.Wrap(api.ReasonGeneric, runErr, fmt.Sprintf("cannot run script %s: %v", filepath.Base(path), runErr))
		}
		return files.addMetadata(r)
	}
}

// scriptFiles are the side files of one script run.
type scriptFiles struct {
	instructions, reason, metadata string
}

// scriptEnv returns the variables a script receives.
func scriptEnv(src *Source, r *Rendition, files scriptFiles) []string {
	env := []string{
		EnvScriptSource + "=" + src.Path,
		EnvScriptRendition + "=" + r.Path,
		EnvScriptInstructions + "=" + files.instructions,
		EnvScriptReasonFile + "=" + files.reason,
		EnvScriptMetadataFile + "=" + files.metadata,
		"ACS_SOURCE_NAME=" + src.Name,
		"ACS_SOURCE_MIMETYPE=" + src.MimeType,
	}
	var all map[string]json.RawMessage
	if raw, err := r.InstructionsJSON(); err == nil && json.Unmarshal(raw, &all) == nil {
		for k, v := range all {
			if s, ok := scalar(v); ok {
				env = append(env, EnvScriptParamPrefix+envName(k)+"="+s)
			}
		}
	}
	return env
}

// scalar returns a JSON string, number or boolean as text.
func scalar(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	t := strings.TrimSpace(string(v))
	if t == "true" || t == "false" {
		return t, true
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// envName upper-cases key and replaces what is not a letter or a digit
// with an underscore.
func envName(key string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z':
			return c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			return c
		default:
			return '_'
		}
	}, key)
}

// reasonError reads the reason file: nil when the script wrote none.
func (f scriptFiles) reasonError(name string) error {
	b, err := os.ReadFile(f.reason)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	reason := api.Reason(strings.TrimSpace(first))
	message := strings.TrimSpace(rest)
	if !reason.Valid() {
		message = strings.TrimSpace(string(b))
		reason = api.ReasonGeneric
	}
	if message == "" {
		message = fmt.Sprintf("the script failed rendition %q with reason %s", name, reason)
	}
	return api.Errorf(reason, "%s", message)
}

// addMetadata merges the metadata file, when the script wrote one, into
// r.Metadata.
func (f scriptFiles) addMetadata(r *Rendition) error {
	b, err := os.ReadFile(f.metadata)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("the script wrote a metadata file that is not a JSON object: %v", err))
	}
	for k, v := range m {
		r.Metadata[k] = v
	}
	return nil
}
