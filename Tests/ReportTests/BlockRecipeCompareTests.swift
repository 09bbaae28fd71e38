import FP8
import Foundation
import Generate
import GroupedGEMM
import Groups
import Metrics
import Recipes
import Report
import Schema
import Testing

/// `fp8moe compare` with the block-scaled recipes of SPEC 8.3 (mxfp8 in each scale mode,
/// blockwise): quantization error and GEMM outputs against naive per-block loops written
/// here, and the NaN / Inf blast radius against the recipes' definitions.
@Suite struct BlockRecipeCompareTests {
    /// M, K, N multiples of 128 (every block reduction applies); skewed routing, so groups
    /// start inside 32- and 128-row blocks; 5 rows in no group.
    static let config: GeneratorConfig = {
        var c = GeneratorConfig(m: 256, k: 256, n: 128, g: 4, seed: 5, distribution: .heavyTokens, routing: .skewed, tailRows: 5)
        c.withGEMM = false
        return c
    }()

    static let blockRecipes = NamedRecipe.standard.filter { $0.recipe.kind == .mxfp8 || $0.recipe.kind == .blockwise }

    static func value(_ bits: UInt16) -> Double { Double(Float(bf16Bits: bits)) }

    static func sqnr(_ pairs: [(Double, Double)]) -> Double {
        let s = pairs.map { $0.0 * $0.0 }.reduce(0, +)
        let e = pairs.map { ($0.0 - $0.1) * ($0.0 - $0.1) }.reduce(0, +)
        return 10 * log10(s / e)
    }

    /// The block (rows x columns) of SPEC 8.3 for an operand under a recipe kind, from the
    /// spec's table, not from `Operand.reduction`.
    static func block(_ op: Operand, _ kind: Recipe.Kind) -> (Int, Int) {
        switch (kind, op) {
        case (.mxfp8, .a), (.mxfp8, .gradOut), (.mxfp8, .bT): (1, 32)
        case (.mxfp8, _): (32, 1)
        case (.blockwise, .a), (.blockwise, .gradOut): (1, 128)
        case (.blockwise, .b), (.blockwise, .bT): (128, 128)
        default: (128, 1)
        }
    }

    /// The value the GEMM sees for element (r, c) of a tensor viewed as rows x columns (a 3-D
    /// weight as (G*K) x N, blocks never crossing experts since K is a multiple of the block):
    /// code value times `1 / multiplier` of the block at (r / R, c / C). For e8m0 scales the
    /// multiplier is a power of two, so its fp32 reciprocal is the e8m0 dequantization exactly.
    static func naiveValue(_ q: QuantizedTensor, r: Int, c: Int, block: (Int, Int)) -> Double {
        let columns = q.shape.last!
        let blocksPerRow = columns / block.1
        let m = q.scales[(r / block.0) * blocksPerRow + c / block.1]
        return q.format.decode(q.codes[r * columns + c]) * Double(Float(1) / m)
    }

