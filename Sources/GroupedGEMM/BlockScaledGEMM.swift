import FP8
import Parallel

/// The exact reference grouped GEMM on block-scaled operands (SPEC 8.3, section 4's `exact`
/// mode): forward, dgrad and wgrad over `offsets` as `GroupedGEMM`, with operand scales that
/// may change along the contraction (MXFP8's 1x32 / 32x1, blockwise's 1x128 / 128x1 / 128x128,
/// and per-row scales as the 1 x K special case).
///
/// Each output element is `sum over segments s of D_s * dx_s * dy_s`, where the contraction is
/// cut into segments on which both operands' scales are constant (the union of both block
/// grids' boundaries, in the operands' own stored row/column numbering, so a wgrad group that
/// starts inside a 32-row block is cut where the block ends), `D_s` is the exact integer dot
/// product of the codes over the segment (`ExactDot`), and `dx_s, dy_s` are the fp32
/// dequantization factors. The sum is exact (`ExactSum`) and rounded once to bf16.
///
/// Elements whose row or column meets a NaN or Inf code, or a non-finite factor (an e8m0 0xFF,
/// or the reciprocal +Inf of a zero multiplier), are the plain Double sum of the dequantized
/// products `(x * dx) * (y * dy)`, element by element (NaN or +-Inf; a code 0 times an
/// infinite factor is NaN).
public struct BlockScaledGEMM: Sendable {
    public init() {}

    /// One block-scaled fp8 operand in its stored layout (`GEMMOperand`).
    public typealias Operand = GEMMOperand<BlockScales>

    /// How a GEMM operand's view maps back onto its stored layout: the view's outer index is
    /// the output row (left) or column (right), its inner index the contraction. Stored row =
    /// `rowOrigin + (rowIsOuter ? outer : inner)`, stored column = the other index.
    struct Side {
        let view: MatrixView
        let operand: Operand
        let rowOrigin: Int
        let rowIsOuter: Bool

        /// The scale index of view element (outer, inner) is `outerPart[outer] + innerPart[inner]`.
        func parts(outerCount: Int, innerCount: Int) -> (outer: [Int], inner: [Int]) {
            let s = operand.scales
            let rowPart = { (r: Int) in ((rowOrigin + r) / s.rowBlock) * s.gridColumns }
            let columnPart = { (c: Int) in c / s.columnBlock }
            return rowIsOuter ? ((0..<outerCount).map(rowPart), (0..<innerCount).map(columnPart))
                              : ((0..<outerCount).map(columnPart), (0..<innerCount).map(rowPart))
        }
    }

    /// forward: `out[rows of g] = A[rows of g] @ B[g]`.
    public func forward(a: Operand, b: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        let k = a.shape[1]
        for f in GroupFactors.forward(a: a, b: b, offsets: offsets) {
            body(block(f.group, Side(view: f.x, operand: a, rowOrigin: f.rows.lowerBound, rowIsOuter: true),
                       Side(view: f.y, operand: b, rowOrigin: f.group * k, rowIsOuter: false)))
        }
    }

    /// dgrad: `grad_a[rows of g] = grad_out[rows of g] @ B[g]^T`; `bT` holds codes in b's
    /// [G,K,N] layout with its own scales.
    public func dgrad(gradOut: Operand, bT: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        let k = bT.shape[1]
        for f in GroupFactors.dgrad(gradOut: gradOut, bT: bT, offsets: offsets) {
            body(block(f.group, Side(view: f.x, operand: gradOut, rowOrigin: f.rows.lowerBound, rowIsOuter: true),
                       Side(view: f.y, operand: bT, rowOrigin: f.group * k, rowIsOuter: true)))
        }
    }

    /// wgrad: `grad_b[g] = A[rows of g]^T @ grad_out[rows of g]`; the contraction runs over
    /// the group's rows, cut where either operand's row blocks end.
    public func wgrad(a: Operand, gradOut: Operand, offsets: [Int], body: (GroupBlock) -> Void) {
        for f in GroupFactors.wgrad(a: a, gradOut: gradOut, offsets: offsets) {
            body(block(f.group, Side(view: f.x, operand: a, rowOrigin: f.rows.lowerBound, rowIsOuter: false),
                       Side(view: f.y, operand: gradOut, rowOrigin: f.rows.lowerBound, rowIsOuter: false)))
        }
    }

