/// How the reference grouped GEMM computes (SPEC section 4 "Reference modes").
public enum GEMMMode: String, CaseIterable, Hashable, Sendable {
    /// The real-number result of the dequantized fp8 operands and the fp32 reciprocal scales,
    /// rounded once to bf16. The dot products are integer sums (fp8 values are integers times a
    /// power of two), accumulated through `cblas_dgemm` where that is exact, else exactly in
    /// integer limbs; the epilogue multiplies exactly and rounds once.
    case exact
    /// Fast: `cblas_sgemm` over the dequantized fp32 values (fp32 accumulation in BLAS order),
    /// then `acc * (1/scale_x) * (1/scale_y)` in fp32 and one rounding to bf16.
    case fp32
}
