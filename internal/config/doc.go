// Package config reads bcdr's configuration into one typed, validated Config: command-line
// flags first, then BCDR_* environment variables, then the config file (bcdr.yaml), then
// defaults. It is the only package that knows viper.
//
// Config's sections that one package consumes are that package's types: the auth and
// triggers sections are api.Auth and api.Trigger, the notify section notify.Config, and
// their durations duration.Duration. This package reads them from the file, fills in
// their defaults, validates them (every message naming its key) and masks their secrets
// for printing; the packages that consume them never import it: only cmd/bcdr does.
package config
