import FP8
import Groups
import Recipes
import Testing

@Suite struct QuantizerTests {
    static let recipes: [Recipe] = {
        var list: [Recipe] = [.rowwise, .tensorwise]
        var r = Recipe.rowwise
        r.nanArithmetic = .propagate; list.append(r)
        r.castPolicy = .satfinite; r.scalePow2 = false; list.append(r)
        r = .tensorwise; r.format = .e4m3fnuz; r.castPolicy = .hipSW; r.scaleCompute = .fp32; list.append(r)
        r = .rowwise; r.format = .e5m2; r.amaxNaN = .nanToNum; list.append(r)
        r = .rowwise; r.amaxNaN = .ignore; r.castPolicy = .satfinite; list.append(r)  // torchao's Triton kernels
        return list
    }()

    @Test("matches the naive per-element reference", arguments: Self.recipes)
    func matchesNaive(recipe: Recipe) throws {
        var rng = SplitMix64(seed: 7)
        let offsets = [3, 3, 9, 14]  // an empty group, and rows 14... in no group
        let cases: [(shape: [Int], reduction: Reduction, transposed: Bool)] = [
            ([17, 5], .tensorwise, false), ([17, 5], .rowwise, false), ([17, 5], .perGroup, false),
            ([17, 5], .perGroupColumn, false), ([4, 6, 3], .perExpert, false),
            ([4, 6, 3], .rowwise, false), ([4, 6, 3], .rowwise, true), ([4, 6, 3], .tensorwise, false),
        ]
        for (shape, reduction, transposed) in cases {
            for specials in [false, true] {
                let bits = randomBF16(shape.reduce(1, *), rng: &rng, specials: specials)
                let q = try Quantizer(recipe: recipe).quantize(
                    bits, shape: shape, reduction: reduction, transposedWeight: transposed,
                    offsets: GroupOffsets(offsets))
                let naive = naiveQuantize(bits, shape: shape, reduction: reduction, transposed: transposed,
                                          offsets: offsets, recipe: recipe)
                #expect(sameBits(q.scales, naive.scales), "\(reduction) \(shape) scales \(q.scales) vs \(naive.scales)")
                #expect(q.codes == naive.codes, "\(reduction) \(shape) transposed=\(transposed) specials=\(specials)")
            }
        }
    }

    @Test func emptyGroupScaleIsTwoToThe48() throws {
        let bits = [UInt16](repeating: bf16(1), count: 8)
        let q = try Quantizer(recipe: .rowwise).quantize(bits, shape: [4, 2], reduction: .perGroup,
                                                         offsets: GroupOffsets([2, 2, 4]))
        #expect(q.scales == [256, 0x1p48, 256])  // 448 / 1 -> 256 after pow2
        #expect(q.scaleShape == [3])
        var unrounded = Recipe.rowwise
        unrounded.scalePow2 = false
        let u = try Quantizer(recipe: unrounded).quantize(bits, shape: [4, 2], reduction: .perGroup,
                                                          offsets: GroupOffsets([2, 2, 4]))
        #expect(u.scales[1] == Float(448e12))
    }

    @Test func rowsOutsideEveryGroupAreZero() throws {
        let bits = [UInt16](repeating: bf16(3), count: 10)
        let q = try Quantizer(recipe: .rowwise).quantize(bits, shape: [5, 2], reduction: .perGroupColumn,
                                                         offsets: GroupOffsets([1, 3]))
        #expect(q.codes[6...] == [0, 0, 0, 0])
        #expect(q.codes[0] != 0)
        #expect(q.scaleShape == [2, 2])
    }

    @Test func nanRowPoisonsItsScaleUnderPropagate() throws {
        // Row 0: 1, NaN, -NaN; row 1: 2, 4, 0.
        let bits: [UInt16] = [bf16(1), 0x7FC0, 0xFFC0, bf16(2), bf16(4), 0]
        let q = try Quantizer(recipe: .rowwise).quantize(bits, shape: [2, 3], reduction: .rowwise)
        #expect(q.scales[0].isNaN)
        #expect(q.codes[0..<3] == [0x7F, 0x7F, 0x7F])  // canonical +NaN for every element
        #expect(q.scales[1] == 64)  // 448/4 = 112 -> 64
        #expect(q.codes[3..<6] == [0x70, 0x78, 0x00])  // 128, 256, 0

        var x86 = Recipe.rowwise
        x86.nanArithmetic = .propagate
        let p = try Quantizer(recipe: x86).quantize(bits, shape: [2, 3], reduction: .rowwise)
        #expect(p.codes[0..<3] == [0x7F, 0x7F, 0xFF])  // -NaN keeps its sign on x86

        var sat = Recipe.rowwise
        sat.castPolicy = .satfinite
        let s = try Quantizer(recipe: sat).quantize(bits, shape: [2, 3], reduction: .rowwise)
        #expect(s.codes[0..<3] == [0x7F, 0x7F, 0x7F])
    }

