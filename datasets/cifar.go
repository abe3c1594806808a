package datasets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/heed-ml/heed/tensor"
)

// CIFAR10DirEnv is the environment variable LoadCIFAR10 reads when given no
// directory.
const CIFAR10DirEnv = "HEED_CIFAR10_DIR"

// CIFAR10ClassNames names the ten CIFAR-10 classes by index.
var CIFAR10ClassNames = [10]string{
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
}

// Layout of the binary CIFAR-10 version: each record is one label byte
// followed by the red, green and blue planes of a 32×32 image, row-major.
const (
	cifarSide       = 32
	cifarImageSize  = 3 * cifarSide * cifarSide
	cifarRecordSize = 1 + cifarImageSize
)

var (
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFile   = "test_batch.bin"
)

// cifarArchiveDir is the folder that cifar-10-binary.tar.gz extracts to.
// LoadCIFAR10 looks inside it when pointed at its parent.
const cifarArchiveDir = "cifar-10-batches-bin"

// LoadCIFAR10 loads the binary version of CIFAR-10 from dir, or from
// $HEED_CIFAR10_DIR when dir is empty: data_batch_1.bin to data_batch_5.bin
// form the training set (50000 images) and test_batch.bin the test set
// (10000). X has shape [N, 3, 32, 32] and the labels are under the task
// "class". The data cannot be fetched automatically; the user downloads
// cifar-10-binary.tar.gz and extracts it.
func LoadCIFAR10(dir string) (train, test *Dataset, err error) {
	if dir == "" {
		dir = os.Getenv(CIFAR10DirEnv)
		if dir == "" {
			return nil, nil, fmt.Errorf("CIFAR-10 directory missing: pass the folder extracted from cifar-10-binary.tar.gz, or set %s to it (it contains data_batch_1.bin ... data_batch_5.bin and test_batch.bin)", CIFAR10DirEnv)
		}
		if _, err := checkDir(dir, "CIFAR-10 directory from $"+CIFAR10DirEnv); err != nil {
			return nil, nil, err
		}
	} else if _, err := checkDir(dir, "CIFAR-10 directory"); err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, cifarTrainFiles[0])); errors.Is(err, os.ErrNotExist) {
		if info, err := os.Stat(filepath.Join(dir, cifarArchiveDir)); err == nil && info.IsDir() {
			dir = filepath.Join(dir, cifarArchiveDir)
		}
	}

	train, err = loadCIFARFiles(dir, cifarTrainFiles, "cifar10-train")
	if err != nil {
		return nil, nil, err
	}
	test, err = loadCIFARFiles(dir, []string{cifarTestFile}, "cifar10-test")
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// loadCIFARFiles reads and concatenates the named batch files of dir. Every
// file's size is checked before anything is allocated for it.
func loadCIFARFiles(dir string, names []string, setName string) (*Dataset, error) {
	paths := make([]string, len(names))
	starts := make([]int, len(names)+1)
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
		info, err := os.Stat(paths[i])
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("CIFAR-10 file %s is missing; the directory must hold %v and %s from cifar-10-binary.tar.gz",
					paths[i], cifarTrainFiles, cifarTestFile)
			}
			return nil, fmt.Errorf("CIFAR-10 file: %w", err)
		}
		if err := checkCIFARSize(paths[i], info.Size()); err != nil {
			return nil, err
		}
		starts[i+1] = starts[i] + int(info.Size()/cifarRecordSize)
	}

	n := starts[len(names)]
	pixels := make([]float32, n*cifarImageSize)
	labels := make([]int, n)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, path := range paths {
		wg.Go(func() {
			lo, hi := starts[i], starts[i+1]
			errs[i] = readCIFARFile(path, pixels[lo*cifarImageSize:hi*cifarImageSize], labels[lo:hi])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Dataset{
		Name:    setName,
		X:       tensor.New([]int{n, 3, cifarSide, cifarSide}, pixels),
		Labels:  map[string][]int{"class": labels},
		Classes: map[string]int{"class": 10},
	}, nil
}

func checkCIFARSize(name string, size int64) error {
	if size%cifarRecordSize != 0 {
		return fmt.Errorf("CIFAR-10 file %s: size %d bytes is not a multiple of the %d-byte record (%d whole records and %d bytes left over); the file looks truncated, extract it again from cifar-10-binary.tar.gz",
			name, size, cifarRecordSize, size/cifarRecordSize, size%cifarRecordSize)
	}
	return nil
}

// readCIFARFile decodes the file at path into pixels and labels, which are
// sized for the file's records.
func readCIFARFile(path string, pixels []float32, labels []int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("CIFAR-10 file: %w", err)
	}
	defer f.Close()
	data := make([]byte, len(labels)*cifarRecordSize)
	if _, err := io.ReadFull(f, data); err != nil {
		return fmt.Errorf("CIFAR-10 file %s: reading %d bytes: %w; the file changed while it was read or is unreadable", path, len(data), err)
	}
	return decodeCIFAR(pixels, labels, data, path)
}

// decodeCIFAR decodes whole CIFAR-10 records from data into pixels (scaled
// to [0, 1]) and labels, which must have room for len(data)/3073 records.
// The name identifies the data in errors.
func decodeCIFAR(pixels []float32, labels []int, data []byte, name string) error {
	if err := checkCIFARSize(name, int64(len(data))); err != nil {
		return err
	}
	n := len(data) / cifarRecordSize
	if len(labels) < n || len(pixels) < n*cifarImageSize {
		panic(fmt.Sprintf("datasets.decodeCIFAR: room for %d labels and %d pixels, %d records need %d and %d",
			len(labels), len(pixels), n, n, n*cifarImageSize))
	}
	for i := range n {
		record := data[i*cifarRecordSize : (i+1)*cifarRecordSize]
		if record[0] > 9 {
			return fmt.Errorf("CIFAR-10 file %s: record %d (byte offset %d) has label %d, outside 0..9; the file is corrupt or is not a CIFAR-10 binary batch (CIFAR-100 records have two label bytes)",
				name, i, i*cifarRecordSize, record[0])
		}
		labels[i] = int(record[0])
		dst := pixels[i*cifarImageSize : (i+1)*cifarImageSize]
		for k, b := range record[1:] {
			dst[k] = byteToUnit[b]
		}
	}
	return nil
}
