package cos

// SetUploadsPage sets the most uploads one ListMultipartUploads answer
// holds (0: the server's default), so tests page with few uploads.
func SetUploadsPage(n int) { uploadsPage = n }
