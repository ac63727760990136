package connectors

// Side says which end of a job an address or an error is on: the same
// kind of error means a different code, and a different fix, on each side.
type Side uint8

const (
	Source Side = iota
	Destination
)

func (s Side) String() string {
	if s == Source {
		return "source"
	}
	return "destination"
}