    @Test("quantized a and b: tensor, per-group and token SQNR equal a naive per-block dequantize", arguments: blockRecipes)
    func quantizationMatchesNaivePerBlock(named: NamedRecipe) throws {
        let c = Self.config
        let inputs = FixtureGenerator.inputs(c)
        var comparer = Comparer(recipes: [named])
        comparer.gemm = false
        let result = try comparer.compare(inputs, file: "mem")
        let offsets = GroupOffsets(inputs.offsets!)
        let quantizer = Quantizer(recipe: named.recipe)
        // a: token rows of the groups.
        let a = inputs.a!
        let blockA = Self.block(.a, named.recipe.kind)
        let qa = try quantizer.quantize(a.bits, shape: a.shape, reduction: named.recipe.kind == .mxfp8 ? .block1x32 : .block1x128)
        var all: [(Double, Double)] = [], tokens: [Double] = [], perGroup: [[(Double, Double)]] = Array(repeating: [], count: c.g)
        for g in 0..<c.g {
            for r in offsets.rows(of: g) {
                let row = (0..<c.k).map { (Self.value(a.bits[r * c.k + $0]), Self.naiveValue(qa, r: r, c: $0, block: blockA)) }
                all += row
                perGroup[g] += row
                tokens.append(Self.sqnr(row))
            }
        }
        let t = try #require(result.recipes[0].tensor("a"))
        #expect(t.total.elements == offsets.covered * c.k)
        #expect(abs(t.total.sqnrDB! - Self.sqnr(all)) < 1e-9)
        #expect(abs(t.rowSQNR!.min! - tokens.min()!) < 1e-9)
        for g in 0..<c.g where !perGroup[g].isEmpty {
            #expect(abs(t.groups[g].sqnrDB! - Self.sqnr(perGroup[g])) < 1e-9, "group \(g)")
        }
        // b: per expert.
        let b = inputs.b!
        let blockB = Self.block(.b, named.recipe.kind)
        let qb = try quantizer.quantize(b.bits, shape: b.shape, reduction: named.recipe.kind == .mxfp8 ? .block32x1 : .block128x128)
        let tb = try #require(result.recipes[0].tensor("b"))
        var allB: [(Double, Double)] = []
        for g in 0..<c.g {
            var expert: [(Double, Double)] = []
            for kk in 0..<c.k {
                for j in 0..<c.n {
                    let r = g * c.k + kk
                    expert.append((Self.value(b.bits[r * c.n + j]), Self.naiveValue(qb, r: r, c: j, block: blockB)))
                }
            }
            #expect(abs(tb.groups[g].sqnrDB! - Self.sqnr(expert)) < 1e-9, "expert \(g)")
            allB += expert
        }
        #expect(abs(tb.total.sqnrDB! - Self.sqnr(allB)) < 1e-9)
        // The block recipes keep every token above 15 dB on this heavy-token fixture.
        #expect(t.rowSQNR!.min! > 15)
    }

