import FP8
import Recipes
import Testing

/// The block-scaled recipes (SPEC 8.3) against the naive oracle (BlockOracle.swift), and the
/// facts of torchao's arithmetic that the recipes rely on.
@Suite struct BlockQuantizerTests {
    /// Every bf16 magnitude as an amax (0x0000...0x7F80 and one NaN).
    static let everyAmax: [Double] = (0...0x7F80).map { BinaryFormat.bf16.decode(UInt32($0)) } + [.nan]

    @Test("E8M0Scale.code matches the value-level oracle for every bf16 amax", arguments: ScaleMode.allCases)
    func codeMatchesOracleExhaustively(mode: ScaleMode) {
        for format in [FP8Format.e4m3fn, .e5m2] {
            var bad: [String] = []
            for a in Self.everyAmax {
                let fast = E8M0Scale.code(amax: a, mode: mode, format: format)
                let slow = oracleE8M0Code(amax: a, mode: mode, format: format)
                if fast != slow && bad.count < 5 { bad.append("amax \(a): fast \(fast) oracle \(slow)") }
            }
            #expect(bad.isEmpty, "\(mode) \(format): \(bad)")
        }
    }

    /// Facts read off torchao's `to_mx` at 36027d82 (mx_tensor.py): FLOOR of amax 1 is
    /// 2^(0 - 8), code 119; CEIL of 1.5 rounds up to 2^1, code 120; EVEN of bf16 max (0x7F7F)
    /// adds 2^19 to its fp32 bits, which carries into the all-ones exponent: infinity, code 0xFF;
    /// amax 0 clamps to code 0; NaN and Inf blocks get 0xFF. RCEIL of 448: the descale is
    /// fl32(448 * fl32(1/448)), 1 or just above it (any mantissa bit rounds up), code 127 or 128.
    @Test func pinnedCodesFromTheTorchaoSource() {
        #expect(E8M0Scale.code(amax: 1, mode: .floor, format: .e4m3fn) == 119)
        #expect(E8M0Scale.code(amax: 1.5, mode: .ceil, format: .e4m3fn) == 120)
        #expect(E8M0Scale.code(amax: 1.5, mode: .floor, format: .e4m3fn) == 119)
        #expect(E8M0Scale.code(amax: Amax.bf16Max, mode: .even, format: .e4m3fn) == 0xFF)
        #expect(E8M0Scale.code(amax: Amax.bf16Max, mode: .floor, format: .e4m3fn) == 254 - 8)
        #expect(E8M0Scale.code(amax: 0, mode: .floor, format: .e4m3fn) == 0)
        #expect(E8M0Scale.code(amax: .infinity, mode: .rceil, format: .e4m3fn) == 0xFF)
        #expect(E8M0Scale.code(amax: .nan, mode: .ceil, format: .e4m3fn) == 0xFF)
        // RCEIL of 448: the descale is within an fp32 ulp of 1; its code is 127 or 128.
        let d = Float(448) * Float(1.0 / 448.0)
        #expect(E8M0Scale.code(amax: 448, mode: .rceil, format: .e4m3fn) == (d == 1 ? 127 : 128))
    }

    @Test func multipliersAreTheReciprocalPowersOfTwoOfEveryCode() {
        for c in 0...255 {
            let code = UInt8(c)
            let m = E8M0Scale.multiplier(code: code)
            let d = E8M0Scale.dequantization(code: code)
            if code == 0xFF {
                #expect(m.isNaN && d.isNaN)
                continue
            }
            #expect(m.bitPattern == oracleMultiplier(code).bitPattern, "code \(c)")
            #expect(Double(m) * Double(d) == 1, "code \(c)")
            #expect(E8M0Scale.code(multiplier: m) == code)
        }
    }

    /// The rceil path never clamps in torchao; clamping (as the generic apply step does) changes
    /// nothing, because the largest product stays below the first rounding boundary above
    /// fp8_max (464 for e4m3fn, 61440 for e5m2), for every bf16 amax.
    @Test func rceilProductsNeverReachTheNextCode() {
        for (format, boundary) in [(FP8Format.e4m3fn, 464.0), (.e5m2, 61440.0)] {
            for a in Self.everyAmax where a.isFinite {
                let m = E8M0Scale.multiplier(code: E8M0Scale.code(amax: a, mode: .rceil, format: format))
                #expect(Double(Float(a * Double(m))) < boundary, "\(format) amax \(a)")
            }
        }
    }

