//go:build amd64 && !purego

#include "textflag.h"

// STEP takes row r's walk (its heap index, from 1, in I) one level down: R12 = the split's
// byte offset of its feature in the group, X = its threshold; the carry of UCOMISS is
// thr < x, so I = 2I + carry is the left (2I) or right (2I+1) child.
#define STEP(I, R, X) MOVL -4(SI)(I*8), R12; MOVSS -8(SI)(I*8), X; UCOMISS R(DI)(R12*1), X; ADCQ I, I

// LEAF adds row r's leaf value (its index I, the leaves' base in R12) to out[r] (at R13).
#define LEAF(I, O) CVTSS2SD (R12)(I*4), X8; ADDSD O(R13), X8; MOVSD X8, O(R13)

// func walkGroups(splits *walkSplit, leaves uintptr, depth int, groups int, xs *float32, stride int, out *float64)
TEXT ·walkGroups(SB), NOSPLIT, $0-56
	MOVQ splits+0(FP), SI
	MOVQ xs+32(FP), DI

group:
	MOVQ $1, AX
	MOVQ $1, BX
	MOVQ $1, CX
	MOVQ $1, DX
	MOVQ $1, R8
	MOVQ $1, R9
	MOVQ $1, R10
	MOVQ $1, R11
	MOVQ depth+16(FP), R13

level:
	STEP(AX, 0, X0)
	STEP(BX, 4, X1)
	STEP(CX, 8, X2)
	STEP(DX, 12, X3)
	STEP(R8, 16, X4)
	STEP(R9, 20, X5)
	STEP(R10, 24, X6)
	STEP(R11, 28, X7)
	DECQ R13
	JNZ  level

	MOVQ leaves+8(FP), R12
	MOVQ out+48(FP), R13
	LEAF(AX, 0)
	LEAF(BX, 8)
	LEAF(CX, 16)
	LEAF(DX, 24)
	LEAF(R8, 32)
	LEAF(R9, 40)
	LEAF(R10, 48)
	LEAF(R11, 56)
	ADDQ $64, R13
	MOVQ R13, out+48(FP)
	ADDQ stride+40(FP), DI
	DECQ groups+24(FP)
	JNZ  group
	RET
