package datasets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeImages returns n images of rows×cols bytes in which pixel j of image i
// is (i*31 + j*7) mod 256, so every image is distinct.
func fakeImages(n, rows, cols int) []byte {
	data := make([]byte, n*rows*cols)
	for i := range n {
		for j := range rows * cols {
			data[i*rows*cols+j] = byte(i*31 + j*7)
		}
	}
	return data
}

// writeMNISTDir writes the four MNIST files into a new directory, gzipped
// or raw, with 5 training and 3 test images of 4×6 pixels.
func writeMNISTDir(t *testing.T, compressed bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		trainImagesFile: idxBytes([]int{5, 4, 6}, fakeImages(5, 4, 6)),
		trainLabelsFile: idxBytes([]int{5}, []byte{5, 0, 4, 1, 9}),
		testImagesFile:  idxBytes([]int{3, 4, 6}, fakeImages(3, 4, 6)),
		testLabelsFile:  idxBytes([]int{3}, []byte{7, 2, 1}),
	}
	for base, content := range files {
		name := base
		if compressed {
			name += ".gz"
			content = gzipBytes(t, content)
		}
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

func TestLoadMNISTFromDir(t *testing.T) {
	for _, compressed := range []bool{true, false} {
		dir := writeMNISTDir(t, compressed)
		train, test, err := LoadMNIST(dir)
		if err != nil {
			t.Fatalf("LoadMNIST(compressed=%v): %v", compressed, err)
		}
		if train.Name != "mnist-train" || test.Name != "mnist-test" {
			t.Errorf("names = %q, %q, want mnist-train, mnist-test", train.Name, test.Name)
		}
		if got, want := train.X.Shape(), []int{5, 1, 4, 6}; !slices.Equal(got, want) {
			t.Errorf("train.X shape = %v, want %v", got, want)
		}
		if got, want := test.X.Shape(), []int{3, 1, 4, 6}; !slices.Equal(got, want) {
			t.Errorf("test.X shape = %v, want %v", got, want)
		}
		if got, want := train.Labels["class"], []int{5, 0, 4, 1, 9}; !slices.Equal(got, want) {
			t.Errorf("train labels = %v, want %v", got, want)
		}
		if got, want := test.Labels["class"], []int{7, 2, 1}; !slices.Equal(got, want) {
			t.Errorf("test labels = %v, want %v", got, want)
		}
		if train.Classes["class"] != 10 {
			t.Errorf("train classes = %v, want 10", train.Classes)
		}
		raw := fakeImages(5, 4, 6)
		for i, v := range train.X.Data() {
			if want := float32(raw[i]) / 255; v != want {
				t.Fatalf("pixel %d = %v, want %v", i, v, want)
			}
		}
	}
}

func TestByteToUnitRange(t *testing.T) {
	if byteToUnit[0] != 0 || byteToUnit[255] != 1 {
		t.Errorf("byteToUnit[0], [255] = %v, %v, want 0, 1", byteToUnit[0], byteToUnit[255])
	}
	for i := 1; i < 256; i++ {
		if byteToUnit[i] <= byteToUnit[i-1] {
			t.Fatalf("byteToUnit not increasing at %d", i)
		}
	}
	src := fakeImages(3, 1<<10, 1<<10)
	dst := make([]float32, len(src))
	bytesToUnit(dst, src)
	for i, b := range src {
		if dst[i] != byteToUnit[b] {
			t.Fatalf("bytesToUnit: element %d = %v, want %v", i, dst[i], byteToUnit[b])
		}
	}
}

func TestLoadMNISTCountMismatch(t *testing.T) {
	dir := writeMNISTDir(t, true)
	labels := filepath.Join(dir, trainLabelsFile+".gz")
	writeFile(t, labels, gzipBytes(t, idxBytes([]int{4}, []byte{1, 2, 3, 4})))
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, filepath.Join(dir, trainImagesFile+".gz"), labels, "5 images", "4 labels")
}

func TestLoadMNISTBadLabel(t *testing.T) {
	dir := writeMNISTDir(t, false)
	labels := filepath.Join(dir, testLabelsFile)
	writeFile(t, labels, idxBytes([]int{3}, []byte{1, 10, 2}))
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, labels, "label 10", "sample 1")
}

