package cos

import (
	"context"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

var _ connectors.Restorer = (*bucket)(nil)

// maxRestoreDays bounds the days a restored copy is asked to be kept.
const maxRestoreDays = 365

// Restore asks COS for a readable temporary copy of an ARCHIVE or
// DEEP_ARCHIVE object (POST Object restore) kept days days, in the
// Standard mode, which both classes take (hours; Expedited costs more and
// DEEP_ARCHIVE has none, Bulk takes up to two days).
//
// A HEAD comes first: it tells an object that needs nothing (not
// archived, restored, being restored) without a request COS would refuse
// (405 for a class that needs no restore) or charge for. A restore that
// started meanwhile is answered 409 RestoreAlreadyInProgress: success too.
func (b *bucket) Restore(ctx context.Context, key string, days int) error {
	name, err := b.objectName("restore", key)
	if err != nil {
		return err
	}
	hctx, cancel := b.call(ctx)
	defer cancel()
	resp, err := b.client.Object.Head(hctx, name, nil)
	if err != nil {
		return b.headError(hctx, key, name, wrap("restore", key, err))
	}
	b.exists.Store(true)
	class := storageClass(resp.Header.Get("x-cos-storage-class"))
	if !restore.Needed(class, restore.Parse(resp.Header.Get("x-cos-restore"))) {
		return nil
	}
	pctx, cancel := b.call(ctx)
	defer cancel()
	_, err = b.client.Object.PostRestore(pctx, name, &cos.ObjectRestoreOptions{
		Days: restore.Days(days, maxRestoreDays),
		Tier: &cos.CASJobParameters{Tier: "Standard"},
	})
	if err = wrap("restore", key, err); restore.AlreadyAsked(err) {
		return nil
	}
	return err
}