    /// torchao's blockwise Triton kernels clamp the amax in fp32 (EPS = fl32(1e-12), `max.f32`),
    /// then divide in fp64; for fp8_max 448 and 240 this is `scale_compute = fp64` (EPS 1e-12 in
    /// fp64) for every bf16 amax, NaN (dropped by max.f32: EPS) and infinity (scale 0) included.
    @Test func blockwiseKernelArithmeticIsScaleComputeFP64() {
        for format in [FP8Format.e4m3fn, .e4m3fnuz] {
            var recipe = Recipe.blockwise
            recipe.format = format
            for a in Self.everyAmax {
                let clamped = a.isNaN ? Float(1e-12) : max(Float(a), Float(1e-12))  // maxnum(x, EPS)
                let kernel = Float(format.maxFinite / Double(clamped))
                let declared = ScaleArithmetic.scale(amax: a.isNaN ? 0 : a, recipe: recipe)
                #expect(kernel.bitPattern == declared.bitPattern, "\(format) amax \(a)")
            }
        }
    }

    static let cases: [(name: String, recipe: Recipe)] = {
        var list: [(String, Recipe)] = []
        for format in [FP8Format.e4m3fn, .e5m2] {
            for mode in ScaleMode.allCases {
                var r = Recipe.mxfp8
                r.format = format
                r.scaleMode = mode
                list.append(("mxfp8 \(format) \(mode)", r))
            }
        }
        var t = ImplementationPreset.torchaoTritonMXFP8Dim0.recipe
        list.append(("triton mxfp8 floor", t))
        t.nanArithmetic = .propagate
        list.append(("mxfp8 floor, x86 NaN", t))
        list.append(("blockwise", .blockwise))
        list.append(("triton blockwise", ImplementationPreset.torchaoTritonBlockwise.recipe))
        var b = Recipe.blockwise
        b.amaxNaN = .nanToNum; b.scaleCompute = .fp32; b.scaleConvention = .reciprocal
        list.append(("blockwise nan_to_num fp32", b))
        return list
    }()

    @Test("the quantizer matches the block oracle", arguments: 0..<Self.cases.count)
    func matchesOracle(index: Int) throws {
        let (name, recipe) = Self.cases[index]
        var rng = SplitMix64(seed: 29 + UInt64(index))
        let blocks: [Reduction] = recipe.kind == .mxfp8 ? [.block1x32, .block32x1] : [.block1x128, .block128x1, .block128x128]
        let side = recipe.kind == .mxfp8 ? 64 : 256
        for reduction in blocks {
            for shape in [[side, side + side / 2], [2, side, side]] {
                for specials in [false, true] {
                    var bits = randomBF16(shape.reduce(1, *), rng: &rng, specials: specials)
                    if !specials { plantSpecialBlocks(&bits, rng: &rng) }
                    let q = try Quantizer(recipe: recipe).quantize(bits, shape: shape, reduction: reduction,
                                                                   concurrently: index % 2 == 0)
                    let o = oracleBlockQuantize(bits, shape: shape, block: reduction.blockShape!, recipe: recipe)
                    #expect(sameBits(q.scales, o.multipliers), "\(name) \(reduction) \(shape) multipliers")
                    let firstBad = zip(q.codes, o.codes).enumerated().first { $0.element.0 != $0.element.1 }
                    #expect(firstBad == nil, "\(name) \(reduction) \(shape) specials=\(specials): first bad \(String(describing: firstBad))")
                    switch StoredScales(multipliers: q.scales, recipe: recipe) {
                    case .e8m0(let codes): #expect(codes == o.e8m0, "\(name) e8m0 codes")
                    case .fp32(let v): #expect(sameBits(v, o.stored), "\(name) stored fp32")
                    }
                    #expect(q.scaleShape.reduce(1, *) == o.multipliers.count)
                }
            }
        }
    }

