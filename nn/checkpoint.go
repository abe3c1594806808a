package nn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/heed-ml/heed/tensor"
)

// The checkpoint format, all integers little-endian:
//
//	magic    "HEEDCKPT"
//	version  uint32 (1)
//	count    uint32, the number of entries
//	count entries, each:
//	    name length uint32, name bytes (UTF-8)
//	    rank uint32, then rank uint32 sizes
//	    the elements as float32, row-major
//	crc32    uint32 (IEEE) of every byte before it
//
// Names and shapes are stored so that a mismatch between the file and the
// model is reported by name instead of silently loading the wrong numbers.
const (
	checkpointMagic   = "HEEDCKPT"
	checkpointVersion = 1
	// maxCheckpointRank and maxCheckpointName bound what a header may claim,
	// so a corrupt file cannot make the reader allocate absurd sizes.
	maxCheckpointRank = 16
	maxCheckpointName = 4096
)

// SaveCheckpoint writes the tensors of state (see State) to path. The data
// goes to a temporary file in the same directory that is renamed into place,
// so an interrupted save leaves any earlier checkpoint whole.
func SaveCheckpoint(path string, state []Param) error {
	seen := map[string]bool{}
	for _, p := range state {
		if seen[p.Name] {
			return fmt.Errorf("nn.SaveCheckpoint: name %q appears twice in the state; each entry needs its own name", p.Name)
		}
		seen[p.Name] = true
	}

	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("nn.SaveCheckpoint: cannot create a temporary file in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed

	crc := crc32.NewIEEE()
	w := bufio.NewWriter(io.MultiWriter(tmp, crc))
	err = writeCheckpoint(w, state)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = binary.Write(tmp, binary.LittleEndian, crc.Sum32())
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("nn.SaveCheckpoint: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("nn.SaveCheckpoint: %w", err)
	}
	return nil
}

func writeCheckpoint(w io.Writer, state []Param) error {
	le := binary.LittleEndian
	if _, err := io.WriteString(w, checkpointMagic); err != nil {
		return err
	}
	header := []uint32{checkpointVersion, uint32(len(state))}
	if err := binary.Write(w, le, header); err != nil {
		return err
	}
	for _, p := range state {
		t := p.Value.Data()
		if err := binary.Write(w, le, uint32(len(p.Name))); err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.Name); err != nil {
			return err
		}
		dims := []uint32{uint32(t.Dims())}
		for _, s := range t.Shape() {
			dims = append(dims, uint32(s))
		}
		if err := binary.Write(w, le, dims); err != nil {
			return err
		}
		if err := binary.Write(w, le, t.Contiguous().Data()); err != nil {
			return err
		}
	}
	return nil
}

// ReadCheckpoint returns the tensors stored in the checkpoint at path, by
// name, in file order. It verifies the format, the sizes against the file's
// length and the checksum, and names the file and the fault in its error.
func ReadCheckpoint(path string) (names []string, tensors map[string]*tensor.Tensor, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nn.ReadCheckpoint: %w", err)
	}
	names, tensors, err = DecodeCheckpoint(data)
	if err != nil {
		return nil, nil, fmt.Errorf("nn.ReadCheckpoint: %s: %w", path, err)
	}
	return names, tensors, nil
}

