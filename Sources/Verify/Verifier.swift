// Module Verify: `fp8moe verify` (SPEC 6, 8). The plan (VerifyPlan: the whole fixture
// validated and every result dataset loaded with its declaration parsed once), the Verifier
// (recompute under the declared semantics, compare), the checks (PayloadCheck, ScaleCheck,
// GEMMCheck), the causes of mismatches (MismatchCause, with the hypotheses in the checks and
// FlatBlockGroups) and the report (VerifyReport, VerifySummary). A new cause is a name in
// MismatchCause plus its hypothesis in the check of that dataset kind.

import FP8
import Groups
import HDF5
import Foundation
import GroupedGEMM
import Recipes
import Schema

/// `fp8moe verify` (SPEC section 6): validates the whole fixture, recomputes every result under
/// the semantics its attributes declare, and compares quantized payloads and scales bit for bit
/// and GEMM outputs against the exact reference under the section 4 bound.
public enum Verifier {
    /// Verifies the fixture at `path`, all producers or only those named.
    ///
    /// Errors: `InvalidFixture` (exit status 2) for anything that does not follow the schema;
    /// nothing is compared until the whole file has been validated.
    public static func verify(path: String, producers only: [String] = []) throws(InvalidFixture) -> VerifyReport {
        try verifyReturningInputs(path: path, producers: only).report
    }

    /// `verify`, also returning the fixture's inputs as it read them (the report's compare
    /// runs on them without reading the file again).
    public static func verifyReturningInputs(path: String, producers only: [String] = []) throws(InvalidFixture)
        -> (report: VerifyReport, inputs: FixtureInputs) {
        let file = try InvalidFixture.wrap { () throws(FixtureError) in try HDF5File(reading: path) }
        defer { file.close() }
        try FixtureValidation.checkRoot(file)
        try FixtureValidation.checkInputsGroup(file)
        let inputs = try FixtureInputs.read(file)
        let reference = ReferenceQuantization(inputs: inputs)
        let plans = try FixtureValidation.producers(file, reference, only: only)
        var report = VerifyReport(file: path, status: "agree", producers: [:])
        func record(_ d: DatasetPlan, into producer: inout ProducerReport,
                    _ body: () throws(GroupingError) -> [(dataset: String, report: DatasetReport)]) throws(InvalidFixture) {
            do {
                for r in try body() {
                    producer.datasets[r.dataset] = r.report
                    if r.report.mismatches > 0 { report.status = "mismatch" }
                }
            } catch {
                throw InvalidFixture(file: path, path: d.path, problem: error.description)
            }
        }
        // A stale amax or a group lookup (ScaleCheck.staleVote): each operand votes; a producer
        // whose operands, or those of another producer of the same build (the same `software`,
        // `commit` and `device` attributes in this file), vote `stale` and none `lookup` has its
        // tied operands judged again as stale.
        var votes: [String: [Operand: ScaleCheck.StaleVote]] = [:]
        for p in plans {
            var producer = ProducerReport(attributes: p.attributes, datasets: [:])
            for op in Operand.allCases {
                let payload = p.plan(.payload(op)), scale = p.plan(.scale(op))
                guard let first = payload ?? scale else { continue }
                try record(first, into: &producer) { () throws(GroupingError) in
                    let (reports, vote) = try checkOperand(op, payload: payload, scale: scale, reference)
                    votes[p.name, default: [:]][op] = vote
                    return reports
                }
            }
            for d in p.datasets {
                guard case .gemm(let kind) = d.dataset else { continue }
                try record(d, into: &producer) { () throws(GroupingError) in [(d.dataset.name, try checkGEMM(d, kind, p, reference))] }
            }
            report.producers[p.name] = producer
        }
        func build(_ p: ProducerPlan) -> [String]? {
            let key = ["software", "commit", "device"].map { p.attributes[$0] ?? "" }
            return key.contains("") ? nil : key
        }
        var buildVotes: [[String]: [ScaleCheck.StaleVote]] = [:]
        for p in plans { if let b = build(p) { buildVotes[b, default: []] += (votes[p.name] ?? [:]).values } }
        for p in plans {
            let own = Array((votes[p.name] ?? [:]).values)
            guard own.contains(.tie), !own.contains(.lookup) else { continue }
            let peers = build(p).flatMap { buildVotes[$0] } ?? []
            guard own.contains(.stale) || (peers.contains(.stale) && !peers.contains(.lookup)) else { continue }
            var producer = report.producers[p.name]!
            for op in Operand.allCases where votes[p.name]?[op] == .tie {
                let payload = p.plan(.payload(op)), scale = p.plan(.scale(op))
                guard let first = payload ?? scale else { continue }
                try record(first, into: &producer) { () throws(GroupingError) in
                    try checkOperand(op, payload: payload, scale: scale, reference, staleOnTie: true).reports
                }
            }
            report.producers[p.name] = producer
        }
        return (report, inputs)
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
        return (red, source, q, q.grouping!)
    }

