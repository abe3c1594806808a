package main

import (
	"fmt"
	"strings"
)

// gemmVariant selects one family of micro-kernels.
type gemmVariant int

const (
	gemmPlain  gemmVariant = iota
	gemmPack               // also copies B into a packed strip
	gemmTransA             // reads A stored transposed
)

// prefetchShift sets how far ahead the AVX-512 micro-kernels prefetch B:
// 1<<prefetchShift rows. On the development machine 8 rows measured 1 to 2
// points of FMA peak above no prefetch at 1024³ and 2048³, and 4 or 16 rows
// did no better.
const prefetchShift = 3

var gemmArgs = []param{
	{"k", "int"}, {"a", "ptr"}, {"lda", "int"}, {"b", "ptr"}, {"ldb", "int"},
	{"c", "ptr"}, {"ldc", "int"}, {"alpha", "f32"}, {"beta", "f32"},
	{"nlast", "int"}, {"loadC", "int"},
}

const gemmDoc = `computes one %d×(%d·%d) tile of C = alpha·A·B + beta·C, with A rows
of stride lda and B rows of stride ldb (both in elements):

	for i := 0; i < %d; i++ {
		for j := 0; j < cols; j++ {   // cols = %d·(nv-1) + nlast
			var s float32
			for p := 0; p < k; p++ { s = fma(a[i*lda+p], b[p*ldb+j], s) }
			if loadC != 0 { c[i*ldc+j] = fma(alpha, s, beta*c[i*ldc+j]) } else { c[i*ldc+j] = alpha * s }
		}
	}

nlast, from 1 to %d, is the number of columns used in the last vector.
Columns past it are neither read from B and C nor written to C.`

const gemmPackDoc = `

It also copies the B rows it reads into pk, whose rows lie %[7]d floats apart:

	for p := 0; p < k; p++ { for j := 0; j < %[8]d; j++ { pk[p*%[7]d+j] = b[p*ldb+j] } }

with b[p*ldb+j] read as 0 for j ≥ cols.`