    /// The slicing does not depend on the scale mode: one mxfp8 mode (32-element blocks) and
    /// blockwise (128-element blocks, 128x128 weights) keep the suite cheap.
    @Test("block-scaled GEMM outputs: sampled per-group slices equal the full block-scaled GEMM",
          arguments: blockRecipes.filter { $0.label == "mxfp8-rceil" || $0.label == "blockwise" })
    func gemmSlicesMatchTheFullGEMM(named: NamedRecipe) throws {
        let c = Self.config
        let inputs = FixtureGenerator.inputs(c)
        let offsets = inputs.offsets!
        let sampleRows = 7
        var comparer = Comparer(recipes: [named])
        comparer.sampleRows = sampleRows
        let result = try comparer.compare(inputs, file: "mem")
        #expect(result.recipes[0].notes.isEmpty, "\(result.recipes[0].notes)")
        let quantizer = Quantizer(recipe: named.recipe)
        func operand(_ op: Operand) throws -> BlockScaledGEMM.Operand {
            let source = inputs.source(of: op)!
            let (br, bc) = Self.block(op, named.recipe.kind)
            let reduction = Reduction.blocks.first { $0.blockShape! == (br, bc) }!
            let q = try quantizer.quantize(source.bits, shape: source.shape, reduction: reduction)
            return BlockScaledGEMM.Operand(codes: q.codes, shape: q.shape, format: q.format,
                                           scales: BlockScales(dequantization: q.scales.map { Float(1) / $0 }, rowBlock: br,
                                                               columnBlock: bc, gridColumns: source.shape.last! / bc))
        }
        func sample(_ range: Range<Int>) -> [Int] {
            range.count <= sampleRows ? Array(range) : (0..<sampleRows).map { range.lowerBound + $0 * range.count / sampleRows }
        }
        let a = inputs.a!.bits, b = inputs.b!.bits, go = inputs.gradOut!.bits
        let gemm = BlockScaledGEMM()
        for kind in GEMMKind.allCases {
            var blocks: [Int: GroupBlock] = [:]
            switch kind {
            case .out: gemm.forward(a: try operand(.a), b: try operand(.b), offsets: offsets) { blocks[$0.group] = $0 }
            case .gradA: gemm.dgrad(gradOut: try operand(.gradOut), bT: try operand(.bT), offsets: offsets) { blocks[$0.group] = $0 }
            case .gradB: gemm.wgrad(a: try operand(.aWgrad), gradOut: try operand(.gradOutWgrad), offsets: offsets) { blocks[$0.group] = $0 }
            }
            var pairs: [(Double, Double)] = []
            for g in 0..<c.g {
                let rows = GroupOffsets(offsets).rows(of: g)
                if rows.isEmpty { continue }
                let blk = blocks[g]!
                func got(_ i: Int, _ j: Int) -> Double { Self.value(blk.bits[i * blk.columns + j]) }
                switch kind {
                case .out:
                    for i in sample(rows) { for j in 0..<c.n {
                        let e = (0..<c.k).map { Self.value(a[i * c.k + $0]) * Self.value(b[(g * c.k + $0) * c.n + j]) }.reduce(0, +)
                        pairs.append((e, got(i - rows.lowerBound, j)))
                    } }
                case .gradA:
                    for i in sample(rows) { for kk in 0..<c.k {
                        let e = (0..<c.n).map { Self.value(go[i * c.n + $0]) * Self.value(b[(g * c.k + kk) * c.n + $0]) }.reduce(0, +)
                        pairs.append((e, got(i - rows.lowerBound, kk)))
                    } }
                case .gradB:
                    for kk in sample(0..<c.k) { for j in 0..<c.n {
                        let e = rows.map { Self.value(a[$0 * c.k + kk]) * Self.value(go[$0 * c.n + j]) }.reduce(0, +)
                        pairs.append((e, got(kk, j)))
                    } }
                }
            }
            let t = try #require(result.recipes[0].tensor(kind.rawValue), "\(kind)")
            #expect(t.total.elements == pairs.count, "\(kind)")
            #expect(abs(t.total.sqnrDB! - Self.sqnr(pairs)) < 1e-6, "\(kind)")
        }
    }

