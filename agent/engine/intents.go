package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// A multipart upload's ID is the destination's answer to CreateMultipart.
// A process killed between that answer and the checkpoint recording it
// would leave the upload open for good, known to nobody, its parts
// billed (S3, OSS) until a lifecycle rule drops them. So, where the
// destination can name a key's open uploads (Features.Uploads), the
// checkpoint is first written without an ID, an intent, before the
// upload is asked for, and replaced by the one with the ID once it is
// known. An intent found later (before the file is uploaded again, and
// at the start of each full pass for all of the job's) means an upload
// may have been started that nobody recorded: the uploads open for that
// exact key are aborted and the intent dropped, as temporary files are
// (temps.go). The cost is one more index write per large file, and one
// list request per intent left.

// intend records, before an upload of o is asked for, that one may be
// started. It does nothing where the destination cannot name its open
// uploads (Azure makes its upload IDs itself, sending nothing).
func (r *Runner) intend(o connectors.Object, ps int64) error {
	if r.Dst.Features().Uploads == nil {
		return nil
	}
	return r.Store.SaveUpload(r.Job.Name, o.Key, state.Upload{Source: identity(o), PartSize: ps, Asked: time.Now()})
}

// abortUnnamed aborts the uploads open at the destination for key, one
// of which an intent says may be mgw's with no ID recorded, then drops
// the intent. Only uploads of exactly key are touched: mgw was about to
// replace that object. An error leaves the intent for another try.
func (r *Runner) abortUnnamed(ctx context.Context, key string) error {
	f := r.Dst.Features()
	if f.Uploads != nil && f.Multipart != nil {
		var ids []string
		err := r.paced(ctx, connectors.Destination, func() error {
			var err error
			ids, err = f.Uploads.UploadsOf(ctx, key)
			return err
		})
		switch k := connectors.KindOf(err); {
		case k == connectors.KindAccessDenied || k == connectors.KindUnsupported:
			// Creating uploads may be allowed and listing them not (an
			// IAM policy without s3:ListBucketMultipartUploads): the file
			// must not be refused for good for it.
			r.log.Warn("cannot list the uploads open at the destination: one an earlier run may have left stays open until a lifecycle rule drops it", "path", key, "err", RootCause(err))
		case err != nil:
			return err
		}
		for _, id := range ids {
			if err := r.paced(ctx, connectors.Destination, func() error { return f.Multipart.AbortMultipart(ctx, key, id) }); err != nil {
				return err
			}
		}
		if len(ids) > 0 {
			r.log.Info("aborted uploads an earlier run started without recording them", "path", key, "uploads", len(ids))
		}
	}
	return r.Store.DropUpload(r.Job.Name, key)
}

// sweepIntents clears the intents of the job: the uploads a killed
// process may have started unrecorded are aborted. A file being copied
// now (a continuous job's) is left to its copy.
func (r *Runner) sweepIntents(ctx context.Context, log *slog.Logger) {
	var keys []string // as many as large files were starting when the process died
	if err := r.Store.Uploads(r.Job.Name, func(path string, u state.Upload) error {
		if u.UploadID == "" {
			keys = append(keys, path)
		}
		return nil
	}); err != nil {
		log.Error("cannot read the upload checkpoints: uploads an earlier run may have left are kept for the next pass", "err", err)
		return
	}
	for _, k := range keys {
		if r.isBusy(k) {
			continue
		}
		if err := r.abortUnnamed(ctx, k); err != nil {
			log.Warn("cannot abort the uploads an earlier run may have left: the next pass tries again", "path", k, "err", RootCause(err))
		}
	}
}

// isBusy reports whether key is being copied now.
func (r *Runner) isBusy(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, busy := r.busy[key]
	return busy
}