// gemmKernel emits the micro-kernel for an mr-row, nv-vector tile. The C
// tile lives in registers for the whole k loop. Each step loads nv vectors
// of one B row, then for each row of A broadcasts one element and issues
// nv fused multiply-adds. Register roles:
//
//	CX   k, counting down            DX   B row pointer, R12 its stride in bytes
//	AX   A rows 0-4 at column p      BX   A rows 5-9, R11 rows 10-11
//	R9   lda in bytes                R10  3·lda in bytes
//	SI   C row pointer (prefetch, epilogue)    DI   ldc in bytes
//	R13  (AVX-512) the prefetch distance into B, 1<<prefetchShift rows in bytes
//
// AVX-512: Z0..Z23 accumulators (row i, vector v in Z(i·nv+v)), Z24/Z25 the
// B vectors, Z26/Z27 broadcast A elements, Z28 alpha, Z29 beta, Z30 a C
// vector, K1 the mask of the last vector's columns. AVX2: Y0..Y11
// accumulators, Y12/Y13 B vectors (alpha and beta in the epilogue), Y14 the
// broadcast A element (a C vector in the epilogue), Y15 the last vector's
// column mask.
//
// The packing variant (gemmPack, name suffix _pack) also stores each B row
// it loads to pk, 2·width floats per row, so the first row tile of a block
// packs B for the others while it computes. SI walks pk in the loop.
//
// The transposed-A variant (gemmTransA, suffix _ta) reads A stored
// transposed: the mr elements of one step, A(i, p) for every row i, lie
// next to each other at a[p*lda+i], so AX alone addresses them and moves
// by lda per step. That is the layout a packed A panel would have, so a
// transposed A needs no copy.
func gemmKernel(o *out, s isa, mr, nv int, variant gemmVariant) {
	pack, transA := variant == gemmPack, variant == gemmTransA
	name := fmt.Sprintf("sgemmKernel%s_%dx%d", s.name, mr, nv)
	args := gemmArgs
	doc := fmt.Sprintf(name+" "+gemmDoc, mr, nv, s.width, mr, s.width, s.width)
	switch variant {
	case gemmPack:
		name += "_pack"
		args = append(append([]param(nil), gemmArgs...), param{"pk", "ptr"})
		doc = fmt.Sprintf(name+" "+gemmDoc+gemmPackDoc, mr, nv, s.width, mr, s.width, s.width, 2*s.width, nv*s.width)
	case gemmTransA:
		name += "_ta"
		doc = fmt.Sprintf(name+" "+gemmDoc, mr, nv, s.width, mr, s.width, s.width)
		doc = strings.Replace(doc, "with A rows\nof stride lda", "with A stored\ntransposed (A(i, p) at a[p*lda+i])", 1)
		doc = strings.Replace(doc, "a[i*lda+p]", "a[p*lda+i]", 1)
	}
	declare(doc, goDecl(name, args, nil))
	off := text(o, name, args, nil)

	acc := func(i, v int) string { return s.r(i*nv + v) }
	bvec := func(v int) string {
		if s.is512() {
			return s.r(24 + v)
		}
		return s.r(12 + v)
	}
	bcast := func(i int) string {
		if s.is512() {
			return s.r(26 + i%2)
		}
		return "Y14"
	}

	o.p("\tMOVQ k+%d(FP), CX", off["k"])
	o.p("\tMOVQ a+%d(FP), AX", off["a"])
	o.p("\tMOVQ lda+%d(FP), R9", off["lda"])
	o.p("\tSHLQ $2, R9")
	o.p("\tLEAQ (R9)(R9*2), R10")
	if mr > 5 && !transA {
		o.p("\tLEAQ (AX)(R9*4), BX")
		o.p("\tADDQ R9, BX")
	}
	if mr > 10 && !transA {
		o.p("\tLEAQ (BX)(R9*4), R11")
		o.p("\tADDQ R9, R11")
	}
	o.p("\tMOVQ b+%d(FP), DX", off["b"])
	o.p("\tMOVQ ldb+%d(FP), R12", off["ldb"])
	o.p("\tSHLQ $2, R12")

	// Column mask of the last vector.
	o.p("\tMOVQ nlast+%d(FP), R8", off["nlast"])
	if s.is512() {
		o.p("\tMOVQ CX, R13")
		o.p("\tMOVQ R8, CX")
		o.p("\tMOVL $1, R8")
		o.p("\tSHLL CX, R8")
		o.p("\tDECL R8")
		o.p("\tKMOVW R8, K1")
		o.p("\tMOVQ R13, CX")
	} else {
		o.p("\tLEAQ tailmask<>(SB), R13")
		o.p("\tNEGQ R8")
		o.p("\tVMOVUPS 32(R13)(R8*4), Y15")
	}

	// Start fetching the C tile now so the epilogue finds it in cache: on
	// large products C lies in L3 or memory by the time each K slice
	// comes back to it.
	o.p("\tMOVQ c+%d(FP), SI", off["c"])
	o.p("\tMOVQ ldc+%d(FP), DI", off["ldc"])
	o.p("\tSHLQ $2, DI")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			o.p("\tPREFETCHT0 %d(SI)", v*s.bytes())
		}
		if i < mr-1 {
			o.p("\tADDQ DI, SI")
		}
	}
	if pack {
		o.p("\tMOVQ pk+%d(FP), SI", off["pk"])
	}
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			o.p("\tVXORPS %s, %s, %s", acc(i, v), acc(i, v), acc(i, v))
		}
	}
	o.p("\tTESTQ CX, CX")
	o.p("\tJZ epilogue")

	rowAddr := func(i int) string {
		return [...]string{"(%s)", "(%s)(R9*1)", "(%s)(R9*2)", "(%s)(R10*1)", "(%s)(R9*4)"}[i%5]
	}
	addr := func(i int) string {
		if transA {
			return fmt.Sprintf("%d(AX)", 4*i)
		}
		base := []string{"AX", "BX", "R11"}[i/5]
		return fmt.Sprintf(rowAddr(i), base)
	}

	// A packed B strip outgrows L1 at kc = 512, so each step also prefetches
	// the B row a few steps ahead. Prefetches never fault, so reaching past
	// the end of B is harmless.
	if s.is512() {
		o.p("\tMOVQ R12, R13")
		o.p("\tSHLQ $%d, R13", prefetchShift)
	}
	// Each kernel has two copies of the loop: one loads the last B vector
	// whole, for full strips, and one masks it, for a partial strip. On the
	// development machine the masked load cost about 4 % of the kernel's
	// speed (96 % of the FMA peak against 99 % unmasked, k = 1024, A and B
	// in cache), probably because it also takes a slot on an FMA port.
	if s.is512() {
		o.p("\tCMPL R8, $0x%x", 1<<s.width-1)
	} else {
		o.p("\tCMPQ R8, $-%d", s.width)
	}
	o.p("\tJNE loopmasked")
	emitLoop := func(label string, masked bool) {
		o.p("%s:", label)
		if s.is512() {
			for v := 0; v < nv; v++ {
				o.p("\tPREFETCHT0 %d(DX)(R13*1)", v*s.bytes())
			}
		}
		for v := 0; v < nv; v++ {
			src := fmt.Sprintf("%d(DX)", v*s.bytes())
			switch {
			case v != nv-1 || !masked:
				o.p("\tVMOVUPS %s, %s", src, bvec(v))
			case s.is512():
				o.p("\tVMOVUPS.Z %s, K1, %s", src, bvec(v))
			default:
				o.p("\tVMASKMOVPS %s, Y15, %s", src, bvec(v))
			}
		}
		if pack {
			for v := 0; v < nv; v++ {
				o.p("\tVMOVUPS %s, %d(SI)", bvec(v), v*s.bytes())
			}
			o.p("\tADDQ $%d, SI", 2*s.bytes())
		}
		for i := 0; i < mr; i++ {
			if s.is512() && nv == 1 {
				o.p("\tVFMADD231PS.BCST %s, %s, %s", addr(i), bvec(0), acc(i, 0))
				continue
			}
			o.p("\tVBROADCASTSS %s, %s", addr(i), bcast(i))
			for v := 0; v < nv; v++ {
				o.p("\tVFMADD231PS %s, %s, %s", bvec(v), bcast(i), acc(i, v))
			}
		}
		if transA {
			o.p("\tADDQ R9, AX")
		} else {
			o.p("\tADDQ $4, AX")
			if mr > 5 {
				o.p("\tADDQ $4, BX")
			}
			if mr > 10 {
				o.p("\tADDQ $4, R11")
			}
		}
		o.p("\tADDQ R12, DX")
		o.p("\tDECQ CX")
		o.p("\tJNZ %s", label)
	}
	emitLoop("loop", false)
	o.p("\tJMP epilogue")
	emitLoop("loopmasked", true)

	o.p("epilogue:")
	alpha, beta, cv := "Z28", "Z29", "Z30"
	if !s.is512() {
		alpha, beta, cv = "Y12", "Y13", "Y14"
	}
	o.p("\tMOVQ c+%d(FP), SI", off["c"])
	o.p("\tMOVQ ldc+%d(FP), DI", off["ldc"])
	o.p("\tSHLQ $2, DI")
	o.p("\tVBROADCASTSS alpha+%d(FP), %s", off["alpha"], alpha)
	o.p("\tVBROADCASTSS beta+%d(FP), %s", off["beta"], beta)
	o.p("\tMOVQ loadC+%d(FP), R8", off["loadC"])
	o.p("\tTESTQ R8, R8")
	o.p("\tJZ store")

	load := func(v int, dst string) {
		src := fmt.Sprintf("%d(SI)", v*s.bytes())
		switch {
		case v != nv-1:
			o.p("\tVMOVUPS %s, %s", src, dst)
		case s.is512():
			o.p("\tVMOVUPS.Z %s, K1, %s", src, dst)
		default:
			o.p("\tVMASKMOVPS %s, Y15, %s", src, dst)
		}
	}
	store := func(v int, src string) {
		dst := fmt.Sprintf("%d(SI)", v*s.bytes())
		switch {
		case v != nv-1:
			o.p("\tVMOVUPS %s, %s", src, dst)
		case s.is512():
			o.p("\tVMOVUPS %s, K1, %s", src, dst)
		default:
			o.p("\tVMASKMOVPS %s, Y15, %s", src, dst)
		}
	}

	// C = alpha·acc + beta·C, reading C.
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			load(v, cv)
			o.p("\tVMULPS %s, %s, %s", beta, cv, cv)
			o.p("\tVFMADD231PS %s, %s, %s", alpha, acc(i, v), cv)
			store(v, cv)
		}
		if i < mr-1 {
			o.p("\tADDQ DI, SI")
		}
	}
	o.p("\tVZEROUPPER")
	o.p("\tRET")

	// C = alpha·acc without reading C, so NaN or Inf already in C cannot leak.
	o.p("store:")
	for i := 0; i < mr; i++ {
		for v := 0; v < nv; v++ {
			o.p("\tVMULPS %s, %s, %s", alpha, acc(i, v), acc(i, v))
			store(v, acc(i, v))
		}
		if i < mr-1 {
			o.p("\tADDQ DI, SI")
		}
	}
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}
