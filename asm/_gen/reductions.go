package main

import "fmt"

// reductions emits dot, sum and max for tier s. Register roles:
//
//	SI, DX  input bases        AX  element index
//	CX      length             BX  loop bound
//	acc 0..3  four independent accumulators, so the adds overlap
func reductions(o *out, s isa) {
	dot(o, s)
	sum(o, s)
	maxKernel(o, s)
}

// hreduce folds vector register 0 into lane 0 of X0 using the packed
// instruction op (for example VADDPS) and its scalar form.
func hreduce(o *out, s isa, op, scalarOp string, double bool) {
	if s.is512() {
		o.p("\tVEXTRACTF64X4 $1, Z0, Y1")
		o.p("\t%s Y1, Y0, Y0", op)
	}
	o.p("\tVEXTRACTF128 $1, Y0, X1")
	o.p("\t%s X1, X0, X0", op)
	if double {
		o.p("\tVPERMILPD $1, X0, X1")
		o.p("\t%s X1, X0, X0", scalarOp)
		return
	}
	o.p("\tVMOVHLPS X0, X0, X1")
	o.p("\t%s X1, X0, X0", op)
	o.p("\tVMOVSHDUP X0, X1")
	o.p("\t%s X1, X0, X0", scalarOp)
}

// loops emits the usual three loops over CX elements: unrolled by four
// vectors of step elements, one vector, then a masked tail, calling emit
// with the unroll slot and whether the tail mask applies.
func loops(o *out, s isa, step int, emit func(u int, mask bool)) {
	o.p("\tXORQ AX, AX")
	o.p("\tMOVQ CX, BX")
	o.p("\tANDQ $-%d, BX", 4*step)
	o.p("\tJZ one")
	o.p("loop:")
	for u := 0; u < 4; u++ {
		emit(u, false)
	}
	o.p("\tADDQ $%d, AX", 4*step)
	o.p("\tCMPQ AX, BX")
	o.p("\tJLT loop")
	o.p("one:")
	o.p("\tMOVQ CX, BX")
	o.p("\tANDQ $-%d, BX", step)
	o.p("\tCMPQ AX, BX")
	o.p("\tJGE tail")
	o.p("oneloop:")
	emit(0, false)
	o.p("\tADDQ $%d, AX", step)
	o.p("\tCMPQ AX, BX")
	o.p("\tJLT oneloop")
	o.p("tail:")
	o.p("\tSUBQ AX, CX")
	o.p("\tJZ reduce")
	tailMask(o, s)
	emit(1, true)
	o.p("reduce:")
}

func dot(o *out, s isa) {
	args := []param{{"x", "slice"}, {"y", "slice"}}
	res := []param{{"", "f32"}}
	name := "dotUnitary" + s.name
	declare("var sum float32\nfor i := range x { sum += x[i] * y[i] }\nreturn sum\n\nwith four vectors of partial sums and fused multiply-adds, so the\nresult differs from the loop by rounding only.", goDecl(name, args, res))
	off := text(o, name, args, []param{{"ret", "f32"}})
	o.p("\tMOVQ x_base+%d(FP), SI", off["x"])
	o.p("\tMOVQ x_len+%d(FP), CX", off["x"]+8)
	o.p("\tMOVQ y_base+%d(FP), DX", off["y"])
	for u := 0; u < 4; u++ {
		o.p("\tVXORPS %s, %s, %s", s.r(u), s.r(u), s.r(u))
	}
	loops(o, s, s.width, func(u int, mask bool) {
		xa := fmt.Sprintf("%d(SI)(AX*4)", u*s.bytes())
		ya := fmt.Sprintf("%d(DX)(AX*4)", u*s.bytes())
		xr, yr := s.r(4+u), s.r(8+u)
		switch {
		case !mask:
			o.p("\tVMOVUPS %s, %s", xa, xr)
			o.p("\tVFMADD231PS %s, %s, %s", ya, xr, s.r(u))
		case s.is512():
			o.p("\tVMOVUPS.Z (SI)(AX*4), K1, %s", xr)
			o.p("\tVMOVUPS.Z (DX)(AX*4), K1, %s", yr)
			o.p("\tVFMADD231PS %s, %s, %s", yr, xr, s.r(u))
		default:
			o.p("\tVMASKMOVPS (SI)(AX*4), Y15, %s", xr)
			o.p("\tVMASKMOVPS (DX)(AX*4), Y15, %s", yr)
			o.p("\tVFMADD231PS %s, %s, %s", yr, xr, s.r(u))
		}
	})
	o.p("\tVADDPS %s, %s, %s", s.r(1), s.r(0), s.r(0))
	o.p("\tVADDPS %s, %s, %s", s.r(3), s.r(2), s.r(2))
	o.p("\tVADDPS %s, %s, %s", s.r(2), s.r(0), s.r(0))
	hreduce(o, s, "VADDPS", "VADDSS", false)
	o.p("\tMOVSS X0, ret+%d(FP)", off["ret"])
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}

