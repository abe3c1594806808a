package main

import (
	"fmt"
	"strings"
)

// param is one argument or result of an assembly function.
type param struct {
	name string
	kind string // "slice", "f32", "f64", "int", "ptr", "bool"
}

func (p param) size() int {
	switch p.kind {
	case "slice":
		return 24
	case "f32":
		return 4
	case "bool":
		return 1
	}
	return 8
}

// The "adam" kind is a *AdamStep pointer.

func (p param) align() int {
	if p.kind == "f32" || p.kind == "bool" {
		return p.size()
	}
	return 8
}

// frame lays out ABI0 arguments and results, returning each name's offset
// and the total argument size.
func frame(args, results []param) (map[string]int, int) {
	off := map[string]int{}
	n := 0
	place := func(p param) {
		n = (n + p.align() - 1) / p.align() * p.align()
		off[p.name] = n
		n += p.size()
	}
	for _, p := range args {
		place(p)
	}
	if len(results) > 0 {
		n = (n + 7) / 8 * 8
	}
	for _, p := range results {
		place(p)
	}
	return off, n
}

// goType returns the Go spelling of a parameter kind.
func goType(kind string) string {
	switch kind {
	case "slice":
		return "[]float32"
	case "f32":
		return "float32"
	case "f64":
		return "float64"
	case "ptr":
		return "*float32"
	case "adam":
		return "*AdamStep"
	}
	return kind
}

func goDecl(name string, args, results []param) string {
	var a []string
	for _, p := range args {
		a = append(a, p.name+" "+goType(p.kind))
	}
	var r []string
	for _, p := range results {
		r = append(r, p.name+" "+goType(p.kind))
	}
	d := name + "(" + strings.Join(a, ", ") + ")"
	switch len(r) {
	case 0:
	case 1:
		d += " " + goType(results[0].kind)
	default:
		d += " (" + strings.Join(r, ", ") + ")"
	}
	return d
}

// text starts an assembly function and returns its argument offsets.
func text(o *out, name string, args, results []param) map[string]int {
	off, size := frame(args, results)
	o.p("")
	o.p("// func %s", goDecl(name, args, results))
	o.p("TEXT ·%s(SB), NOSPLIT, $0-%d", name, size)
	return off
}

// ewOp emits the arithmetic of one vector slot: in holds the loaded input
// registers, d receives the result, tmp holds scratch registers and slot
// numbers the unrolled copy (used to pick a mask register).
type ewOp func(o *out, s isa, d string, in, tmp []string, slot int)

// ewKernel describes one elementwise kernel: dst[i] = f(inputs[i]...).
type ewKernel struct {
	name   string   // Go name without the tier suffix
	doc    string   // scalar loop, the stub's doc comment
	args   []param  // Go arguments in order
	dst    string   // slice written
	inputs []string // slices read, in the order op receives them
	scalar string   // float32 argument broadcast into the scalar register, or ""
	temps  int      // scratch registers per slot
	// temps512 overrides temps on AVX-512 when nonzero.
	temps512 int
	op       ewOp
}

// Register roles shared by the elementwise kernels:
//
//	DI      destination base        AX  element index
//	SI, DX  input bases             CX  length, then the shift count of the tail
//	BX      loop bound              R8, R9  tail-mask scratch
//	R10     elements before the first aligned one (streaming path)
//	R11     the length, saved while CX counts those elements
//
// AVX-512: Z31 holds the broadcast scalar, Z28 zero, Z29/Z30 exp's clamp
// bounds, K1 the tail mask and K2..K5 per-slot compare results.
// AVX2: Y15 holds the tail mask, Y14 the scalar or zero, Y12/Y13 exp's clamp
// bounds.
func scalarReg(s isa) string {
	if s.is512() {
		return "Z31"
	}
	return "Y14"
}

func zeroReg(s isa) string {
	if s.is512() {
		return "Z28"
	}
	return "Y14"
}

func binOp(instr string) ewOp {
	return func(o *out, s isa, d string, in, tmp []string, slot int) {
		// Plan 9 operand order: instr src2, src1, dst computes src1 op src2.
		o.p("\t%s %s, %s, %s", instr, in[1], in[0], d)
	}
}

