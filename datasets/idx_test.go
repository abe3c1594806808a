package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file with the given dimensions.
func idxBytes(dims []int, data []byte) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, idxUnsignedByte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&buf, binary.BigEndian, uint32(d))
	}
	buf.Write(data)
	return buf.Bytes()
}

func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, content []byte) {
	t.Helper()
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantErr fails the test unless err is non-nil and contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestReadIDXRawAndGzip(t *testing.T) {
	dims := []int{2, 3, 4}
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i * 10)
	}
	raw := idxBytes(dims, data)
	dir := t.TempDir()
	// The names deliberately lie about the compression: detection must
	// use the content.
	rawPath := filepath.Join(dir, "raw.gz")
	gzPath := filepath.Join(dir, "compressed-idx3-ubyte")
	writeFile(t, rawPath, raw)
	writeFile(t, gzPath, gzipBytes(t, raw))

	for _, path := range []string{rawPath, gzPath} {
		got, err := ReadIDX(path)
		if err != nil {
			t.Fatalf("ReadIDX(%s): %v", path, err)
		}
		if !slices.Equal(got.Dims, dims) {
			t.Errorf("ReadIDX(%s) dims = %v, want %v", path, got.Dims, dims)
		}
		if !bytes.Equal(got.Data, data) {
			t.Errorf("ReadIDX(%s) data = %v, want %v", path, got.Data, data)
		}
	}
}

func TestDecodeIDXStream(t *testing.T) {
	data := []byte{1, 2, 3, 4, 5}
	raw := idxBytes([]int{5}, data)
	for name, input := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
		got, err := DecodeIDX(bytes.NewReader(input), name)
		if err != nil {
			t.Fatalf("DecodeIDX(%s): %v", name, err)
		}
		if !bytes.Equal(got.Data, data) || !slices.Equal(got.Dims, []int{5}) {
			t.Errorf("DecodeIDX(%s) = %v %v, want [5] %v", name, got.Dims, got.Data, data)
		}
	}
}

func TestDecodeIDXLargeGzip(t *testing.T) {
	// Larger than idxFirstChunk, so the buffer has to grow several times.
	data := make([]byte, 17*(idxFirstChunk/5))
	for i := range data {
		data[i] = byte(i * 7)
	}
	raw := idxBytes([]int{len(data) / 17, 17}, data)
	got, err := DecodeIDX(bytes.NewReader(gzipBytes(t, raw)), "large")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, data) {
		t.Error("decoded data differs from the encoded data")
	}
}

func TestDecodeIDXZeroAfterHugeDimensions(t *testing.T) {
	dims := []int{0xFFFFFFFF, 0xFFFFFFFF, 0}
	got, err := DecodeIDX(bytes.NewReader(idxBytes(dims, nil)), "zero")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 0 || !slices.Equal(got.Dims, dims) {
		t.Errorf("got dims %v and %d bytes, want %v and none", got.Dims, len(got.Data), dims)
	}
}

func TestDecodeIDXZeroSizedDimension(t *testing.T) {
	got, err := DecodeIDX(bytes.NewReader(idxBytes([]int{0, 28, 28}, nil)), "empty")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 0 || !slices.Equal(got.Dims, []int{0, 28, 28}) {
		t.Errorf("got dims %v and %d bytes, want [0 28 28] and none", got.Dims, len(got.Data))
	}
}

