package datasets

import (
	"slices"
	"testing"
	"time"
)

// TestLoadMNISTReal loads the real MNIST files when they can be found or
// fetched, and skips otherwise.
func TestLoadMNISTReal(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping real MNIST under -short")
	}
	dir, err := FindMNIST("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	start := time.Now()
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatalf("LoadMNIST(%s): %v", dir, err)
	}
	t.Logf("LoadMNIST(%s) took %v", dir, time.Since(start))

	if got := train.Len(); got != 60000 {
		t.Errorf("train.Len() = %d, want 60000", got)
	}
	if got := test.Len(); got != 10000 {
		t.Errorf("test.Len() = %d, want 10000", got)
	}
	if got := train.Labels["class"][0]; got != 5 {
		t.Errorf("first training label = %d, want 5", got)
	}
	if got := test.Labels["class"][0]; got != 7 {
		t.Errorf("first test label = %d, want 7", got)
	}
	wantShape := []int{60000, 1, 28, 28}
	for i, s := range train.X.Shape() {
		if s != wantShape[i] {
			t.Fatalf("train.X shape = %v, want %v", train.X.Shape(), wantShape)
		}
	}
	if err := train.Validate(); err != nil {
		t.Errorf("train.Validate: %v", err)
	}
	var maxPixel float32
	for _, v := range train.X.Data()[:784] {
		maxPixel = max(maxPixel, v)
	}
	if maxPixel != 1 {
		t.Errorf("max pixel of the first image = %v, want 1", maxPixel)
	}

	multi := MultiMNIST(test, 0)
	if want := []int{10000, 1, 36, 36}; !slices.Equal(multi.X.Shape(), want) {
		t.Errorf("MultiMNIST shape = %v, want %v", multi.X.Shape(), want)
	}
	for i, right := range multi.Labels["right"] {
		if right == multi.Labels["left"][i] {
			t.Fatalf("MultiMNIST sample %d: both items have class %d", i, right)
		}
	}
}

// TestLoadFashionMNISTReal loads Fashion-MNIST when it is installed.
func TestLoadFashionMNISTReal(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping real Fashion-MNIST under -short")
	}
	dir, err := FindFashionMNIST("")
	if err != nil {
		t.Skipf("Fashion-MNIST not available: %v", err)
	}
	train, test, err := LoadFashionMNIST(dir)
	if err != nil {
		t.Fatalf("LoadFashionMNIST(%s): %v", dir, err)
	}
	if train.Len() != 60000 || test.Len() != 10000 {
		t.Errorf("Fashion-MNIST sizes = %d, %d, want 60000, 10000", train.Len(), test.Len())
	}
	// The first Fashion-MNIST training image is an ankle boot.
	if got := train.Labels["class"][0]; got != 9 {
		t.Errorf("first training label = %d, want 9", got)
	}
}