    // MARK: - Payloads and scales

    /// The payload and scale of one operand, judged together: the payload's mismatches are
    /// found first (and the block size its straddles point to), then the scales are attributed,
    /// then the payload's mismatches, naming the producer's scale's cause where the payload
    /// follows it.
    static func checkOperand(_ op: Operand, payload: DatasetPlan?, scale: DatasetPlan?, _ reference: ReferenceQuantization,
                             staleOnTie: Bool = false) throws(GroupingError)
        -> (reports: [(dataset: String, report: DatasetReport)], vote: ScaleCheck.StaleVote) {
        let offsets = reference.inputs.offsets.map { GroupOffsets($0) }
        var payloadReport = DatasetReport(kind: "payload"), scaleReport = DatasetReport(kind: "scale")
        var payloadCheck: PayloadCheck?, comparison = PayloadCheck.Comparison(), straddle: [Int] = []
        if let d = payload {
            payloadReport.judgedUnder = "\(d.recipe) reduction=\(d.reduction!.rawValue)"
            if let (red, source, q, grouping) = try recompute(d, op, reference, into: &payloadReport) {
                let producerScales = scale.flatMap { $0.reduction == red && $0.scales.count == q.scales.count ? $0.multipliers : nil }
                let check = PayloadCheck(recipe: d.recipe, source: source, grouping: grouping, reduction: red, expected: q,
                                         actual: d.codes, offsets: offsets, producerScales: producerScales)
                comparison = check.compare()
                straddle = check.straddleBlockSizes(comparison.indices, declared: d.declaration.blockSize)
                payloadCheck = check
            }
        }
        var scaleCauses: [String?] = []
        var vote = ScaleCheck.StaleVote.none
        if let d = scale {
            scaleReport.judgedUnder = "\(d.recipe) reduction=\(d.reduction!.rawValue)"
            if let (red, source, q, grouping) = try recompute(d, op, reference, into: &scaleReport) {
                let check = ScaleCheck(recipe: d.recipe, source: source, grouping: grouping, reduction: red,
                                       expected: q.scales, actual: d.scales, offsets: offsets,
                                       payloadStraddleSizes: payload?.recipe == d.recipe ? straddle : [],
                                       declaredBlockSize: d.declaration.blockSize, staleOnTie: staleOnTie)
                let mismatches = check.mismatches()
                let (causes, v) = check.attributeWithVote(mismatches)
                vote = v
                scaleCauses = q.scales.indices.map { causes[$0] ?? nil }
                scaleReport.elements = q.scales.count
                scaleReport.mismatches = mismatches.count
                // Stored forms (SPEC 8.3): the reciprocal where declared; e8m0 codes are shown as codes.
                let expectedStored = q.scales.map(check.stored)
                let e8m0 = d.recipe.scaleFormat == .e8m0
                var maxUlp: Double?
                for i in mismatches {
                    let u = e8m0 ? Distances.fp8(E8M0Scale.code(multiplier: q.scales[i]), d.scaleCodes[i], .e8m0fnu)
                                 : Distances.fp32(expectedStored[i], d.scales[i])
                    if let u { maxUlp = max(maxUlp ?? 0, u) }
                }
                scaleReport.maxUlp = maxUlp ?? (q.scales.isEmpty ? nil : 0)
                var tally = MismatchTally(groups: red == .tensorwise ? nil : reference.inputs.groupCount, rows: 0)
                for i in mismatches { tally.add(index: i, cause: causes[i] ?? nil, group: check.locate(i).group, row: -1) }
                func example(_ i: Int, _ cause: String?) -> MismatchReport {
                    let (e, a) = (expectedStored[i], d.scales[i])
                    let (group, row, column) = check.locate(i)
                    let (eText, aText) = e8m0 ? (hex(E8M0Scale.code(multiplier: e), width: 2), hex(d.scaleCodes[i], width: 2))
                                              : (hex(e.bitPattern, width: 8), hex(a.bitPattern, width: 8))
                    return MismatchReport(
                        index: i, coordinates: unravel(i, q.scaleShape), group: group, row: row, column: column,
                        inputBits: nil, expected: eText, actual: aText,
                        expectedValue: e8m0 ? "\(1 / e)" : "\(e)", actualValue: e8m0 ? "\(1 / a)" : "\(a)", bound: nil, cause: cause)
                }
                if let i = mismatches.first {
                    scaleReport.firstMismatch = example(i, causes[i] ?? nil)
                    scaleReport.record(tally, boundaries: []) { example($0, $1 == MismatchTally.unexplained ? nil : $1) }
                }
            }
        }
        if let check = payloadCheck, let d = payload {
            payloadReport.elements = comparison.elements
            payloadReport.mismatches = comparison.indices.count
            payloadReport.maxUlp = comparison.maxUlp ?? (comparison.elements > 0 ? 0 : nil)
            if !comparison.indices.isEmpty {
                let tally = check.attribute(comparison.indices, straddleSizes: straddle, scaleCauses: scaleCauses)
                func example(_ i: Int, _ cause: String?) -> MismatchReport {
                    let g = check.grouping
                    let row = i / g.columns, c = i % g.columns
                    let (group, localRow) = locate(row: row, source: check.source, offsets: reference.inputs.offsets)
                    let (e, a) = (check.expected.codes[i], d.codes[i])
                    return MismatchReport(
                        index: i, coordinates: unravel(i, check.source.shape), group: group, row: localRow, column: c,
                        inputBits: hex(check.source.bits[i], width: 4), expected: hex(e, width: 2), actual: hex(a, width: 2),
                        expectedValue: String(d.recipe.format.decode(e)), actualValue: String(d.recipe.format.decode(a)),
                        bound: nil, cause: cause)
                }
                payloadReport.record(tally, boundaries: check.boundaries) { example($0, $1 == MismatchTally.unexplained ? nil : $1) }
                let first = comparison.indices[0]
                let firstCause = payloadReport.causes?.first { $0.examples.contains { $0.index == first } }?.cause
                payloadReport.firstMismatch = example(first, firstCause == MismatchTally.unexplained ? nil : firstCause)
            }
        }
        var out: [(dataset: String, report: DatasetReport)] = []
        if payload != nil { out.append((ResultDataset.payload(op).name, payloadReport)) }
        if scale != nil { out.append((ResultDataset.scale(op).name, scaleReport)) }
        return (out, vote)
    }

