package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/settings"
)

// settingFlags collects repeated --setting NAME=VALUE flags: deployment
// settings (see package settings) that win over the environment's. Each
// value is checked as the flag is parsed.
type settingFlags struct {
	s settings.Settings
}

// String implements flag.Value.
func (f *settingFlags) String() string { return f.s.String() }

// Set implements flag.Value.
func (f *settingFlags) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want NAME=VALUE, such as maxSourceBytes=4294967296, got %q", v)
	}
	return f.s.Set(name, value)
}

const settingUsage = "deployment setting NAME=VALUE, such as maxSourceBytes=4294967296 or imageMaxSourcePixels=400000000 (repeatable; `go doc ./pkg/settings` lists them); wins over the environment's ACS_* variable"

// deploymentSettings returns the settings of the environment overridden by
// those of the flags. A setting of the environment that cannot be used is
// an error naming its variable.
func deploymentSettings(flags settings.Settings) (settings.Settings, error) {
	env, err := settings.FromEnv(os.Getenv)
	if err != nil {
		return settings.Settings{}, err
	}
	return env.Override(flags), nil
}