    /// `block_padding = zero`: tensors the blocks do not divide, the last block of each row,
    /// column (and expert's K) partial, against the oracle's clipped blocks.
    @Test("padded blocks match the oracle", arguments: [Reduction.block1x32, .block32x1, .block128x128])
    func paddedBlocksMatchOracle(reduction: Reduction) throws {
        var recipe = reduction == .block128x128 ? Recipe.blockwise : Recipe.mxfp8
        recipe.blockPadding = .zero
        var rng = SplitMix64(seed: 77)
        for shape in [[45, 70], [3, 150, 130], [32, 64]] {
            let bits = randomBF16(shape.reduce(1, *), rng: &rng, specials: true)
            let q = try Quantizer(recipe: recipe).quantize(bits, shape: shape, reduction: reduction)
            let o = oracleBlockQuantize(bits, shape: shape, block: reduction.blockShape!, recipe: recipe)
            #expect(sameBits(q.scales, o.multipliers), "\(reduction) \(shape)")
            #expect(q.codes == o.codes, "\(reduction) \(shape)")
            #expect(q.scaleShape.reduce(1, *) == o.multipliers.count)
        }
        #expect(throws: GroupingError.self) { try Quantizer(recipe: .mxfp8).quantize([UInt16](repeating: 0, count: 90), shape: [3, 30], reduction: .block1x32) }
    }

    @Test func scaleShapesFollowSpec83() throws {
        func shape(_ r: Reduction, _ s: [Int]) throws -> [Int] { try ScaleGrouping(reduction: r, shape: s).scaleShape }
        #expect(try shape(.block1x32, [64, 96]) == [64, 3])
        #expect(try shape(.block32x1, [64, 96]) == [2, 96])
        #expect(try shape(.block1x128, [4, 256]) == [4, 2])
        #expect(try shape(.block128x1, [256, 4]) == [2, 4])
        #expect(try shape(.block128x128, [3, 256, 384]) == [3, 2, 3])
        #expect(try shape(.block32x1, [2, 64, 8]) == [2, 2, 8])
    }

    @Test func blocksThatDoNotDivideAreErrorsNamingTheExtent() {
        #expect(throws: GroupingError("block_1x32 needs the column count 100 to be a multiple of 32 (or declare block_padding = zero)")) {
            try ScaleGrouping(reduction: .block1x32, shape: [4, 100])
        }
        #expect(throws: GroupingError("block_128x128 needs the K (dimension 1) 64 to be a multiple of 128 (or declare block_padding = zero)")) {
            try ScaleGrouping(reduction: .block128x128, shape: [2, 64, 128])
        }
    }

    @Test func attributesParseTheSpec83Names() throws {
        let r = try Recipe(attributes: ["recipe": "mxfp8", "scale_mode": "rceil"])
        #expect(r.kind == .mxfp8 && r.scaleFormat == .e8m0 && r.scaleMode == .rceil)
        let b = try Recipe(attributes: ["recipe": "blockwise", "scale_convention": "reciprocal"])
        #expect(b.kind == .blockwise && b.scaleFormat == .fp32 && b.scaleConvention == .reciprocal && !b.scalePow2)
        let d = try RecipeDeclaration(group: ["recipe": "block_128x128"])
        #expect(d.recipe.kind == .blockwise && d.reduction == .block128x128)
        #expect(throws: AttributeError.self) { try Recipe(attributes: ["scale_mode": "round"]) }
        #expect(Operand.a.reduction(under: .mxfp8) == .block1x32)
        #expect(Operand.b.reduction(under: .blockwise) == .block128x128)
        // The attributes a recipe writes parse back to it.
        for (_, recipe) in Self.cases {
            let text = recipe.attributes.mapValues(\.text)
            #expect(try Recipe(attributes: text) == recipe)
        }
    }
}

/// Overwrites a few 32-element runs with blocks whose amax is special: all zero, a power of two,
/// just below and just above one, subnormal, bf16 max, a lone NaN or Inf.
func plantSpecialBlocks(_ bits: inout [UInt16], rng: inout SplitMix64) {
    let amaxes: [UInt16] = [0x0000, 0x3F80, 0x3F7F, 0x3F81, 0x0040, 0x7F7F, 0x4380, 0x43E0, 0x7FC0, 0x7F80, 0xFF80]
    for (k, a) in amaxes.enumerated() {
        let start = (k * 97 * 32) % max(bits.count - 32, 1)
        for i in start..<min(start + 32, bits.count) {
            bits[i] = a == 0 ? 0 : UInt16(truncatingIfNeeded: rng.next() % UInt64(max(a & 0x7FFF, 1) & 0x7F7F))
        }
        bits[start] = a | (rng.next() % 2 == 0 ? 0 : 0x8000)
    }
}
