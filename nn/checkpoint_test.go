package nn

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

func checkpointModel(seed uint64) *Sequential {
	rng := rand.New(rand.NewPCG(seed, 1))
	return NewSequential(NewDense(4, 3, rng), NewBatchNorm1D(3), ReLU{}, NewDense(3, 2, rng))
}

func TestCheckpointRoundTrip(t *testing.T) {
	src, dst := checkpointModel(1), checkpointModel(2)
	// Give the running statistics values a fresh model does not have.
	src.Layers()[1].(*BatchNorm).RunningMean.Fill(0.25)
	src.Layers()[1].(*BatchNorm).RunningVar.Fill(4)

	path := filepath.Join(t.TempDir(), "model.ckpt")
	if err := SaveCheckpoint(path, State(src)); err != nil {
		t.Fatal(err)
	}
	if err := LoadCheckpoint(path, State(dst)); err != nil {
		t.Fatal(err)
	}

	want, got := State(src), State(dst)
	if len(want) != len(got) {
		t.Fatalf("state has %d entries after load, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i].Name != got[i].Name {
			t.Errorf("entry %d is %q, want %q", i, got[i].Name, want[i].Name)
		}
		if !tensor.Equal(want[i].Value.Data(), got[i].Value.Data()) {
			t.Errorf("%s differs after loading", want[i].Name)
		}
	}
	names := make([]string, len(got))
	for i, p := range got {
		names[i] = p.Name
	}
	if !strings.Contains(strings.Join(names, ","), "1.running_mean,1.running_var") {
		t.Errorf("state names %v lack the batch-norm buffers", names)
	}

	x := autodiff.Const(tensor.RandUniform(rand.New(rand.NewPCG(3, 3)), -1, 1, 5, 4))
	SetTraining(src, false)
	SetTraining(dst, false)
	if !tensor.Equal(src.Forward(x).Data(), dst.Forward(x).Data()) {
		t.Error("loaded model computes different outputs")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestLoadCheckpointMismatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	path := filepath.Join(t.TempDir(), "small.ckpt")
	if err := SaveCheckpoint(path, NewDense(4, 3, rng).Params()); err != nil {
		t.Fatal(err)
	}

	other := NewSequential(NewDense(4, 5, rng))
	before := other.Params()[0].Value.Data().Clone()
	err := LoadCheckpoint(path, State(other))
	if err == nil {
		t.Fatal("loading a Dense(4,3) checkpoint into Sequential(Dense(4,5)) succeeded")
	}
	for _, part := range []string{path, "missing from the file: 0.weight, 0.bias", "not in the model: bias, weight"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q lacks %q", err, part)
		}
	}
	if !tensor.Equal(before, other.Params()[0].Value.Data()) {
		t.Error("a failed load changed the model")
	}

	wrongShape := NewDense(4, 5, rng)
	err = LoadCheckpoint(path, wrongShape.Params())
	if err == nil || !strings.Contains(err.Error(), "weight (file [4 3], model [4 5])") {
		t.Errorf("shape mismatch error %v does not name the shapes", err)
	}
}

func TestSaveCheckpointRejectsDuplicateNames(t *testing.T) {
	p := autodiff.Param(tensor.Zeros(2))
	err := SaveCheckpoint(filepath.Join(t.TempDir(), "x.ckpt"), []Param{{Name: "w", Value: p}, {Name: "w", Value: p}})
	if err == nil || !strings.Contains(err.Error(), `"w" appears twice`) {
		t.Errorf("error %v, want a duplicate-name error", err)
	}
}

func TestSaveCheckpointKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.ckpt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := autodiff.Param(tensor.Zeros(2))
	// A duplicate name fails the save before anything is written.
	_ = SaveCheckpoint(path, []Param{{Name: "w", Value: p}, {Name: "w", Value: p}})
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("failed save changed the existing file to %q", got)
	}
}

// validCheckpoint returns the bytes of a checkpoint with one 2×2 entry.
func validCheckpoint(t testing.TB) []byte {
	path := filepath.Join(t.TempDir(), "v.ckpt")
	w := autodiff.Param(tensor.New([]int{2, 2}, []float32{1, 2, 3, 4}))
	if err := SaveCheckpoint(path, []Param{{Name: "w", Value: w}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// withCRC replaces the last four bytes of data with the checksum of the rest.
func withCRC(data []byte) []byte {
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.ChecksumIEEE(out[:len(out)-4]))
	return out
}

func TestDecodeCheckpointBadInput(t *testing.T) {
	valid := validCheckpoint(t)
	names, ts, err := DecodeCheckpoint(valid)
	if err != nil || len(names) != 1 || ts["w"].At(1, 0) != 3 {
		t.Fatalf("valid checkpoint: names %v, err %v", names, err)
	}

	hugeShape := bytes.Clone(valid)
	// Entry layout after the 16-byte header: name length (4), "w" (1),
	// rank (4), then the first size at offset 25.
	binary.LittleEndian.PutUint32(hugeShape[25:], 1<<31)
	hugeShape = withCRC(hugeShape)

	badVersion := bytes.Clone(valid)
	binary.LittleEndian.PutUint32(badVersion[8:], 7)
	badVersion = withCRC(badVersion)

	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a Heed checkpoint"},
		{"wrong magic", append([]byte("PYTORCH!"), valid[8:]...), "not a Heed checkpoint"},
		{"truncated", valid[:len(valid)-6], "checksum mismatch"},
		{"flipped bit", func() []byte { d := bytes.Clone(valid); d[30] ^= 1; return d }(), "checksum mismatch"},
		{"huge shape", hugeShape, "needs more than"},
		{"future version", badVersion, "version 7 is not supported"},
		{"trailing bytes", withCRC(append(bytes.Clone(valid), 0, 0, 0, 0)), "unexpected bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := DecodeCheckpoint(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestReadCheckpointMissingFile(t *testing.T) {
	_, _, err := ReadCheckpoint("/nonexistent/heed.ckpt")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/heed.ckpt") {
		t.Errorf("error %v does not name the file", err)
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	valid := validCheckpoint(f)
	f.Add(valid)
	f.Add(valid[:20])
	f.Add([]byte("HEEDCKPT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, ts, err := DecodeCheckpoint(data)
		if err != nil {
			return
		}
		if len(names) != len(ts) {
			t.Fatalf("%d names but %d tensors", len(names), len(ts))
		}
		for _, n := range names {
			if ts[n] == nil {
				t.Fatalf("name %q has no tensor", n)
			}
		}
	})
}