// DecodeCheckpoint parses a checkpoint held in memory; see ReadCheckpoint.
func DecodeCheckpoint(data []byte) (names []string, tensors map[string]*tensor.Tensor, err error) {
	if len(data) < len(checkpointMagic)+12 || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, nil, errors.New("not a Heed checkpoint (the file does not start with HEEDCKPT)")
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, nil, errors.New("checksum mismatch: the file is truncated or corrupt")
	}

	r := bytes.NewReader(body[len(checkpointMagic):])
	var header [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &header); err != nil {
		return nil, nil, errors.New("truncated header")
	}
	if header[0] != checkpointVersion {
		return nil, nil, fmt.Errorf("format version %d is not supported (this Heed reads version %d)", header[0], checkpointVersion)
	}
	count := int(header[1])
	tensors = map[string]*tensor.Tensor{}
	for i := 0; i < count; i++ {
		name, t, err := readEntry(r)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if _, dup := tensors[name]; dup {
			return nil, nil, fmt.Errorf("entry %d: name %q appears twice", i, name)
		}
		names = append(names, name)
		tensors[name] = t
	}
	if r.Len() != 0 {
		return nil, nil, fmt.Errorf("%d unexpected bytes after the last entry", r.Len())
	}
	return names, tensors, nil
}

func readEntry(r *bytes.Reader) (string, *tensor.Tensor, error) {
	le := binary.LittleEndian
	var nameLen uint32
	if err := binary.Read(r, le, &nameLen); err != nil {
		return "", nil, errors.New("truncated name length")
	}
	if nameLen > maxCheckpointName || int(nameLen) > r.Len() {
		return "", nil, fmt.Errorf("name length %d is longer than the %d bytes left", nameLen, r.Len())
	}
	name := make([]byte, nameLen)
	_, _ = io.ReadFull(r, name)

	var rank uint32
	if err := binary.Read(r, le, &rank); err != nil {
		return "", nil, fmt.Errorf("%q: truncated rank", name)
	}
	if rank > maxCheckpointRank {
		return "", nil, fmt.Errorf("%q: rank %d is over the limit of %d", name, rank, maxCheckpointRank)
	}
	dims := make([]uint32, rank)
	if err := binary.Read(r, le, dims); err != nil {
		return "", nil, fmt.Errorf("%q: truncated shape", name)
	}

	// Check the element count against the bytes that are really left before
	// allocating anything of that size.
	shape := make([]int, rank)
	n := uint64(1)
	for i, d := range dims {
		shape[i] = int(d)
		n *= uint64(d)
		if n > uint64(r.Len())/4 {
			return "", nil, fmt.Errorf("%q: shape %v needs more than the %d bytes left", name, dims, r.Len())
		}
	}
	values := make([]float32, n)
	if err := binary.Read(r, le, values); err != nil {
		return "", nil, fmt.Errorf("%q: truncated data", name)
	}
	return string(name), tensor.New(shape, values), nil
}

// LoadCheckpoint reads the checkpoint at path into state, in place. Every
// entry of state must be in the file with the same shape, and the file may
// hold nothing else. Otherwise nothing is changed, and the error lists the
// missing, unexpected and mismatched names.
func LoadCheckpoint(path string, state []Param) error {
	_, stored, err := ReadCheckpoint(path)
	if err != nil {
		return err
	}

	var missing, mismatched []string
	want := map[string]bool{}
	for _, p := range state {
		want[p.Name] = true
		t, ok := stored[p.Name]
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		if !slices.Equal(t.Shape(), p.Value.Data().Shape()) {
			mismatched = append(mismatched, fmt.Sprintf("%s (file %v, model %v)", p.Name, t.Shape(), p.Value.Data().Shape()))
		}
	}
	var unexpected []string
	for name := range stored {
		if !want[name] {
			unexpected = append(unexpected, name)
		}
	}
	slices.Sort(unexpected)
	if len(missing)+len(unexpected)+len(mismatched) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "missing from the file: "+strings.Join(missing, ", "))
		}
		if len(unexpected) > 0 {
			parts = append(parts, "not in the model: "+strings.Join(unexpected, ", "))
		}
		if len(mismatched) > 0 {
			parts = append(parts, "shape differs: "+strings.Join(mismatched, ", "))
		}
		return fmt.Errorf("nn.LoadCheckpoint: %s does not match the model; %s", path, strings.Join(parts, "; "))
	}

	for _, p := range state {
		p.Value.Data().CopyFrom(stored[p.Name])
	}
	return nil
}
