package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// IDX is the content of an IDX file of unsigned bytes: the size of each
// dimension and the data in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

// idxUnsignedByte is the IDX type code for unsigned bytes, the only type
// MNIST-style files use.
const idxUnsignedByte = 0x08

// idxTypeNames names the IDX element types so that an unsupported file is
// reported by what it contains.
var idxTypeNames = map[byte]string{
	0x08: "unsigned byte",
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// idxFirstChunk caps the first buffer allocated for the data of a compressed
// file, whose real size is unknown until it has been read. Larger files grow
// the buffer as bytes arrive, so a header that lies costs no more memory than
// the data actually present.
const idxFirstChunk = 1 << 20

// idxMaxBytes bounds the data size a header may claim: far above any real
// data set, low enough that sizes stay exact in an int64 and fit an int.
const idxMaxBytes = min(1<<40, math.MaxInt-1)

// ReadIDX reads an IDX file, raw or gzip-compressed. The format is detected
// from the gzip magic bytes, not from the file name.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("IDX file: %w", err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("IDX file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("IDX file %s: is a directory; pass the path of an IDX file", path)
	}
	return decodeIDX(bufio.NewReaderSize(f, 1<<16), path, info.Size())
}

// DecodeIDX decodes an IDX stream, raw or gzip-compressed, as ReadIDX does.
// The name identifies the stream in error messages.
func DecodeIDX(r io.Reader, name string) (*IDX, error) {
	return decodeIDX(bufio.NewReader(r), name, -1)
}

// decodeIDX decodes from br. A non-negative size is the length of the raw
// stream; it lets an uncompressed file be checked before any allocation.
func decodeIDX(br *bufio.Reader, name string, size int64) (*IDX, error) {
	magic, err := br.Peek(2)
	if err != nil {
		return nil, idxReadError(name, "magic number", err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("IDX file %s: invalid gzip header: %w", name, err)
		}
		defer zr.Close()
		// The uncompressed size is not known up front.
		return decodeRawIDX(zr, name, -1)
	}
	return decodeRawIDX(br, name, size)
}

// decodeRawIDX decodes an uncompressed IDX stream.
func decodeRawIDX(r io.Reader, name string, size int64) (*IDX, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, idxReadError(name, "magic number", err)
	}
	if header[0] != 0 || header[1] != 0 {
		return nil, fmt.Errorf("IDX file %s: invalid magic number %#02x%02x%02x%02x: an IDX file starts with two zero bytes; the file is not IDX or is corrupt",
			name, header[0], header[1], header[2], header[3])
	}
	if header[2] != idxUnsignedByte {
		typeName, known := idxTypeNames[header[2]]
		if !known {
			return nil, fmt.Errorf("IDX file %s: invalid data type code %#02x in the magic number; the file is corrupt", name, header[2])
		}
		return nil, fmt.Errorf("IDX file %s: data type %s (%#02x) is not supported; only unsigned byte (0x08) IDX files can be read", name, typeName, header[2])
	}
	ndims := int(header[3])
	if ndims == 0 {
		return nil, fmt.Errorf("IDX file %s: header declares zero dimensions; the file is corrupt", name)
	}

	// At most 255*4 bytes, so this allocation is safe before any check.
	rawDims := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, rawDims); err != nil {
		return nil, idxReadError(name, fmt.Sprintf("%d dimension sizes", ndims), err)
	}
	dims := make([]int, ndims)
	total := int64(1)
	tooLarge := false
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(rawDims[4*i:]))
		dims[i] = int(d)
		switch {
		case d == 0:
			// An empty dimension makes any other size harmless.
			total, tooLarge = 0, false
		case total > idxMaxBytes/d:
			// Saturate instead of letting the product overflow.
			total, tooLarge = idxMaxBytes, true
		default:
			total *= d
		}
	}
	headerLen := int64(4 + 4*ndims)
	if tooLarge {
		return nil, fmt.Errorf("IDX file %s: header claims dimensions %v, too many bytes to hold in memory; the header is corrupt", name, dims)
	}

	if size >= 0 {
		// The raw length is known: check it before allocating.
		if have := size - headerLen; have != total {
			return nil, idxLengthError(name, dims, total, have)
		}
		data := make([]byte, total)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, idxReadError(name, "data", err)
		}
		return &IDX{Dims: dims, Data: data}, nil
	}

	// The length is unknown: read at most one byte more than claimed and
	// let the buffer grow only as data arrives.
	data, err := readGrowing(io.LimitReader(r, total+1), total+1)
	if err != nil {
		return nil, idxReadError(name, "data", err)
	}
	if have := int64(len(data)); have != total {
		if have > total {
			// Only one byte past the claim was read; count the rest for
			// the message.
			rest, err := io.Copy(io.Discard, r)
			if err != nil {
				return nil, idxReadError(name, "data", err)
			}
			have += rest
		}
		return nil, idxLengthError(name, dims, total, have)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readGrowing reads r to EOF like io.ReadAll, but starts from a buffer sized
// for the expected length up to idxFirstChunk and doubles it when full.
func readGrowing(r io.Reader, expected int64) ([]byte, error) {
	buf := make([]byte, 0, min(expected, idxFirstChunk))
	for {
		if len(buf) == cap(buf) {
			next := min(int64(2*cap(buf)), expected)
			if next <= int64(cap(buf)) {
				next = int64(cap(buf)) + 512
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func idxReadError(name, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("IDX file %s: truncated while reading the %s; the file is incomplete, download it again", name, what)
	}
	return fmt.Errorf("IDX file %s: reading the %s: %w", name, what, err)
}

func idxLengthError(name string, dims []int, want, have int64) error {
	if have < want {
		return fmt.Errorf("IDX file %s: header claims dimensions %v (%d data bytes) but only %d bytes follow; the file is truncated or the header is corrupt",
			name, dims, want, have)
	}
	return fmt.Errorf("IDX file %s: header claims dimensions %v (%d data bytes) but %d bytes follow; the file has trailing data or the header is corrupt",
		name, dims, want, have)
}
