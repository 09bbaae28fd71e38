import GroupedGEMM
import Recipes
import Schema
import Verify

/// One group's GEMM operands, cut out of the whole quantized tensors, as a grouped GEMM of a
/// single group (group index 0): the selected token rows of a 2-D left operand (out, grad_a),
/// the selected output rows k of the wgrad left operand, the group's slice of a weight, and
/// the matching scales. Running it gives exactly the rows of the full grouped GEMM that were
/// selected: every output element depends only on its own row, column and group.
enum GroupSlice {
    static func operands(_ kind: GEMMKind, left: (QuantizedTensor, Reduction), right: (QuantizedTensor, Reduction),
                         k: Int, n: Int, group g: Int, rows: Range<Int>, selected: [Int])
        -> (GroupedGEMM.Operand, GroupedGEMM.Operand, [Int])
    {
        let (lop, rop) = kind.operands
        let ll = ScaleLayouts.layout(lop, left.1, k: k, n: n)!
        let rl = ScaleLayouts.layout(rop, right.1, k: k, n: n)!
        let (lq, rq) = (left.0, right.0)
        switch kind {
        case .out, .gradA:
            let width = lq.shape[1]
            var codes = [UInt8](repeating: 0, count: selected.count * width)
            for (i, r) in selected.enumerated() {
                codes.replaceSubrange(i * width..<(i + 1) * width, with: lq.codes[r * width..<(r + 1) * width])
            }
            let x = GroupedGEMM.Operand(codes: codes, shape: [selected.count, width], format: lq.format,
                                        scales: scales(lq.scales, ll, group: g, indices: selected))
            let y = weightSlice(rq, rl, group: g, k: k, n: n)
            return (x, y, [selected.count])
        case .gradB:
            // a_wgrad [M,K]: the group's rows, the selected columns k.
            var codes = [UInt8](repeating: 0, count: rows.count * selected.count)
            for (i, r) in rows.enumerated() {
                for (j, kk) in selected.enumerated() { codes[i * selected.count + j] = lq.codes[r * k + kk] }
            }
            let x = GroupedGEMM.Operand(codes: codes, shape: [rows.count, selected.count], format: lq.format,
                                        scales: scales(lq.scales, ll, group: g, indices: selected))
            let y = GroupedGEMM.Operand(codes: Array(rq.codes[(rows.lowerBound * n)..<(rows.upperBound * n)]),
                                        shape: [rows.count, n], format: rq.format,
                                        scales: scales(rq.scales, rl, group: g, indices: nil))
            return (x, y, [rows.count])
        }
    }

    /// Expert g's [K,N] slice as a one-expert weight [1,K,N].
    static func weightSlice(_ q: QuantizedTensor, _ layout: OperandScales.Layout, group g: Int, k: Int, n: Int) -> GroupedGEMM.Operand {
        GroupedGEMM.Operand(codes: Array(q.codes[(g * k * n)..<((g + 1) * k * n)]), shape: [1, k, n], format: q.format,
                            scales: scales(q.scales, layout, group: g, indices: nil))
    }

    /// The scales of group g as a one-group layout. `indices`: for `perGlobalRow`, the global
    /// rows kept (in order); for `perGroupAndIndex`, the indices kept (nil: all).
    static func scales(_ s: [Float], _ layout: OperandScales.Layout, group g: Int, indices: [Int]?) -> OperandScales {
        switch layout {
        case .single: OperandScales([s[0]], layout: .single)
        case .perGroup: OperandScales([s[g]], layout: .perGroup)
        case .perGlobalRow: OperandScales(indices!.map { s[$0] }, layout: .perGlobalRow)
        case .perGroupAndIndex(let w):
            OperandScales((indices ?? Array(0..<w)).map { s[g * w + $0] }, layout: .perGroupAndIndex(indices?.count ?? w))
        }
    }
}
