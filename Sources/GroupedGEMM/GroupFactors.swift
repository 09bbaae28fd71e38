import Groups

/// What group g of a grouped GEMM multiplies (SPEC section 4), in one place for both reference
/// GEMMs (`GroupedGEMM`, `BlockScaledGEMM`): the left factor `x` [p, r] and the right factor
/// `y` [r, q] as views of the stored operands (no copies), and the group's rows `rows` of M
/// (`offsets[g-1]..<offsets[g]`).
///
/// - forward: x = A[rows], y = B[g]; out[rows] = x @ y.
/// - dgrad:   x = grad_out[rows], y = B[g]^T (b_t codes stored in b's [G,K,N] layout);
///            grad_a[rows] = x @ y.
/// - wgrad:   x = A[rows]^T, y = grad_out[rows]; grad_b[g] = x @ y, contracting over the rows.
struct GroupFactors {
    let group: Int
    let rows: Range<Int>
    let x: MatrixView
    let y: MatrixView

    /// A [M,K], B [G,K,N].
    static func forward<S>(a: GEMMOperand<S>, b: GEMMOperand<S>, offsets: [Int]) -> [GroupFactors] {
        let (k, n) = (a.shape[1], b.shape[2])
        return groups(offsets) { g, rows in
            (rowSlice(a.codes, rows, width: k), MatrixView(codes: b.codes, offset: g * k * n, rows: k, columns: n, rowStride: n))
        }
    }

    /// grad_out [M,N], b_t [G,K,N].
    static func dgrad<S>(gradOut: GEMMOperand<S>, bT: GEMMOperand<S>, offsets: [Int]) -> [GroupFactors] {
        let (k, n) = (bT.shape[1], bT.shape[2])
        return groups(offsets) { g, rows in
            (rowSlice(gradOut.codes, rows, width: n),
             MatrixView(codes: bT.codes, offset: g * k * n, rows: k, columns: n, rowStride: n).transposed)
        }
    }

    /// A [M,K], grad_out [M,N].
    static func wgrad<S>(a: GEMMOperand<S>, gradOut: GEMMOperand<S>, offsets: [Int]) -> [GroupFactors] {
        let (k, n) = (a.shape[1], gradOut.shape[1])
        return groups(offsets) { _, rows in
            (rowSlice(a.codes, rows, width: k).transposed, rowSlice(gradOut.codes, rows, width: n))
        }
    }

    /// Rows `rows` of a row-major [M, width] matrix.
    private static func rowSlice(_ codes: [UInt8], _ rows: Range<Int>, width: Int) -> MatrixView {
        MatrixView(codes: codes, offset: rows.lowerBound * width, rows: rows.count, columns: width, rowStride: width)
    }

    private static func groups(_ offsets: [Int], _ factors: (Int, Range<Int>) -> (MatrixView, MatrixView)) -> [GroupFactors] {
        let groupOffsets = GroupOffsets(offsets)
        return (0..<offsets.count).map { g in
            let rows = groupOffsets.rows(of: g)
            let (x, y) = factors(g, rows)
            return GroupFactors(group: g, rows: rows, x: x, y: y)
        }
    }
}
