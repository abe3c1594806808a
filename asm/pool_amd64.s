//go:build !purego

#include "textflag.h"

// Permutation indices for VPERMT2PS: the even and the odd positions of 32
// consecutive inputs, that is the left and the right column of 16 windows.
DATA poolEvenIdx<>+0(SB)/4, $0
DATA poolEvenIdx<>+4(SB)/4, $2
DATA poolEvenIdx<>+8(SB)/4, $4
DATA poolEvenIdx<>+12(SB)/4, $6
DATA poolEvenIdx<>+16(SB)/4, $8
DATA poolEvenIdx<>+20(SB)/4, $10
DATA poolEvenIdx<>+24(SB)/4, $12
DATA poolEvenIdx<>+28(SB)/4, $14
DATA poolEvenIdx<>+32(SB)/4, $16
DATA poolEvenIdx<>+36(SB)/4, $18
DATA poolEvenIdx<>+40(SB)/4, $20
DATA poolEvenIdx<>+44(SB)/4, $22
DATA poolEvenIdx<>+48(SB)/4, $24
DATA poolEvenIdx<>+52(SB)/4, $26
DATA poolEvenIdx<>+56(SB)/4, $28
DATA poolEvenIdx<>+60(SB)/4, $30
GLOBL poolEvenIdx<>(SB), RODATA|NOPTR, $64

DATA poolOddIdx<>+0(SB)/4, $1
DATA poolOddIdx<>+4(SB)/4, $3
DATA poolOddIdx<>+8(SB)/4, $5
DATA poolOddIdx<>+12(SB)/4, $7
DATA poolOddIdx<>+16(SB)/4, $9
DATA poolOddIdx<>+20(SB)/4, $11
DATA poolOddIdx<>+24(SB)/4, $13
DATA poolOddIdx<>+28(SB)/4, $15
DATA poolOddIdx<>+32(SB)/4, $17
DATA poolOddIdx<>+36(SB)/4, $19
DATA poolOddIdx<>+40(SB)/4, $21
DATA poolOddIdx<>+44(SB)/4, $23
DATA poolOddIdx<>+48(SB)/4, $25
DATA poolOddIdx<>+52(SB)/4, $27
DATA poolOddIdx<>+56(SB)/4, $29
DATA poolOddIdx<>+60(SB)/4, $31
GLOBL poolOddIdx<>(SB), RODATA|NOPTR, $64
// Register roles in maxPool2x2AVX512:
//
//	R9, R10   start of the current row pair's row in x0 and in x1
//	R11       row pairs left to pool
//	R12       outputs per row pair
//	R13       bytes from one row pair's start to the next
//	DI        next output of dst, running on across row pairs
//	SI, DX    next input of the current rows of x0 and of x1
//	CX        outputs left to write in the current row pair
//	R8        outputs of the current row pair's tail
//	Z30, Z31  permutation indices picking the even and the odd of 32 inputs
//	Z0, Z1    window elements a = x0[2j] and b = x0[2j+1], 16 windows
//	Z2, Z3    window elements c = x1[2j] and d = x1[2j+1]
//	Z4        maximum so far of each window
//	Z5, Z6    second 16 inputs of x0 and x1 in the tail
//	K1, K2    lanes whose (a, b) or (c, d) hold a NaN; in the tail, the
//	          loaded lanes of the first and second 16 inputs
//	K3        lanes holding a NaN in the fix-up; the stored lanes in the tail
//	K4        NaN lanes in the tail, kept apart from the load masks
//
// VMAXPS Z4, Zv, Z4 sets Z4 = Zv > Z4 ? Zv : Z4, so a later equal element,
// −0 against +0 included, never replaces an earlier one. A NaN in Zv is
// lost there, so lanes holding a NaN are fixed afterwards by copying d, c,
// b, a in that order wherever the element is NaN, which leaves the first
// NaN of the window.

// func maxPool2x2AVX512(dst, x0, x1 *float32, rows, ow, step int)
TEXT ·maxPool2x2AVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ x0+8(FP), R9
	MOVQ x1+16(FP), R10
	MOVQ rows+24(FP), R11
	MOVQ ow+32(FP), R12
	MOVQ step+40(FP), R13
	SHLQ $2, R13
	VMOVDQU32 poolEvenIdx<>(SB), Z30
	VMOVDQU32 poolOddIdx<>(SB), Z31

avx512row:
	TESTQ R11, R11
	JZ    avx512done
	MOVQ  R9, SI
	MOVQ  R10, DX
	MOVQ  R12, CX

