// Package config reads mgw's YAML config file: the schema (Config,
// AddressConfig, JobConfig), parsing with the file:line of every problem
// and its catalogue code, the defaults applied in one step of their own
// (defaults.go), the checks that concern jobs, and the diff a reload needs
// (SameJob). Each address's own fields are checked by its backend, through
// connectors/all. Settings resolves a job's entry into the typed values it
// runs with.
//
// It must not know how a job runs: nothing here opens an address or
// touches the index.
package config
