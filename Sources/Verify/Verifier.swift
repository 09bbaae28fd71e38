import FP8
import Fixtures
import Foundation
import GroupedGEMM
import Recipes

/// `fp8moe verify` (SPEC section 6): validates the whole fixture, recomputes every result under
/// the semantics its attributes declare, and compares quantized payloads and scales bit for bit
/// and GEMM outputs against the exact reference under the section 4 bound.
public enum Verifier {
    /// Verifies the fixture at `path`, all producers or only those named.
    ///
    /// Errors: `InvalidFixture` (exit status 2) for anything that does not follow the schema;
    /// nothing is compared until the whole file has been validated.
    public static func verify(path: String, producers only: [String] = []) throws(InvalidFixture) -> VerifyReport {
        let file = try wrap { () throws(FixtureError) in try HDF5File(reading: path) }
        defer { file.close() }
        try FixtureValidation.checkRoot(file)
        try FixtureValidation.checkInputsGroup(file)
        let inputs = try FixtureInputs.read(file)
        let plans = try FixtureValidation.producers(file, inputs, only: only)
        let reference = ReferenceQuantization(inputs: inputs)
        var report = VerifyReport(file: path, status: "agree", producers: [:])
        for p in plans {
            var producer = ProducerReport(attributes: p.attributes, datasets: [:])
            for d in p.datasets {
                let r: DatasetReport
                do {
                    switch d.dataset {
                    case .payload(let op): r = try checkPayload(d, op, p, reference)
                    case .scale(let op): r = try checkScale(d, op, reference)
                    case .gemm(let kind): r = try checkGEMM(d, kind, p, reference)
                    }
                } catch {
                    throw InvalidFixture(file: path, path: d.path, problem: error.description)
                }
                producer.datasets[d.dataset.name] = r
                if r.mismatches > 0 { report.status = "mismatch" }
            }
            report.producers[p.name] = producer
        }
        return report
    }

    /// The reference quantization of `op` under the dataset's declared recipe and reduction,
    /// with its source tensor and scale grouping; nil (and `report.skipped` set) when an input it
    /// needs is absent.
    static func recompute(_ d: DatasetPlan, _ op: Operand, _ reference: ReferenceQuantization,
                          into report: inout DatasetReport) throws(GroupingError)
        -> (Reduction, BF16Tensor, QuantizedTensor, ScaleGrouping)? {
        let red = d.reduction!
        if let why = reference.missing(op, reduction: red) { report.skipped = why; return nil }
        let source = reference.inputs.source(of: op)!
        let q = try reference.quantize(op, recipe: d.recipe, reduction: red)
        let grouping = try ScaleGrouping(reduction: red, shape: source.shape, transposedWeight: op.isTransposedWeight,
                                         offsets: reference.inputs.offsets.map { GroupOffsets($0) })
        return (red, source, q, grouping)
    }

    // MARK: - Payloads

    static func checkPayload(_ d: DatasetPlan, _ op: Operand, _ p: ProducerPlan,
                             _ reference: ReferenceQuantization) throws(GroupingError) -> DatasetReport {
        var r = DatasetReport(kind: "payload")
        r.judgedUnder = "\(d.recipe) reduction=\(d.reduction!.rawValue)"
        guard let (red, source, q, grouping) = try recompute(d, op, reference, into: &r) else { return r }
        let producerScales = p.plan(.scale(op)).map(\.scales).flatMap { $0.count == q.scales.count ? $0 : nil }
        var maxUlp: Double?
        for row in 0..<grouping.rows where grouping.rowBase[row] >= 0 {
            for c in 0..<grouping.columns {
                let i = row * grouping.columns + c
                r.elements += 1
                let (e, a) = (q.codes[i], d.codes[i])
                if e == a { continue }
                r.mismatches += 1
                if let u = Distances.fp8(e, a, d.recipe.format) { maxUlp = max(maxUlp ?? 0, u) }
                if r.mismatches > 1 { continue }
                let s = grouping.scaleIndex(row: row, column: c)!
                let (group, localRow) = locate(row: row, source: source, offsets: reference.inputs.offsets)
                r.firstMismatch = MismatchReport(
                    index: i, coordinates: unravel(i, source.shape), group: group, row: localRow, column: c,
                    inputBits: hex(source.bits[i], width: 4), expected: hex(e, width: 2), actual: hex(a, width: 2),
                    expectedValue: String(d.recipe.format.decode(e)), actualValue: String(d.recipe.format.decode(a)),
                    bound: nil,
                    cause: MismatchCause.payload(
                        recipe: d.recipe, input: source.bits[i], expected: e, actual: a, referenceScale: q.scales[s],
                        producerScale: producerScales?[s],
                        neighbourScales: neighbours(s, red, grouping, row: row, offsets: reference.inputs.offsets).map { q.scales[$0] }))
            }
        }
        r.maxUlp = maxUlp ?? (r.elements > 0 ? 0 : nil)
        return r
    }