func scalarRightOp(instr string) ewOp {
	return func(o *out, s isa, d string, in, tmp []string, slot int) {
		o.p("\t%s %s, %s, %s", instr, scalarReg(s), in[0], d)
	}
}

func scalarLeftOp(instr string) ewOp {
	return func(o *out, s isa, d string, in, tmp []string, slot int) {
		o.p("\t%s %s, %s, %s", instr, in[0], scalarReg(s), d)
	}
}

// Compare predicates of VCMPPS.
const (
	cmpNLEUS = 0x06 // not (a <= b): true when a > b or either is NaN
	cmpGTOQ  = 0x1e // a > b, false when either is NaN
)

// maskOp keeps in[keep] where cmp(in[test], 0) holds and writes +0 elsewhere.
func maskOp(pred, test, keep int) ewOp {
	return func(o *out, s isa, d string, in, tmp []string, slot int) {
		if s.is512() {
			k := fmt.Sprintf("K%d", 2+slot)
			o.p("\tVCMPPS $0x%02x, %s, %s, %s", pred, zeroReg(s), in[test], k)
			o.p("\tVMOVUPS.Z %s, %s, %s", in[keep], k, d)
			return
		}
		o.p("\tVCMPPS $0x%02x, %s, %s, %s", pred, zeroReg(s), in[test], tmp[0])
		o.p("\tVANDPS %s, %s, %s", in[keep], tmp[0], d)
	}
}

func axpyOp(o *out, s isa, d string, in, tmp []string, slot int) {
	// Two roundings, as in the Go loop: y + float32(alpha*x).
	o.p("\tVMULPS %s, %s, %s", scalarReg(s), in[0], tmp[0])
	o.p("\tVADDPS %s, %s, %s", tmp[0], in[1], d)
}

// expConstReg returns the AVX-512 register holding exp constant name:
// Z16 onwards, in the order of expConsts.
func expConstReg(name string) string {
	for i, c := range expConsts {
		if c.name == name {
			return fmt.Sprintf("Z%d", 16+i)
		}
	}
	panic("unknown constant " + name)
}

// expOp computes exp(x) as 2^n · p(r) with n = round(x·log2 e) and
// r = x − n·ln 2 (in two parts), p the degree-7 Taylor polynomial, whose
// truncation error on |r| ≤ ln2/2 is below 0.05 ULP.
func expOp(o *out, s isa, d string, in, tmp []string, slot int) {
	x, n, r, p := in[0], tmp[0], tmp[1], tmp[2]
	lo, hi := "Y12", "Y13"
	if s.is512() {
		lo, hi = "Z29", "Z30"
	}
	// AVX-512 keeps every constant in a register (see expConstReg); AVX2
	// has too few registers and reads them as 32-byte memory operands.
	bc, cst := "", func(name string) string { return constAddr(name) }
	if s.is512() {
		cst = expConstReg
	}
	// The input must be the second source of VMAXPS/VMINPS (first in Plan 9
	// order) so that a NaN input is what the instruction returns.
	o.p("\tVMAXPS %s, %s, %s", x, lo, x)
	o.p("\tVMINPS %s, %s, %s", x, hi, x)
	o.p("\tVMULPS%s %s, %s, %s", bc, cst("log2e"), x, n)
	if s.is512() {
		o.p("\tVRNDSCALEPS $0, %s, %s", n, n)
	} else {
		o.p("\tVROUNDPS $0, %s, %s", n, n)
	}
	o.p("\tVMOVAPS %s, %s", x, r)
	o.p("\tVFNMADD231PS%s %s, %s, %s", bc, cst("ln2hi"), n, r)
	o.p("\tVFNMADD231PS%s %s, %s, %s", bc, cst("ln2lo"), n, r)
	if s.is512() {
		o.p("\tVMOVAPS %s, %s", cst("c7"), p)
	} else {
		o.p("\tVMOVUPS %s, %s", cst("c7"), p)
	}
	for _, c := range []string{"c6", "c5", "c4", "c3", "c2", "one", "one"} {
		o.p("\tVFMADD213PS%s %s, %s, %s", bc, cst(c), r, p)
	}
	if s.is512() {
		// VSCALEFPS rounds once, so subnormal results are correctly
		// rounded and n = 128 overflows to +Inf.
		o.p("\tVSCALEFPS %s, %s, %s", n, p, d)
		return
	}
	// AVX2 has no VSCALEFPS: scale by 2^(n-n/2) and 2^(n/2), two normal
	// powers of two for every n in [-150, 128], so only the last multiply
	// rounds.
	i1, i2 := tmp[3], tmp[4]
	o.p("\tVCVTPS2DQ %s, %s", n, i1)
	o.p("\tVPSRAD $1, %s, %s", i1, i2)
	o.p("\tVPSUBD %s, %s, %s", i2, i1, i1)
	o.p("\tVPADDD expbias<>(SB), %s, %s", i1, i1)
	o.p("\tVPSLLD $23, %s, %s", i1, i1)
	o.p("\tVPADDD expbias<>(SB), %s, %s", i2, i2)
	o.p("\tVPSLLD $23, %s, %s", i2, i2)
	o.p("\tVMULPS %s, %s, %s", i1, p, p)
	o.p("\tVMULPS %s, %s, %s", i2, p, d)
}