    @Test func infinityUnderBothAmaxPolicies() throws {
        let bits: [UInt16] = [0x7F80, bf16(1), 0xFF80, bf16(-2)]
        // nan_to_num in the amax only: amax = bf16 max, scale tiny (2^-120); Inf * scale = Inf,
        // clamped to 448.
        var amaxOnly = Recipe.tensorwise
        amaxOnly.inputNaNToNum = false
        let t = try Quantizer(recipe: amaxOnly).quantize(bits, shape: [2, 2], reduction: .tensorwise)
        #expect(t.scales[0] == ScaleArithmetic.roundDownToPowerOfTwo(Float(448 / Amax.bf16Max)))
        #expect(t.scales[0] == 0x1p-120)
        #expect(t.codes[0] == 0x7E && t.codes[2] == 0xFE)
        #expect(t.codes[1] == 0 && t.codes[3] == 0x80)  // underflow keeps the sign
        // input_nan_to_num (the tensorwise preset, PR #4179): +-Inf is +-bf16 max before the
        // multiply, (2 - 2^-7) * 2^127 * 2^-120 = 254, which e4m3fn rounds to 256 (0x78).
        let pr = try Quantizer(recipe: .tensorwise).quantize(bits, shape: [2, 2], reduction: .tensorwise)
        #expect(pr.scales == t.scales)
        #expect(pr.codes == [0x78, 0x00, 0xF8, 0x80])
        let nan = try Quantizer(recipe: .tensorwise).quantize([0x7FC0, 0xFFC1, bf16(1), bf16(-1)], shape: [1, 4], reduction: .tensorwise)
        #expect(nan.codes[0] == 0x00 && nan.codes[1] == 0x00, "a NaN input is written 0x00")
        // propagate: amax Inf, scale 0, Inf * 0 = NaN, finite * 0 = 0.
        let r = try Quantizer(recipe: .rowwise).quantize(bits, shape: [2, 2], reduction: .tensorwise)
        #expect(r.scales == [0])
        #expect(r.codes == [0x7F, 0x00, 0x7F, 0x80])
        var x86 = Recipe.rowwise
        x86.nanArithmetic = .propagate
        let p = try Quantizer(recipe: x86).quantize(bits, shape: [2, 2], reduction: .tensorwise)
        #expect(p.codes == [0xFF, 0x00, 0xFF, 0x80])  // x86 default NaN is negative
    }

    @Test func subnormalBF16AmaxIsClampedByEps() throws {
        let bits: [UInt16] = [0x0001, 0x8040]  // 2^-133 and -2^-127: both subnormal
        let q = try Quantizer(recipe: .rowwise).quantize(bits, shape: [1, 2], reduction: .rowwise)
        #expect(q.scales == [0x1p48])
        #expect(q.codes == [0x00, 0x80])
    }

    @Test func powerOfTwoRounding() {
        #expect(ScaleArithmetic.scale(amax: 3, recipe: .rowwise) == 128)  // 149.33 -> 128
        #expect(ScaleArithmetic.scale(amax: 448, recipe: .rowwise) == 1)
        #expect(ScaleArithmetic.scale(amax: 449, recipe: .rowwise) == 0.5)
        var plain = Recipe.rowwise
        plain.scalePow2 = false
        #expect(ScaleArithmetic.scale(amax: 3, recipe: plain) == Float(448.0 / 3.0))
        plain.format = .e4m3fnuz
        #expect(ScaleArithmetic.scale(amax: 3, recipe: plain) == 80)
        #expect(ScaleArithmetic.roundDownToPowerOfTwo(.nan).isNaN)
        #expect(ScaleArithmetic.roundDownToPowerOfTwo(0) == 0)
        #expect(ScaleArithmetic.roundDownToPowerOfTwo(Float.leastNonzeroMagnitude) == .leastNonzeroMagnitude)
    }

    /// fp32 and fp64 scale arithmetic are both one rounding of the same quotient `fp8_max / amax`
    /// when amax is a bf16 value above EPS, so they agree on every bf16 amax; only the EPS bound
    /// (1e-12 vs its fp32 neighbour) could differ, and for 448 and 240 it does not.
    @Test func fp32AndFp64ScalesAgreeOnEveryBF16Amax() {
        for format in [FP8Format.e4m3fn, .e4m3fnuz, .e5m2] {
            var f32 = Recipe.rowwise
            f32.format = format
            f32.scalePow2 = false
            f32.scaleCompute = .fp32
            var f64 = f32
            f64.scaleCompute = .fp64
            var differing: [UInt16] = []
            for bits in UInt16(0)...0x7F80 {
                let a = BinaryFormat.bf16.decode(UInt32(bits))
                if ScaleArithmetic.scale(amax: a, recipe: f32) != ScaleArithmetic.scale(amax: a, recipe: f64) {
                    differing.append(bits)
                }
            }
            #expect(differing.isEmpty, "\(format): \(differing.prefix(8))")
        }
    }
}

/// The hot-loop view of verify's attribution against `Quantizer.code`: every bf16 pattern,
/// every format and cast policy, NaN arithmetic and input_nan_to_num both ways, scales
/// including 0, NaN, subnormal and huge.
@Suite struct ScaledCodeTableTests {
    @Test func agreesWithQuantizerCodeOnEveryBF16Input() {
        let scales: [Float] = [1, 0x1p-120, 0x1p48, 0, .nan, 0x1p-140, 3.5, 448.0 / 3.0]
        for format in [FP8Format.e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz] {
            for policy in ConversionPolicy.all {
                for (nan, sanitise) in [(NaNArithmetic.canonical, false), (.propagate, true)] {
                    let recipe = Recipe(kind: .tensorwise, format: format, amaxNaN: .nanToNum, scaleCompute: .fp64, scalePow2: true,
                                        castPolicy: policy, nanArithmetic: nan, inputNaNToNum: sanitise)
                    let q = Quantizer(recipe: recipe)
                    let table = ScaledCodeTable(recipe: recipe, scales: scales)
                    var bad = 0
                    for s in scales.indices {
                        for x in 0...0xFFFF where table.view.code(UInt16(x), scaleIndex: s) != q.code(bf16Bits: UInt16(x), scale: scales[s]) {
                            bad += 1
                        }
                    }
                    #expect(bad == 0, "\(format.name) \(policy.name) \(nan) input_nan_to_num=\(sanitise)")
                }
            }
        }
    }
}
