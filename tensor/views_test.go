package tensor

import (
	"slices"
	"testing"
)

func TestReshapeAfterTranspose(t *testing.T) {
	// a = [[0 1 2] [3 4 5]]; a.T() = [[0 3] [1 4] [2 5]], so reading
	// the transpose in row-major order gives 0 3 1 4 2 5.
	a := Arange(6).Reshape(2, 3)
	at := a.T()
	if at.IsContiguous() {
		t.Fatal("transpose of a 2×3 tensor reports contiguous")
	}
	r := at.Reshape(3, 2).Reshape(-1)
	checkData(t, r, []int{6}, 0, 3, 1, 4, 2, 5)

	// The reshape copied, so writing to it leaves a unchanged.
	r.Set(100, 0)
	if a.At(0, 0) != 0 {
		t.Errorf("reshape of a transposed view shares memory: a[0,0] = %v", a.At(0, 0))
	}
}

func TestReshapeContiguousIsView(t *testing.T) {
	a := Arange(6)
	r := a.Reshape(2, -1)
	if !slices.Equal(r.Shape(), []int{2, 3}) {
		t.Fatalf("Reshape(2, -1) shape %v, want [2 3]", r.Shape())
	}
	r.Set(42, 1, 2)
	if a.At(5) != 42 {
		t.Errorf("reshape of contiguous data copied: a[5] = %v, want 42", a.At(5))
	}
}

func TestReshapeInvalid(t *testing.T) {
	a := Zeros(2, 3)
	expectPanic(t, func() { a.Reshape(4, 2) }, "tensor.Reshape", "[2 3]", "[4 2]")
	expectPanic(t, func() { a.Reshape(-1, 4) }, "tensor.Reshape", "-1")
	expectPanic(t, func() { a.Reshape(-1, -1) }, "tensor.Reshape")
	expectPanic(t, func() { a.Reshape(-2, 3) }, "tensor.Reshape")
}

func TestTransposeSharesMemory(t *testing.T) {
	a := Arange(6).Reshape(2, 3)
	at := a.T()
	if !slices.Equal(at.Shape(), []int{3, 2}) || !slices.Equal(at.Strides(), []int{1, 3}) {
		t.Fatalf("T: shape %v strides %v, want [3 2] and [1 3]", at.Shape(), at.Strides())
	}
	at.Set(-1, 2, 1)
	if a.At(1, 2) != -1 {
		t.Errorf("write through transpose not visible: a[1,2] = %v", a.At(1, 2))
	}
	if at.At(1, 0) != 1 || at.At(0, 1) != 3 {
		t.Errorf("transpose values: at[1,0]=%v at[0,1]=%v, want 1 and 3", at.At(1, 0), at.At(0, 1))
	}
}

func TestSliceSharesMemory(t *testing.T) {
	a := Arange(12).Reshape(3, 4)
	s := a.Slice(1, 1, 3) // columns 1 and 2
	checkData(t, s.Contiguous(), []int{3, 2}, 1, 2, 5, 6, 9, 10)
	if s.IsContiguous() {
		t.Error("column slice reports contiguous")
	}
	s.Set(-5, 2, 0)
	if a.At(2, 1) != -5 {
		t.Errorf("write through slice not visible: a[2,1] = %v", a.At(2, 1))
	}

	rows := a.Slice(0, 1, 3)
	if !rows.IsContiguous() || rows.Offset() != 4 {
		t.Errorf("row slice: contiguous=%v offset=%d, want true and 4", rows.IsContiguous(), rows.Offset())
	}
	if d := rows.Data(); len(d) != 8 || d[0] != 4 {
		t.Errorf("row slice data %v, want 8 elements from 4", d)
	}
}

func TestContiguous(t *testing.T) {
	a := Arange(6).Reshape(2, 3)
	if a.Contiguous() != a {
		t.Error("Contiguous of contiguous tensor copied")
	}
	c := a.T().Contiguous()
	checkData(t, c, []int{3, 2}, 0, 3, 1, 4, 2, 5)
	c.Set(9, 0, 0)
	if a.At(0, 0) != 0 {
		t.Error("Contiguous of a view shares memory")
	}
	expectPanic(t, func() { a.T().Data() }, "tensor.Data", "[3 2]", "Contiguous")
}

func TestPermute3D(t *testing.T) {
	a := Arange(24).Reshape(2, 3, 4)
	p := a.Permute(2, 0, 1)
	if !slices.Equal(p.Shape(), []int{4, 2, 3}) {
		t.Fatalf("Permute shape %v, want [4 2 3]", p.Shape())
	}
	for _, idx := range indexes(p.Shape()) {
		if got, want := p.At(idx...), a.At(idx[1], idx[2], idx[0]); got != want {
			t.Fatalf("p%v = %v, want a[%d %d %d] = %v", idx, got, idx[1], idx[2], idx[0], want)
		}
	}
	expectPanic(t, func() { a.Permute(0, 0, 1) }, "tensor.Permute", "repeated")
	expectPanic(t, func() { a.Permute(0, 1) }, "tensor.Permute", "[2 3 4]")
}

func TestViewPanicsNameOp(t *testing.T) {
	a := Zeros(2, 3)
	expectPanic(t, func() { a.At(2, 0) }, "tensor.At", "[2 0]", "[2 3]")
	expectPanic(t, func() { a.At(0) }, "tensor.At", "[2 3]")
	expectPanic(t, func() { a.Slice(1, 2, 4) }, "tensor.Slice", "[2 3]")
	expectPanic(t, func() { a.Transpose(0, 2) }, "tensor.Transpose", "axis 2", "[2 3]")
	expectPanic(t, func() { Arange(3).T() }, "tensor.T", "[3]")
	expectPanic(t, func() { New([]int{2, 2}, make([]float32, 3)) }, "tensor.New", "[2 2]")
	expectPanic(t, func() { Zeros(2, -1) }, "tensor.Zeros", "[2 -1]")
	expectPanic(t, func() { a.Item() }, "tensor.Item", "[2 3]")
	expectPanic(t, func() { a.CopyFrom(Zeros(3, 2)) }, "tensor.CopyFrom", "[2 3]", "[3 2]")
}

func TestCopyFromIntoView(t *testing.T) {
	a := Zeros(2, 3)
	a.T().CopyFrom(Arange(6).Reshape(3, 2))
	checkData(t, a, []int{2, 3}, 0, 2, 4, 1, 3, 5)
}

func TestBroadcastToView(t *testing.T) {
	b := FromSlice([]float32{1, 2, 3})
	v := b.BroadcastTo(2, 3)
	if !slices.Equal(v.Strides(), []int{0, 1}) {
		t.Errorf("BroadcastTo strides %v, want [0 1]", v.Strides())
	}
	checkData(t, v.Contiguous(), []int{2, 3}, 1, 2, 3, 1, 2, 3)
	b.Set(7, 0)
	if v.At(1, 0) != 7 {
		t.Error("BroadcastTo copied its source")
	}

	col := fromValues([]int{2, 1}, 1, 2).BroadcastTo(2, 3)
	checkData(t, col.Contiguous(), []int{2, 3}, 1, 1, 1, 2, 2, 2)

	expectPanic(t, func() { b.BroadcastTo(2, 4) }, "tensor.BroadcastTo", "[3]", "[2 4]")
	expectPanic(t, func() { Zeros(2, 3).BroadcastTo(3) }, "tensor.BroadcastTo", "[2 3]", "[3]")
	expectPanic(t, func() { b.BroadcastTo(-1, 3) }, "tensor.BroadcastTo")
}