avx512loop:
	CMPQ CX, $16
	JLT  avx512tail
	VMOVUPS   (SI), Z0
	VMOVAPS   Z0, Z1
	VPERMT2PS 64(SI), Z30, Z0
	VPERMT2PS 64(SI), Z31, Z1
	VMOVUPS   (DX), Z2
	VMOVAPS   Z2, Z3
	VPERMT2PS 64(DX), Z30, Z2
	VPERMT2PS 64(DX), Z31, Z3
	VMAXPS    Z0, Z1, Z4
	VMAXPS    Z4, Z2, Z4
	VMAXPS    Z4, Z3, Z4
	VCMPPS    $3, Z1, Z0, K1
	VCMPPS    $3, Z3, Z2, K2
	KORTESTW  K1, K2
	JNZ       avx512nan

avx512store:
	VMOVUPS Z4, (DI)
	ADDQ    $64, DI
	ADDQ    $128, SI
	ADDQ    $128, DX
	SUBQ    $16, CX
	JMP     avx512loop

avx512nan:
	VCMPPS  $3, Z3, Z3, K3
	VMOVAPS Z3, K3, Z4
	VCMPPS  $3, Z2, Z2, K3
	VMOVAPS Z2, K3, Z4
	VCMPPS  $3, Z1, Z1, K3
	VMOVAPS Z1, K3, Z4
	VCMPPS  $3, Z0, Z0, K3
	VMOVAPS Z0, K3, Z4
	JMP     avx512store

avx512tail:
	TESTQ CX, CX
	JZ    avx512next

	// The 2*CX inputs of each row need a mask of 2*CX low bits, split
	// between the two 16-lane loads. Masked-off lanes load as zero and
	// never fault, so nothing past the rows is touched.
	MOVQ  CX, R8
	ADDQ  CX, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	SHRL  $16, AX
	KMOVW AX, K2
	MOVQ  R8, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K3

	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z5
	VMOVAPS   Z0, Z1
	VPERMT2PS Z5, Z30, Z0
	VPERMT2PS Z5, Z31, Z1
	VMOVUPS.Z (DX), K1, Z2
	VMOVUPS.Z 64(DX), K2, Z6
	VMOVAPS   Z2, Z3
	VPERMT2PS Z6, Z30, Z2
	VPERMT2PS Z6, Z31, Z3
	VMAXPS    Z0, Z1, Z4
	VMAXPS    Z4, Z2, Z4
	VMAXPS    Z4, Z3, Z4

	VCMPPS  $3, Z3, Z3, K4
	VMOVAPS Z3, K4, Z4
	VCMPPS  $3, Z2, Z2, K4
	VMOVAPS Z2, K4, Z4
	VCMPPS  $3, Z1, Z1, K4
	VMOVAPS Z1, K4, Z4
	VCMPPS  $3, Z0, Z0, K4
	VMOVAPS Z0, K4, Z4

	VMOVUPS Z4, K3, (DI)
	LEAQ    (DI)(R8*4), DI

avx512next:
	ADDQ R13, R9
	ADDQ R13, R10
	DECQ R11
	JMP  avx512row

avx512done:
	VZEROUPPER
	RET

// Register roles in maxPool2x2RowsAVX2:
//
//	DI        next output of dst
//	SI, DX    next input of x0 and of x1
//	CX        outputs left to write, a multiple of 8
//	Y0, Y1    window elements a = x0[2j] and b = x0[2j+1], 8 windows
//	Y2, Y3    window elements c = x1[2j] and d = x1[2j+1]
//	Y4        maximum so far of each window
//	Y5, Y6    the 16 inputs of a row being split, then NaN lane masks
//	AX        NaN lane bits
//
// VSHUFPS picks the even or odd inputs within each 128-bit lane, which
// leaves the windows in the 64-bit order 0, 2, 1, 3. Every later step works
// lane by lane, so one VPERMPD on the result restores the order.

// func maxPool2x2RowsAVX2(dst, x0, x1 []float32)
TEXT ·maxPool2x2RowsAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x0_base+24(FP), SI
	MOVQ x1_base+48(FP), DX