    /// The group and the row within the group's tensor: 3-D weights [G,K,N] give (g, k); 2-D
    /// tensors give (group of the row, the row itself).
    static func locate(row: Int, source: BF16Tensor, offsets: [Int]?) -> (Int?, Int) {
        if source.shape.count == 3 { return (row / max(source.shape[1], 1), row % max(source.shape[1], 1)) }
        guard let offsets else { return (nil, row) }
        let g = GroupOffsets(offsets).groupOfRow(rows: row + 1)[row]
        return (g < 0 ? nil : g, row)
    }

    /// The same column's scale indices in the adjacent groups, for a row within 256 rows of its
    /// group's boundary under a per-group reduction.
    static func neighbours(_ s: Int, _ red: Reduction, _ grouping: ScaleGrouping, row: Int, offsets: [Int]?) -> [Int] {
        guard red.usesOffsets, let offsets else { return [] }
        let g = GroupOffsets(offsets)
        let groupOf = g.groupOfRow(rows: row + 1)[row]
        guard groupOf >= 0 else { return [] }
        let rows = g.rows(of: groupOf)
        let step = red == .perGroup ? 1 : grouping.columns
        var out: [Int] = []
        if groupOf > 0 && row - rows.lowerBound < 256 { out.append(s - step) }
        if groupOf + 1 < g.groupCount && rows.upperBound - row <= 256 { out.append(s + step) }
        return out
    }

    // MARK: - Scales

    static func checkScale(_ d: DatasetPlan, _ op: Operand, _ reference: ReferenceQuantization) throws(GroupingError) -> DatasetReport {
        var r = DatasetReport(kind: "scale")
        r.judgedUnder = "\(d.recipe) reduction=\(d.reduction!.rawValue)"
        guard let (red, source, q, grouping) = try recompute(d, op, reference, into: &r) else { return r }
        var maxUlp: Double?
        for i in 0..<q.scales.count {
            r.elements += 1
            let (e, a) = (q.scales[i], d.scales[i])
            if e.bitPattern == a.bitPattern || (e.isNaN && a.isNaN) { continue }
            r.mismatches += 1
            if let u = Distances.fp32(e, a) { maxUlp = max(maxUlp ?? 0, u) }
            if r.mismatches > 1 { continue }
            let amaxByPolicy = Dictionary(uniqueKeysWithValues: AmaxNaNPolicy.allCases.map {
                ($0, Amax.compute(source.bits, grouping: grouping, policy: $0))
            })
            var neighbourAmax: [Double] = []
            let last = q.scaleShape.last ?? 1
            var group: Int?, row: Int?, column: Int?
            switch red {
            case .tensorwise: break
            case .perExpert, .perGroup: group = i
            case .perGroupColumn: (group, column) = (i / last, i % last)
            case .rowwise:
                if source.shape.count == 3 { (group, column) = (i / last, i % last) } else { row = i }
            }
            if red.usesOffsets, let g = group {
                let step = red == .perGroup ? 1 : last
                let own = amaxByPolicy[d.recipe.amaxNaN]!
                if g > 0 { neighbourAmax.append(own[i - step]) }
                if g + 1 < q.scaleShape[0] { neighbourAmax.append(own[i + step]) }
            }
            r.firstMismatch = MismatchReport(
                index: i, coordinates: unravel(i, q.scaleShape), group: group, row: row, column: column,
                inputBits: nil, expected: hex(e.bitPattern, width: 8), actual: hex(a.bitPattern, width: 8),
                expectedValue: "\(e)", actualValue: "\(a)", bound: nil,
                cause: MismatchCause.scale(recipe: d.recipe, expected: e, actual: a,
                                           amax: amaxByPolicy.mapValues { $0[i] }, neighbourAmax: neighbourAmax))
        }
        r.maxUlp = maxUlp ?? (r.elements > 0 ? 0 : nil)
        return r
    }

    // MARK: - GEMM outputs