func TestReadIDXBadInput(t *testing.T) {
	valid := idxBytes([]int{4, 5}, make([]byte, 20))
	wrongType := idxBytes([]int{2}, make([]byte, 8))
	wrongType[2] = 0x0D
	unknownType := idxBytes([]int{2}, make([]byte, 2))
	unknownType[2] = 0x42
	hugeClaim := idxBytes([]int{1 << 31}, make([]byte, 1024))
	hugeImages := idxBytes([]int{1 << 31, 28, 28}, make([]byte, 1024))
	overflowClaim := idxBytes([]int{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, nil)

	cases := []struct {
		name    string
		content []byte
		want    []string
	}{
		{"empty", nil, []string{"truncated", "magic number"}},
		{"one byte", []byte{0}, []string{"truncated", "magic number"}},
		{"wrong magic", append([]byte{0x12, 0x34}, valid[2:]...), []string{"invalid magic number", "0x12"}},
		{"float data", wrongType, []string{"float32", "not supported"}},
		{"unknown type", unknownType, []string{"invalid data type", "0x42"}},
		{"zero dims", []byte{0, 0, 8, 0}, []string{"zero dimensions"}},
		{"short dims", valid[:6], []string{"truncated", "dimension sizes"}},
		{"truncated data", valid[:len(valid)-3], []string{"truncated", "20 data bytes", "only 17"}},
		{"trailing data", append(slices.Clone(valid), 1, 2), []string{"trailing data", "22 bytes follow"}},
		{"huge claim", hugeClaim, []string{"[2147483648]", "truncated", "only 1024"}},
		{"huge image claim", hugeImages, []string{"[2147483648 28 28]", "too many bytes"}},
		{"overflowing claim", overflowClaim, []string{"too many bytes"}},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		for _, compressed := range []bool{false, true} {
			content, kind := tc.content, "raw"
			if compressed {
				content, kind = gzipBytes(t, tc.content), "gzip"
			}
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+"."+kind)
				writeFile(t, path, content)
				got, err := ReadIDX(path)
				if got != nil {
					t.Errorf("ReadIDX returned data %v alongside the error", got.Dims)
				}
				wantErr(t, err, append([]string{path}, tc.want...)...)
			})
		}
	}
}

func TestReadIDXHugeClaimAllocatesLittle(t *testing.T) {
	// A 1 KB file whose header claims 2³¹ images of 28×28 must fail without
	// allocating anything close to the claimed 1.6 TB, raw or compressed.
	raw := idxBytes([]int{1 << 31, 28, 28}, make([]byte, 1024))
	// A claim of 2 GB passes the size cap and reaches the data reader.
	rawBytes := idxBytes([]int{1 << 31}, make([]byte, 1024))
	dir := t.TempDir()
	paths := []string{
		filepath.Join(dir, "huge.raw"), filepath.Join(dir, "huge.gz"),
		filepath.Join(dir, "huge-bytes.raw"), filepath.Join(dir, "huge-bytes.gz"),
	}
	writeFile(t, paths[0], raw)
	writeFile(t, paths[1], gzipBytes(t, raw))
	writeFile(t, paths[2], rawBytes)
	writeFile(t, paths[3], gzipBytes(t, rawBytes))
	for _, path := range paths {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(path)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("ReadIDX(%s) succeeded on a lying header", path)
		}
		if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
			t.Errorf("ReadIDX(%s) allocated %d bytes for a 1 KB file", path, allocated)
		}
	}
}

func TestReadIDXMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent-idx1-ubyte.gz")
	_, err := ReadIDX(path)
	wantErr(t, err, path, "no such file")
	_, err = ReadIDX(t.TempDir())
	wantErr(t, err, "is a directory")
}

func TestDecodeIDXCorruptGzip(t *testing.T) {
	compressed := gzipBytes(t, idxBytes([]int{100}, make([]byte, 100)))
	// Flip a byte of the CRC-32 in the trailer.
	compressed[len(compressed)-6] ^= 0xFF
	_, err := DecodeIDX(bytes.NewReader(compressed), "crc")
	wantErr(t, err, "crc", "checksum")

	_, err = DecodeIDX(bytes.NewReader(compressed[:5]), "cut")
	wantErr(t, err, "cut", "gzip")
}

func FuzzDecodeIDX(f *testing.F) {
	valid := idxBytes([]int{2, 2, 2}, []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(valid)
	f.Add(gzipBytes(f, valid))
	f.Add(valid[:9])
	f.Add(append(slices.Clone(valid), 9))
	f.Add(idxBytes([]int{1 << 31, 28, 28}, make([]byte, 64)))
	f.Add(gzipBytes(f, idxBytes([]int{1 << 31, 28, 28}, make([]byte, 64))))
	f.Add([]byte{0, 0, 8, 0})
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, input []byte) {
		got, err := DecodeIDX(bytes.NewReader(input), "fuzz")
		if err != nil {
			if got != nil {
				t.Fatalf("returned data together with error %v", err)
			}
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		want := 1
		for _, d := range got.Dims {
			want *= d
		}
		if len(got.Dims) == 0 || len(got.Data) != want {
			t.Fatalf("dims %v but %d data bytes", got.Dims, len(got.Data))
		}
	})
}
