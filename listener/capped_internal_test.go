package listener

import (
	"bytes"
	"strings"
	"testing"
)

// A declared Content-Length is a promise a stranger can make for free: the
// buffer must follow the bytes that arrive, not the size they claim.
func TestReadCappedTrustsBytesNotClaims(t *testing.T) {
	data, over, err := readCapped(strings.NewReader("{}"), 64<<20, 64<<20)
	if err != nil || over || string(data) != "{}" {
		t.Fatalf("got %q, over %v, err %v", data, over, err)
	}
	if c := cap(data); c > 1<<20 {
		t.Errorf("a 2-byte body claiming 64 MiB got a buffer of %d bytes", c)
	}

	// A body as long as it said is read into exactly that room.
	body := bytes.Repeat([]byte("x"), 5<<20)
	data, over, err = readCapped(bytes.NewReader(body), 64<<20, int64(len(body)))
	if err != nil || over || !bytes.Equal(data, body) {
		t.Fatalf("a 5 MiB body came back as %d bytes, over %v, err %v", len(data), over, err)
	}
	if c := cap(data); c > len(body)+1 {
		t.Errorf("a 5 MiB body of the declared size got %d bytes of room", c)
	}

	// Over the limit: what was read up to the limit and one byte more.
	data, over, _ = readCapped(bytes.NewReader(body), 1<<20, int64(len(body)))
	if !over || len(data) != 1<<20+1 {
		t.Errorf("over the limit: %d bytes, over %v", len(data), over)
	}
}