// sum converts to float64 before adding, as the Go loop does, so the float32
// result matches it except where a float64 rounding tips the final rounding.
func sum(o *out, s isa) {
	args := []param{{"x", "slice"}}
	name := "sum" + s.name
	declare("var s float64\nfor _, v := range x { s += float64(v) }\nreturn s\n\nwith four vectors of float64 partial sums.", goDecl(name, args, []param{{"", "f64"}}))
	off := text(o, name, args, []param{{"ret", "f64"}})
	o.p("\tMOVQ x_base+%d(FP), SI", off["x"])
	o.p("\tMOVQ x_len+%d(FP), CX", off["x"]+8)
	for u := 0; u < 4; u++ {
		o.p("\tVXORPD %s, %s, %s", s.r(u), s.r(u), s.r(u))
	}
	half := s.width / 2 // float64 lanes per vector
	half512 := s.is512()
	loops(o, s, half, func(u int, mask bool) {
		src := fmt.Sprintf("%d(SI)(AX*4)", u*half*4)
		cv := s.r(4 + u)
		narrow := fmt.Sprintf("Y%d", 4+u)
		if !half512 {
			narrow = fmt.Sprintf("X%d", 4+u)
		}
		switch {
		case !mask:
			o.p("\tVCVTPS2PD %s, %s", src, cv)
		case half512:
			o.p("\tVMOVUPS.Z (SI)(AX*4), K1, %s", narrow)
			o.p("\tVCVTPS2PD %s, %s", narrow, cv)
		default:
			o.p("\tVMASKMOVPS (SI)(AX*4), X15, %s", narrow)
			o.p("\tVCVTPS2PD %s, %s", narrow, cv)
		}
		o.p("\tVADDPD %s, %s, %s", cv, s.r(u), s.r(u))
	})
	o.p("\tVADDPD %s, %s, %s", s.r(1), s.r(0), s.r(0))
	o.p("\tVADDPD %s, %s, %s", s.r(3), s.r(2), s.r(2))
	o.p("\tVADDPD %s, %s, %s", s.r(2), s.r(0), s.r(0))
	hreduce(o, s, "VADDPD", "VADDSD", true)
	o.p("\tMOVSD X0, ret+%d(FP)", off["ret"])
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}

// maxKernel returns the maximum and whether any element is NaN; the Go
// wrapper rescans on NaN or a zero maximum, where VMAXPS's operand order
// would otherwise decide which NaN or which signed zero comes back.
func maxKernel(o *out, s isa) {
	args := []param{{"x", "slice"}}
	res := []param{{"m", "f32"}, {"nan", "bool"}}
	name := "max" + s.name
	declare("m = -Inf; for _, v := range x { if v > m { m = v } }\nnan = any element of x is NaN\n\nm is unspecified when nan is true, and its sign is unspecified when it is zero.", goDecl(name, args, res))
	off := text(o, name, args, res)
	o.p("\tMOVQ x_base+%d(FP), SI", off["x"])
	o.p("\tMOVQ x_len+%d(FP), CX", off["x"]+8)
	o.p("\tMOVL $0xff800000, R8")
	o.p("\tMOVL R8, X10")
	o.p("\tVBROADCASTSS X10, %s", s.r(10))
	for u := 0; u < 4; u++ {
		o.p("\tVMOVAPS %s, %s", s.r(10), s.r(u))
	}
	if s.is512() {
		o.p("\tKXORW K2, K2, K2")
	} else {
		o.p("\tVXORPS Y8, Y8, Y8")
	}
	loops(o, s, s.width, func(u int, mask bool) {
		src := fmt.Sprintf("%d(SI)(AX*4)", u*s.bytes())
		xr := s.r(4 + u)
		switch {
		case !mask:
			o.p("\tVMOVUPS %s, %s", src, xr)
		case s.is512():
			o.p("\tVMOVUPS.Z (SI)(AX*4), K1, %s", xr)
		default:
			o.p("\tVMASKMOVPS (SI)(AX*4), Y15, %s", xr)
			// Masked-off lanes load as zero; make them -Inf so they
			// cannot win.
			o.p("\tVBLENDVPS Y15, %s, Y10, %s", xr, xr)
		}
		if s.is512() {
			o.p("\tVCMPPS $3, %s, %s, K3", xr, xr)
			o.p("\tKORW K3, K2, K2")
			if mask {
				o.p("\tVMAXPS %s, %s, K1, %s", xr, s.r(u), s.r(u))
			} else {
				o.p("\tVMAXPS %s, %s, %s", xr, s.r(u), s.r(u))
			}
			return
		}
		o.p("\tVCMPPS $3, %s, %s, Y9", xr, xr)
		o.p("\tVORPS Y9, Y8, Y8")
		o.p("\tVMAXPS %s, %s, %s", xr, s.r(u), s.r(u))
	})
	o.p("\tVMAXPS %s, %s, %s", s.r(1), s.r(0), s.r(0))
	o.p("\tVMAXPS %s, %s, %s", s.r(3), s.r(2), s.r(2))
	o.p("\tVMAXPS %s, %s, %s", s.r(2), s.r(0), s.r(0))
	hreduce(o, s, "VMAXPS", "VMAXSS", false)
	o.p("\tMOVSS X0, m+%d(FP)", off["m"])
	if s.is512() {
		o.p("\tKMOVW K2, AX")
	} else {
		o.p("\tVMOVMSKPS Y8, AX")
	}
	o.p("\tTESTL AX, AX")
	o.p("\tSETNE nan+%d(FP)", off["nan"])
	o.p("\tVZEROUPPER")
	o.p("\tRET")
}
