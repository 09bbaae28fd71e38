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
/// of how many of the dataset's mismatching scales each reproduces (ties: the order below):
/// - `pow2Ceil`: `2^ceil(log2 s)` instead of `2^floor(log2 s)` (hip/kernels/fp8_cast.h
///   `pow2_floor` with the mantissa rounded up, mutant 07).
/// - `otherFormatMax`: `fp8_max` of another fp8 format in `fp8_max / amax` (448 of e4m3fn used
///   for e4m3fnuz: mutant 08), with the recipe's arithmetic and rounding.
/// - `positiveAmax`: the amax over the non-negative values only, `max(x)` over `x >= 0` (0 when
///   there is none), NaN policy as declared: a key that keeps the sign loses every negative value
///   in an unsigned atomic max (hip/kernels/fp8_cast.h `bf16_abs_key`, mutant 13).
///
/// `late` (after the block models and the neighbouring group, and after `emptySet`):
/// `largerAmax`: the scale is the recipe's scale of some bf16 amax LARGER than the set's own
/// (finite, positive), or NaN where the set's amax is not: an amax the set does not have, as an
/// amax scratch that is not reset between calls leaves (mutant 11). It says only that such an
/// amax exists (found by bisection over bf16 magnitudes, the scale being non-increasing in the
/// amax); it is the last hypothesis before `unexplained`.
struct ScaleSlips {
    static let pow2Ceil = "pow2 rounding up: 2^ceil(log2 s) instead of 2^floor(log2 s)"
    static func otherFormatMax(_ used: FP8Format, _ declared: FP8Format) -> String {
        "scale from another format's fp8_max (\(used.maxFinite) of \(used.name) instead of \(declared.maxFinite) of \(declared.name))"
    }
    static let positiveAmax = "amax over the non-negative values only (sign kept in the amax key: max(x), not max(|x|))"
    static let largerAmax = "amax larger than the set's own (a stale or foreign amax: the scale of an amax the set does not have, e.g. a scratch not reset between calls)"
    static let nanAmax = "NaN scale from an amax the set does not have (a stale or foreign amax, e.g. a scratch not reset between calls)"

    /// Candidate scale vectors, best first for this dataset.
    let early: [(scales: [Float], cause: String)]
    let recipe: Recipe
    let expected: [Float]
    let ownAmax: [Double]

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
        let actual = check.actual
        early = out.enumerated().map { (k, m) in
            (m, k, mismatches.filter { ScaleCheck.same(m.scales[$0], actual[$0]) }.count)
        }.sorted { ($0.2, -$0.1) > ($1.2, -$1.1) }.map(\.0)
    }

    func earlyCause(_ i: Int, actual a: Float) -> String? {
        for m in early where ScaleCheck.same(m.scales[i], a) { return m.cause }
        return nil
    }

    func lateCause(_ i: Int, actual a: Float) -> String? {
        let own = ownAmax[i]
        if own.isNaN { return nil }
        if a.isNaN { return Self.nanAmax }
        guard a.isFinite, a > 0, a < expected[i] else { return nil }
        // Smallest bf16 magnitude above `own` whose scale is <= a; the scale is non-increasing.
        var lo = UInt16(0), hi = UInt16(0x7F80)  // [lo, hi): search the bf16 bits
        let ownBits = UInt16(truncatingIfNeeded: Float(own).bitPattern >> 16)
        lo = ownBits &+ 1
        guard lo < hi else { return nil }
        func scale(_ b: UInt16) -> Float {
            ScaleArithmetic.scale(amax: Double(Float(bitPattern: UInt32(b) << 16)), recipe: recipe)
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if scale(mid) <= a { hi = mid } else { lo = mid + 1 }
        }
        return lo < 0x7F80 && ScaleCheck.same(scale(lo), a) ? Self.largerAmax : nil
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
