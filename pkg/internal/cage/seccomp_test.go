package cage

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The seccomp profile of docker/ (see docs/deploy.md), in the format of
// Docker, containerd and Kubernetes.
type seccompProfile struct {
	DefaultAction string   `json:"defaultAction"`
	Architectures []string `json:"architectures"`
	Syscalls      []struct {
		Names    []string `json:"names"`
		Action   string   `json:"action"`
		ErrnoRet *uint    `json:"errnoRet"`
		Args     []struct {
			Index    uint   `json:"index"`
			Value    uint64 `json:"value"`
			ValueTwo uint64 `json:"valueTwo"`
			Op       string `json:"op"`
		} `json:"args"`
	} `json:"syscalls"`
}

// precedence orders the actions as libseccomp does when several rules
// match one call: the most restrictive wins.
var precedence = map[string]int{
	"SCMP_ACT_KILL_PROCESS": 6, "SCMP_ACT_KILL_THREAD": 5, "SCMP_ACT_KILL": 5, "SCMP_ACT_TRAP": 4,
	"SCMP_ACT_ERRNO": 3, "SCMP_ACT_TRACE": 2, "SCMP_ACT_LOG": 1, "SCMP_ACT_ALLOW": 0,
}

// verdict is what the profile does with the call name(args): its action
// and, for SCMP_ACT_ERRNO, the errno.
func (p *seccompProfile) verdict(t *testing.T, name string, args ...uint64) (string, uint) {
	t.Helper()
	action, errno := p.DefaultAction, uint(0)
	for _, r := range p.Syscalls {
		named := false
		for _, n := range r.Names {
			named = named || n == name
		}
		if !named {
			continue
		}
		match := true
		for _, a := range r.Args {
			var v uint64
			if int(a.Index) < len(args) {
				v = args[a.Index]
			}
			switch a.Op {
			case "SCMP_CMP_EQ":
				match = match && v == a.Value
			case "SCMP_CMP_NE":
				match = match && v != a.Value
			case "SCMP_CMP_MASKED_EQ":
				match = match && v&a.Value == a.ValueTwo
			default:
				t.Fatalf("operator %s is not modelled by this test", a.Op)
			}
		}
		if match && precedence[r.Action] > precedence[action] {
			action = r.Action
			if r.ErrnoRet != nil {
				errno = *r.ErrnoRet
			}
		}
	}
	return action, errno
}

func TestSeccompProfileAllowsTheCageNamespaces(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docker", "seccomp-userns.json"))
	require.NoError(t, err)
	var p seccompProfile
	require.NoError(t, json.Unmarshal(b, &p))
	require.Contains(t, precedence, p.DefaultAction)
	require.Contains(t, p.Architectures, "SCMP_ARCH_X86_64")
	require.Contains(t, p.Architectures, "SCMP_ARCH_AARCH64")
	for _, r := range p.Syscalls {
		require.NotEmpty(t, r.Names)
		require.Contains(t, precedence, r.Action, "rule for %v", r.Names)
		if r.Action == "SCMP_ACT_ERRNO" {
			require.NotNil(t, r.ErrnoRet, "rule for %v", r.Names)
		}
	}
	// The flags os/exec passes to clone for the cage's children
	// (netnsAttr): the namespaces, a vfork with a pidfd.
	cageClone := uint64(syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_VFORK | syscall.CLONE_VM | 0x1000 /* CLONE_PIDFD */ | uint64(syscall.SIGCHLD))
	thread := uint64(syscall.CLONE_VM | syscall.CLONE_FS | syscall.CLONE_FILES | syscall.CLONE_SIGHAND | syscall.CLONE_THREAD | syscall.CLONE_SYSVSEM)
	allowed := []struct {
		name string
		args []uint64
	}{
		{"clone", []uint64{cageClone}},
		{"clone", []uint64{thread}},
		{"clone", []uint64{uint64(syscall.SIGCHLD)}}, // fork
		{"unshare", []uint64{syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET}},
		{"socket", []uint64{syscall.AF_INET, syscall.SOCK_STREAM, 0}},
		{"socket", []uint64{syscall.AF_NETLINK, syscall.SOCK_RAW, syscall.NETLINK_ROUTE}},
		{"openat", nil}, {"execve", nil}, {"prlimit64", nil}, {"setpgid", nil}, {"set_mempolicy", nil},
	}
	for _, c := range allowed {
		action, _ := p.verdict(t, c.name, c.args...)
		assert.Equal(t, "SCMP_ACT_ALLOW", action, "%s(%#x)", c.name, c.args)
	}
	refused := []struct {
		name  string
		args  []uint64
		errno uint
	}{
		{"clone", []uint64{cageClone | syscall.CLONE_NEWNS}, 1},
		{"clone", []uint64{cageClone | syscall.CLONE_NEWPID}, 1},
		{"clone", []uint64{syscall.CLONE_NEWUTS | uint64(syscall.SIGCHLD)}, 1},
		{"clone", []uint64{syscall.CLONE_NEWIPC}, 1},
		{"clone", []uint64{0x02000000 /* CLONE_NEWCGROUP */}, 1},
		{"unshare", []uint64{syscall.CLONE_NEWNS}, 1},
		{"unshare", []uint64{0x80 /* CLONE_NEWTIME */}, 1},
		{"clone3", nil, uint(syscall.ENOSYS)},
		{"setns", nil, 1},
		{"mount", nil, 1},
		{"pivot_root", nil, 1},
		{"ptrace", nil, 1},
		{"bpf", nil, 1},
		{"keyctl", nil, 1},
		{"socket", []uint64{syscall.AF_NETLINK, syscall.SOCK_RAW, 12 /* NETLINK_NETFILTER */}, uint(syscall.EAFNOSUPPORT)},
	}
	for _, c := range refused {
		action, errno := p.verdict(t, c.name, c.args...)
		assert.Equal(t, "SCMP_ACT_ERRNO", action, "%s(%#x)", c.name, c.args)
		assert.Equal(t, c.errno, errno, "%s(%#x)", c.name, c.args)
	}
}

// Where the namespace is refused, the one warning says where the fix is.
func TestRefusedNamespaceWarningPointsToTheFix(t *testing.T) {
	dir := t.TempDir()
	// A prlimit that fails stands for a kernel that refuses the namespace.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prlimit"), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	t.Setenv("PATH", dir)
	var logs bytes.Buffer
	c, err := New(Options{NoNetwork: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	require.False(t, c.NetworkIsolated())
	assert.Contains(t, logs.String(), "docker/seccomp-userns.json")
	assert.Contains(t, logs.String(), "docs/deploy.md")
	assert.Equal(t, 1, strings.Count(logs.String(), "level=WARN"))
	c.NetworkIsolated()
	assert.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), "warned once")
}

// The rule docs/deploy.md gives for adding to Docker's own profile masks
// exactly the namespaces other than the cage's.
func TestDocumentedSeccompRule(t *testing.T) {
	others := uint64(syscall.CLONE_NEWNS | 0x02000000 /* CLONE_NEWCGROUP */ | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWPID)
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "deploy.md"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"value": `+strconv.FormatUint(others, 10)+`, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"`)
	cage := uint64(syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_VFORK | syscall.CLONE_VM | uint64(syscall.SIGCHLD))
	assert.Zero(t, cage&others, "the cage's clone passes the rule")
}