avx2loop:
	CMPQ CX, $8
	JLT  avx2done
	VMOVUPS (SI), Y5
	VMOVUPS 32(SI), Y6
	VSHUFPS $0x88, Y6, Y5, Y0
	VSHUFPS $0xdd, Y6, Y5, Y1
	VMOVUPS (DX), Y5
	VMOVUPS 32(DX), Y6
	VSHUFPS $0x88, Y6, Y5, Y2
	VSHUFPS $0xdd, Y6, Y5, Y3
	VMAXPS  Y0, Y1, Y4
	VMAXPS  Y4, Y2, Y4
	VMAXPS  Y4, Y3, Y4
	VCMPPS  $3, Y1, Y0, Y5
	VCMPPS  $3, Y3, Y2, Y6
	VORPS   Y5, Y6, Y5
	VMOVMSKPS Y5, AX
	TESTL   AX, AX
	JNZ     avx2nan

avx2store:
	VPERMPD $0xd8, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, DI
	ADDQ    $64, SI
	ADDQ    $64, DX
	SUBQ    $8, CX
	JMP     avx2loop

avx2nan:
	VCMPPS    $3, Y3, Y3, Y5
	VBLENDVPS Y5, Y3, Y4, Y4
	VCMPPS    $3, Y2, Y2, Y5
	VBLENDVPS Y5, Y2, Y4, Y4
	VCMPPS    $3, Y1, Y1, Y5
	VBLENDVPS Y5, Y1, Y4, Y4
	VCMPPS    $3, Y0, Y0, Y5
	VBLENDVPS Y5, Y0, Y4, Y4
	JMP       avx2store

avx2done:
	VZEROUPPER
	RET

// Register roles in maxPool2x2IndexAVX512:
//
//	R9, R10   start of the current row pair's row in x0 and in x1
//	R11       row pairs left to pool
//	R12       outputs per row pair
//	R13       bytes from one row pair's start to the next
//	DI, BX    next output of dst and of idx, running on across row pairs
//	SI, DX    next input of the current rows of x0 and of x1
//	CX        outputs left to write in the current row pair
//	R8        outputs of the current row pair's tail
//	Z24, Z25  positions of a and of c for the first 16 windows of the
//	          current row pair
//	Z26       step in every lane, the step of Z24 and Z25 per row pair
//	Z30, Z31  permutation indices picking the even and the odd of 32 inputs
//	Z20, Z21  positions of a and of c for the current 16 windows
//	Z22       32 in every lane, the step of Z20 and Z21 per 16 windows
//	Z23       1 in every lane, the offset of b from a and of d from c
//	Z0, Z1    window elements a = x0[2j] and b = x0[2j+1], 16 windows
//	Z2, Z3    window elements c = x1[2j] and d = x1[2j+1]
//	Z4, Z5    maximum so far of each window and its position
//	Z6        position of b or of d
//	Z7, Z8    second 16 inputs of x0 and x1 in the tail
//	K1        lanes where the element replaces the maximum, or is NaN in
//	          the fix-up
//	K2        lanes whose (c, d) hold a NaN
//	K3, K4    loaded lanes of the first and second 16 inputs in the tail
//	K5        stored lanes in the tail
//
// Predicate 0x1e of VCMPPS is "greater than, ordered", so a later element
// replaces the maximum only if strictly larger and neither is NaN. Lanes
// holding a NaN are fixed afterwards as in maxPool2x2AVX512.