    /// The group and the row within the group's tensor: 3-D weights [G,K,N] give (g, k); 2-D
    /// tensors give (group of the row, the row itself).
    static func locate(row: Int, source: BF16Tensor, offsets: [Int]?) -> (Int?, Int) {
        if source.shape.count == 3 { return (row / max(source.shape[1], 1), row % max(source.shape[1], 1)) }
        guard let offsets else { return (nil, row) }
        return (GroupOffsets(offsets).group(ofRow: row), row)
    }

    // MARK: - GEMM outputs

    static func checkGEMM(_ d: DatasetPlan, _ kind: GEMMKind, _ p: ProducerPlan,
                          _ reference: ReferenceQuantization) throws(GroupingError) -> DatasetReport {
        var r = DatasetReport(kind: "gemm")
        guard let offsets = reference.inputs.offsets else { r.skipped = "input /inputs/offsets is absent"; return r }
        // Each side: the operand, its reduction, and the factors the GEMM multiplies by per scale.
        var sides: [(QuantizedTensor, Reduction)] = []
        var dequantization: [[Float]] = []
        var used: [String] = []
        for op in [kind.operands.0, kind.operands.1] {
            if let payload = p.plan(.payload(op)), let scale = p.plan(.scale(op)), let red = payload.reduction {
                let scaleShape = scale.shape.isEmpty ? [1] : scale.shape
                sides.append((QuantizedTensor(codes: payload.codes, shape: payload.shape, scales: scale.multipliers,
                                              scaleShape: scaleShape, format: payload.recipe.format), red))
                // What the producer's GEMM received (SPEC 8.3): 2^(code - 127), the stored reciprocal, or 1/multiplier.
                dequantization.append(scale.recipe.scaleFormat == .e8m0
                    ? scale.scaleCodes.map(E8M0Scale.dequantization(code:))
                    : scale.recipe.scaleConvention == .reciprocal ? scale.scales : scale.scales.map { 1 / $0 })
                used.append("\(op.rawValue): producer's")
            } else {
                let red = d.declaration.reduction(of: op)
                if let why = reference.missing(op, reduction: red) { r.skipped = why; return r }
                let q = try reference.quantize(op, recipe: d.recipe, reduction: red)
                sides.append((q, red))
                dequantization.append(q.scales.map { 1 / $0 })
                used.append("\(op.rawValue): reference \(red.rawValue)")
            }
        }
        let judgedUnder = "exact reference GEMM on operands (" + used.joined(separator: ", ") + ")"
        r.judgedUnder = judgedUnder
        var blockScaled: (BlockScaledGEMM.Operand, BlockScaledGEMM.Operand)?
        let xy: (GroupedGEMM.Operand, GroupedGEMM.Operand)
        if sides[0].1.blockShape != nil || sides[1].1.blockShape != nil {
            // SPEC 8.3: scales along the contraction; the exact block-scaled reference.
            guard let bx = BlockScaledOperands.operand(sides[0].0, kind.operands.0, sides[0].1, dequantization: dequantization[0]),
                  let by = BlockScaledOperands.operand(sides[1].0, kind.operands.1, sides[1].1, dequantization: dequantization[1]) else {
                r.skipped = "a block-scaled operand meets a per-group one (no common scale grid)"
                return r
            }
            for o in [bx, by] {
                let rows = o.shape.dropLast().reduce(1, *), s = o.scales
                if (rows + s.rowBlock - 1) / s.rowBlock * s.gridColumns != s.dequantization.count {
                    r.skipped = "an operand has \(s.dequantization.count) scales, its block grid needs \((rows + s.rowBlock - 1) / s.rowBlock * s.gridColumns)"
                    return r
                }
            }
            blockScaled = (bx, by)
            func plain(_ o: BlockScaledGEMM.Operand) -> GroupedGEMM.Operand {
                GroupedGEMM.Operand(codes: o.codes, shape: o.shape, format: o.format, scales: OperandScales([1], layout: .single))
            }
            xy = (plain(bx), plain(by))
        } else {
            guard let found = ReferenceGEMM.operands(kind, left: sides[0], right: sides[1]) else {
                r.skipped = "an operand's scales vary along the contraction dimension"
                return r
            }
            xy = found
        }
        let (x, y) = xy
        if let problem = ReferenceGEMM.inconsistency(kind, x, y, groups: offsets.count, offsets: offsets) { r.skipped = problem; return r }
        let shape = ReferenceGEMM.outputShape(kind, x, y, groups: offsets.count)
        guard shape == d.shape else { r.skipped = "operand shapes give \(shape), the output is \(d.shape)"; return r }
        var check = GEMMCheck(kind: kind, x: x, y: y, offsets: offsets, declaration: d.declaration, actual: d.bf16, shape: shape)
        check.blockScaled = blockScaled
        r = check.run()
        r.judgedUnder = judgedUnder
        return r
    }
}
