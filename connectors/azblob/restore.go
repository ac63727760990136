package azblob

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/mgw-dev/mgw/connectors"
)

var _ connectors.Restorer = (*Bucket)(nil)

// Restore rehydrates an Archive blob: Set Blob Tier to Hot at the
// Standard priority (up to 15 hours; High costs more). Azure has no
// temporary copy: the blob moves to Hot for good and days is not used.
// While it rehydrates the blob stays Archive (x-ms-archive-status
// rehydrate-pending-to-hot) and unreadable; afterwards its class is
// plain Hot (StorageClass ""), which callers read as not archived, so
// Object.Restored stays false on this backend.
//
// Properties are read first: a blob that is not Archive, or is already
// rehydrating, needs nothing; a rehydration that started meanwhile is
// answered 409 BlobBeingRehydrated, which is success too.
func (b *Bucket) Restore(ctx context.Context, key string, days int) error {
	full, err := b.blobName("restore", key)
	if err != nil {
		return err
	}
	bc := b.cli.NewBlobClient(full)
	p, err := bc.GetProperties(ctx, nil)
	if err != nil {
		return classify("restore", key, err)
	}
	if tier(deref(p.AccessTier)) != string(blob.AccessTierArchive) || deref(p.ArchiveStatus) != "" {
		return nil
	}
	_, err = bc.SetTier(ctx, blob.AccessTierHot, &blob.SetTierOptions{RehydratePriority: to(blob.RehydratePriorityStandard)})
	var ce *connectors.Error
	if err = classify("restore", key, err); errors.As(err, &ce) && ce.Code == "BlobBeingRehydrated" {
		return nil
	}
	return err
}
