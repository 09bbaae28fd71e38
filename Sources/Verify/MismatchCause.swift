import FP8
import Recipes

/// One-line causes for a first mismatch, found by trying the variants a production kernel is
/// known to get wrong (SPEC section 1) and seeing which reproduces the actual value.
public enum MismatchCause {
    public static let saturationVsNaN = "saturation vs NaN"
    /// The product x * scale was NaN (a NaN input, or +-Inf times a zero scale) and the producer
    /// wrote +max: its clamp dropped the NaN. Measured in torchao 0.18's fused Triton kernels on
    /// the H100 (fixtures/peers): `tl.clamp` returns +fp8_max for NaN, even for -NaN and -Inf.
    /// A refinement of `saturationVsNaN`, which it starts with.
    public static let nanClampedToMax = saturationVsNaN + ": the NaN product was clamped to +max (as Triton's tl.clamp does)"
    public static let nanByteSign = "NaN byte sign"
    public static let groupBoundary = "block straddles group boundary"
    public static let scaleRounding = "scale rounding (fp32 vs fp64)"
    public static let pow2Rounding = "pow2 rounding"
    public static let amaxNaNPolicy = "amax NaN policy (propagate, nan_to_num or ignore)"
    public static let reciprocalScale = "scale computed as 1/(amax/fp8_max) (two fp32 roundings)"

    /// A payload code that differs from the reference.
    ///
    /// - Parameters:
    ///   - referenceScale: the scale the reference used for this element.
    ///   - producerScale: the producer's own scale for this element, when it wrote one.
    ///   - neighbourScales: the scales of the same column in the adjacent groups, for an element
    ///     near a group boundary under a per-group reduction.
    static func payload(recipe: Recipe, input: UInt16, expected: UInt8, actual: UInt8, referenceScale: Float,
                        producerScale: Float?, neighbourScales: [Float]) -> String? {
        let f = recipe.format
        let (e, a) = (f.decode(expected), f.decode(actual))
        if e.isNaN && a.isNaN { return nanByteSign }
        let inputIsNaN = input & 0x7FFF > 0x7F80, inputIsInfinite = input & 0x7FFF == 0x7F80
        if e.isNaN && actual == f.maxFiniteCode
            && (inputIsNaN || (inputIsInfinite && (referenceScale == 0 || input & 0x8000 != 0))) {
            return nanClampedToMax
        }
        if (e.isNaN && actual & 0x7F == f.maxFiniteCode & 0x7F) || (a.isNaN && expected & 0x7F == f.maxFiniteCode & 0x7F) {
            return saturationVsNaN
        }
        let q = Quantizer(recipe: recipe)
        if let p = producerScale, p.bitPattern != referenceScale.bitPattern, q.code(bf16Bits: input, scale: p) == actual {
            return "payload follows the producer's scale, which differs from the reference"
        }
        if neighbourScales.contains(where: { q.code(bf16Bits: input, scale: $0) == actual }) { return groupBoundary }
        var variant = recipe
        variant.nanArithmetic = recipe.nanArithmetic == .canonical ? .propagate : .canonical
        if Quantizer(recipe: variant).code(bf16Bits: input, scale: referenceScale) == actual { return nanByteSign }
        for policy in ConversionPolicy.all where policy != recipe.castPolicy {
            variant = recipe
            variant.castPolicy = policy
            if Quantizer(recipe: variant).code(bf16Bits: input, scale: referenceScale) == actual {
                return "cast policy \(policy.name) instead of \(recipe.castPolicy.name)"
            }
        }
        return nil
    }

    /// A scale that differs from the reference; `amax` is the set's amax under each NaN policy,
    /// `neighbourAmax` the amax of the adjacent groups' same sets (per-group reductions).
    static func scale(recipe: Recipe, expected: Float, actual: Float, amax: [AmaxNaNPolicy: Double],
                      neighbourAmax: [Double]) -> String? {
        func same(_ s: Float) -> Bool { s.bitPattern == actual.bitPattern || (s.isNaN && actual.isNaN) }
        let own = amax[recipe.amaxNaN]!
        var v = recipe
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return scaleRounding }
        v = recipe
        v.scalePow2.toggle()
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return pow2Rounding }
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return pow2Rounding + "; " + scaleRounding }
        for other in AmaxNaNPolicy.allCases where other != recipe.amaxNaN {
            v = recipe
            v.amaxNaN = other
            if same(ScaleArithmetic.scale(amax: amax[other]!, recipe: v)) { return amaxNaNPolicy }
        }
        if !own.isNaN {
            var r = Float(own) / Float(recipe.fp8Max)
            r = Float(1) / max(r, Float(ScaleArithmetic.eps) / Float(recipe.fp8Max))
            if same(recipe.scalePow2 ? ScaleArithmetic.roundDownToPowerOfTwo(r) : r) { return reciprocalScale }
        }
        for n in neighbourAmax {
            let merged = own.isNaN || n.isNaN ? Double.nan : max(own, n)
            if same(ScaleArithmetic.scale(amax: merged, recipe: recipe)) { return groupBoundary }
        }
        if own == 0 { return "empty set (amax 0): expected fp8_max / 1e-12 with the recipe's rounding" }
        return nil
    }
}
