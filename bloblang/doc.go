// Package bloblang registers datawald's Bloblang functions and methods (lookup
// tables, country and region codes, time zones, decimal-safe money, contact
// normalisation) in the global Bloblang environment, so they work in run,
// test, lint, streams and blobl alike. Mapping files live in mappings/<system>/.
package bloblang
