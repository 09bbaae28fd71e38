import FP8
import Recipes

/// The causes verify names for the scales of the block recipes (SPEC 8.3), each tried only
/// where it reproduces the producer's stored scale:
/// - another e8m0 scale mode ("scale mode rceil reproduces it");
/// - a NaN block scale (0xFF) against a finite reference, or the reverse;
/// - the other scale convention (the multiplier stored where the reciprocal is declared, or
///   the reverse);
/// - EPS = 1e-12 rounded to fp32 or bf16 before the division (blocks whose amax is below it:
///   all-zero blocks), as a kernel that clamps a narrower amax would compute it.
enum BlockScaleCauses {
    static func scaleMode(_ mode: ScaleMode) -> String { scaleModes([mode]) }
    /// Every other mode that gives the producer's code ("scale mode ceil or even reproduces it").
    static func scaleModes(_ modes: [ScaleMode]) -> String {
        let names = modes.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names[0]
        return "scale mode " + list + (modes.count > 1 ? " reproduce it" : " reproduces it")
    }
    static let nanBlockScale = "NaN block scale (0xFF) where the block's amax is finite"
    static let finiteForNaNBlock = "finite block scale where the block holds NaN or Inf (the reference writes 0xFF)"
    static let multiplierStored = "scale convention: the multiplier is stored (reciprocal declared)"
    static let reciprocalStored = "scale convention: the reciprocal is stored (multiplier declared)"
    static func narrowEPS(_ type: String) -> String { "EPS 1e-12 rounded to \(type) (amax below EPS)" }

    /// `actual` is the stored value (e8m0: its multiplier); `expected` the reference multiplier.
    static func cause(recipe: Recipe, amax: Double, expected: Float, actual: Float) -> String? {
        guard recipe.kind == .mxfp8 || recipe.kind == .blockwise || recipe.scaleFormat == .e8m0
            || recipe.scaleConvention == .reciprocal else { return nil }
        func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
        if recipe.scaleFormat == .e8m0 {
            let modes = ScaleMode.allCases.filter { mode in
                var v = recipe
                v.scaleMode = mode
                return mode != recipe.scaleMode && same(ScaleArithmetic.scale(amax: amax, recipe: v), actual)
            }
            if !modes.isEmpty { return scaleModes(modes) }
            if actual.isNaN && !expected.isNaN { return nanBlockScale }
            if !actual.isNaN && expected.isNaN { return finiteForNaNBlock }
            return nil
        }
        switch recipe.scaleConvention {
        case .reciprocal: if same(expected, actual) { return multiplierStored }
        case .multiplier: if same(1 / expected, actual) { return reciprocalStored }
        }
        if amax.isFinite && amax < ScaleArithmetic.eps {
            let fp8Max = recipe.fp8Max
            let candidates: [(String, Double)] = [("fp32", Double(Float(ScaleArithmetic.eps))),
                                                  ("bf16", BinaryFormat.bf16.decode(BinaryFormat.bf16.roundToNearestEven(ScaleArithmetic.eps)))]
            for (name, eps) in candidates {
                let m = Float(fp8Max / max(amax, eps))
                if same(recipe.scaleConvention.stored(multiplier: m), actual) { return narrowEPS(name) }
            }
        }
        return nil
    }
}
