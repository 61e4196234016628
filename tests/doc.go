// Package tests holds datawald's end-to-end tests: Go tests that build the
// datawald binary and drive it as a user would (CLI, lint, run, streams,
// metrics), and the `datawald test` YAML suites for mappings and configs in
// the sub-directories.
package tests
