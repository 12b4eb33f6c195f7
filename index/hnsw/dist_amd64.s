//go:build amd64 && !purego

#include "textflag.h"

// Batched distance kernels: one call scores a whole neighbour list, prefetching the
// vectors PF entries ahead so their cache misses overlap with the arithmetic.

#define PF 3


// func dotBatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32)
// out[i] = -dot(q, base[ids[i]*dim : (ids[i]+1)*dim])
TEXT ·dotBatchAVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ base+8(FP), DI
	MOVQ ids+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ dim+32(FP), DX
	MOVQ out+40(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9 // stride bytes
	XORQ R10, R10 // i

	// prologue: prefetch the first PF vectors
	XORQ AX, AX
dpro:
	CMPQ AX, CX
	JGE  dloop
	CMPQ AX, $PF
	JGE  dloop
	MOVLQSX (BX)(AX*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	XORQ    R12, R12
dprol:
	PREFETCHT0 (R11)(R12*1)
	ADDQ $64, R12
	CMPQ R12, R9
	JL   dprol
	INCQ AX
	JMP  dpro

dloop:
	CMPQ R10, CX
	JGE  ddone
	// prefetch vector i+PF
	LEAQ PF(R10), AX
	CMPQ AX, CX
	JGE  dnopf
	MOVLQSX (BX)(AX*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	XORQ    R12, R12
dpfl:
	PREFETCHT0 (R11)(R12*1)
	ADDQ $64, R12
	CMPQ R12, R9
	JL   dpfl
dnopf:
	MOVLQSX (BX)(R10*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11 // R11 = vector
	MOVQ    SI, R12 // R12 = q
	MOVQ    DX, R13 // R13 = remaining
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
d32:
	CMPQ R13, $32
	JL   d8
	VMOVUPS (R12), Y4
	VMOVUPS 32(R12), Y5
	VMOVUPS 64(R12), Y6
	VMOVUPS 96(R12), Y7
	VFMADD231PS (R11), Y4, Y0
	VFMADD231PS 32(R11), Y5, Y1
	VFMADD231PS 64(R11), Y6, Y2
	VFMADD231PS 96(R11), Y7, Y3
	ADDQ $128, R12
	ADDQ $128, R11
	SUBQ $32, R13
	JMP  d32
d8:
	CMPQ R13, $8
	JL   dsum
	VMOVUPS (R12), Y4
	VFMADD231PS (R11), Y4, Y0
	ADDQ $32, R12
	ADDQ $32, R11
	SUBQ $8, R13
	JMP  d8
dsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
dtail:
	CMPQ R13, $0
	JE   dstore
	VMOVSS (R12), X1
	VFMADD231SS (R11), X1, X0
	ADDQ $4, R12
	ADDQ $4, R11
	DECQ R13
	JMP  dtail
dstore:
	VXORPS X2, X2, X2
	VSUBSS X0, X2, X2 // X2 = -X0
	VMOVSS X2, (R8)(R10*4)
	INCQ R10
	JMP  dloop
ddone:
	VZEROUPPER
	RET

// func l2BatchAVX2(q, base *float32, ids *int32, n, dim int, out *float32)
// out[i] = squared L2 distance of q to base[ids[i]*dim : (ids[i]+1)*dim]
TEXT ·l2BatchAVX2(SB), NOSPLIT, $0-48
	MOVQ q+0(FP), SI
	MOVQ base+8(FP), DI
	MOVQ ids+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ dim+32(FP), DX
	MOVQ out+40(FP), R8
	MOVQ DX, R9
	SHLQ $2, R9
	XORQ R10, R10

	XORQ AX, AX
lpro:
	CMPQ AX, CX
	JGE  lloop
	CMPQ AX, $PF
	JGE  lloop
	MOVLQSX (BX)(AX*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	XORQ    R12, R12
lprol:
	PREFETCHT0 (R11)(R12*1)
	ADDQ $64, R12
	CMPQ R12, R9
	JL   lprol
	INCQ AX
	JMP  lpro

lloop:
	CMPQ R10, CX
	JGE  ldone
	LEAQ PF(R10), AX
	CMPQ AX, CX
	JGE  lnopf
	MOVLQSX (BX)(AX*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	XORQ    R12, R12
lpfl:
	PREFETCHT0 (R11)(R12*1)
	ADDQ $64, R12
	CMPQ R12, R9
	JL   lpfl
lnopf:
	MOVLQSX (BX)(R10*4), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	MOVQ    SI, R12
	MOVQ    DX, R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
l32:
	CMPQ R13, $32
	JL   l8
	VMOVUPS (R12), Y4
	VMOVUPS 32(R12), Y5
	VMOVUPS 64(R12), Y6
	VMOVUPS 96(R12), Y7
	VSUBPS (R11), Y4, Y4
	VSUBPS 32(R11), Y5, Y5
	VSUBPS 64(R11), Y6, Y6
	VSUBPS 96(R11), Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, R12
	ADDQ $128, R11
	SUBQ $32, R13
	JMP  l32
l8:
	CMPQ R13, $8
	JL   lsum
	VMOVUPS (R12), Y4
	VSUBPS (R11), Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, R12
	ADDQ $32, R11
	SUBQ $8, R13
	JMP  l8
lsum:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
ltail:
	CMPQ R13, $0
	JE   lstore
	VMOVSS (R12), X1
	VSUBSS (R11), X1, X1
	VFMADD231SS X1, X1, X0
	ADDQ $4, R12
	ADDQ $4, R11
	DECQ R13
	JMP  ltail
lstore:
	VMOVSS X0, (R8)(R10*4)
	INCQ R10
	JMP  lloop
ldone:
	VZEROUPPER
	RET

// func prefetch(p *int32)
TEXT ·prefetch(SB), NOSPLIT, $0-8
	MOVQ p+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	RET
