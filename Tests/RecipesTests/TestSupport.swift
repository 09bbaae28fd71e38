import FP8
import Recipes

func bf16(_ x: Double) -> UInt16 { UInt16(BinaryFormat.bf16.roundToNearestEven(x)) }

/// Random bf16 values around 1, with specials sprinkled in.
func randomBF16(_ count: Int, rng: inout SplitMix64, specials: Bool) -> [UInt16] {
    (0..<count).map { _ in
        if specials {
            switch rng.next() % 40 {
            case 0: return 0x7FC0  // +NaN
            case 1: return 0xFFC0  // -NaN
            case 2: return 0x7F80  // +Inf
            case 3: return 0xFF80  // -Inf
            case 4: return UInt16(truncatingIfNeeded: rng.next() % 0x7F) | 0x8000  // -subnormal
            case 5: return 0x7F7F  // bf16 max
            default: break
            }
        }
        let e = Double(Int(rng.next() % 24) - 12)
        let m = Double(rng.next() % 1000) / 500 - 1
        return bf16(m * Foundation_exp2(e))
    }
}

func Foundation_exp2(_ e: Double) -> Double { Double(sign: .plus, exponent: Int(e), significand: 1) }

/// The naive reference: one element at a time, in Double, through the generic encode core
/// (not the tables), with the reduction sets written out per case.
func naiveQuantize(_ bits: [UInt16], shape: [Int], reduction: Reduction, transposed: Bool,
                   offsets: [Int], recipe: Recipe) -> (codes: [UInt8], scales: [Float]) {
    // input_nan_to_num (SPEC 8.1): torch.nan_to_num on the values, written out in Double.
    let bf16Max = (2 - 1.0 / 128) * Foundation_exp2(127)
    let bits = !recipe.inputNaNToNum ? bits : bits.map { b -> UInt16 in
        let v = BinaryFormat.bf16.decode(UInt32(b))
        if v.isNaN { return 0 }
        if v.isInfinite { return v > 0 ? bf16(bf16Max) : bf16(-bf16Max) }
        return b
    }
    let rows = shape.count == 2 ? shape[0] : shape[0] * shape[1]
    let cols = shape.last!
    // The scale index of each element, spelled out from SPEC section 3.
    func setOf(_ r: Int, _ c: Int) -> Int? {
        switch reduction {
        case .tensorwise: return 0
        case .perExpert: return r / shape[1]
        case .rowwise:
            if shape.count == 2 { return r }
            let (g, k) = (r / shape[1], r % shape[1])
            return transposed ? g * shape[1] + k : g * cols + c
        case .perGroup, .perGroupColumn:
            var start = 0
            for (g, end) in offsets.enumerated() {
                if r >= start && r < end { return reduction == .perGroup ? g : g * cols + c }
                start = max(start, end)
            }
            return nil
        default: fatalError("block reductions have their own oracle (BlockOracle.swift)")
        }
    }
    let count: Int = switch reduction {
    case .tensorwise: 1
    case .perExpert: shape[0]
    case .rowwise: shape.count == 2 ? rows : (transposed ? shape[0] * shape[1] : shape[0] * cols)
    case .perGroup: offsets.count
    case .perGroupColumn: offsets.count * cols
    default: fatalError("block reductions have their own oracle (BlockOracle.swift)")
    }
    var amax = [Double](repeating: 0, count: count)
    var nan = [Bool](repeating: false, count: count)
    for r in 0..<rows {
        for c in 0..<cols {
            guard let s = setOf(r, c) else { continue }
            var v = BinaryFormat.bf16.decode(UInt32(bits[r * cols + c]))
            if recipe.amaxNaN == .nanToNum {
                if v.isNaN { v = 0 }
                if v == .infinity { v = Amax.bf16Max }
                if v == -.infinity { v = -Amax.bf16Max }
            }
            if v.isNaN && recipe.amaxNaN == .ignore { continue }
            if v.isNaN { nan[s] = true } else { amax[s] = max(amax[s], abs(v)) }
        }
    }
    let fp8Max = recipe.format.maxFinite
    let scales: [Float] = (0..<count).map { s in
        var scale: Float
        if nan[s] { scale = .nan }
        else if recipe.scaleCompute == .fp64 { scale = Float(fp8Max / max(amax[s], 1e-12)) }
        else { scale = Float(fp8Max) / max(Float(amax[s]), Float(1e-12)) }
        if recipe.scalePow2 && scale.isFinite && scale > 0 {
            // Exact floor(log2) for the scales that occur (no fp32 value lies within half an
            // fp32 ulp of log2 below a power of two for bf16 amax).
            scale = Float(sign: .plus, exponent: scale.exponent, significand: 1)
        }
        return scale
    }
    var codes = [UInt8](repeating: 0, count: bits.count)
    for r in 0..<rows {
        for c in 0..<cols {
            guard let s = setOf(r, c) else { continue }
            let x = BinaryFormat.bf16.decode(UInt32(bits[r * cols + c]))
            let scale = Double(scales[s])
            var y: Double = Double(Float(x * scale))
            if y.isNaN {
                if recipe.nanArithmetic == .canonical { y = .nan }
                else if x.isNaN { y = x }
                else if scale.isNaN { y = scale }
                else { y = -.nan }
            } else {
                y = min(max(y, -fp8Max), fp8Max)
            }
            codes[r * cols + c] = recipe.format.encode(y, policy: recipe.castPolicy)
        }
    }
    return (codes, scales)
}

func sameBits(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}
