// Module GroupedGEMM: the reference grouped GEMM on fp8 operands with fp32 scales (SPEC 4):
// exact mode (integer dot products, one rounding to bf16), fp32 mode, the epilogue applying
// scales by layout (OperandScales), output assembly, and the project's one BLAS wrapper (BLAS).
// It knows nothing of fixtures or recipes; a new GEMM mode is a case of GEMMMode here.

import FP8
import Parallel

/// The reference grouped GEMM over `offsets` (SPEC section 4) on fp8 operands with fp32 scales.
///
/// Group g covers rows `offsets[g-1]..<offsets[g]` (`offsets[-1] = 0`); rows at and beyond
/// `offsets[G-1]` belong to no group and are left 0 in assembled outputs.
///
/// - forward: `out[rows of g] = A[rows of g] @ B[g]`; A [M,K], B [G,K,N], out [M,N].
/// - dgrad:   `grad_a[rows of g] = grad_out[rows of g] @ B[g]^T`; grad_out [M,N], B [G,K,N]
///            (the `b_t` codes, stored in b's layout), grad_a [M,K].
/// - wgrad:   `grad_b[g] = A[rows of g]^T @ grad_out[rows of g]`, [G,K,N]; an empty group
///            gives zeros.
///
/// Each output element is `dot * (1/scale_left) * (1/scale_right)` with the reciprocals as
/// fp32 (SPEC section 3), where `scale_left` belongs to the output row and `scale_right` to
/// the output column. `exact` mode rounds the exact value once (`ExactEpilogue`); `fp32` mode
/// is BLAS fp32 accumulation and an fp32 epilogue.
public struct GroupedGEMM: Sendable {
    public let mode: GEMMMode
    /// Whether blocks carry `absSum` (S, for verify's bound and accum_bits). S costs a second
    /// full-size GEMM; callers that only need the outputs (compare, benchmarks) can skip it,
    /// and then `GroupBlock.absSum` is empty. The outputs are the same either way.
    public let computesMagnitudes: Bool
    public init(mode: GEMMMode, computesMagnitudes: Bool = true) {
        self.mode = mode
        self.computesMagnitudes = computesMagnitudes
    }

    /// One fp8 operand with scales per output row / column (`GEMMOperand`).
    public typealias Operand = GEMMOperand<OperandScales>

    /// forward; `body` receives each group's block (rows of the group x N) in group order.
    public func forward(a: Operand, b: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        for f in GroupFactors.forward(a: a, b: b, offsets: offsets) {
            body(block(f.group, f.x, a, f.y, b, rowBase: f.rows.lowerBound))
        }
    }

    /// dgrad; `bT` holds codes in b's [G,K,N] layout, scales per output column k.
    public func dgrad(gradOut: Operand, bT: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        for f in GroupFactors.dgrad(gradOut: gradOut, bT: bT, offsets: offsets) {
            body(block(f.group, f.x, gradOut, f.y, bT, rowBase: f.rows.lowerBound))
        }
    }

    /// wgrad; output rows are k (scales of `a` per group and k), columns n.
    public func wgrad(a: Operand, gradOut: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        for f in GroupFactors.wgrad(a: a, gradOut: gradOut, offsets: offsets) {
            body(block(f.group, f.x, a, f.y, gradOut, rowBase: 0))
        }
    }

    /// One group's product `x @ y` with the epilogue. `rowBase` turns a local output row into
    /// a global one (for `perGlobalRow` scales).
    func block(_ g: Int, _ x: MatrixView, _ xo: Operand, _ y: MatrixView, _ yo: Operand, rowBase: Int) -> GroupBlock {
        let (p, q) = (x.rows, y.columns)
        let xr = (0..<p).map { xo.scales.reciprocal(group: g, global: rowBase + $0, local: $0) }
        let yr = (0..<q).map { yo.scales.reciprocal(group: g, global: $0, local: $0) }
        let xc = CodeTables.shared.integerCodes(xo.format)
        let yc = CodeTables.shared.integerCodes(yo.format)
        var bits = [UInt16](repeating: 0, count: p * q)
        var value = [Double](repeating: 0, count: p * q)
        var absSum = [Double](repeating: 0, count: computesMagnitudes ? p * q : 0)
        let magnitudes = computesMagnitudes
        switch mode {
        case .exact:
            let dot = ExactDot(x: x, xCodes: xc, y: y, yCodes: yc, magnitudes: magnitudes)
            let shift = xc.exponentShift + yc.exponentShift
            let unit = Double(sign: .plus, exponent: -shift, significand: 1)
            let hasSpecial = !dot.special.isEmpty
            // The epilogue, element by element, on every core (rows split into chunks).
            forEachChunk(count: p, chunk: max(1, 8192 / max(q, 1)), writing: &bits, &value, &absSum) { rows, bitsOut, valueOut, absOut in
                for i in rows {
                    for j in 0..<q {
                        let e = i * q + j
                        let (rx, ry) = (xr[i], yr[j])
                        let ve: Double
                        if hasSpecial, let s = dot.special[e] {
                            ve = s * Double(rx) * Double(ry)
                        } else {
                            ve = ExactEpilogue.value(dot: dot.dots[e], rx: rx, ry: ry, shift: shift)
                        }
                        valueOut[e] = ve
                        bitsOut[e] = UInt16(BinaryFormat.bf16.roundToNearestEven(ve))
                        if magnitudes { absOut[e] = dot.absSums[e] * unit * abs(Double(rx) * Double(ry)) }
                    }
                }
            }
        case .fp32:
            var xf = [Float](repeating: 0, count: p * x.columns)
            var yf = [Float](repeating: 0, count: y.rows * q)
            for i in 0..<p { for k in 0..<x.columns { xf[i * x.columns + k] = xc.value[Int(x[i, k])] } }
            for k in 0..<y.rows { for j in 0..<q { yf[k * q + j] = yc.value[Int(y[k, j])] } }
            let acc = BLAS.sgemm(xf, yf, m: p, n: q, k: x.columns)
            let absAcc = magnitudes ? BLAS.sgemm(xf.map(abs), yf.map(abs), m: p, n: q, k: x.columns) : []
            for i in 0..<p {
                for j in 0..<q {
                    let e = i * q + j
                    let v = acc[e] * xr[i] * yr[j]
                    value[e] = Double(v)
                    bits[e] = UInt16(BinaryFormat.bf16.roundToNearestEven(Double(v)))
                    if magnitudes { absSum[e] = Double(absAcc[e]) * abs(Double(xr[i]) * Double(yr[j])) }
                }
            }
        }
        return GroupBlock(group: g, rows: p, columns: q, bits: bits, value: value, absSum: absSum)
    }
}
