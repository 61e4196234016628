// Package inputs holds datawald's Benthos input components, one file per
// component (netsuite.go, magento.go, kafka.go, aws_sqs.go, ...), each
// registered in its init function. A component file reads top to bottom:
// field-name constants, typed config and its parse function, spec, init,
// the reader type and its Connect/Read/Close, private helpers. Vendor HTTP
// and API knowledge lives in internal/<system>; this package only adapts it
// to Benthos' lifecycle and acknowledgement contract.
package inputs