func TestLoadMNISTWrongRank(t *testing.T) {
	dir := writeMNISTDir(t, false)
	images := filepath.Join(dir, trainImagesFile)
	writeFile(t, images, idxBytes([]int{5, 24}, fakeImages(5, 4, 6)))
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, images, "[5 24]", "want 3")

	labels := filepath.Join(dir, trainLabelsFile)
	writeFile(t, images, idxBytes([]int{5, 4, 6}, fakeImages(5, 4, 6)))
	writeFile(t, labels, idxBytes([]int{5, 1}, []byte{1, 2, 3, 4, 5}))
	_, _, err = LoadMNIST(dir)
	wantErr(t, err, labels, "[5 1]", "want 1")
}

func TestLoadMNISTCorruptFile(t *testing.T) {
	dir := writeMNISTDir(t, true)
	images := filepath.Join(dir, testImagesFile+".gz")
	full := gzipBytes(t, idxBytes([]int{3, 4, 6}, fakeImages(3, 4, 6)))
	writeFile(t, images, full[:len(full)/2])
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, images)
}

func TestLoadMNISTMissingFile(t *testing.T) {
	dir := writeMNISTDir(t, true)
	if err := os.Remove(filepath.Join(dir, testLabelsFile+".gz")); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, dir, testLabelsFile+".gz", "neither")
}

func TestLoadMNISTMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-such-dir")
	_, _, err := LoadMNIST(dir)
	wantErr(t, err, dir, "does not exist")

	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, []byte("x"))
	_, _, err = LoadMNIST(file)
	wantErr(t, err, file, "not a directory")
}

func TestFindMNISTEnv(t *testing.T) {
	dir := writeMNISTDir(t, true)
	t.Setenv(MNISTDirEnv, dir)
	got, err := FindMNIST("")
	if err != nil || got != dir {
		t.Fatalf("FindMNIST with $%s = %q, %v, want %q", MNISTDirEnv, got, err, dir)
	}
	// An explicit directory wins over the environment.
	other := t.TempDir()
	if got, err := FindMNIST(other); err != nil || got != other {
		t.Errorf("FindMNIST(%q) = %q, %v, want the argument", other, got, err)
	}

	missing := filepath.Join(dir, "missing")
	t.Setenv(MNISTDirEnv, missing)
	_, err = FindMNIST("")
	wantErr(t, err, missing, "$"+MNISTDirEnv, "does not exist")
}

func TestFindMNISTWithoutGo(t *testing.T) {
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("PATH", t.TempDir())
	_, err := FindMNIST("")
	wantErr(t, err, "go command is not on PATH", MNISTDirEnv, "go mod download -json "+MNISTModule+"@"+MNISTVersion)
}

func TestFindMNISTOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	// An empty module cache and no proxy stand for a machine without
	// network access and without the data.
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPROXY", "off")
	_, err := FindMNIST("")
	wantErr(t, err, "MNIST not found", MNISTDirEnv, "go mod download -json", "module lookup disabled")
}

func TestFindFashionMNIST(t *testing.T) {
	installed := writeMNISTDir(t, true)
	saved := fashionSearchDirs
	t.Cleanup(func() { fashionSearchDirs = saved })

	t.Setenv(FashionDirEnv, "")
	fashionSearchDirs = []string{filepath.Join(t.TempDir(), "absent"), installed}
	if got, err := FindFashionMNIST(""); err != nil || got != installed {
		t.Errorf("FindFashionMNIST found %q, %v, want the installed directory %q", got, err, installed)
	}

	fashionSearchDirs = []string{filepath.Join(t.TempDir(), "absent")}
	_, err := FindFashionMNIST("")
	wantErr(t, err, "Fashion-MNIST not found", "apt-get install dataset-fashion-mnist", FashionDirEnv)

	t.Setenv(FashionDirEnv, installed)
	train, test, err := LoadFashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	if train.Name != "fashion-train" || test.Name != "fashion-test" || train.Len() != 5 {
		t.Errorf("loaded %q (%d) and %q, want fashion-train (5) and fashion-test", train.Name, train.Len(), test.Name)
	}
}
