package datasets

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestDatasetLenAndTasks(t *testing.T) {
	d := indexedSet(7)
	if d.Len() != 7 {
		t.Errorf("Len = %d, want 7", d.Len())
	}
	if !slices.Equal(d.Tasks(), []string{"class", "parity"}) {
		t.Errorf("Tasks = %v, want [class parity]", d.Tasks())
	}
	if (&Dataset{}).Len() != 0 {
		t.Error("Len of a zero Dataset is not 0")
	}
}

func TestDatasetSubset(t *testing.T) {
	d := indexedSet(10)
	sub := d.Subset([]int{7, 2, 7})
	if !slices.Equal(sub.X.Shape(), []int{3, 2, 3, 3}) {
		t.Fatalf("shape = %v, want [3 2 3 3]", sub.X.Shape())
	}
	for k, i := range []int{7, 2, 7} {
		if got := sub.X.Data()[k*18+17]; got != float32(i)/1000 {
			t.Errorf("row %d holds sample %v, want %d", k, got*1000, i)
		}
	}
	if !slices.Equal(sub.Labels["class"], []int{7, 2, 7}) || !slices.Equal(sub.Labels["parity"], []int{1, 0, 1}) {
		t.Errorf("labels = %v", sub.Labels)
	}
	// The copy is independent of the source.
	sub.X.Data()[0] = 5
	sub.Labels["class"][0] = 0
	sub.Classes["class"] = 3
	if d.X.Data()[7*18] != 0.007 || d.Labels["class"][7] != 7 || d.Classes["class"] != 10 {
		t.Error("changing the subset changed the source")
	}
}

func TestDatasetSubsetOutOfRange(t *testing.T) {
	for _, idx := range [][]int{{10}, {-1}, {0, 11}} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "datasets.Subset") || !strings.Contains(msg, "out of range") {
					t.Errorf("Subset(%v) panic %q, want an out-of-range message", idx, msg)
				}
			}()
			indexedSet(10).Subset(idx)
		}()
	}
}

func TestDatasetHead(t *testing.T) {
	d := indexedSet(10)
	if got := d.Head(3); got.Len() != 3 || !slices.Equal(got.Labels["class"], []int{0, 1, 2}) {
		t.Errorf("Head(3) = %d samples with labels %v", got.Len(), got.Labels["class"])
	}
	if got := d.Head(50); got.Len() != 10 {
		t.Errorf("Head(50) has %d samples, want all 10", got.Len())
	}
	if got := d.Head(0); got.Len() != 0 || !slices.Equal(got.X.Shape(), []int{0, 2, 3, 3}) {
		t.Errorf("Head(0) shape %v", got.X.Shape())
	}
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "negative") {
			t.Errorf("Head(-1) panic %q, want a negative-count message", msg)
		}
	}()
	d.Head(-1)
}

func TestDatasetSplit(t *testing.T) {
	d := indexedSet(100)
	train, val, err := d.Split(0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 75 || val.Len() != 25 {
		t.Fatalf("split sizes %d, %d, want 75, 25", train.Len(), val.Len())
	}
	if train.Name != "indexed-train" || val.Name != "indexed-val" {
		t.Errorf("names %q, %q", train.Name, val.Name)
	}
	ids := func(part *Dataset) []int {
		out := make([]int, part.Len())
		for k := range out {
			out[k] = int(part.X.Data()[k*18]*1000 + 0.5)
		}
		return out
	}
	all := slices.Concat(ids(train), ids(val))
	if !slices.IsSorted(ids(train)) || !slices.IsSorted(ids(val)) {
		t.Error("split parts are not in the original order")
	}
	slices.Sort(all)
	for i, id := range all {
		if id != i {
			t.Fatalf("samples after the split: %v, want each of 0..99 once", all)
		}
	}
	if ids(val)[0] == 0 && ids(val)[24] == 24 {
		t.Error("the validation part is the head of the set; the split did not shuffle")
	}

	_, val2, _ := d.Split(0.25, 3)
	if !slices.Equal(ids(val), ids(val2)) {
		t.Error("same seed gave a different split")
	}
	_, val3, _ := d.Split(0.25, 4)
	if slices.Equal(ids(val), ids(val3)) {
		t.Error("seeds 3 and 4 gave the same split")
	}

	train, val, err = d.Split(0, 1)
	if err != nil || train.Len() != 100 || val.Len() != 0 {
		t.Errorf("Split(0) = %d, %d, %v, want 100, 0", train.Len(), val.Len(), err)
	}
	train, val, err = indexedSet(1).Split(0.9, 1)
	if err != nil || train.Len() != 1 || val.Len() != 0 {
		t.Errorf("Split(0.9) of one sample = %d, %d, %v, want 1, 0", train.Len(), val.Len(), err)
	}
}

func TestDatasetSplitInvalidFraction(t *testing.T) {
	for _, frac := range []float64{-0.1, 1, 1.5, math.NaN()} {
		train, val, err := indexedSet(10).Split(frac, 1)
		if train != nil || val != nil {
			t.Errorf("Split(%v) returned parts with an error", frac)
		}
		wantErr(t, err, "validation fraction", "outside [0, 1)")
	}
}
