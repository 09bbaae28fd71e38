import FP8
import Groups
import Recipes

/// Scale hypotheses for one-line slips in a kernel's scale computation (issue 12 item 6: the
/// planted bugs of hip/mutants/, judged in reports/mutation-causes-2026-12-05.md). Each is a
/// whole scale vector recomputed under the slip; a mismatching scale is named by a slip only when
/// the slip's scale equals the producer's bit for bit.
///
/// `early`: slips of the set's own amax or of the scale arithmetic (tried right after the recipe
/// variants of `ScaleCheck.cause`, before PR #4179's block models). Under power-of-two scales
/// several slips often give the same scale (2x the expected one), so they are tried in the order
/// of a score over the dataset: the scales a slip reproduces minus those it would change that the
/// producer wrote as the reference did (ties: the order below); a slip that does not fit the
/// dataset (`ScaleCheck.consistent`: 9 in 10 of the scales it changes are the producer's) names
/// nothing, so that it cannot take the scales of a group lookup bug, which changes only some sets:
/// - `pow2Ceil`: `2^ceil(log2 s)` instead of `2^floor(log2 s)` (hip/kernels/fp8_cast.h
///   `pow2_floor` with the mantissa rounded up, mutant 07).
/// - `otherFormatMax`: `fp8_max` of another fp8 format in `fp8_max / amax` (448 of e4m3fn used
///   for e4m3fnuz: mutant 08), with the recipe's arithmetic and rounding.
/// - `positiveAmax`: the amax over the non-negative values only, `max(x)` over `x >= 0` (0 when
///   there is none), NaN policy as declared: a key that keeps the sign loses every negative value
///   in an unsigned atomic max (hip/kernels/fp8_cast.h `bf16_abs_key`, mutant 13).
///
/// `offByOne` (after the block models, before the neighbouring group): under a per-group
/// reduction, the set's amax with its last row moved to the next group and/or the previous
/// group's last row moved in (a group lookup comparing `offsets[mid] > row + 1`, mutant 09;
/// hip/kernels' tiles look groups up per vector only where a tile straddles a boundary, so
/// either move alone is possible).
///
/// `late` (after the block models and the neighbouring group, and after `emptySet`):
/// `largerAmax`: the scale is the recipe's scale of some bf16 amax LARGER than the set's own
/// (finite, or Inf, whose scale is 0, where the set holds no Inf), or NaN where the set's amax is not: an amax the set does not have, as an
/// amax scratch that is not reset between calls leaves (mutant 11); or the empty set's scale
/// (amax 0 or below EPS) for a set with values (mutant 11 again: a scratch reused from a buffer
/// the runner poisoned with 0xA5 bytes holds the key 0xA5A5A5A5, whose bf16 half is a tiny
/// negative number, and wins every unsigned atomic max; also where the set's own amax is NaN). It says only that such an
/// amax exists (found by bisection over bf16 magnitudes, the scale being non-increasing in the
/// amax); it is the last hypothesis before `unexplained`, beside `smallerAmax` (the scale of a
/// value of the set below its amax, for a larger scale than the reference's).
///
/// `PartialRowReduction` layouts (rowwise: lanes that never reduce across the row, mutant 16)
/// are early slips too, ranked with the others.
struct ScaleSlips {
    static let pow2Ceil = MismatchCause.pow2RoundedUp
    static func otherFormatMax(_ used: FP8Format, _ declared: FP8Format) -> String { MismatchCause.otherFormatMax(used, instead: declared) }
    static let positiveAmax = MismatchCause.nonNegativeAmax
    static let largerAmax = MismatchCause.largerAmax
    static let offByOne = MismatchCause.groupOffByOneAmax
    static let nanAmax = MismatchCause.foreignNaNAmax