    static func checkGEMM(_ d: DatasetPlan, _ kind: GEMMKind, _ p: ProducerPlan,
                          _ reference: ReferenceQuantization) throws(GroupingError) -> DatasetReport {
        var r = DatasetReport(kind: "gemm")
        guard let offsets = reference.inputs.offsets else { r.skipped = "input /inputs/offsets is absent"; return r }
        var sides: [(QuantizedTensor, Reduction)] = []
        var used: [String] = []
        for op in [kind.operands.0, kind.operands.1] {
            if let payload = p.plan(.payload(op)), let scale = p.plan(.scale(op)), let red = payload.reduction {
                let scaleShape = scale.shape.isEmpty ? [1] : scale.shape
                sides.append((QuantizedTensor(codes: payload.codes, shape: payload.shape, scales: scale.scales,
                                              scaleShape: scaleShape, format: payload.recipe.format), red))
                used.append("\(op.rawValue): producer's")
            } else {
                let red = op.reduction(under: d.recipe.kind)
                if let why = reference.missing(op, reduction: red) { r.skipped = why; return r }
                sides.append((try reference.quantize(op, recipe: d.recipe, reduction: red), red))
                used.append("\(op.rawValue): reference \(red.rawValue)")
            }
        }
        r.judgedUnder = "exact reference GEMM on operands (" + used.joined(separator: ", ") + ")"
        guard let (x, y) = ReferenceGEMM.operands(kind, left: sides[0], right: sides[1]) else {
            r.skipped = "an operand's scales vary along the contraction dimension"
            return r
        }
        if let problem = ReferenceGEMM.inconsistency(kind, x, y, groups: offsets.count) { r.skipped = problem; return r }
        let shape = ReferenceGEMM.outputShape(kind, x, y, groups: offsets.count)
        guard shape == d.shape else { r.skipped = "operand shapes give \(shape), the output is \(d.shape)"; return r }
        var maxUlp: Double?
        var maxRatio = 0.0, maxRatioBeyondRounding = 0.0
        ReferenceGEMM.run(kind, x, y, offsets: offsets, mode: .exact) { block in
            let rows = GroupedGEMM.rows(offsets, block.group)
            let contraction = kind == .gradB ? rows.count : x.shape[1]
            let eps = d.accumEps ?? Double(contraction) * 0x1p-24
            for i in 0..<block.rows {
                for j in 0..<block.columns {
                    let e = i * block.columns + j
                    let index = kind == .gradB ? (block.group * block.rows + i) * block.columns + j
                                               : (rows.lowerBound + i) * block.columns + j
                    r.elements += 1
                    let actualBits = d.bf16[index]
                    let actual = BinaryFormat.bf16.decode(UInt32(actualBits))
                    let exact = block.value[e]
                    let s = block.absSum[e]
                    let ulp = Distances.bf16Ulp(exact)
                    let bound = ulp + eps * s
                    var pass: Bool
                    if exact.isNaN { pass = actual.isNaN }
                    else if actualBits == block.bits[e] { pass = true }
                    else if !exact.isFinite || !actual.isFinite { pass = actual == exact }
                    else { pass = abs(actual - exact) <= bound }
                    if exact.isFinite && actual.isFinite {
                        maxUlp = max(maxUlp ?? 0, abs(actual - exact) / ulp)
                        if s > 0 {
                            maxRatio = max(maxRatio, abs(actual - exact) / s)
                            maxRatioBeyondRounding = max(maxRatioBeyondRounding, (abs(actual - exact) - ulp / 2) / s)
                        }
                    }
                    if pass { continue }
                    r.mismatches += 1
                    if r.mismatches > 1 { continue }
                    let globalRow = kind == .gradB ? i : rows.lowerBound + i
                    r.firstMismatch = MismatchReport(
                        index: index, coordinates: unravel(index, d.shape), group: block.group, row: globalRow, column: j,
                        inputBits: nil, expected: hex(block.bits[e], width: 4), actual: hex(actualBits, width: 4),
                        expectedValue: "\(exact)", actualValue: "\(actual)", bound: bound,
                        cause: gemmCause(kind, x, y, offsets: offsets, group: block.group, row: globalRow, column: j,
                                         exact: exact, actual: actual, eps: eps))
                }
            }
        }
        r.maxUlp = maxUlp
        if maxRatio > 0 { r.accumBits = -Foundation.log2(maxRatio) }
        if maxRatioBeyondRounding > 0 { r.accumBitsBeyondRounding = -Foundation.log2(maxRatioBeyondRounding) }
        return r
    }

    static func gemmCause(_ kind: GEMMKind, _ x: GroupedGEMM.Operand, _ y: GroupedGEMM.Operand, offsets: [Int],
                          group: Int, row: Int, column: Int, exact: Double, actual: Double, eps: Double) -> String? {
        if exact.isNaN && !actual.isNaN { return "NaN not propagated (a NaN or Inf operand reaches this output)" }
        if actual.isNaN { return "spurious NaN" }
        if actual.isInfinite && exact.isFinite { return "overflow to Inf" }
        guard kind != .gradB else { return nil }
        // Would the neighbouring group's weights explain it (rows assigned to the wrong expert)?
        let rows = GroupedGEMM.rows(offsets, group)
        let (k, n) = (y.shape[1], y.shape[2])
        let r = x.shape[1]
        for g in [group - 1, group + 1] where g >= 0 && g < offsets.count
            && (row - rows.lowerBound < 256 || rows.upperBound - row <= 256) {
            var sum = 0.0, abs = 0.0
            for t in 0..<r {
                let xv = x.format.decode(x.codes[row * r + t])
                let yc = kind == .out ? y.codes[g * k * n + t * n + column] : y.codes[g * k * n + column * n + t]
                let p = xv * y.format.decode(yc)
                sum += p
                abs += Swift.abs(p)
            }
            let rx = Double(x.scales.reciprocal(group: g, global: row, local: row - rows.lowerBound))
            let ry = Double(y.scales.reciprocal(group: g, global: column, local: column))
            let e = sum * rx * ry
            if Swift.abs(actual - e) <= Distances.bf16Ulp(e) + eps * abs * Swift.abs(rx * ry) {
                return MismatchCause.groupBoundary
            }
        }
        return nil
    }
}
