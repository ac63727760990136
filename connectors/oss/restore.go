package oss

import (
	"context"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

var _ connectors.Restorer = (*bucket)(nil)

// Restore asks OSS to thaw an Archive, Cold Archive or Deep Cold Archive
// object (RestoreObject) and keep the readable copy days days, within what
// the class allows: 7 days for Archive, 365 for the cold classes. Cold
// classes are thawed at the Standard priority (hours; Expedited costs
// more, Bulk takes up to half a day and Deep Cold Archive has none).
//
// A HEAD comes first: it tells an object that needs nothing (not
// archived, thawed, being thawed) without a request OSS would refuse (400
// OperationNotSupported for Standard and IA) or charge for. A restore that
// started meanwhile is answered 409 RestoreAlreadyInProgress: success too.
func (b *bucket) Restore(ctx context.Context, key string, days int) error {
	name, err := b.objectName("restore", key)
	if err != nil {
		return err
	}
	cctx, cancel := b.call(ctx)
	h, err := b.client.HeadObject(cctx, &oss.HeadObjectRequest{Bucket: &b.name, Key: &name})
	cancel()
	if err != nil {
		return wrap("restore", key, err)
	}
	class := storageClass(oss.ToString(h.StorageClass))
	if !restore.Needed(class, restore.Parse(oss.ToString(h.Restore))) {
		return nil
	}
	req := &oss.RestoreRequest{Days: int32(restore.Days(days, maxRestoreDays(class)))}
	if class != "Archive" {
		req.JobParameters = &oss.JobParameters{Tier: oss.Ptr("Standard")}
	}
	cctx, cancel = b.call(ctx)
	defer cancel()
	_, err = b.client.RestoreObject(cctx, &oss.RestoreObjectRequest{Bucket: &b.name, Key: &name, RestoreRequest: req})
	if err = wrap("restore", key, err); restore.AlreadyAsked(err) {
		return nil
	}
	return err
}

// maxRestoreDays is the longest a thawed copy may be kept.
func maxRestoreDays(class string) int {
	if class == "Archive" {
		return 7
	}
	return 365
}
