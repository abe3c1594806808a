package datasets

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// indexedSet returns n samples of shape [2, 3, 3] whose every pixel is the
// sample index divided by 1000, with labels "class" = i mod 10 and
// "parity" = i mod 2.
func indexedSet(n int) *Dataset {
	size := 2 * 3 * 3
	data := make([]float32, n*size)
	class := make([]int, n)
	parity := make([]int, n)
	for i := range n {
		for k := range size {
			data[i*size+k] = float32(i) / 1000
		}
		class[i], parity[i] = i%10, i%2
	}
	return &Dataset{
		Name:    "indexed",
		X:       tensor.New([]int{n, 2, 3, 3}, data),
		Labels:  map[string][]int{"class": class, "parity": parity},
		Classes: map[string]int{"class": 10, "parity": 2},
	}
}

// collect runs one epoch and checks that each batch's pixels and labels
// belong to the samples its Index names.
func collect(t *testing.T, l *Loader, epoch int) [][]int {
	t.Helper()
	var batches [][]int
	for batch := range l.Batches(epoch) {
		if got := batch.X.Shape()[0]; got != len(batch.Index) {
			t.Fatalf("batch X has %d samples for %d indices", got, len(batch.Index))
		}
		size := 18
		for k, i := range batch.Index {
			if got := batch.X.Data()[k*size]; got != float32(i)/1000 {
				t.Fatalf("batch row %d holds sample %v, want %d", k, got*1000, i)
			}
			if batch.Labels["class"][k] != i%10 || batch.Labels["parity"][k] != i%2 {
				t.Fatalf("batch row %d: labels %d, %d for sample %d", k, batch.Labels["class"][k], batch.Labels["parity"][k], i)
			}
		}
		batches = append(batches, batch.Index)
	}
	return batches
}

// indices returns the Index of every batch of one epoch.
func indices(l *Loader, epoch int) [][]int {
	var out [][]int
	for batch := range l.Batches(epoch) {
		out = append(out, batch.Index)
	}
	return out
}

