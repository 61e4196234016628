package awsconf

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/redpanda-data/benthos/v4/public/service"
)

// FieldSQSURL is the queue field of the SQS input and output.
const FieldSQSURL = "url"

// SQSMaxBatchEntries is the most entries SQS accepts in one *Batch call
// (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch).
const SQSMaxBatchEntries = 10

// SQSURLField is the `url` field naming the queue.
func SQSURLField() *service.ConfigField {
	return service.NewStringField(FieldSQSURL).
		Description("Queue URL.").
		Example("https://sqs.eu-central-1.amazonaws.com/123456789012/datawald-entities.fifo")
}

// LintRule is the lint rule of a component with the session fields: the
// credential checks (LintChecks) followed by the component's own checks,
// each a Bloblang expression giving an error message or null. A Benthos
// spec holds one lint rule (ConfigSpec.LintRule replaces), so a component
// passes all its checks at once.
func LintRule(checks ...string) string {
	all := append(append([]string{}, LintChecks...), checks...)
	return "root = [\n  " + strings.Join(all, ",\n  ") + "\n].filter(e -> e != null)"
}

// OpenSQSQueue builds an SQS client from the session and checks that the
// queue at url exists and answers, by reading its attribute probe (an
// attribute the caller's IAM policy may read anyway). The error names the
// queue.
func (s *Session) OpenSQSQueue(ctx context.Context, url string, probe types.QueueAttributeName) (*sqs.Client, error) {
	cfg, err := s.Config(ctx, nil)
	if err != nil {
		return nil, err
	}
	client := sqs.NewFromConfig(cfg)
	if _, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []types.QueueAttributeName{probe},
	}); err != nil {
		return nil, fmt.Errorf("connecting to sqs queue %s: %w", url, err)
	}
	return client, nil
}

// SQSEntryError is the error of one entry a *Batch call rejected, as SQS
// reports it: "<code>: <message>".
func SQSEntryError(f types.BatchResultErrorEntry) error {
	return fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
}
