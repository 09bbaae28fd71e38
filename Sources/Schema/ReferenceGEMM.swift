import Groups
import GroupedGEMM
import Recipes

/// Runs the reference grouped GEMM on quantized operands, by output kind.
public enum ReferenceGEMM {
    /// The GEMM operands from quantized tensors, or nil when a scale layout cannot be applied
    /// in the epilogue (scales along the contraction dimension).
    public static func operands(_ kind: GEMMKind, left: (QuantizedTensor, Reduction),
                                right: (QuantizedTensor, Reduction)) -> (GroupedGEMM.Operand, GroupedGEMM.Operand)? {
        let (l, r) = kind.operands
        // k and n of the output block's rows/columns per kind.
        let (lShape, rShape) = (left.0.shape, right.0.shape)
        let k: Int, n: Int
        switch kind {
        case .out: (k, n) = (lShape[1], rShape[2])
        case .gradA: (k, n) = (rShape[1], rShape[2])
        case .gradB: (k, n) = (lShape[1], rShape[1])
        }
        guard let ll = ScaleLayouts.layout(l, left.1, k: k, n: n),
              let rl = ScaleLayouts.layout(r, right.1, k: k, n: n) else { return nil }
        return (GroupedGEMM.Operand(codes: left.0.codes, shape: lShape, format: left.0.format,
                                    scales: OperandScales(left.0.scales, layout: ll)),
                GroupedGEMM.Operand(codes: right.0.codes, shape: rShape, format: right.0.format,
                                    scales: OperandScales(right.0.scales, layout: rl)))
    }

    /// Runs `kind`, handing each group's block to `body`.
    public static func run(_ kind: GEMMKind, _ x: GroupedGEMM.Operand, _ y: GroupedGEMM.Operand,
                           offsets: [Int], mode: GEMMMode, body: (GroupBlock) -> Void) {
        let gemm = GroupedGEMM(mode: mode)
        switch kind {
        case .out: gemm.forward(a: x, b: y, offsets: offsets, body: body)
        case .gradA: gemm.dgrad(gradOut: x, bT: y, offsets: offsets, body: body)
        case .gradB: gemm.wgrad(a: x, gradOut: y, offsets: offsets, body: body)
        }
    }

    /// Why the operands cannot be multiplied (ranks, inner dimensions, scale counts), or nil.
    public static func inconsistency(_ kind: GEMMKind, _ x: GroupedGEMM.Operand, _ y: GroupedGEMM.Operand,
                                     groups: Int, offsets: [Int]? = nil) -> String? {
        let (xs, ys) = (x.shape, y.shape)
        let ok: Bool = switch kind {
        case .out: xs.count == 2 && ys.count == 3 && xs[1] == ys[1] && ys[0] == groups
        case .gradA: xs.count == 2 && ys.count == 3 && xs[1] == ys[2] && ys[0] == groups
        case .gradB: xs.count == 2 && ys.count == 2 && xs[0] == ys[0]
        }
        guard ok else { return "operand shapes \(xs) and \(ys) do not fit \(kind.rawValue) with G = \(groups)" }
        if let offsets, let problem = GroupOffsets(offsets).problem(rows: xs[0]) {
            return "the offsets do not fit the operand's \(xs[0]) rows: \(problem)"
        }
        for (o, rows) in [(x, xs[0]), (y, ys[0])] {
            let need = o.scales.requiredCount(groups: groups) ?? rows
            if o.scales.scales.count != need { return "an operand has \(o.scales.scales.count) scales, its layout needs \(need)" }
        }
        return nil
    }

    /// The output shape of `kind`: out [M,N], grad_a [M,K], grad_b [G,K,N].
    public static func outputShape(_ kind: GEMMKind, _ x: GroupedGEMM.Operand, _ y: GroupedGEMM.Operand,
                                   groups: Int) -> [Int] {
        switch kind {
        case .out: [x.shape[0], y.shape[2]]
        case .gradA: [x.shape[0], y.shape[1]]
        case .gradB: [groups, x.shape[1], y.shape[1]]
        }
    }

    /// The assembled bf16 output, or nil when the scale layouts do not fit.
    public static func output(_ kind: GEMMKind, left: (QuantizedTensor, Reduction), right: (QuantizedTensor, Reduction),
                              offsets: [Int], mode: GEMMMode) throws -> (values: [UInt16], shape: [Int])? {
        guard let (x, y) = operands(kind, left: left, right: right) else { return nil }
        switch kind {
        case .out, .gradA:
            let columns = kind == .out ? y.shape[2] : y.shape[1]
            let bits = GroupedGEMM.assembleRows(totalRows: x.shape[0], columns: columns, offsets: offsets) { body in
                run(kind, x, y, offsets: offsets, mode: mode, body: body)
            }
            return (bits, [x.shape[0], columns])
        case .gradB:
            let (k, n) = (x.shape[1], y.shape[1])
            let bits = GroupedGEMM.assembleGroups(groups: offsets.count, k: k, n: n) { body in
                run(kind, x, y, offsets: offsets, mode: mode, body: body)
            }
            return (bits, [offsets.count, k, n])
        }
    }
}
