package watchdog

import "io"

// Body is a response body read under a Dog: the clock runs only while
// Read waits for the server, so a caller slow to consume is not a stall.
type Body struct {
	r    io.Reader
	c    io.Closer
	w    *Dog
	fail func(error) error
}

// Body returns the answer's body for reading under w, and stops the clock
// until the first Read. r is what Read reads (the body, or a limit of
// it), c closes the body. fail, if not nil, classifies the errors Read
// meets other than io.EOF: a stall comes to it as Stalled. Closing the
// Body ends the request, so w must watch nothing else.
func (w *Dog) Body(r io.Reader, c io.Closer, fail func(error) error) *Body {
	w.Pause()
	return &Body{r: r, c: c, w: w, fail: fail}
}

func (b *Body) Read(p []byte) (int, error) {
	b.w.Kick()
	n, err := b.r.Read(p)
	b.w.Pause()
	if err != nil && err != io.EOF {
		err = b.w.Check(err)
		if b.fail != nil {
			err = b.fail(err)
		}
	}
	return n, err
}

// Close stops the clock, closes the body, then ends the request's
// context: closed first, the body says itself whether its connection can
// serve again, rather than meeting a cancellation halfway.
func (b *Body) Close() error {
	b.w.Pause()
	err := b.c.Close()
	b.w.Stop()
	return err
}

// Source returns r, a request body's source, read with the clock stopped:
// the time the source takes to produce the data is not the server's.
// The clock runs again once each Read returns, as the transport goes on
// sending.
func (w *Dog) Source(r io.Reader) io.Reader { return &source{r: r, w: w} }

type source struct {
	r io.Reader
	w *Dog
}

func (s *source) Read(p []byte) (int, error) {
	s.w.Pause()
	n, err := s.r.Read(p)
	s.w.Kick()
	return n, err
}
