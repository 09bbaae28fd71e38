import FP8
import Recipes

/// The naive oracle of the block-scaled recipes (SPEC 8.3), written for clarity and apart from
/// the fast path: per-block loops over (row block, column block), the e8m0 exponent reasoned
/// on VALUES (powers of two, `Double.exponent`) where `E8M0Scale` works on fp32 bit fields, and
/// the cast through the generic encode core (`FP8Format.encode`), not the tables.

/// The e8m0 code torchao's `to_mx` gives a block of amax `amax` (pytorch/ao 36027d82,
/// mx_tensor.py), restated on values:
/// - floor: e = floor(log2 amax), with fp32 subnormals (amax < 2^-126) and 0 counting as -127
///   (the exponent field is 0 there);
/// - ceil: the smallest e with 2^e >= amax for normal amax; -126 for a non-zero subnormal; -127 for 0;
/// - even: floor of amax rounded to mbits+1 significant bits, halves away from zero (an amax of
///   (2 - 2^-(mbits+1)) * 2^e or more counts as 2^(e+1)); 2^128 is infinite: NaN code;
/// - rceil: d = fl32(amax * fl32(1/fp8_max)); the smallest e with 2^e >= d, at least -127;
/// then code = clamp(e - emax, -127, 128) + 127 (rceil: e + 127), NaN/Inf amax -> 0xFF.
func oracleE8M0Code(amax: Double, mode: ScaleMode, format: FP8Format) -> UInt8 {
    if !amax.isFinite { return 0xFF }
    let emax = Int(format.maxFinite.exponent)
    let tiny = 0x1p-126
    func isPowerOfTwo(_ v: Double) -> Bool { v.significandBitPattern == 0 }
    let e: Int
    switch mode {
    case .floor:
        e = amax < tiny ? -127 : Int(amax.exponent)
    case .ceil:
        if amax == 0 { e = -127 }
        else if amax < tiny { e = -126 }
        else { e = Int(amax.exponent) + (isPowerOfTwo(amax) ? 0 : 1) }
    case .even:
        let threshold = 2 - Double(sign: .plus, exponent: -(format.mantissaBits + 1), significand: 1)
        if amax < tiny {
            e = amax >= threshold / 2 * tiny ? -126 : -127
        } else {
            let f = Int(amax.exponent)
            e = amax >= threshold * Double(sign: .plus, exponent: f, significand: 1) ? f + 1 : f
        }
        if e >= 128 { return 0xFF }
    case .rceil:
        let d = Double(Float(amax * Double(Float(1 / format.maxFinite))))
        if d == 0 { return 0 }
        let k = Int(d.exponent) + (isPowerOfTwo(d) ? 0 : 1)
        return k + 127 >= 255 ? 0xFF : UInt8(max(k + 127, 0))
    }
    return UInt8(min(max(e - emax, -127), 128) + 127)
}

/// The quantization multiplier of an e8m0 code, as a value: 2^(127 - code); NaN for 0xFF.
func oracleMultiplier(_ code: UInt8) -> Float {
    code == 0xFF ? .nan : Float(Double(sign: .plus, exponent: 127 - Int(code), significand: 1))
}

/// Quantizes `bits` (bf16, `shape` of rank 2 or 3) in blocks of `block` rows x columns, expert by
/// expert for a 3-D weight, the last block of each extent partial when it does not divide
/// (`block_padding = zero`: zeros do not change an amax). Returns codes, multipliers (row-major
/// over the block grid [experts, row blocks, column blocks]), and the stored fp32 scales
/// (multiplier or reciprocal) or e8m0 codes.
func oracleBlockQuantize(_ bits: [UInt16], shape: [Int], block: (rows: Int, columns: Int), recipe: Recipe)
    -> (codes: [UInt8], multipliers: [Float], stored: [Float], e8m0: [UInt8])
{
    let cols = shape.last!
    let experts = shape.count == 3 ? shape[0] : 1
    let rowsPerExpert = shape.count == 3 ? shape[1] : shape[0]
    let fp8Max = recipe.format.maxFinite
    var codes = [UInt8](repeating: 0, count: bits.count)
    var multipliers: [Float] = [], stored: [Float] = [], e8m0: [UInt8] = []
    let rowBlocks = (rowsPerExpert + block.rows - 1) / block.rows
    let columnBlocks = (cols + block.columns - 1) / block.columns
    for g in 0..<experts {
        for rb in 0..<rowBlocks {
            for cb in 0..<columnBlocks {
            var elements: [Int] = []
            for k in (rb * block.rows)..<min((rb + 1) * block.rows, rowsPerExpert) {
                for c in (cb * block.columns)..<min((cb + 1) * block.columns, cols) {
                    elements.append((g * rowsPerExpert + k) * cols + c)
                }
            }
            // 1. amax over the block, under the recipe's NaN policy.
            var amax = 0.0
            var sawNaN = false
            for i in elements {
                var v = abs(BinaryFormat.bf16.decode(UInt32(bits[i])))
                if v.isNaN {
                    if recipe.amaxNaN == .propagate { sawNaN = true }
                    continue
                }
                if v.isInfinite && recipe.amaxNaN == .nanToNum { v = Amax.bf16Max }
                amax = max(amax, v)
            }
            if sawNaN { amax = .nan }
            // 2. the multiplier.
            let m: Float
            if recipe.scaleFormat == .e8m0 {
                let code = oracleE8M0Code(amax: amax, mode: recipe.scaleMode, format: recipe.format)
                e8m0.append(code)
                m = oracleMultiplier(code)
            } else if amax.isNaN {
                m = .nan
            } else {
                m = recipe.scaleCompute == .fp64 ? Float(fp8Max / max(amax, 1e-12))
                                                 : Float(fp8Max) / max(Float(amax), Float(1e-12))
            }
            multipliers.append(m)
            stored.append(recipe.scaleConvention == .reciprocal ? 1 / m : m)
            // 3. multiply (fp32), NaN arithmetic, clamp, cast through the generic core.
            for i in elements {
                let x = BinaryFormat.bf16.decode(UInt32(bits[i]))
                var y = Double(Float(x * Double(m)))
                if y.isNaN {
                    if recipe.nanArithmetic == .canonical { y = .nan }
                    else if x.isNaN { y = x }
                    else if m.isNaN { y = Double(m) }
                    else { y = -.nan }
                } else {
                    y = min(max(y, -fp8Max), fp8Max)
                }
                codes[i] = recipe.format.encode(y, policy: recipe.castPolicy)
            }
        }
    }
    }
    return (codes, multipliers, stored, e8m0)
}
