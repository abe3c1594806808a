package datasets

import "testing"

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
