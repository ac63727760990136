package oss

import "github.com/mgw-dev/mgw/connectors"

// SetCopyPartSize sets the part size of b's server-side copies, so tests
// copy several parts without large objects.
func SetCopyPartSize(b connectors.Bucket, n int64) { b.(*bucket).copyPartSize = n }

// SetUploadsPage sets the most uploads one ListMultipartUploads answer
// holds (0: the server's default), so tests page with few uploads.
func SetUploadsPage(n int) { uploadsPage = int32(n) }
