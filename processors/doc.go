// Package processors holds datawald's Benthos processors, chiefly sync_task,
// which stages canonical entities, deduplicates them by content and attaches
// them to sync tasks.
package processors
