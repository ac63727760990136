package state

// Every key in the Badger database starts with one kind byte, listed here.
// Key formats are on-disk formats: change one only with a new schema version
// and a migration in Open.
//
// Layouts (job names are 3–62 bytes of [a-z0-9-], so 0x00 never occurs in
// them and separates the job from a path; paths are raw bytes, possibly not
// UTF-8, and run to the end of the key):
//
//	byte 0      kind (below)
//	bytes 1..n  job name
//	byte n+1    0x00
//	rest        path ('/'-separated, relative to the source root) or,
//	            for KindRun, the run number as 8 bytes big-endian, so
//	            byte order is numeric order and the last run sorts last.
const (
	KindSchema  byte = 'v' // 'v' alone: the schema version, one byte
	KindFile    byte = 'f' // file entry: identity of the source file last copied and verified
	KindFailure byte = 'x' // failed file: code, message, attempts, first and last attempt
	KindSkip    byte = 's' // skipped file: why it was deliberately not copied
	KindUpload  byte = 'u' // multipart checkpoint: upload ID and acknowledged parts; without an ID, the intent to start one (engine/intents.go)
	KindTemp    byte = 't' // temporary files a write may have left beside the path at the destination (Temps)
	KindRun     byte = 'r' // run report, by run number
	KindJob     byte = 'j' // job record: last run number, state (key is kind + job name)
)

// SchemaVersion is the layout of keys and values written by this code.
const SchemaVersion byte = 1

func schemaKey() []byte { return []byte{KindSchema} }

// JobPrefix is the prefix of every key of kind for job: iterate it to list
// all files, failures, skips, uploads or runs of one job.
func JobPrefix(kind byte, job string) []byte {
	k := make([]byte, 0, len(job)+2)
	k = append(k, kind)
	k = append(k, job...)
	return append(k, 0)
}

// PathKey is the key of kind for one path of job.
func PathKey(kind byte, job, path string) []byte {
	return append(JobPrefix(kind, job), path...)
}

// RunKey is the key of run number n of job.
func RunKey(job string, n uint64) []byte {
	k := JobPrefix(KindRun, job)
	return append(k, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// JobKey is the key of job's record.
func JobKey(job string) []byte { return append([]byte{KindJob}, job...) }

// ParseKey splits a key made by PathKey or RunKey into its kind, job and
// rest (the path, or the 8 run-number bytes). ok is false for keys of
// another shape.
func ParseKey(k []byte) (kind byte, job, rest string, ok bool) {
	if len(k) < 2 {
		return 0, "", "", false
	}
	for i := 1; i < len(k); i++ {
		if k[i] == 0 {
			return k[0], string(k[1:i]), string(k[i+1:]), true
		}
	}
	return 0, "", "", false
}
