import FP8
import Recipes

/// A rowwise kernel whose lanes never reduce their amaxes across the row (issue 12 item 6,
/// mutant 16: hip/kernels/quantize_kernels.h `rowwise_kernel` at 7401f95 computes
/// `scale_from_amax(team_max<TEAM>(m))`; without `team_max` every lane scales its own vectors by
/// the amax `m` of those vectors alone, and lane 0 stores its scale as the row's).
///
/// The layout is a value: a row of `columns` elements is read as vectors of `vectorWidth`
/// consecutive elements (the kernel's VEC: 8 where `columns % 8 == 0`, else 1), and vector j
/// belongs to lane `j % lanes` (a team of TEAM lanes; a team at least as wide as the row's vector
/// count gives one vector per lane). Element c is in lane `(c / vectorWidth) % lanes`.
///
/// Reproduced, bit for bit, per row r (rowwise reductions with one scale per row only):
/// - the stored scale: the recipe's scale of lane 0's amax (the amax keys of the sanitised input
///   under the declared NaN policy, as the reference amax; a NaN key propagates);
/// - each code: the recipe's cast of x times the scale of its own lane's amax.
/// A layout names scales or codes only where it fits the dataset: 9 in 10 of the scales (codes)
/// it would change from the reference are the producer's (as `ScaleCheck.consistent`), so a bug
/// that changes a few scales cannot borrow it.
struct PartialRowReduction: Hashable, Sendable {
    let vectorWidth: Int
    let lanes: Int
    let columns: Int

    /// The kernel's vector widths and team sizes (warps of 32 or 64 lanes up to a 1024-thread block).
    static let vectorWidths = [1, 2, 4, 8, 16]
    static let teamSizes = [32, 64, 128, 256, 512, 1024]

    /// Every distinct layout of a row of `columns` elements with more than one lane (one lane is
    /// the whole row: the correct reduction).
    static func candidates(columns: Int) -> [PartialRowReduction] {
        var out: [PartialRowReduction] = []
        for v in vectorWidths where columns > v && columns % v == 0 {
            var seen = Set<Int>()
            for t in teamSizes {
                let lanes = min(t, columns / v)
                if lanes > 1 && seen.insert(lanes).inserted { out.append(Self(vectorWidth: v, lanes: lanes, columns: columns)) }
            }
        }
        return out
    }

    /// Whether the check's grouping is one scale per row over contiguous columns (2-D rowwise
    /// and the transposed weight `b_t`), the only layout the kernel has.
    static func applies(reduction: Reduction, grouping: ScaleGrouping, recipe: Recipe) -> Bool {
        reduction == .rowwise && grouping.columnStride == 0 && grouping.columnBlock == 1
            && recipe.scaleFormat == .fp32 && recipe.scaleConvention == .multiplier
    }

    var cause: String { MismatchCause.partialRowAmax(vectorWidth: vectorWidth, lanes: lanes, vectorsPerRow: columns / vectorWidth) }

    @inline(__always)
    func lane(ofColumn c: Int) -> Int { (c / vectorWidth) % lanes }

    /// The amax of each lane of row `r` (NaN where a NaN key propagates).
    func laneAmaxes(_ bits: [UInt16], row r: Int, policy: AmaxNaNPolicy) -> [Double] {
        var keys = [UInt16](repeating: 0, count: lanes)
        for c in 0..<columns {
            let l = lane(ofColumn: c)
            keys[l] = ScaleSlips.merge(keys[l], ScaleSlips.key(bits[r * columns + c], policy))
        }
        return keys.map { $0 == 0xFFFF ? .nan : BinaryFormat.bf16.decode(UInt32($0)) }
    }

    /// Lane 0's scale of every row: the scale such a kernel stores.
    func storedScales(_ bits: [UInt16], rows: Int, recipe: Recipe) -> [Float] {
        (0..<rows).map { r in
            var key: UInt16 = 0
            var c = 0
            while c < columns {  // lane 0: vectors 0, lanes, 2 lanes, ...
                for e in c..<min(c + vectorWidth, columns) { key = ScaleSlips.merge(key, ScaleSlips.key(bits[r * columns + e], recipe.amaxNaN)) }
                c += vectorWidth * lanes
            }
            return ScaleArithmetic.scale(amax: key == 0xFFFF ? .nan : BinaryFormat.bf16.decode(UInt32(key)), recipe: recipe)
        }
    }

    /// Every lane's scale, row-major (`r * lanes + lane`).
    func laneScales(_ bits: [UInt16], rows: Int, recipe: Recipe) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows * lanes)
        for r in 0..<rows { out += laneAmaxes(bits, row: r, policy: recipe.amaxNaN).map { ScaleArithmetic.scale(amax: $0, recipe: recipe) } }
        return out
    }
}

extension PartialRowReduction {
    /// Scale models for `ScaleSlips.early`: each layout's stored scales (empty unless `applies`).
    static func scaleModels(check: ScaleCheck, bits: [UInt16]) -> [(scales: [Float], cause: String)] {
        guard applies(reduction: check.reduction, grouping: check.grouping, recipe: check.recipe) else { return [] }
        return candidates(columns: check.grouping.columns).map {
            ($0.storedScales(bits, rows: check.grouping.rows, recipe: check.recipe), $0.cause)
        }
    }

    /// The layout that fits the payload best: its stored scales fit the producer's (as
    /// `ScaleCheck.consistent`), its codes fit the payload (9 in 10 of the codes it changes from
    /// the reference are the producer's), and it reproduces the most codes; with its lane
    /// scales. Nil unless `applies` and the producer wrote its scales.
    static func payloadModel(check: PayloadCheck) -> (model: PartialRowReduction, table: ScaledCodeTable)? {
        guard applies(reduction: check.reduction, grouping: check.grouping, recipe: check.recipe),
              let producer = check.producerScales else { return nil }
        let (rows, columns, recipe) = (check.grouping.rows, check.grouping.columns, check.recipe)
        let expectedScales = check.expected.scales
        guard producer.count == rows, expectedScales.count == rows else { return nil }
        let bits = recipe.inputNaNToNum ? NaNToNum.apply(check.source.bits) : check.source.bits
        var best: (model: PartialRowReduction, table: ScaledCodeTable, carried: Int)?
        for model in candidates(columns: columns) {
            let stored = model.storedScales(bits, rows: rows, recipe: recipe)
            var (changed, reproduced) = (0, 0)
            for r in 0..<rows where !ScaleCheck.same(stored[r], expectedScales[r]) {
                changed += 1
                if ScaleCheck.same(stored[r], producer[r]) { reproduced += 1 }
            }
            guard changed > 0 && reproduced * 10 >= changed * 9 else { continue }
            let table = ScaledCodeTable(recipe: recipe, scales: model.laneScales(bits, rows: rows, recipe: recipe))
            let view = table.view
            var (codesChanged, carried) = (0, 0)
            for r in 0..<rows {
                for c in 0..<columns {
                    let i = r * columns + c
                    let code = view.code(check.source.bits[i], scaleIndex: r * model.lanes + model.lane(ofColumn: c))
                    guard code != check.expected.codes[i] else { continue }
                    codesChanged += 1
                    if check.actual[i] == code { carried += 1 }
                }
            }
            guard codesChanged > 0 && carried * 10 >= codesChanged * 9 else { continue }
            if best == nil || carried > best!.carried { best = (model, table, carried) }
        }
        return best.map { ($0.model, $0.table) }
    }
}