    /// One NaN and one +Inf in the probes, under every recipe: the elements lost, derived from
    /// each recipe's definition (SPEC 3, 8.1, 8.3), not from the code:
    /// - rowwise (NaN-propagating amax, fp32 multiplier `448 / amax`, the GEMM multiplies by
    ///   `1 / scale`): NaN -> the row's scale is NaN, all 512 of the row NaN; +Inf -> the scale
    ///   is 0, the others' codes 0, and `0 * (1/0) = NaN`: the row again. A weight's set is its
    ///   (expert, n) column over K: 256.
    /// - tensorwise (`input_nan_to_num`): NaN -> 0, only the planted element is lost; +Inf ->
    ///   bf16 max, scale `2^floor(log2(448 / 3.39e38)) = 2^-120`, every other element (at most
    ///   1.75) times 2^-120 is below e4m3's smallest subnormal 2^-9: the whole tensor (a) or the
    ///   expert (b, `per_expert`) zeroed; the planted one is 256 * 2^120, finite.
    /// - mxfp8 (every scale mode): a NaN or Inf amax gives the e8m0 code 0xFF, NaN: the 32
    ///   elements of the block.
    /// - blockwise: NaN -> NaN scale, the 128 (a: 1x128) or 16384 (b: 128x128) elements NaN;
    ///   +Inf -> scale 0, the block's codes 0 times the reciprocal +Inf: NaN, the whole block.
    @Test("blast radius of one NaN / one Inf equals each recipe's definition", arguments: NamedRecipe.standard)
    func blastRadius(named: NamedRecipe) throws {
        let radii = BlastRadius.measure(named.recipe)
        #expect(radii.count == 4)
        let rowA = 512, columnB = 256, tensorA = 256 * 512, expertB = 256 * 256
        for r in radii {
            let nonFinite = r.poisoned + (r.own == "NaN" || r.own == "Inf" ? 1 : 0)
            let zeroed = r.zeroed + (r.own == "0" ? 1 : 0)
            let expected: (nonFinite: Int, zeroed: Int, own: String)
            switch (named.recipe.kind, r.operand, r.planted) {
            case (.rowwise, "a", _): expected = (rowA, 0, "NaN")
            case (.rowwise, "b", _): expected = (columnB, 0, "NaN")
            case (.tensorwise, _, "NaN"): expected = (0, 1, "0")
            case (.tensorwise, "a", _): expected = (0, tensorA - 1, "finite")
            case (.tensorwise, "b", _): expected = (0, expertB - 1, "finite")
            case (.mxfp8, _, _): expected = (32, 0, "NaN")
            case (.blockwise, "a", _): expected = (128, 0, "NaN")
            case (.blockwise, "b", _): expected = (128 * 128, 0, "NaN")
            default: Issue.record("unexpected \(r)"); continue
            }
            #expect(nonFinite == expected.nonFinite, "\(named.label) \(r.operand) \(r.planted): \(r)")
            #expect(zeroed == expected.zeroed, "\(named.label) \(r.operand) \(r.planted): \(r)")
            #expect(r.own == expected.own, "\(named.label) \(r.operand) \(r.planted): \(r)")
            #expect(r.changed == 0, "\(named.label) \(r.operand) \(r.planted): \(r)")
        }
        // The scale set: the row / column / block / tensor the planted element shares its scale with.
        let sets = Dictionary(uniqueKeysWithValues: radii.filter { $0.planted == "NaN" }.map { ($0.operand, $0.scaleSet) })
        switch named.recipe.kind {
        case .rowwise: #expect(sets == ["a": rowA, "b": columnB])
        case .tensorwise: #expect(sets == ["a": tensorA, "b": expertB])
        case .mxfp8: #expect(sets == ["a": 32, "b": 32])
        case .blockwise: #expect(sets == ["a": 128, "b": 128 * 128])
        }
    }

    /// K = 24 is no multiple of 32: mxfp8 does not apply to `a`; the comparison says so and
    /// measures the other recipes (the report runs every recipe on every fixture).
    @Test func blockRecipeThatDoesNotDivideIsANote() throws {
        var c = GeneratorConfig(m: 64, k: 24, n: 32, g: 2, seed: 1, distribution: .normal)
        c.withGEMM = false
        let r = try Comparer(recipes: [NamedRecipe(label: "rowwise", recipe: .rowwise), try NamedRecipe(parsing: "mxfp8-floor")])
            .compare(FixtureGenerator.inputs(c), file: "mem")
        #expect(r.recipes[0].tensor("out") != nil)
        #expect(r.recipes[1].tensor("a") == nil && r.recipes[1].tensor("out") == nil)
        #expect(r.recipes[1].notes.contains { $0.hasPrefix("a: block_1x32 needs") })
    }

    @Test func standardRecipesByName() throws {
        #expect(NamedRecipe.standard.map(\.label) == ["rowwise", "tensorwise", "mxfp8-floor", "mxfp8-rceil", "mxfp8-ceil", "mxfp8-even", "blockwise"])
        let rceil = try NamedRecipe(parsing: "mxfp8-rceil")
        #expect(rceil.recipe.kind == .mxfp8 && rceil.recipe.scaleMode == .rceil && rceil.recipe.scaleFormat == .e8m0)
        let even = try NamedRecipe(parsing: "mxfp8:scale_mode=even")
        #expect(even.recipe.scaleMode == .even)
        #expect(try NamedRecipe(parsing: "blockwise").recipe == .blockwise)
    }
}