    func block(_ g: Int, _ left: Side, _ right: Side) -> GroupBlock {
        let (x, y) = (left.view, right.view)
        let (p, r, q) = (x.rows, x.columns, y.columns)
        let (xo, xi) = left.parts(outerCount: p, innerCount: r)
        let (yo, yi) = right.parts(outerCount: q, innerCount: r)
        let xc = CodeTables.shared.integerCodes(left.operand.format)
        let yc = CodeTables.shared.integerCodes(right.operand.format)
        let shift = xc.exponentShift + yc.exponentShift
        let unit = Double(sign: .plus, exponent: -shift, significand: 1)
        let dx = left.operand.scales.dequantization, dy = right.operand.scales.dequantization
        // Segments: where either operand's scale changes along the contraction.
        var starts: [Int] = r > 0 ? [0] : []
        for k in stride(from: 1, to: r, by: 1) where xi[k] != xi[k - 1] || yi[k] != yi[k - 1] { starts.append(k) }
        let segments = starts.enumerated().map { (i, s) in s..<(i + 1 < starts.count ? starts[i + 1] : r) }
        // Each segment's exact dot products, one segment after another in flat arrays
        // (segment s's element e at `s * p * q + e`; its special rows and columns likewise).
        var dots: [Int128] = [], magnitudes: [Double] = []
        var rowSpecial: [Bool] = [], columnSpecial: [Bool] = []
        dots.reserveCapacity(segments.count * p * q)
        magnitudes.reserveCapacity(segments.count * p * q)
        for seg in segments {
            let d = ExactDot(x: MatrixView(codes: x.codes, offset: x.offset + seg.lowerBound * x.columnStride, rows: p,
                                           columns: seg.count, rowStride: x.rowStride, columnStride: x.columnStride),
                             xCodes: xc,
                             y: MatrixView(codes: y.codes, offset: y.offset + seg.lowerBound * y.rowStride, rows: seg.count,
                                           columns: q, rowStride: y.rowStride, columnStride: y.columnStride),
                             yCodes: yc)
            dots += d.dots
            magnitudes += d.absSums
            rowSpecial += d.rowSpecial
            columnSpecial += d.columnSpecial
        }
        // The factor index of each segment along the contraction (constant on the segment).
        let xs = segments.map { xi[$0.lowerBound] }, ys = segments.map { yi[$0.lowerBound] }
        var bits = [UInt16](repeating: 0, count: p * q)
        var value = [Double](repeating: 0, count: p * q)
        var absSum = [Double](repeating: 0, count: p * q)
        // Element by element, on every core (rows split into chunks, each with its own sum).
        let work = max(1, q * segments.count)
        forEachChunk(count: p, chunk: max(1, 8192 / work), writing: &bits, &value, &absSum) {
            [dots, magnitudes, rowSpecial, columnSpecial] rows, bitsOut, valueOut, absOut in
            var sum = ExactSum()
            for i in rows {
                for j in 0..<q {
                    let e = i * q + j
                    sum.reset()
                    var special = false
                    var plain = 0.0, magnitude = 0.0
                    for (s, seg) in segments.enumerated() {
                        let (fx, fy) = (dx[xo[i] + xs[s]], dy[yo[j] + ys[s]])
                        let f = Double(fx) * Double(fy)
                        if rowSpecial[s * p + i] || columnSpecial[s * q + j] || !f.isFinite {
                            // Dequantized element by element, as SPEC 4's E is defined: a code 0
                            // times an infinite factor is NaN, whatever the rest of the segment.
                            // Such a segment's sum is NaN or infinite, so the finite segments
                            // (left out of `plain`) cannot change the element's value.
                            special = true
                            for k in seg {
                                plain += (Double(xc.value[Int(x[i, k])]) * Double(fx)) * (Double(yc.value[Int(y[k, j])]) * Double(fy))
                            }
                        } else {
                            sum.add(dot: dots[s * p * q + e], r: f, shift: shift)
                        }
                        magnitude += magnitudes[s * p * q + e] * unit * abs(f)
                    }
                    let v = special ? plain : sum.roundedToOdd()
                    valueOut[e] = v
                    bitsOut[e] = UInt16(BinaryFormat.bf16.roundToNearestEven(v))
                    absOut[e] = magnitude
                }
            }
        }
        return GroupBlock(group: g, rows: p, columns: q, bits: bits, value: value, absSum: absSum)
    }
}