func TestLoaderEverySampleOncePerEpoch(t *testing.T) {
	d := indexedSet(103)
	for _, shuffle := range []bool{false, true} {
		l, err := NewLoader(d, 10, LoaderOptions{Shuffle: shuffle, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		if l.NumBatches() != 11 {
			t.Errorf("NumBatches = %d, want 11", l.NumBatches())
		}
		for epoch := range 3 {
			batches := collect(t, l, epoch)
			if len(batches) != 11 || len(batches[10]) != 3 {
				t.Fatalf("shuffle=%v epoch %d: %d batches, last of %d, want 11 and 3", shuffle, epoch, len(batches), len(batches[len(batches)-1]))
			}
			seen := make([]int, d.Len())
			for _, idx := range batches {
				for _, i := range idx {
					seen[i]++
				}
			}
			for i, count := range seen {
				if count != 1 {
					t.Fatalf("shuffle=%v epoch %d: sample %d seen %d times", shuffle, epoch, i, count)
				}
			}
			if !shuffle && !slices.IsSorted(slices.Concat(batches...)) {
				t.Errorf("unshuffled epoch %d is not in dataset order", epoch)
			}
		}
	}
}

func TestLoaderDropLast(t *testing.T) {
	d := indexedSet(103)
	l, err := NewLoader(d, 10, LoaderOptions{Shuffle: true, DropLast: true, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if l.NumBatches() != 10 {
		t.Errorf("NumBatches = %d, want 10", l.NumBatches())
	}
	batches := collect(t, l, 0)
	if len(batches) != 10 {
		t.Fatalf("%d batches, want 10", len(batches))
	}
	seen := map[int]bool{}
	for _, idx := range batches {
		if len(idx) != 10 {
			t.Errorf("batch of %d, want 10", len(idx))
		}
		for _, i := range idx {
			if seen[i] {
				t.Errorf("sample %d seen twice", i)
			}
			seen[i] = true
		}
	}
	// The dropped samples are the shuffled tail.
	order := l.Order(0)
	for _, i := range order[100:] {
		if seen[i] {
			t.Errorf("sample %d from the dropped tail appeared", i)
		}
	}

	exact, err := NewLoader(indexedSet(30), 10, LoaderOptions{DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	if exact.NumBatches() != 3 || len(collect(t, exact, 0)) != 3 {
		t.Errorf("30 samples in batches of 10 with DropLast: want 3 batches")
	}
	small, err := NewLoader(indexedSet(5), 10, LoaderOptions{DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	if small.NumBatches() != 0 || len(collect(t, small, 0)) != 0 {
		t.Errorf("5 samples in batches of 10 with DropLast: want no batch")
	}
}

func TestLoaderDeterminism(t *testing.T) {
	d := indexedSet(64)
	opts := LoaderOptions{Shuffle: true, Seed: 99, Augment: &Augment{CropPad: 1, FlipHorizontal: true}}
	a, _ := NewLoader(d, 8, opts)
	b, _ := NewLoader(d, 8, opts)
	var xa, xb [][]float32
	for batch := range a.Batches(2) {
		xa = append(xa, batch.X.Data())
	}
	for batch := range b.Batches(2) {
		xb = append(xb, batch.X.Data())
	}
	if !slices.EqualFunc(xa, xb, func(p, q []float32) bool { return slices.Equal(bits(p), bits(q)) }) {
		t.Error("same seed and epoch gave different batches")
	}
	if !slices.EqualFunc(indices(a, 2), indices(b, 2), slices.Equal) {
		t.Error("same seed and epoch gave different orders")
	}
	if slices.Equal(a.Order(0), a.Order(1)) {
		t.Error("epochs 0 and 1 have the same order")
	}
	other, _ := NewLoader(d, 8, LoaderOptions{Shuffle: true, Seed: 100})
	if slices.Equal(a.Order(0), other.Order(0)) {
		t.Error("seeds 99 and 100 give the same order")
	}

	plain, _ := NewLoader(d, 8, LoaderOptions{Shuffle: true, Seed: 99})
	var changed bool
	k := 0
	for batch := range plain.Batches(2) {
		if !slices.Equal(batch.X.Data(), xa[k]) {
			changed = true
		}
		k++
	}
	if !changed {
		t.Error("augmentation left every batch unchanged")
	}

	// Stopping early must not change the batches already seen.
	var first []int
	for batch := range a.Batches(2) {
		first = batch.Index
		break
	}
	if !slices.Equal(first, a.Order(2)[:8]) {
		t.Errorf("first batch after an early stop = %v, want %v", first, a.Order(2)[:8])
	}
}

func TestLoaderBatchIsIndependent(t *testing.T) {
	d := indexedSet(4)
	l, _ := NewLoader(d, 4, LoaderOptions{})
	for batch := range l.Batches(0) {
		batch.X.Data()[0] = 42
		batch.Labels["class"][0] = 7
		batch.Index[0] = 3
	}
	if d.X.Data()[0] != 0 || d.Labels["class"][0] != 0 {
		t.Error("writing into a batch changed the dataset")
	}
	if l.Order(0)[0] != 0 {
		t.Error("writing into Batch.Index changed the loader's order")
	}
}

func TestNewLoaderErrors(t *testing.T) {
	d := indexedSet(5)
	inconsistent := indexedSet(5)
	inconsistent.Labels["class"] = inconsistent.Labels["class"][:4]
	badLabel := indexedSet(5)
	badLabel.Labels["parity"][2] = 2
	threeAxes := indexedSet(5)
	threeAxes.X = tensor.New([]int{5, 6, 3}, threeAxes.X.Data())

	cases := []struct {
		name string
		d    *Dataset
		size int
		opts LoaderOptions
		want string
	}{
		{"zero batch", d, 0, LoaderOptions{}, "batch size 0"},
		{"negative batch", d, -3, LoaderOptions{}, "batch size -3"},
		{"empty", d.Head(0), 4, LoaderOptions{}, "empty"},
		{"nil", nil, 4, LoaderOptions{}, "nil"},
		{"label count", inconsistent, 4, LoaderOptions{}, "4 labels for 5 samples"},
		{"label range", badLabel, 4, LoaderOptions{}, "label 2, outside [0, 2)"},
		{"three axes", threeAxes, 4, LoaderOptions{}, "[5 6 3]"},
		{"negative crop", d, 4, LoaderOptions{Augment: &Augment{CropPad: -1}}, "CropPad -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLoader(tc.d, tc.size, tc.opts)
			if l != nil {
				t.Error("returned a loader together with an error")
			}
			wantErr(t, err, tc.want)
		})
	}
}

func TestAugmentCropAndFlip(t *testing.T) {
	// One 1-channel 3×4 image with pixels 1..12.
	x := tensor.New([]int{1, 1, 3, 4}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	none := Augment{}.Apply(x, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(none.Data(), x.Data()) {
		t.Errorf("zero Augment changed the image: %v", none.Data())
	}
	if &none.Data()[0] == &x.Data()[0] {
		t.Error("Apply returned the input's memory")
	}

	// Collect every distinct output over many draws: with CropPad 1 and
	// flips there are 3*3*2 = 18 and each must be a shifted, possibly
	// mirrored copy with zero fill.
	a := Augment{CropPad: 1, FlipHorizontal: true}
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[string]bool{}
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			for _, flip := range []bool{false, true} {
				want[key(shiftFlip(x.Data(), 3, 4, dy, dx, flip))] = true
			}
		}
	}
	got := map[string]bool{}
	for range 400 {
		out := a.Apply(x, rng).Data()
		if !want[key(out)] {
			t.Fatalf("output %v is not a crop-and-flip of the input", out)
		}
		got[key(out)] = true
	}
	if len(got) != len(want) {
		t.Errorf("saw %d of the %d possible outputs in 400 draws", len(got), len(want))
	}
}

// shiftFlip is the reference: pad by one, crop at offset (1+dy, 1+dx), then
// mirror if flip.
func shiftFlip(img []float32, h, w, dy, dx int, flip bool) []float32 {
	out := make([]float32, h*w)
	for y := range h {
		for x := range w {
			cx := x
			if flip {
				cx = w - 1 - x
			}
			sy, sx := y+dy, cx+dx
			if sy >= 0 && sy < h && sx >= 0 && sx < w {
				out[y*w+x] = img[sy*w+sx]
			}
		}
	}
	return out
}

func key(values []float32) string {
	var b strings.Builder
	for _, v := range values {
		b.WriteString(string(rune('a' + int(v))))
	}
	return b.String()
}

func TestAugmentPerImageAndChannels(t *testing.T) {
	// Two channels of one image must move together; two images move
	// independently.
	n, h, w := 50, 4, 4
	data := make([]float32, n*2*h*w)
	for i := range data {
		data[i] = float32(i%(h*w) + 1)
	}
	x := tensor.New([]int{n, 2, h, w}, data)
	out := Augment{CropPad: 2, FlipHorizontal: true}.Apply(x, rand.New(rand.NewPCG(5, 6))).Data()
	distinct := map[string]bool{}
	for i := range n {
		c0 := out[i*2*h*w : i*2*h*w+h*w]
		c1 := out[i*2*h*w+h*w : (i+1)*2*h*w]
		if !slices.Equal(c0, c1) {
			t.Fatalf("image %d: channels were augmented differently", i)
		}
		distinct[key(c0)] = true
	}
	if len(distinct) < 10 {
		t.Errorf("only %d distinct augmentations over %d images", len(distinct), n)
	}
}

func TestAugmentPanics(t *testing.T) {
	x := tensor.Zeros(2, 3, 4)
	for name, fn := range map[string]func(){
		"three axes":    func() { Augment{}.Apply(x, rand.New(rand.NewPCG(1, 1))) },
		"negative crop": func() { Augment{CropPad: -2}.Apply(tensor.Zeros(1, 1, 2, 2), rand.New(rand.NewPCG(1, 1))) },
		"nil rng":       func() { Augment{}.Apply(tensor.Zeros(1, 1, 2, 2), nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "datasets.Augment.Apply") {
					t.Errorf("panic %q does not name Augment.Apply", msg)
				}
			}()
			fn()
		})
	}
}
