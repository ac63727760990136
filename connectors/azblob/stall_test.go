package azblob

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// A blob whose body stops flowing is cut off after the timeout, as a
// timeout and not the caller's cancellation. Azurite never stalls, so a
// plain HTTP server plays the service: the headers and a first chunk,
// then silence until the test ends.
func TestStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "first chunk")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	b := open(t, connectors.Address{Type: "azblob", Endpoint: srv.URL + "/" + devAccount,
		Account: devAccount, AccountKey: devKey, Bucket: "stall", Timeout: 100 * time.Millisecond})

	rc, err := b.Open(t.Context(), "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	const want = `read "k": no data from the server for 100ms`
	if string(got) != "first chunk" || connectors.KindOf(err) != connectors.KindTimeout ||
		connectors.IsCanceled(err) || err.Error() != want {
		t.Errorf("read %q, then %v (kind %v); want the first chunk, then the timeout %q",
			got, err, connectors.KindOf(err), want)
	}
}