var (
	dstXY   = []param{{"dst", "slice"}, {"x", "slice"}, {"y", "slice"}}
	dstXS   = []param{{"dst", "slice"}, {"x", "slice"}, {"s", "f32"}}
	dstX    = []param{{"dst", "slice"}, {"x", "slice"}}
	dstDyX  = []param{{"dst", "slice"}, {"dy", "slice"}, {"x", "slice"}}
	alphaXY = []param{{"alpha", "f32"}, {"x", "slice"}, {"y", "slice"}}
)

func ewKernels() []ewKernel {
	bin := func(name, op, instr string) ewKernel {
		return ewKernel{name: name, doc: "for i := range dst { dst[i] = x[i] " + op + " y[i] }",
			args: dstXY, dst: "dst", inputs: []string{"x", "y"}, op: binOp(instr)}
	}
	right := func(name, op, instr string) ewKernel {
		return ewKernel{name: name, doc: "for i := range dst { dst[i] = x[i] " + op + " s }",
			args: dstXS, dst: "dst", inputs: []string{"x"}, scalar: "s", op: scalarRightOp(instr)}
	}
	left := func(name, op, instr string) ewKernel {
		return ewKernel{name: name, doc: "for i := range dst { dst[i] = s " + op + " x[i] }",
			args: dstXS, dst: "dst", inputs: []string{"x"}, scalar: "s", op: scalarLeftOp(instr)}
	}
	return []ewKernel{
		bin("addTo", "+", "VADDPS"),
		bin("subTo", "-", "VSUBPS"),
		bin("mulTo", "*", "VMULPS"),
		bin("divTo", "/", "VDIVPS"),
		right("addScalarTo", "+", "VADDPS"),
		right("subScalarTo", "-", "VSUBPS"),
		right("mulScalarTo", "*", "VMULPS"),
		right("divScalarTo", "/", "VDIVPS"),
		left("scalarSubTo", "-", "VSUBPS"),
		left("scalarDivTo", "/", "VDIVPS"),
		{name: "axpyUnitary", doc: "for i := range y { y[i] += float32(alpha * x[i]) }",
			args: alphaXY, dst: "y", inputs: []string{"x", "y"}, scalar: "alpha", temps: 1, op: axpyOp},
		{name: "reluTo", doc: "for i := range dst { if x[i] > 0 || x[i] != x[i] { dst[i] = x[i] } else { dst[i] = 0 } }",
			args: dstX, dst: "dst", inputs: []string{"x"}, temps: 1, op: maskOp(cmpNLEUS, 0, 0)},
		{name: "reluBackwardTo", doc: "for i := range dst { if x[i] > 0 { dst[i] = dy[i] } else { dst[i] = 0 } }",
			args: dstDyX, dst: "dst", inputs: []string{"dy", "x"}, temps: 1, op: maskOp(cmpGTOQ, 1, 0)},
		{name: "expTo", doc: "for i := range dst { dst[i] = exp(x[i]) }\n\nwithin 2 ULP of float32(math.Exp(float64(x[i]))), NaN and ±Inf included.",
			args: dstX, dst: "dst", inputs: []string{"x"}, temps: 5, temps512: 3, op: expOp},
	}
}

