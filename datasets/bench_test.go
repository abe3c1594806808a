package datasets

import (
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// BenchmarkLoadMNIST measures LoadMNIST on the real files; it is skipped
// when MNIST cannot be found or fetched.
func BenchmarkLoadMNIST(b *testing.B) {
	dir, err := FindMNIST("")
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	for b.Loop() {
		if _, _, err := LoadMNIST(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadIDXTrainImages measures decoding the largest MNIST file, the
// gzip-compressed training images (47 MB uncompressed).
func BenchmarkReadIDXTrainImages(b *testing.B) {
	dir, err := FindMNIST("")
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	path, err := findIDXFile(dir, trainImagesFile)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ReadIDX(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindMNIST measures locating MNIST in the module cache, which runs
// the go command once per call.
func BenchmarkFindMNIST(b *testing.B) {
	b.Setenv(MNISTDirEnv, "")
	for b.Loop() {
		if _, err := FindMNIST(""); err != nil {
			b.Skipf("MNIST not available: %v", err)
		}
	}
}

// BenchmarkMultiMNIST builds a MultiMNIST set from 10000 synthetic 28×28
// images, the size of the MNIST test set.
func BenchmarkMultiMNIST(b *testing.B) {
	src := patternSet("mnist-test", 10000, 28, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false)
	for b.Loop() {
		MultiMNIST(src, 1)
	}
}

// BenchmarkLoaderEpoch runs one shuffled epoch of batches of 256 over 10000
// MultiMNIST-sized samples (1×36×36), the copying a training loop pays per
// epoch before any model work.
func BenchmarkLoaderEpoch(b *testing.B) {
	src := patternSet("multi", 10000, 36, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false)
	l, err := NewLoader(src, 256, LoaderOptions{Shuffle: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	epoch := 0
	for b.Loop() {
		for range l.Batches(epoch) {
		}
		epoch++
	}
}

// BenchmarkLoaderEpochAugment runs one shuffled epoch of batches of 128 over
// 5000 CIFAR-sized samples (3×32×32) with crop padding 4 and horizontal
// flips.
func BenchmarkLoaderEpochAugment(b *testing.B) {
	const n = 5000
	src := &Dataset{
		Name:    "cifar",
		X:       tensor.New([]int{n, 3, 32, 32}, make([]float32, n*3*32*32)),
		Labels:  map[string][]int{"class": make([]int, n)},
		Classes: map[string]int{"class": 10},
	}
	l, err := NewLoader(src, 128, LoaderOptions{Shuffle: true, Seed: 1, Augment: &Augment{CropPad: 4, FlipHorizontal: true}})
	if err != nil {
		b.Fatal(err)
	}
	epoch := 0
	for b.Loop() {
		for range l.Batches(epoch) {
		}
		epoch++
	}
}
