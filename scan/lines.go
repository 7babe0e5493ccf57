package scan

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// blockSize is how many bytes the reader hands to a worker at a time: large
// enough that per-block costs (a channel send, one buffer) vanish,
// small enough that the blocks in flight stay a few MB.
const blockSize = 1 << 20

// block is a run of whole lines cut from one stream.
type block struct {
	text      string  // whole lines, each ending in '\n' except possibly the stream's last
	firstLine int64   // 1-based number of the first line
	offset    int64   // byte offset of text[0] in the stream
	truncated []int64 // numbers of lines cut to the line cap (the rest of each was skipped)
	// buf is the pooled buffer text lies in, for release; nil when text
	// is a copy of its own.
	buf *[]byte
}

// Block buffers are recycled: a 1 GB log would otherwise allocate 1 GB of
// them, and the garbage collector runs once per few tens of MB allocated,
// each time marking the rule sets and memos of a detecting scan (half a
// CPU-second per GB, measured). A buffer goes back to the pool once every
// line of its block has been decoded and handled; Handler's contract (events
// are valid only during the call) is what makes that safe. In test binaries
// a released buffer is overwritten first, so that anything that kept a
// string of an event without copying it reads garbage and fails its test.
var blockPool = sync.Pool{New: func() any { b := make([]byte, pooledSize); return &b }}

// pooledSize is the size of pooled buffers: what a reader with the default
// line cap needs (a whole line of DefaultMaxLine bytes and its newline).
const pooledSize = DefaultMaxLine + 1

var poisonReleased = testing.Testing()

// release returns b's buffer to the pool; b must not be used after.
func (b *block) release() {
	if b.buf == nil {
		return
	}
	if poisonReleased {
		buf := *b.buf
		for i := range buf {
			buf[i] = 0xAA
		}
	}
	blockPool.Put(b.buf)
	b.buf, b.text = nil, ""
}

// blockReader cuts a stream into blocks of whole lines, never holding more
// than max(blockSize, maxLine+1) bytes whatever the line lengths: a line longer
// than maxLine is cut to maxLine bytes and the rest skipped and counted.
type blockReader struct {
	r        io.Reader
	maxLine  int
	buf      []byte
	pooled   *[]byte // buf's pool entry: blocks' buffers come from and go back to the pool; nil: fresh ones
	n        int     // bytes of buf filled
	line     int64
	offset   int64
	err      error
	skipping bool // discarding the tail of an overlong line
}

func newBlockReader(r io.Reader, maxLine int) *blockReader {
	size := blockSize
	if maxLine+1 > size {
		size = maxLine + 1
	}
	return &blockReader{r: r, maxLine: maxLine, buf: make([]byte, size), line: 1}
}

// newRecyclingBlockReader is newBlockReader for a consumer that releases
// every block it is handed (block.release) once done with it.
func newRecyclingBlockReader(r io.Reader, maxLine int) *blockReader {
	if maxLine+1 > pooledSize {
		return newBlockReader(r, maxLine)
	}
	br := &blockReader{r: r, maxLine: maxLine, line: 1}
	br.pooled = blockPool.Get().(*[]byte)
	br.buf = *br.pooled
	return br
}

// close hands the reader's current buffer back to the pool: no block
// refers to it (the stream's last, unterminated line is returned as a copy).
func (br *blockReader) close() {
	if br.pooled != nil {
		blockPool.Put(br.pooled)
		br.pooled, br.buf = nil, nil
	}
}

// Next returns the next block; io.EOF at the end; or the stream's read error
// once every byte before it has been returned.
func (br *blockReader) Next() (block, error) {
	for {
		if br.err == nil && br.n < len(br.buf) {
			m, err := br.r.Read(br.buf[br.n:])
			br.n += m
			br.err = err
		}
		if br.skipping {
			i := bytes.IndexByte(br.buf[:br.n], '\n')
			if i < 0 {
				br.offset += int64(br.n)
				br.n = 0
				if br.err != nil {
					br.skipping = false
					return br.finish()
				}
				continue
			}
			br.skipping = false
			br.discard(i + 1)
			continue
		}
		cut := bytes.LastIndexByte(br.buf[:br.n], '\n') + 1
		switch {
		case cut > 0 && (br.err != nil || br.n == len(br.buf)):
			// The block is handed over as it is, not copied: the buffer
			// becomes the block's string and is not written again until the
			// block is released, and the reader carries on in another one
			// (a pooled one, or a fresh one: zeroing a buffer costs less
			// than copying one).
			b := block{text: unsafe.String(&br.buf[0], cut), firstLine: br.line, offset: br.offset, buf: br.pooled}
			br.line += int64(bytes.Count(br.buf[:cut], []byte{'\n'}))
			var next []byte
			if br.pooled != nil {
				br.pooled = blockPool.Get().(*[]byte)
				next = *br.pooled
			} else {
				next = make([]byte, len(br.buf))
			}
			br.n = copy(next, br.buf[cut:br.n])
			br.buf = next
			br.offset += int64(cut)
			return b, nil
		case cut == 0 && br.n > br.maxLine:
			b := block{text: string(br.buf[:br.maxLine]), firstLine: br.line, offset: br.offset, truncated: []int64{br.line}}
			br.line++
			br.skipping = true
			br.offset += int64(br.n)
			br.n = 0
			return b, nil
		case br.err != nil:
			return br.finish()
		}
	}
}

func (br *blockReader) discard(k int) {
	br.offset += int64(k)
	copy(br.buf, br.buf[k:br.n])
	br.n -= k
}

// finish returns the unterminated tail of the stream, then its error.
func (br *blockReader) finish() (block, error) {
	if br.n > 0 {
		b := block{text: string(br.buf[:br.n]), firstLine: br.line, offset: br.offset}
		br.offset += int64(br.n)
		br.line++
		br.n = 0
		return b, nil
	}
	if errors.Is(br.err, io.EOF) {
		return block{}, io.EOF
	}
	return block{}, br.err
}

// eachLine calls fn for every line of b, without its "\n" (a trailing "\r" is
// kept: decoders decide). Lines longer than maxLine are cut to maxLine bytes
// and reported as truncated, whether the reader or this function cut them.
func eachLine(b block, maxLine int, fn func(num, offset int64, line string, truncated bool)) {
	num, off := b.firstLine, b.offset
	rest := b.text
	trunc := b.truncated
	for rest != "" {
		i := strings.IndexByte(rest, '\n')
		line := rest
		next := len(rest)
		if i >= 0 {
			line, next = rest[:i], i+1
		}
		cut := false
		if len(trunc) > 0 && trunc[0] == num {
			cut, trunc = true, trunc[1:]
		}
		if len(line) > maxLine {
			line, cut = line[:maxLine], true
		}
		fn(num, off, line, cut)
		num++
		off += int64(next)
		rest = rest[next:]
	}
}
