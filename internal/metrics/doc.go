// Package metrics registers the prometheus metrics exporter.
package metrics
