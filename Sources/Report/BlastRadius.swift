import FP8
import Groups
import Recipes

/// What one NaN or one +Inf in the input does to the other elements under a recipe: how many
/// it poisons (their dequantized value becomes NaN or infinite) and how many it zeroes (a
/// non-zero value becomes 0), on a fixed probe tensor, through the recipe's own quantizer
/// (amax over the reduction set -> scale -> multiply -> clamp -> cast) and the GEMM's
/// dequantization factors (`StoredScales.dequantization`).
///
/// Probes: the activation `a` as [256, 512] and the weight `b` as [2, 256, 256], every element
/// `(1 + (i mod 7) / 8) * (-1)^i` (bf16-exact, all within a factor 1.75 of each other, so without
/// a plant nothing flushes or saturates under any recipe). The plant is at `a[130, 200]` and
/// `b[1, 130, 200]`: inside a 32-, a 128- and a 128x128-block, away from every edge. Each
/// operand uses its reduction under the recipe (`Operand.reduction(under:)`: forward's `a` and
/// `b`).
///
/// By the recipes' definitions: a NaN under a NaN-propagating amax makes its whole scale set's
/// scale NaN (every element of the set NaN); an Inf makes the scale 0 (fp32 multiplier
/// `448 / Inf`; the others cast to 0, the Inf itself `Inf * 0 = NaN`) or, as an e8m0 amax, the
/// NaN scale 0xFF; `input_nan_to_num` turns a NaN into 0 (nothing else changes) and an Inf into
/// bf16 max, whose scale flushes the rest of the set to 0.
public struct BlastRadius: Codable, Hashable, Sendable {
    enum CodingKeys: String, CodingKey {
        case operand, reduction, planted, elements, poisoned, zeroed, changed, own
        case scaleSet = "scale_set"
    }

    /// `a` or `b`.
    public var operand: String
    public var reduction: String
    /// `NaN` or `+Inf`.
    public var planted: String
    /// Elements of the probe.
    public var elements: Int
    /// Elements sharing the planted element's scale (its reduction set).
    public var scaleSet: Int
    /// Other elements whose dequantized value is NaN or infinite.
    public var poisoned: Int
    /// Other elements whose dequantized value became 0.
    public var zeroed: Int
    /// Other elements whose dequantized value changed but stayed finite and non-zero.
    public var changed: Int
    /// The planted element's own dequantized value: `NaN`, `Inf`, `0` or `finite`.
    public var own: String

    /// Elements hit (poisoned or zeroed), the planted one included when it is not finite.
    public var hit: Int { poisoned + zeroed + (own == "NaN" || own == "Inf" ? 1 : 0) }

    public static let probes: [(operand: Operand, shape: [Int], at: Int)] = [
        (.a, [256, 512], 130 * 512 + 200),
        (.b, [2, 256, 256], (1 * 256 + 130) * 256 + 200),
    ]

    /// The probe's bf16 bits.
    public static func probe(count: Int) -> [UInt16] {
        (0..<count).map { i in
            let v = Float(1 + Double(i % 7) / 8) * (i % 2 == 0 ? 1 : -1)
            return UInt16(v.bitPattern >> 16)
        }
    }

    /// NaN and +Inf planted in each probe, under `recipe`.
    public static func measure(_ recipe: Recipe) -> [BlastRadius] {
        var out: [BlastRadius] = []
        let quantizer = Quantizer(recipe: recipe)
        for (op, shape, at) in probes {
            let count = shape.reduce(1, *)
            let reduction = op.reduction(under: recipe.kind)
            let clean = probe(count: count)
            guard let q0 = try? quantizer.quantize(clean, shape: shape, reduction: reduction,
                                                   transposedWeight: op.isTransposedWeight, offsets: GroupOffsets([shape[0]]))
            else { continue }
            let before = dequantize(q0, recipe: recipe)
            let grouping = q0.grouping!
            let columns = grouping.columns
            let mine = grouping.scaleIndex(row: at / columns, column: at % columns)
            var set = 0
            for i in 0..<count where grouping.scaleIndex(row: i / columns, column: i % columns) == mine { set += 1 }
            for (name, bits) in [("NaN", UInt16(0x7FC0)), ("+Inf", UInt16(0x7F80))] {
                var x = clean
                x[at] = bits
                let q = quantizer.quantize(x, shape: shape, grouping: grouping, concurrently: false)
                let after = dequantize(q, recipe: recipe)
                var r = BlastRadius(operand: op.rawValue, reduction: reduction.rawValue, planted: name, elements: count,
                                    scaleSet: set, poisoned: 0, zeroed: 0, changed: 0, own: "finite")
                for i in 0..<count {
                    let v = after[i]
                    if i == at {
                        r.own = v.isNaN ? "NaN" : v.isInfinite ? "Inf" : v == 0 ? "0" : "finite"
                    } else if !v.isFinite {
                        r.poisoned += 1
                    } else if v == 0 && before[i] != 0 {
                        r.zeroed += 1
                    } else if v != before[i] {
                        r.changed += 1
                    }
                }
                out.append(r)
            }
        }
        return out
    }

    /// Each element's value as the GEMM sees it: `decode(code) * factor` of its scale.
    static func dequantize(_ q: QuantizedTensor, recipe: Recipe) -> [Double] {
        let g = q.grouping!
        let factors = StoredScales(multipliers: q.scales, recipe: recipe).dequantization(convention: recipe.scaleConvention)
        return (0..<q.codes.count).map { i in
            q.format.decode(q.codes[i]) * Double(factors[g.scaleIndex(row: i / g.columns, column: i % g.columns)!])
        }
    }
}
