package datasets

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// cifarRecords encodes n records whose labels cycle through 0..9 and whose
// pixel k of record i is (i + 3k) mod 256.
func cifarRecords(first, n int) []byte {
	var buf bytes.Buffer
	for i := first; i < first+n; i++ {
		buf.WriteByte(byte(i % 10))
		for k := range cifarImageSize {
			buf.WriteByte(byte(i + 3*k))
		}
	}
	return buf.Bytes()
}

// writeCIFARDir writes five training batches of 2 records each and a test
// batch of 3 records into dir.
func writeCIFARDir(t *testing.T, dir string) {
	t.Helper()
	for b, name := range cifarTrainFiles {
		writeFile(t, filepath.Join(dir, name), cifarRecords(2*b, 2))
	}
	writeFile(t, filepath.Join(dir, cifarTestFile), cifarRecords(100, 3))
}

func TestLoadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	writeCIFARDir(t, dir)
	train, test, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatal(err)
	}

	if want := []int{10, 3, 32, 32}; !slices.Equal(train.X.Shape(), want) {
		t.Errorf("train shape = %v, want %v", train.X.Shape(), want)
	}
	if want := []int{3, 3, 32, 32}; !slices.Equal(test.X.Shape(), want) {
		t.Errorf("test shape = %v, want %v", test.X.Shape(), want)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(train.Labels["class"], want) {
		t.Errorf("train labels = %v, want %v", train.Labels["class"], want)
	}
	if want := []int{0, 1, 2}; !slices.Equal(test.Labels["class"], want) {
		t.Errorf("test labels = %v, want %v", test.Labels["class"], want)
	}

	// Record 7 lies in the fourth batch; channel 1 (green), row 2, column 5
	// is byte 1024 + 2*32 + 5 of its image.
	k := 1024 + 2*32 + 5
	if got, want := train.X.Data()[7*cifarImageSize+k], float32(byte(7+3*k))/255; got != want {
		t.Errorf("train pixel [7, 1, 2, 5] = %v, want %v", got, want)
	}
	if train.Name != "cifar10-train" || test.Name != "cifar10-test" {
		t.Errorf("names = %q, %q", train.Name, test.Name)
	}
	if err := train.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadCIFAR10ArchiveFolderAndEnv(t *testing.T) {
	parent := t.TempDir()
	inner := filepath.Join(parent, cifarArchiveDir)
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCIFARDir(t, inner)
	t.Setenv(CIFAR10DirEnv, parent)
	train, _, err := LoadCIFAR10("")
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 10 {
		t.Errorf("train.Len() = %d, want 10", train.Len())
	}
}

func TestLoadCIFAR10Errors(t *testing.T) {
	t.Run("no directory", func(t *testing.T) {
		t.Setenv(CIFAR10DirEnv, "")
		_, _, err := LoadCIFAR10("")
		wantErr(t, err, CIFAR10DirEnv, "cifar-10-binary.tar.gz")
	})
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "cifar")
		_, _, err := LoadCIFAR10(dir)
		wantErr(t, err, dir, "does not exist")
		t.Setenv(CIFAR10DirEnv, dir)
		_, _, err = LoadCIFAR10("")
		wantErr(t, err, dir, CIFAR10DirEnv, "does not exist")
	})
	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFARDir(t, dir)
		path := filepath.Join(dir, "data_batch_3.bin")
		os.Remove(path)
		_, _, err := LoadCIFAR10(dir)
		wantErr(t, err, path, "missing")
	})
	t.Run("truncated file", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFARDir(t, dir)
		path := filepath.Join(dir, cifarTestFile)
		writeFile(t, path, cifarRecords(0, 3)[:3*cifarRecordSize-100])
		_, _, err := LoadCIFAR10(dir)
		wantErr(t, err, path, "9119 bytes", "multiple of the 3073-byte record", "truncated")
	})
	t.Run("bad label", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFARDir(t, dir)
		path := filepath.Join(dir, "data_batch_2.bin")
		records := cifarRecords(0, 2)
		records[cifarRecordSize] = 10
		writeFile(t, path, records)
		_, _, err := LoadCIFAR10(dir)
		wantErr(t, err, path, "record 1", "label 10")
	})
	t.Run("empty file", func(t *testing.T) {
		dir := t.TempDir()
		writeCIFARDir(t, dir)
		writeFile(t, filepath.Join(dir, cifarTestFile), nil)
		_, test, err := LoadCIFAR10(dir)
		if err != nil {
			t.Fatal(err)
		}
		if test.Len() != 0 {
			t.Errorf("test.Len() = %d, want 0", test.Len())
		}
	})
}

func FuzzDecodeCIFAR(f *testing.F) {
	f.Add(cifarRecords(0, 1))
	f.Add(cifarRecords(5, 2))
	f.Add(cifarRecords(0, 1)[:100])
	f.Add([]byte{})
	bad := cifarRecords(0, 1)
	bad[0] = 200
	f.Add(bad)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := len(data) / cifarRecordSize
		pixels := make([]float32, n*cifarImageSize)
		labels := make([]int, n)
		err := decodeCIFAR(pixels, labels, data, "fuzz")
		if len(data)%cifarRecordSize != 0 {
			if err == nil {
				t.Fatalf("%d bytes decoded without error", len(data))
			}
			return
		}
		if err != nil {
			return
		}
		for i, label := range labels {
			if label != int(data[i*cifarRecordSize]) || label > 9 {
				t.Fatalf("record %d: label %d from byte %d", i, label, data[i*cifarRecordSize])
			}
		}
		for i, v := range pixels {
			if v < 0 || v > 1 {
				t.Fatalf("pixel %d = %v, outside [0, 1]", i, v)
			}
		}
	})
}
