package datasets

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/heed-ml/heed/tensor"
)

// patternSet returns n single-channel images of size×size whose pixels are
// all non-zero and unique across the set, with the given labels cycled. A
// zero set has the same shape and labels but all pixels zero.
func patternSet(name string, n, size int, labels []int, zero bool) *Dataset {
	data := make([]float32, n*size*size)
	if !zero {
		for i := range data {
			data[i] = float32(i+1) / float32(len(data))
		}
	}
	classes := make([]int, n)
	for i := range classes {
		classes[i] = labels[i%len(labels)]
	}
	return &Dataset{
		Name:    name,
		X:       tensor.New([]int{n, 1, size, size}, data),
		Labels:  map[string][]int{"class": classes},
		Classes: map[string]int{"class": 10},
	}
}

// place draws the size×size item at (r, c) on a canvas, keeping the maximum
// where pixels are already set.
func place(canvas []float32, canvasW int, item []float32, size, r, c int) {
	for y := range size {
		for x := range size {
			p := &canvas[(r+y)*canvasW+c+x]
			*p = max(*p, item[y*size+x])
		}
	}
}

func item(d *Dataset, i int) []float32 {
	size := d.sampleSize()
	return d.X.Data()[i*size : (i+1)*size]
}

func TestMultiMNISTShapeAndLabels(t *testing.T) {
	src := patternSet("mnist-train", 30, 28, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false)
	got := MultiMNIST(src, 1)
	if want := []int{30, 1, 36, 36}; !slices.Equal(got.X.Shape(), want) {
		t.Fatalf("shape = %v, want %v", got.X.Shape(), want)
	}
	if got.Name != "multimnist-train" {
		t.Errorf("name = %q, want multimnist-train", got.Name)
	}
	if !slices.Equal(got.Tasks(), []string{"left", "right"}) {
		t.Errorf("tasks = %v, want [left right]", got.Tasks())
	}
	if got.Classes["left"] != 10 || got.Classes["right"] != 10 {
		t.Errorf("classes = %v, want 10 for both tasks", got.Classes)
	}
	if !slices.Equal(got.Labels["left"], src.Labels["class"]) {
		t.Errorf("left labels = %v, want the source labels %v", got.Labels["left"], src.Labels["class"])
	}
	for i, right := range got.Labels["right"] {
		if right == got.Labels["left"][i] {
			t.Errorf("sample %d: partner label %d equals the left label", i, right)
		}
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestMultiPairLeftItemPosition(t *testing.T) {
	// Zero partners leave only the left item on the canvas, so its position
	// can be read off exactly.
	const n, size = 200, 6
	left := patternSet("left", n, size, []int{1, 2, 3}, false)
	right := patternSet("right", n, size, []int{4, 5}, true)
	got := MultiPair(left, right, 7)
	canvasW := size + 8
	seen := map[[2]int]bool{}
	for i := range n {
		canvas := item(got, i)
		found := false
		for r := 0; r <= 4 && !found; r++ {
			for c := 0; c <= 4 && !found; c++ {
				want := make([]float32, canvasW*canvasW)
				place(want, canvasW, item(left, i), size, r, c)
				if slices.Equal(canvas, want) {
					found = true
					seen[[2]int{r, c}] = true
				}
			}
		}
		if !found {
			t.Fatalf("sample %d: the canvas is not the left item at any (r, c) in 0..4", i)
		}
	}
	if len(seen) != 25 {
		t.Errorf("left item used %d of the 25 positions over %d samples", len(seen), n)
	}
}

func TestMultiPairPartnerPosition(t *testing.T) {
	const n, size = 200, 6
	left := patternSet("left", n, size, []int{1, 2, 3}, true)
	right := patternSet("right", n, size, []int{4, 5}, false)
	got := MultiPair(left, right, 7)

	canvasW := size + 8
	seen := map[[2]int]bool{}
	used := map[int]int{}
	for i := range n {
		canvas := item(got, i)
		found := false
		for j := range n {
			// Each right pixel is unique, so the partner's top-left pixel
			// identifies it. Trying every j keeps the test independent of
			// how partners are chosen.
			for r := 4; r <= 8 && !found; r++ {
				for c := 4; c <= 8 && !found; c++ {
					if canvas[r*canvasW+c] != item(right, j)[0] {
						continue
					}
					want := make([]float32, canvasW*canvasW)
					place(want, canvasW, item(right, j), size, r, c)
					if slices.Equal(canvas, want) {
						found = true
						seen[[2]int{r, c}] = true
						used[j]++
						if got.Labels["right"][i] != right.Labels["class"][j] {
							t.Errorf("sample %d: right label %d, but the partner %d has class %d", i, got.Labels["right"][i], j, right.Labels["class"][j])
						}
					}
				}
			}
		}
		if !found {
			t.Fatalf("sample %d: the canvas is not a right item at any (8-r′, 8-c′)", i)
		}
	}

	if len(seen) != 25 {
		t.Errorf("partner used %d of the 25 positions over %d samples", len(seen), n)
	}
	// Left and right classes never collide here, so partners are a plain
	// permutation: each right item appears exactly once.
	if len(used) != n {
		t.Errorf("%d distinct partners over %d samples, want a permutation", len(used), n)
	}
}

func TestMultiMNISTOverlapTakesMaximum(t *testing.T) {
	const n, size = 40, 8
	src := patternSet("src", n, size, []int{0, 1, 2, 3}, false)
	// Reverse the pixel order of odd images, so that on overlap sometimes
	// the left and sometimes the partner pixel is larger.
	for i := 1; i < n; i += 2 {
		slices.Reverse(item(src, i))
	}
	got := MultiMNIST(src, 3)
	canvasW := size + 8
	for i := range n {
		canvas := item(got, i)
		if !matchesSomeComposite(canvas, canvasW, src, i, size, got.Labels["right"][i]) {
			t.Fatalf("sample %d is not the pixelwise maximum of its two placed items", i)
		}
	}
}

// matchesSomeComposite reports whether canvas equals item i at some (r, c)
// in 0..4 combined by maximum with some item j of class right at some
// (8-r′, 8-c′).
func matchesSomeComposite(canvas []float32, canvasW int, src *Dataset, i, size, right int) bool {
	for j, class := range src.Labels["class"] {
		if class != right {
			continue
		}
		for r := 0; r <= 4; r++ {
			for c := 0; c <= 4; c++ {
				for pr := 4; pr <= 8; pr++ {
					for pc := 4; pc <= 8; pc++ {
						want := make([]float32, canvasW*canvasW)
						place(want, canvasW, item(src, i), size, r, c)
						place(want, canvasW, item(src, j), size, pr, pc)
						if slices.Equal(canvas, want) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func TestMultiMNISTDeterminism(t *testing.T) {
	src := patternSet("src", 50, 5, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false)
	a, b := MultiMNIST(src, 11), MultiMNIST(src, 11)
	if !slices.Equal(bits(a.X.Data()), bits(b.X.Data())) {
		t.Error("same seed gave different pixels")
	}
	if !slices.Equal(a.Labels["right"], b.Labels["right"]) {
		t.Error("same seed gave different right labels")
	}
	c := MultiMNIST(src, 12)
	if slices.Equal(a.X.Data(), c.X.Data()) {
		t.Error("seeds 11 and 12 gave identical sets")
	}
}

func bits(values []float32) []uint32 {
	out := make([]uint32, len(values))
	for i, v := range values {
		out[i] = math.Float32bits(v)
	}
	return out
}

func TestMultiMNISTRedrawsSameClassPartners(t *testing.T) {
	// With 2 classes and 9:1 imbalance, most permutation picks share the
	// left label and must be redrawn.
	labels := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	src := patternSet("src", 100, 3, labels, false)
	for seed := range int64(5) {
		got := MultiMNIST(src, seed)
		for i, right := range got.Labels["right"] {
			if right == got.Labels["left"][i] {
				t.Fatalf("seed %d, sample %d: partner has the same class %d", seed, i, right)
			}
		}
	}
}

func TestMultiPairDifferentSizes(t *testing.T) {
	left := patternSet("fashion-train", 25, 4, []int{0, 1, 2}, false)
	right := patternSet("mnist-train", 7, 4, []int{0, 1, 2, 3}, false)
	got := MultiPair(left, right, 5)
	if got.Len() != 25 || got.Name != "multi-fashion-train+mnist-train" {
		t.Errorf("got %q with %d samples, want multi-fashion-train+mnist-train with 25", got.Name, got.Len())
	}
	for i, r := range got.Labels["right"] {
		if r == got.Labels["left"][i] {
			t.Errorf("sample %d: partner label equals the left label %d", i, r)
		}
	}
	empty := MultiPair(left.Head(0), right, 5)
	if empty.Len() != 0 || !slices.Equal(empty.X.Shape(), []int{0, 1, 12, 12}) {
		t.Errorf("empty left gave shape %v", empty.X.Shape())
	}
}

func TestMultiPairPanics(t *testing.T) {
	oneClass := patternSet("one-class", 5, 4, []int{3}, false)
	other := patternSet("other", 5, 5, []int{1, 2}, false)
	noClass := patternSet("no-class", 5, 4, []int{1, 2}, false)
	noClass.Labels = map[string][]int{"digit": noClass.Labels["class"]}

	cases := []struct {
		name string
		fn   func()
		want string
	}{
		{"one class", func() { MultiMNIST(oneClass, 1) }, "no partner with a different class"},
		{"shape mismatch", func() { MultiPair(oneClass, other, 1) }, "[5 1 5 5]"},
		{"no class task", func() { MultiMNIST(noClass, 1) }, `no "class" task`},
		{"empty partners", func() { MultiPair(other, other.Head(0), 1) }, "is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q does not contain %q", msg, tc.want)
				}
			}()
			tc.fn()
		})
	}
}
