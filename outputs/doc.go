// Package outputs holds datawald's Benthos output components, one file per
// component, registered in init. Vendor outputs upsert idempotently by a
// natural or external key and report each entity's outcome (S, F or I) to
// the sync-task store; backbone outputs (kafka, aws_sqs) nack anything the
// broker did not acknowledge.
package outputs
