import FP8
import Foundation
import GroupedGEMM
import Groups
import Metrics
import Recipes
import Schema

/// The judgement of one GEMM output against the exact reference under SPEC 4's bound, every
/// failing element attributed (SPEC 8.2), and its bf16 ULP histogram for the report.
///
/// Attribution tries, in order: E NaN but the output not (NaN not propagated); a NaN output
/// where E is not; an infinite output where E rounds to a finite bf16 (epilogue overflow); the
/// neighbouring group's weights reproducing the output near a boundary (rows given to the wrong
/// expert); an error within `k * 2^-8 * S`, an accumulator of at least 8 bits (accumulation
/// beyond the declared bound).
struct GEMMCheck {
    let kind: GEMMKind
    let x: GroupedGEMM.Operand
    let y: GroupedGEMM.Operand
    let offsets: [Int]
    let declaration: RecipeDeclaration
    let actual: [UInt16]
    let shape: [Int]
    /// Block-scaled operands (SPEC 8.3): when set, the reference is `BlockScaledGEMM` on them,
    /// and `x`, `y` serve only for their shapes (the neighbouring-group cause is not tried).
    var blockScaled: (BlockScaledGEMM.Operand, BlockScaledGEMM.Operand)? = nil

    func run() -> DatasetReport {
        var r = DatasetReport(kind: "gemm")
        var maxUlp: Double?
        var maxRatio = 0.0, maxRatioBeyondRounding = 0.0
        let groups = offsets.count
        let stripRows = kind == .gradB ? shape[0] * shape[1] : shape[0]
        var tally = MismatchTally(groups: groups, rows: stripRows)
        var histogram = ULPHistogram()
        var examples: [Int: MismatchReport] = [:]
        let reference: (_ body: (GroupBlock) -> Void) -> Void = { body in
            if let (bx, by) = blockScaled { ReferenceGEMM.run(kind, bx, by, offsets: offsets, body: body) }
            else { ReferenceGEMM.run(kind, x, y, offsets: offsets, mode: .exact, body: body) }
        }
        reference { block in
            let rows = GroupOffsets(offsets).rows(of: block.group)
            let contraction = kind == .gradB ? rows.count : x.shape[1]
            let eps = declaration.accumEps(contraction: contraction)
            for i in 0..<block.rows {
                for j in 0..<block.columns {
                    let e = i * block.columns + j
                    let row = kind == .gradB ? block.group * block.rows + i : rows.lowerBound + i
                    let index = row * block.columns + j
                    r.elements += 1
                    let actualBits = actual[index]
                    let actual = BinaryFormat.bf16.decode(UInt32(actualBits))
                    let exact = block.value[e]
                    let s = block.absSum[e]
                    let ulp = ULPHistogram.bf16ULP(exact)
                    let bound = ulp + eps * s
                    histogram.add(ideal: exact, actual: actual)
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
                    let globalRow = kind == .gradB ? i : rows.lowerBound + i
                    let cause = self.cause(group: block.group, row: globalRow, column: j, exact: exact,
                                           expectedBits: block.bits[e], actual: actual, absSum: s,
                                           contraction: contraction, eps: eps)
                    if tally.add(index: index, cause: cause, group: block.group, row: row) {
                        examples[index] = MismatchReport(
                            index: index, coordinates: unravel(index, shape), group: block.group, row: globalRow, column: j,
                            inputBits: nil, expected: hex(block.bits[e], width: 4), actual: hex(actualBits, width: 4),
                            expectedValue: "\(exact)", actualValue: "\(actual)", bound: bound, cause: cause)
                    }
                }
            }
        }
        r.maxUlp = maxUlp
        if maxRatio > 0 { r.accumBits = -Foundation.log2(maxRatio) }
        if maxRatioBeyondRounding > 0 { r.accumBitsBeyondRounding = -Foundation.log2(maxRatioBeyondRounding) }
        r.ulpHistogram = histogram
        if r.mismatches > 0 {
            let boundaries = kind == .gradB ? (1..<max(groups, 1)).map { $0 * shape[1] }
                : offsets.dropLast().filter { $0 > 0 && $0 < shape[0] }
            r.record(tally, boundaries: boundaries) { index, _ in examples[index]! }
            r.firstMismatch = tally.firstIndex.map { examples[$0]! }
        }
        return r
    }

    func cause(group: Int, row: Int, column: Int, exact: Double, expectedBits: UInt16, actual: Double,
               absSum s: Double, contraction: Int, eps: Double) -> String? {
        if exact.isNaN && !actual.isNaN { return MismatchCause.nanNotPropagated }
        if actual.isNaN { return MismatchCause.spuriousNaN }
        if actual.isInfinite && expectedBits & 0x7F80 != 0x7F80 { return MismatchCause.epilogueOverflow }
        if kind != .gradB, blockScaled == nil, neighbourWeightsReproduce(group: group, row: row, column: column, actual: actual, eps: eps) {
            return MismatchCause.groupBoundaryUnsized
        }
        if exact.isFinite && actual.isFinite
            && abs(actual - exact) <= ULPHistogram.bf16ULP(exact) + Double(contraction) * 0x1p-8 * s {
            return MismatchCause.accumulationBeyondBound
        }
        return nil
    }

    /// Whether the output equals, within the bound, the row times the adjacent group's weights
    /// (rows within 256 of the boundary assigned to the wrong expert).
    func neighbourWeightsReproduce(group: Int, row: Int, column: Int, actual: Double, eps: Double) -> Bool {
        let rows = GroupOffsets(offsets).rows(of: group)
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
            if Swift.abs(actual - e) <= ULPHistogram.bf16ULP(e) + eps * abs * Swift.abs(rx * ry) { return true }
        }
        return false
    }
}

extension DatasetReport {
    /// Fills `causes`, `by_group` and `mismatch_rows` from a tally; `example` makes the
    /// report of one mismatching flat index with its cause.
    mutating func record(_ tally: MismatchTally, boundaries: [Int], example: (Int, String) -> MismatchReport) {
        causes = tally.ranked.map { c in
            CauseReport(cause: c.cause, count: c.count,
                        examples: c.examples.map { example($0, c.cause) })
        }
        unexplained = tally.count(MismatchTally.unexplained)
        byGroup = tally.byGroup.isEmpty ? nil : tally.byGroup
        if !tally.rowBands.isEmpty {
            mismatchRows = RowDensity(rows: tally.rows, rowsPerBand: tally.rowsPerBand,
                                      counts: tally.rowBands, boundaries: boundaries)
        }
    }
}
