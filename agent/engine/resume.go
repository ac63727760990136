package engine

import (
	"context"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// resumeOrCreate returns the upload to continue: the checkpointed one if it
// is for the same file content and the server still has it (only parts the
// server confirms count as sent), else a new one, checkpointed before any
// part is sent. completed is true when the checkpointed upload was
// completed just before a kill: every part is acked and the object under
// the key is the one those parts make; the caller then only verifies.
func (r *Runner) resumeOrCreate(ctx context.Context, o connectors.Object, mp connectors.MultipartUploader, ps int64, opts connectors.PutOptions) (up state.Upload, acked map[int]state.PartDone, completed bool, err error) {
	acked = map[int]state.PartDone{}
	cp, ok, err := r.Store.Upload(r.Job.Name, o.Key)
	if err != nil {
		return cp, nil, false, err
	}
	if ok && cp.UploadID == "" {
		// A create whose answer was never recorded (intents.go): its
		// upload, if any, is aborted before another is started.
		if err := r.abortUnnamed(ctx, o.Key); err != nil {
			return cp, nil, false, err
		}
		ok = false
	}
	if ok && cp.Source.Same(identity(o)) && cp.PartSize == ps && !(cp.CRC32C && r.Dst.Features().CRC32C == nil) {
		var server []connectors.Part
		err := r.paced(ctx, connectors.Destination, func() error {
			var err error
			server, err = mp.ListParts(ctx, o.Key, cp.UploadID)
			return err
		})
		switch {
		case err == nil:
			have := map[int]connectors.Part{}
			for _, p := range server {
				have[p.Number] = p
			}
			var kept []state.PartDone
			for _, p := range cp.Parts {
				s, ok := have[p.Number]
				if cp.CRC32C {
					// The checksum the server verified, not only its ETag.
					ok = ok && s.HasCRC32C && s.CRC32C == p.CRC32C
				}
				if ok && strings.EqualFold(s.ETag, p.ETag) && s.Size == p.Size {
					acked[p.Number] = p
					kept = append(kept, p)
				}
			}
			cp.Parts = kept
			return cp, acked, false, nil
		case connectors.KindOf(err) != connectors.KindNotFound:
			return cp, nil, false, err
		}
		// The server no longer knows the upload: completed, or aborted.
		if r.completedBefore(ctx, o, cp) {
			for _, p := range cp.Parts {
				acked[p.Number] = p
			}
			return cp, acked, true, nil
		}
	} else if ok {
		r.abandon(ctx, o.Key, cp.UploadID, mp)
	}
	if err := r.intend(o, ps); err != nil {
		return cp, nil, false, err
	}
	var id string
	var withCRC bool
	cu := r.Dst.Features().CRC32C
	err = r.paced(ctx, connectors.Destination, func() error {
		var err error
		if cu != nil {
			id, withCRC, err = cu.CreateMultipartCRC32C(ctx, o.Key, opts)
			if err != nil || withCRC || id != "" {
				return err
			}
			// The server refused the checksum before starting an
			// upload: a plain one. (The backend answers at once next
			// time.)
		}
		id, err = mp.CreateMultipart(ctx, o.Key, opts)
		return err
	})
	if err != nil {
		// The server may have started the upload and its answer been
		// lost: abort what it holds now if it can tell, else the intent
		// stays for the next attempt or pass.
		if r.Dst.Features().Uploads == nil {
			return cp, nil, false, err
		}
		if aerr := r.abortUnnamed(ctx, o.Key); aerr != nil {
			r.log.Debug("cannot abort the upload a failed create may have started: the next attempt tries again", "path", o.Key, "err", RootCause(aerr))
		}
		return cp, nil, false, err
	}
	cp = state.Upload{UploadID: id, Source: identity(o), PartSize: ps, CRC32C: withCRC}
	return cp, acked, false, r.Store.SaveUpload(r.Job.Name, o.Key, cp)
}

// completedBefore reports whether the object under the key is the one the
// checkpoint's parts make: all parts present, and the destination's
// composite CRC32C (an upload of CRC32C parts) or multipart ETag (MD5 of
// the parts' MD5s, "-N") equal to theirs.
func (r *Runner) completedBefore(ctx context.Context, o connectors.Object, cp state.Upload) bool {
	if int64(len(cp.Parts)) != (o.Size+cp.PartSize-1)/cp.PartSize {
		return false
	}
	st, err := r.Dst.Stat(ctx, o.Key)
	if err != nil || st.Size != o.Size {
		return false
	}
	if cp.CRC32C {
		return st.CRC32C == partsCRC32C(cp.Parts)
	}
	return strings.EqualFold(st.ETag, partsETag(cp.Parts))
}

// abandon aborts an upload that can no longer be completed and forgets it.
func (r *Runner) abandon(ctx context.Context, key, id string, mp connectors.MultipartUploader) {
	if id == "" { // an intent (intents.go)
		if err := r.abortUnnamed(ctx, key); err != nil {
			r.Log.Warn("cannot abort the uploads an earlier run may have left: the next pass tries again", "path", key, "err", err)
		}
		return
	}
	if err := mp.AbortMultipart(ctx, key, id); err != nil {
		r.Log.Warn("cannot abort upload", "path", key, "err", err)
		return
	}
	if err := r.Store.DropUpload(r.Job.Name, key); err != nil {
		// The next run finds a checkpoint of an upload that is gone: it
		// fails to resume it and starts the file over.
		r.log.Error("cannot drop the checkpoint of an aborted upload", "path", key, "err", err)
	}
}