func elementwiseKernels(o *out, s isa) {
	for _, k := range ewKernels() {
		elementwise(o, s, k)
	}
}

// streamMin is the length from which the elementwise kernels write dst
// with streaming (non-temporal) stores: 2^20 elements, a 4 MiB dst, twice
// the L2 of the development machine. Go's copy switches to streaming
// stores from 1 MiB. Shorter results stay in cache for the next op.
const streamMin = 1 << 20

// elementwise emits a loop of four vectors per step, then one vector per
// step, then one masked step for the last len%width elements.
func elementwise(o *out, s isa, k ewKernel) {
	name := k.name + s.name
	declare(k.doc, goDecl(name, k.args, nil))
	off := text(o, name, k.args, nil)

	temps := k.temps
	if s.is512() && k.temps512 > 0 {
		temps = k.temps512
	}
	k.temps = temps
	perSlot := len(k.inputs) + temps
	unroll := 4
	budget := 24 // Z0..Z23
	if k.name == "expTo" {
		budget = 16 // Z16 onwards hold exp's constants
	}
	if !s.is512() {
		budget = 12 // Y0..Y11
	}
	for unroll*perSlot > budget {
		unroll /= 2
	}
	slot := func(u int) (in, tmp []string) {
		base := u * perSlot
		for j := range k.inputs {
			in = append(in, s.r(base+j))
		}
		for j := 0; j < k.temps; j++ {
			tmp = append(tmp, s.r(base+len(k.inputs)+j))
		}
		return in, tmp
	}
	inBase := []string{"SI", "DX"}

	o.p("\tMOVQ %s_base+%d(FP), DI", k.dst, off[k.dst])
	o.p("\tMOVQ %s_len+%d(FP), CX", k.dst, off[k.dst]+8)
	for j, in := range k.inputs {
		o.p("\tMOVQ %s_base+%d(FP), %s", in, off[in], inBase[j])
	}
	if k.scalar != "" {
		o.p("\tVBROADCASTSS %s+%d(FP), %s", k.scalar, off[k.scalar], scalarReg(s))
	}
	if k.name == "reluTo" || k.name == "reluBackwardTo" {
		o.p("\tVXORPS %s, %s, %s", zeroReg(s), zeroReg(s), zeroReg(s))
	}
	if k.name == "expTo" {
		lo, hi := "Y12", "Y13"
		if s.is512() {
			lo, hi = "Z29", "Z30"
		}
		o.p("\tVBROADCASTSS %s, %s", constAddr("xmin"), lo)
		o.p("\tVBROADCASTSS %s, %s", constAddr("xmax"), hi)
		if s.is512() {
			for _, c := range expConsts {
				o.p("\tVBROADCASTSS %s, %s", constAddr(c.name), expConstReg(c.name))
			}
		}
	}
	o.p("\tXORQ AX, AX")

	body := func(n int, mask, stream bool) {
		for u := 0; u < n; u++ {
			in, _ := slot(u)
			for j := range k.inputs {
				addr := fmt.Sprintf("%d(%s)(AX*4)", u*s.bytes(), inBase[j])
				switch {
				case !mask:
					o.p("\tVMOVUPS %s, %s", addr, in[j])
				case s.is512():
					o.p("\tVMOVUPS.Z %s, K1, %s", addr, in[j])
				default:
					o.p("\tVMASKMOVPS %s, Y15, %s", addr, in[j])
				}
			}
		}
		for u := 0; u < n; u++ {
			in, tmp := slot(u)
			k.op(o, s, in[0], in, tmp, u)
		}
		for u := 0; u < n; u++ {
			in, _ := slot(u)
			addr := fmt.Sprintf("%d(DI)(AX*4)", u*s.bytes())
			switch {
			case stream:
				o.p("\tVMOVNTPS %s, %s", in[0], addr)
			case !mask:
				o.p("\tVMOVUPS %s, %s", in[0], addr)
			case s.is512():
				o.p("\tVMOVUPS %s, K1, %s", in[0], addr)
			default:
				o.p("\tVMASKMOVPS %s, Y15, %s", in[0], addr)
			}
		}
	}

	step := unroll * s.width
	stream := k.name != "axpyUnitary"
	if stream {
		o.p("\tCMPQ CX, $%d", streamMin)
		o.p("\tJAE stream")
	}
	o.p("\tMOVQ CX, BX")
	o.p("\tANDQ $-%d, BX", step)
	o.p("\tJZ one")
	o.p("loop:")
	prefetch := func() {
		if k.name == "expTo" {
			// exp spends enough instructions per vector that the
			// out-of-order window holds few loads, so fetch the input
			// well ahead.
			for b := 0; b < step*4; b += 64 {
				o.p("\tPREFETCHT0 %d(SI)(AX*4)", 2048+b)
			}
		}
	}
	prefetch()
	body(unroll, false, false)
	o.p("\tADDQ $%d, AX", step)
	o.p("\tCMPQ AX, BX")
	o.p("\tJLT loop")
	// From here on AX need not be a multiple of the width (the streaming
	// path starts at an aligned address), so bounds count from AX.
	o.p("one:")
	o.p("\tMOVQ CX, BX")
	o.p("\tSUBQ AX, BX")
	o.p("\tANDQ $-%d, BX", s.width)
	o.p("\tADDQ AX, BX")
	o.p("\tCMPQ AX, BX")
	o.p("\tJGE tail")
	o.p("oneloop:")
	body(1, false, false)
	o.p("\tADDQ $%d, AX", s.width)
	o.p("\tCMPQ AX, BX")
	o.p("\tJLT oneloop")
	o.p("tail:")
	o.p("\tSUBQ AX, CX")
	o.p("\tJZ done")
	tailMask(o, s)
	body(1, true, false)
	o.p("done:")
	o.p("\tVZEROUPPER")
	o.p("\tRET")
	if !stream {
		return
	}

	// Streaming stores write whole lines to memory without reading them
	// first, so a long dst costs one transfer per line instead of two.
	// VMOVNTPS needs an address aligned to the vector size, so one masked
	// step first writes the R10 elements before the first aligned one
	// (CX counts them while R11 keeps the length). Then the unrolled loop
	// streams, and SFENCE orders its stores before the ordinary stores of
	// the remainder.
	o.p("stream:")
	o.p("\tMOVQ DI, R10")
	o.p("\tNEGQ R10")
	o.p("\tANDQ $%d, R10", s.bytes()-1)
	o.p("\tSHRQ $2, R10")
	o.p("\tJZ streamed")
	o.p("\tMOVQ CX, R11")
	o.p("\tMOVQ R10, CX")
	tailMask(o, s)
	o.p("\tMOVQ R11, CX")
	body(1, true, false)
	o.p("\tMOVQ R10, AX")
	o.p("streamed:")
	o.p("\tMOVQ CX, BX")
	o.p("\tSUBQ AX, BX")
	o.p("\tANDQ $-%d, BX", step)
	o.p("\tADDQ AX, BX")
	o.p("streamloop:")
	prefetch()
	body(unroll, false, true)
	o.p("\tADDQ $%d, AX", step)
	o.p("\tCMPQ AX, BX")
	o.p("\tJLT streamloop")
	o.p("\tSFENCE")
	o.p("\tJMP one")
}

// tailMask sets the mask of the first CX lanes (0 < CX < width): K1 on
// AVX-512, Y15 on AVX2. It clobbers R8 and R9.
func tailMask(o *out, s isa) {
	if s.is512() {
		o.p("\tMOVL $1, R8")
		o.p("\tSHLL CX, R8")
		o.p("\tDECL R8")
		o.p("\tKMOVW R8, K1")
		return
	}
	o.p("\tLEAQ tailmask<>(SB), R8")
	o.p("\tMOVQ $8, R9")
	o.p("\tSUBQ CX, R9")
	o.p("\tVMOVUPS (R8)(R9*4), Y15")
}
