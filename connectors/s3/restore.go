package s3

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

var _ connectors.Restorer = (*Bucket)(nil)

// Restore asks S3 for a readable copy of an archived object (GLACIER,
// DEEP_ARCHIVE), kept for days days, at the Standard tier: hours, where
// Expedited costs much more and Bulk takes up to two days.
//
// A HEAD comes first: it tells an object that needs nothing (not
// archived, restored, being restored) without a request S3 would refuse
// (403 InvalidObjectState for a class that cannot be restored) or charge
// for. A restore that started meanwhile is answered 409
// RestoreAlreadyInProgress, which is success too.
func (b *Bucket) Restore(ctx context.Context, key string, days int) error {
	full, err := b.objectKey("restore", key)
	if err != nil {
		return err
	}
	h, err := b.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &full})
	if err != nil {
		return b.headError(ctx, "restore", key, full, err)
	}
	b.exists.Store(true)
	if !restore.Needed(storageClass(string(h.StorageClass)), restore.Parse(aws.ToString(h.Restore))) {
		return nil
	}
	_, err = b.cli.RestoreObject(ctx, &s3.RestoreObjectInput{
		Bucket: &b.bucket,
		Key:    &full,
		RestoreRequest: &types.RestoreRequest{
			Days:                 aws.Int32(int32(restore.Days(days, maxRestoreDays))),
			GlacierJobParameters: &types.GlacierJobParameters{Tier: types.TierStandard},
		},
	})
	if err = classify("restore", key, err); restore.AlreadyAsked(err) {
		return nil
	}
	return err
}

// maxRestoreDays bounds the days asked for; S3 itself sets no maximum.
const maxRestoreDays = 365