    /// Candidate scale vectors, best first for this dataset.
    let early: [(scales: [Float], cause: String)]
    let recipe: Recipe
    let expected: [Float]
    let ownAmax: [Double]
    /// Per scale: the off-by-one candidates (empty unless per group).
    let shifted: [[Float]]
    /// Per scale: whether the set holds an Inf in the raw input (its own Inf is no foreign amax).
    let holdsInf: [Bool]
    /// The source as the amax sees it, the rows of each set (empty unless every set is whole
    /// rows), the row length: for `smallerAmax`.
    let bits: [UInt16]
    let rowsOfSet: [[Int]]
    let columns: Int

    init(check: ScaleCheck, bits: [UInt16], ownAmax: [Double], mismatches: [Int]) {
        let recipe = check.recipe
        self.recipe = recipe
        expected = check.expected
        self.ownAmax = ownAmax
        var out: [(scales: [Float], cause: String)] = []
        if recipe.scalePow2 {
            var raw = recipe
            raw.scalePow2 = false
            out.append((ownAmax.map { Self.roundUpToPowerOfTwo(ScaleArithmetic.scale(amax: $0, recipe: raw)) }, Self.pow2Ceil))
        }
        var maxima: Set<Double> = [recipe.fp8Max]
        for f in [FP8Format.e4m3fn, .e4m3fnuz, .e5m2, .e5m2fnuz] where !maxima.contains(f.maxFinite) {
            maxima.insert(f.maxFinite)
            var v = recipe
            v.format = f
            out.append((ownAmax.map { ScaleArithmetic.scale(amax: $0, recipe: v) }, Self.otherFormatMax(f, recipe.format)))
        }
        let positive = bits.map { $0 & 0x8000 != 0 ? UInt16(0) : $0 }
        let positiveAmax = Amax.compute(positive, grouping: check.grouping, policy: recipe.amaxNaN, concurrently: true)
        out.append((positiveAmax.map { ScaleArithmetic.scale(amax: $0, recipe: recipe) }, Self.positiveAmax))
        out += PartialRowReduction.scaleModels(check: check, bits: bits)
        shifted = Self.shiftedScales(check: check, bits: bits)
        self.bits = bits
        if check.grouping.columnStride == 0 && check.grouping.columnBlock == 1 {
            var sets = [[Int]](repeating: [], count: check.expected.count)
            for (r, s) in check.grouping.rowBase.enumerated() where s >= 0 && s < sets.count { sets[s].append(r) }
            rowsOfSet = sets
        } else {
            rowsOfSet = []
        }
        columns = check.grouping.columns
        holdsInf = Amax.compute(check.source.bits, grouping: check.grouping, policy: .ignore, concurrently: true).map(\.isInfinite)
        let actual = check.actual
        // Score: scales reproduced minus scales the slip would change that the producer did not.
        let expected = check.expected
        let ranked = out.enumerated().map { (k, m) in
            var score = 0
            for s in m.scales.indices where !ScaleCheck.same(m.scales[s], expected[s]) {
                score += ScaleCheck.same(m.scales[s], actual[s]) ? 1 : ScaleCheck.same(actual[s], expected[s]) ? -1 : 0
            }
            return (m, k, score)
        }.filter { check.consistent($0.0.scales) }.sorted { ($0.2, -$0.1) > ($1.2, -$1.1) }
        // Slips with the same score that reproduce the same mismatching scales cannot be told
        // apart on this dataset (pow2 rounding up and 448 for e4m3fnuz both give 2x on a single
        // tensorwise scale): both are named, in one cause.
        var kept: [(scales: [Float], causes: [String], score: Int, reproduced: [Int])] = []
        for (m, _, score) in ranked {
            let reproduced = mismatches.filter { ScaleCheck.same(m.scales[$0], actual[$0]) }
            if let j = kept.firstIndex(where: { $0.score == score && $0.reproduced == reproduced }) {
                kept[j].causes.append(m.cause)
            } else {
                kept.append((m.scales, [m.cause], score, reproduced))
            }
        }
        early = kept.map { ($0.scales, $0.causes.count == 1 ? $0.causes[0] : $0.causes.joined(separator: " or ") + " (the same scales here)") }
    }

