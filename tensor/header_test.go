package tensor

import (
	"slices"
	"testing"
)

func TestNewAllocatesOneHeader(t *testing.T) {
	data := make([]float32, 24)
	shape := []int{2, 3, 4}
	allocs := testing.AllocsPerRun(100, func() { New(shape, data) })
	if allocs != 1 {
		t.Errorf("New of rank 3 made %v allocations, want 1 (the header)", allocs)
	}
}

func TestNewCopiesShape(t *testing.T) {
	shape := []int{2, 3}
	x := New(shape, make([]float32, 6))
	shape[0] = 7
	if !slices.Equal(x.Shape(), []int{2, 3}) {
		t.Errorf("shape %v after the caller changed its slice, want [2 3]", x.Shape())
	}
}

func TestHighRankViews(t *testing.T) {
	// Rank 6 is past the inline storage, so shape and strides get their
	// own slice; views of it must still index correctly.
	x := Zeros(2, 1, 3, 1, 2, 2)
	for i := range x.Data() {
		x.Data()[i] = float32(i)
	}
	if !slices.Equal(x.Strides(), []int{12, 12, 4, 4, 2, 1}) {
		t.Fatalf("strides %v, want [12 12 4 4 2 1]", x.Strides())
	}
	p := x.Permute(5, 4, 3, 2, 1, 0)
	if got := p.At(1, 0, 0, 2, 0, 1); got != x.At(1, 0, 2, 0, 0, 1) {
		t.Errorf("permuted element %v, want %v", got, x.At(1, 0, 2, 0, 0, 1))
	}
	s := x.Slice(2, 1, 3)
	if got, want := s.At(1, 0, 1, 0, 1, 1), x.At(1, 0, 2, 0, 1, 1); got != want {
		t.Errorf("sliced element %v, want %v", got, want)
	}
	r := x.Reshape(4, 6)
	if got := r.At(3, 5); got != 23 {
		t.Errorf("reshaped element %v, want 23", got)
	}
	b := FromSlice([]float32{1, 2}).BroadcastTo(2, 1, 3, 1, 2, 2)
	if got := b.At(1, 0, 2, 0, 1, 1); got != 2 {
		t.Errorf("broadcast element %v, want 2", got)
	}
}
