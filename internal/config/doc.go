// Package config reads bcdr's configuration into one typed, validated Config: command-line
// flags first, then BCDR_* environment variables, then the config file (bcdr.yaml), then
// defaults. It is the only package that knows viper.
package config