    func earlyCause(_ i: Int, actual a: Float) -> String? {
        for m in early where ScaleCheck.same(m.scales[i], a) { return m.cause }
        return nil
    }

    func offByOneCause(_ i: Int, actual a: Float) -> String? {
        shifted.contains { ScaleCheck.same($0[i], a) } ? Self.offByOne : nil
    }

    /// The amax key of a bf16 under the NaN policy: 0...0x7F80 magnitudes, 0xFFFF a NaN that
    /// propagates (as `FlatBlockGroups.amax`).
    static func key(_ b: UInt16, _ policy: AmaxNaNPolicy) -> UInt16 {
        let m = b & 0x7FFF
        if m > 0x7F80 { return policy == .propagate ? 0xFFFF : 0 }
        if m == 0x7F80 && policy == .nanToNum { return 0x7F7F }
        return m
    }

    static func merge(_ a: UInt16, _ b: UInt16) -> UInt16 { a == 0xFFFF || b == 0xFFFF ? 0xFFFF : max(a, b) }

    /// Three vectors: own last row out; previous group's last row in; both.
    static func shiftedScales(check: ScaleCheck, bits: [UInt16]) -> [[Float]] {
        guard let offsets = FlatBlockGroups.boundaries(reduction: check.reduction, shape: check.source.shape, offsets: check.offsets) else { return [] }
        let (columns, policy) = (check.grouping.columns, check.recipe.amaxNaN)
        let perColumn = check.grouping.columnStride != 0
        let sets = perColumn ? offsets.groupCount * columns : offsets.groupCount
        let rows = check.grouping.rows
        // Key of row r for set column c (per group: the row's max over all columns).
        let rowKey: [UInt16] = perColumn ? [] : (0..<rows).map { r in
            (r * columns..<(r + 1) * columns).reduce(UInt16(0)) { merge($0, key(bits[$1], policy)) }
        }
        func k(_ r: Int, _ c: Int) -> UInt16 { perColumn ? key(bits[r * columns + c], policy) : rowKey[r] }
        func amax(_ rows: Range<Int>, _ c: Int, extra: Int?) -> Double {
            var m: UInt16 = 0
            for r in rows { m = merge(m, k(r, c)) }
            if let e = extra { m = merge(m, k(e, c)) }
            return m == 0xFFFF ? .nan : BinaryFormat.bf16.decode(UInt32(m))
        }
        var out = [[Float]](repeating: [Float](repeating: .nan, count: sets), count: 3)
        for g in 0..<offsets.groupCount {
            let own = offsets.rows(of: g).clamped(to: 0..<rows)
            let previous: Int? = own.lowerBound > 0 && own.lowerBound <= offsets.covered && !own.isEmpty ? own.lowerBound - 1 : nil
            let trimmed = own.isEmpty ? own : own.lowerBound..<(own.upperBound - 1)
            for c in 0..<(perColumn ? columns : 1) {
                let s = perColumn ? g * columns + c : g
                let cases: [(Range<Int>, Int?)] = [(trimmed, nil), (own, previous), (trimmed, previous)]
                for (j, (range, extra)) in cases.enumerated() {
                    out[j][s] = ScaleArithmetic.scale(amax: amax(range, c, extra: extra), recipe: check.recipe)
                }
            }
        }
        return out
    }

