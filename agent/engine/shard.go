package engine

import (
	"hash/fnv"
	"log/slog"

	"github.com/mgw-dev/mgw/connectors"
)

// ShardOf is the shard, of count, that a source file belongs to: the
// jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory,
// Consistent Hash Algorithm", 2014) of the 64-bit FNV-1a hash of its key,
// the path relative to the source root as listed ('/'-separated, its
// bytes as they are). Both are fixed, integer or correctly rounded
// arithmetic, so every version of mgw on every platform puts a file in
// the same shard.
//
// Jump hashing moves as few files as possible when the count changes:
// from N to N+1 shards only the files that go to the new shard N move
// (1/(N+1) of them), and from N to 2N half of them, all to the new shards
// N to 2N-1. Each shard keeps the files it still owns, with their index.
func ShardOf(key string, count int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	k := h.Sum64()
	var b, j int64 = -1, 0
	for j < int64(count) {
		b = j
		k = k*2862933555777941757 + 1
		// Conversions round each step, so no platform fuses them.
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((k>>33)+1)))
	}
	return int(b)
}

// Owns reports whether the file at key is this agent's to copy: every file
// is, unless the job is spread over shards.
func (r *Runner) Owns(key string) bool {
	s := r.Job.Shard
	return !s.Sharded() || ShardOf(key, s.Count) == s.Index
}

// pruneShard drops from the index the records of files another shard now
// owns, when the shard count or index changed since the last run in this
// state dir: they must not count as this shard's, nor be taken for files
// deleted from the source. Their multipart uploads are aborted by
// abortStaleUploads. The index then remembers the shard it holds.
func (r *Runner) pruneShard(log *slog.Logger) error {
	job, err := r.Store.Job(r.Job.Name)
	if err != nil {
		return err
	}
	now := r.Job.Shard.String()
	if job.Shard == now {
		return nil
	}
	dropped, err := r.Store.Prune(r.Job.Name, r.Owns)
	if err != nil {
		return err
	}
	if dropped > 0 || job.Shard != "" {
		log.Info("shard changed: records of files other shards now own dropped from the index", "was", job.Shard, "now", now, "dropped", dropped)
	}
	return r.Store.SetShard(r.Job.Name, now)
}

// adoptable reports whether the destination object d, as its folder's
// listing describes it, is taken for a copy another shard made of the
// source file o: the same size, and written no earlier than the file last
// changed (the if-newer comparison; a local destination carries the
// file's mtime, an object store its upload time). It needs no request of
// its own: the listing is one request a folder (1,000 keys a page on
// S3 and OSS), which the overwrite policy reads anyway.
func adoptable(o, d connectors.Object) bool {
	return d.Size == o.Size && !d.ModTime.Before(o.ModTime)
}

// adopt indexes o as copied, on the word of the destination's listing d
// (adoptable), and counts it.
func (r *Runner) adopt(o, d connectors.Object) bool {
	if err := r.done(o, d, ""); err != nil {
		r.log.Error("cannot record an adopted file: it is copied instead", "path", o.Key, "err", err)
		return false
	}
	r.Progress.FilesAdopted.Add(1)
	r.Progress.BytesAdopted.Add(o.Size)
	return true
}