// func maxPool2x2IndexAVX512(dst *float32, idx *int32, x0, x1 *float32, rows, ow, step int, pos0, pos1 int32)
TEXT ·maxPool2x2IndexAVX512(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ idx+8(FP), BX
	MOVQ x0+16(FP), R9
	MOVQ x1+24(FP), R10
	MOVQ rows+32(FP), R11
	MOVQ ow+40(FP), R12
	MOVQ step+48(FP), R13
	VMOVDQU32 poolEvenIdx<>(SB), Z30
	VMOVDQU32 poolOddIdx<>(SB), Z31

	// Lane l of the first 16 windows has a at pos0+2l and c at pos1+2l,
	// and poolEvenIdx holds 2l.
	MOVL         pos0+56(FP), AX
	VPBROADCASTD AX, Z24
	VPADDD       Z30, Z24, Z24
	MOVL         pos1+60(FP), AX
	VPBROADCASTD AX, Z25
	VPADDD       Z30, Z25, Z25
	VPBROADCASTD R13, Z26
	SHLQ         $2, R13
	MOVL         $32, AX
	VPBROADCASTD AX, Z22
	MOVL         $1, AX
	VPBROADCASTD AX, Z23

idxrow:
	TESTQ     R11, R11
	JZ        idxdone
	MOVQ      R9, SI
	MOVQ      R10, DX
	MOVQ      R12, CX
	VMOVDQA32 Z24, Z20
	VMOVDQA32 Z25, Z21

idxloop:
	CMPQ CX, $16
	JLT  idxtail
	VMOVUPS   (SI), Z0
	VMOVAPS   Z0, Z1
	VPERMT2PS 64(SI), Z30, Z0
	VPERMT2PS 64(SI), Z31, Z1
	VMOVUPS   (DX), Z2
	VMOVAPS   Z2, Z3
	VPERMT2PS 64(DX), Z30, Z2
	VPERMT2PS 64(DX), Z31, Z3

	VMOVAPS   Z0, Z4
	VMOVDQA32 Z20, Z5
	VPADDD    Z23, Z20, Z6
	VCMPPS    $0x1e, Z4, Z1, K1
	VMOVAPS   Z1, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $0x1e, Z4, Z2, K1
	VMOVAPS   Z2, K1, Z4
	VMOVDQA32 Z21, K1, Z5
	VPADDD    Z23, Z21, Z6
	VCMPPS    $0x1e, Z4, Z3, K1
	VMOVAPS   Z3, K1, Z4
	VMOVDQA32 Z6, K1, Z5

	VCMPPS   $3, Z1, Z0, K1
	VCMPPS   $3, Z3, Z2, K2
	KORTESTW K1, K2
	JNZ      idxnan

idxstore:
	VMOVUPS   Z4, (DI)
	VMOVDQU32 Z5, (BX)
	VPADDD    Z22, Z20, Z20
	VPADDD    Z22, Z21, Z21
	ADDQ      $64, DI
	ADDQ      $64, BX
	ADDQ      $128, SI
	ADDQ      $128, DX
	SUBQ      $16, CX
	JMP       idxloop

idxnan:
	// Z6 still holds the positions of d.
	VCMPPS    $3, Z3, Z3, K1
	VMOVAPS   Z3, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $3, Z2, Z2, K1
	VMOVAPS   Z2, K1, Z4
	VMOVDQA32 Z21, K1, Z5
	VPADDD    Z23, Z20, Z6
	VCMPPS    $3, Z1, Z1, K1
	VMOVAPS   Z1, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $3, Z0, Z0, K1
	VMOVAPS   Z0, K1, Z4
	VMOVDQA32 Z20, K1, Z5
	JMP       idxstore

idxtail:
	TESTQ CX, CX
	JZ    idxnext

	// Masks as in the tail of maxPool2x2AVX512.
	MOVQ  CX, R8
	ADDQ  CX, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K3
	SHRL  $16, AX
	KMOVW AX, K4
	MOVQ  R8, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K5

	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS.Z 64(SI), K4, Z7
	VMOVAPS   Z0, Z1
	VPERMT2PS Z7, Z30, Z0
	VPERMT2PS Z7, Z31, Z1
	VMOVUPS.Z (DX), K3, Z2
	VMOVUPS.Z 64(DX), K4, Z8
	VMOVAPS   Z2, Z3
	VPERMT2PS Z8, Z30, Z2
	VPERMT2PS Z8, Z31, Z3

	VMOVAPS   Z0, Z4
	VMOVDQA32 Z20, Z5
	VPADDD    Z23, Z20, Z6
	VCMPPS    $0x1e, Z4, Z1, K1
	VMOVAPS   Z1, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $0x1e, Z4, Z2, K1
	VMOVAPS   Z2, K1, Z4
	VMOVDQA32 Z21, K1, Z5
	VPADDD    Z23, Z21, Z6
	VCMPPS    $0x1e, Z4, Z3, K1
	VMOVAPS   Z3, K1, Z4
	VMOVDQA32 Z6, K1, Z5

	VCMPPS    $3, Z3, Z3, K1
	VMOVAPS   Z3, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $3, Z2, Z2, K1
	VMOVAPS   Z2, K1, Z4
	VMOVDQA32 Z21, K1, Z5
	VPADDD    Z23, Z20, Z6
	VCMPPS    $3, Z1, Z1, K1
	VMOVAPS   Z1, K1, Z4
	VMOVDQA32 Z6, K1, Z5
	VCMPPS    $3, Z0, Z0, K1
	VMOVAPS   Z0, K1, Z4
	VMOVDQA32 Z20, K1, Z5

	VMOVUPS   Z4, K5, (DI)
	VMOVDQU32 Z5, K5, (BX)
	LEAQ      (DI)(R8*4), DI
	LEAQ      (BX)(R8*4), BX

idxnext:
	VPADDD Z26, Z24, Z24
	VPADDD Z26, Z25, Z25
	ADDQ   R13, R9
	ADDQ   R13, R10
	DECQ   R11
	JMP    idxrow

idxdone:
	VZEROUPPER
	RET