    func lateCause(_ i: Int, actual a: Float) -> String? {
        let own = ownAmax[i]
        let emptySetScale = ScaleArithmetic.scale(amax: 0, recipe: recipe)
        if own.isNaN { return ScaleCheck.same(emptySetScale, a) ? MismatchCause.emptySetScaleWithValues : nil }
        if a.isNaN { return Self.nanAmax }
        if own > 0 && ScaleCheck.same(emptySetScale, a) { return MismatchCause.emptySetScaleWithValues }
        if a.isFinite && a > expected[i] && own > 0 {
            if let c = smallerAmax(i, actual: a) { return c }
            return foreignSmallerAmax(i, actual: a)
        }
        guard a.isFinite, a >= 0, a < expected[i], a > 0 || !holdsInf[i] else { return nil }
        // Smallest bf16 magnitude above `own` (Inf included: scale 0) whose scale is <= a; the
        // scale is non-increasing in the amax.
        var lo = UInt16(0), hi = UInt16(0x7F81)  // [lo, hi): search the bf16 bits
        let ownBits = UInt16(truncatingIfNeeded: Float(own).bitPattern >> 16)
        lo = ownBits &+ 1
        guard lo < hi else { return nil }
        func scale(_ b: UInt16) -> Float {
            ScaleArithmetic.scale(amax: Double(Float(bf16Bits: b)), recipe: recipe)
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if scale(mid) <= a { hi = mid } else { lo = mid + 1 }
        }
        return lo <= 0x7F80 && ScaleCheck.same(scale(lo), a) ? Self.largerAmax : nil
    }

    /// `smallerAmax`: the scale is the recipe's scale of the magnitude of an element of the set
    /// below the set's amax (keys under the declared NaN policy): the amax of part of the set,
    /// as a reduction that leaves some partial maxima out gives (mutant 16 where no layout of
    /// `PartialRowReduction` fits). Sets of whole rows only; each set's elements read once.
    func smallerAmax(_ i: Int, actual a: Float) -> String? {
        guard i < rowsOfSet.count else { return nil }
        let own = ownAmax[i]
        var keys = Set<UInt16>()
        for r in rowsOfSet[i] {
            for e in r * columns..<(r + 1) * columns { keys.insert(Self.key(bits[e], recipe.amaxNaN)) }
        }
        for k in keys where k != 0xFFFF {
            let v = BinaryFormat.bf16.decode(UInt32(k))
            if v < own && ScaleCheck.same(ScaleArithmetic.scale(amax: v, recipe: recipe), a) { return MismatchCause.smallerAmax }
        }
        return nil
    }

    /// `foreignSmallerAmax`: the scale is the recipe's scale of a bf16 amax below the set's own
    /// that is none of its values: a stale key that won the unsigned atomic max by its upper
    /// bits while its bf16 half is small (mutant 11: an amax scratch holding an earlier output's
    /// bytes). Found by bisection over bf16 magnitudes below the set's amax.
    func foreignSmallerAmax(_ i: Int, actual a: Float) -> String? {
        let own = ownAmax[i]
        guard own.isFinite || own.isInfinite, own > 0 else { return nil }
        func scale(_ b: UInt16) -> Float {
            ScaleArithmetic.scale(amax: Double(Float(bitPattern: UInt32(b) << 16)), recipe: recipe)
        }
        // Largest bf16 magnitude below `own` whose scale is >= a (the scale is non-increasing).
        let ownBits = own.isInfinite ? UInt16(0x7F80) : UInt16(truncatingIfNeeded: Float(own).bitPattern >> 16)
        var lo = UInt16(0), hi = ownBits  // candidates in [lo, hi)
        guard lo < hi, scale(0) >= a else { return nil }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if scale(mid) >= a { lo = mid } else { hi = mid }
        }
        return ScaleCheck.same(scale(lo), a) ? MismatchCause.foreignSmallerAmax : nil
    }

    /// The bug's power-of-two rounding (mutant 07): a normal fp32 with a non-zero mantissa goes
    /// to the next power of two; 0, subnormals, Inf and NaN as `pow2_floor` does (subnormals:
    /// their highest set bit).
    static func roundUpToPowerOfTwo(_ s: Float) -> Float {
        let u = s.bitPattern
        let exponent = u & 0x7F80_0000
        if exponent == 0x7F80_0000 { return s }
        if exponent != 0 { return Float(bitPattern: (u & 0xFF80_0000) + ((u & 0x007F_FFFF) != 0 ? 0x0080_0000 : 0)) }
        return ScaleArithmetic.roundDownToPowerOfTwo(s)
    }
}
