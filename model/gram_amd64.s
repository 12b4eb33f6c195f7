//go:build amd64 && !purego

#include "textflag.h"

// VROW sets Y to the broadcast of c * y_n[j] (y_n at R, c in XC, j in R11), by way of X.
#define VROW(R, XC, X, Y) VMOVSD (R)(R11*8), X; VMULSD X, XC, X; VBROADCASTSD X, Y

// VADD adds Y4 += Y * y_n[i:i+4] (y_n at R, i in R14), the product rounded first.
#define VADD(R, Y) VMULPD (R)(R14*8), Y, Y5; VADDPD Y5, Y4, Y4

// SADD adds X4 += X * y_n[i] (y_n at R, i in R14), the product rounded first.
#define SADD(R, X) VMOVSD (R)(R14*8), X5; VMULSD X5, X, X5; VADDSD X5, X4, X4

// func gramAdd4AVX2(a *float64, k int, ys *float64, c *float64)
// For each row j of a: v[n] = c[n]*ys[n][j]; then for i <= j
// a[j][i] = (((a[j][i] + v0*y0[i]) + v1*y1[i]) + v2*y2[i]) + v3*y3[i], products rounded.
TEXT ·gramAdd4AVX2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), SI
	MOVQ k+8(FP), DX
	MOVQ ys+16(FP), DI
	MOVQ c+24(FP), AX
	MOVQ DX, BX
	SHLQ $3, BX       // row stride in bytes
	LEAQ (DI)(BX*1), R8  // y1
	LEAQ (R8)(BX*1), R9  // y2
	LEAQ (R9)(BX*1), R10 // y3
	VMOVSD 0(AX), X12
	VMOVSD 8(AX), X13
	VMOVSD 16(AX), X14
	VMOVSD 24(AX), X15
	XORQ R11, R11     // j
	MOVQ SI, R12      // &a[j][0]

rowloop:
	CMPQ R11, DX
	JGE  done
	// v[n] = c[n] * y_n[j], broadcast
	VROW(DI, X12, X0, Y0)
	VROW(R8, X13, X1, Y1)
	VROW(R9, X14, X2, Y2)
	VROW(R10, X15, X3, Y3)
	LEAQ 1(R11), R13  // row length j+1
	XORQ R14, R14     // i

vecloop:
	LEAQ 4(R14), CX
	CMPQ CX, R13
	JG   tail
	VMOVUPD (R12)(R14*8), Y4
	VADD(DI, Y0)
	VADD(R8, Y1)
	VADD(R9, Y2)
	VADD(R10, Y3)
	VMOVUPD Y4, (R12)(R14*8)
	MOVQ CX, R14
	JMP  vecloop

tail:
	CMPQ R14, R13
	JGE  nextrow
	VMOVSD (R12)(R14*8), X4
	SADD(DI, X0)
	SADD(R8, X1)
	SADD(R9, X2)
	SADD(R10, X3)
	VMOVSD X4, (R12)(R14*8)
	INCQ R14
	JMP  tail

nextrow:
	ADDQ BX, R12
	INCQ R11
	JMP  rowloop

done:
	VZEROUPPER
	RET
