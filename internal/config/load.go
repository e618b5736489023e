package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

// Source tells Load where to look.
type Source struct {
	// File is the config file named by --config; "" searches bcdr.yaml in the working
	// folder, then in the user's config home.
	File  string
	Flags *pflag.FlagSet // flags bound by key: a flag named "data-dir" sets "data_dir"
	// FlagKeys maps flag names to keys where the name is not the key ("ui-port": "dev.ui_port").
	FlagKeys map[string]string
	Getenv   func(string) string
	Environ  []string // KEY=VALUE pairs to scan for BCDR_* variables
}

// Load builds the effective configuration: flags, then BCDR_* environment variables, then
// the config file, then defaults. Unknown keys and bad values are errors naming the key.
func Load(src Source) (*Config, error) {
	getenv := src.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v := viper.New()
	for k, val := range Defaults(dataHome(getenv), getenv("USER")) {
		v.SetDefault(k, val)
	}
	file, err := readFile(v, src.File, getenv)
	if err != nil {
		return nil, err
	}
	if err := checkEnv(src.Environ); err != nil {
		return nil, err
	}
	for _, k := range Keys() {
		env := "BCDR_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if val := getenv(env); val != "" {
			v.Set(k, val)
		}
	}
	if src.Flags != nil {
		known := Defaults("", "")
		src.Flags.Visit(func(f *pflag.Flag) { // only flags given on the command line
			key := strings.ReplaceAll(f.Name, "-", "_")
			if k, ok := src.FlagKeys[f.Name]; ok {
				key = k
			}
			if _, ok := known[key]; ok {
				v.Set(key, f.Value.String())
			}
		})
	}
	var c Config
	if err := v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.TextUnmarshallerHookFunc(), mapstructure.StringToSliceHookFunc(",")))); err != nil {
		return nil, fmt.Errorf("config: %s", strings.ReplaceAll(err.Error(), "decoding failed due to the following error(s):\n\n", ""))
	}
	if err := keepTriggerCase(&c, file); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// readFile reads the config file into v and returns its path ("" when there is none).
func readFile(v *viper.Viper, file string, getenv func(string) string) (string, error) {
	v.SetConfigType("yaml")
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return "", fmt.Errorf("config file %s: %w", file, err)
		}
		return file, checkFileKeys(v, file)
	}
	for _, dir := range []string{".", filepath.Join(configHome(getenv), "bcdr")} {
		path := filepath.Join(dir, "bcdr.yaml")
		if _, err := os.Stat(path); err == nil {
			v.SetConfigFile(path)
			if err := v.ReadInConfig(); err != nil {
				return "", fmt.Errorf("config file %s: %w", path, err)
			}
			return path, checkFileKeys(v, path)
		}
	}
	return "", nil
}

// keepTriggerCase puts back the case of the keys of triggers.*.match and
// triggers.*.params, which viper lowercases: alert labels are case-sensitive
// (CloudWatch's dimension_InstanceId), and so are runbook parameter names. The file is
// the only place these maps come from (no flag or variable sets them), so its keys, read
// as written, replace viper's.
func keepTriggerCase(c *Config, file string) error {
	if file == "" || len(c.Triggers) == 0 {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	var raw struct {
		Triggers map[string]struct {
			Match  map[string]string `yaml:"match"`
			Params map[string]string `yaml:"params"`
		} `yaml:"triggers"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("config file %s: triggers: %w", file, err)
	}
	for name, rt := range raw.Triggers {
		t, ok := c.Triggers[strings.ToLower(name)]
		if !ok {
			continue
		}
		if rt.Match != nil {
			t.Match = rt.Match
		}
		if rt.Params != nil {
			t.Params = rt.Params
		}
		c.Triggers[strings.ToLower(name)] = t
	}
	return nil
}

// checkFileKeys reports keys in the file that bcdr does not know.
func checkFileKeys(v *viper.Viper, file string) error {
	known := Defaults("", "")
	var errs []error
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; ok || hasMapPrefix(k) {
			continue
		}
		errs = append(errs, fmt.Errorf("config file %s: unknown key %q", file, k))
	}
	return errors.Join(errs...)
}

// mapKeys are the keys whose values are maps with names the user chooses.
var mapKeys = []string{"groups.", "triggers.", "trackers.", "notify.channels.", "drills.cadence."}

func hasMapPrefix(k string) bool {
	for _, p := range mapKeys {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// checkEnv reports BCDR_* variables that name no key (a typo would otherwise be ignored).
func checkEnv(environ []string) error {
	known := map[string]bool{"BCDR_CONFIG": true}
	for _, k := range Keys() {
		known["BCDR_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "BCDR_") && !known[name] {
			errs = append(errs, fmt.Errorf("environment variable %s names no configuration key", name))
		}
	}
	return errors.Join(errs...)
}

func dataHome(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share")
	}
	return "."
}

func configHome(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return "."
}
