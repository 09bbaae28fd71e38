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
import Verify

@Suite struct CompareTests {
    static func config(_ d: GeneratorConfig.Distribution = .heavyTokens, m: Int = 96, k: Int = 24, n: Int = 16, g: Int = 4,
                       routing: GeneratorConfig.Routing = .skewed, tail: Int = 5) -> GeneratorConfig {
        var c = GeneratorConfig(m: m, k: k, n: n, g: g, seed: 3, distribution: d, routing: routing, tailRows: tail)
        c.withGEMM = false
        return c
    }

    static func value(_ bits: UInt16) -> Double { Double(Float(bf16Bits: bits)) }

    /// Naive SQNR over pairs.
    static func sqnr(_ pairs: [(Double, Double)]) -> Double {
        let s = pairs.map { $0.0 * $0.0 }.reduce(0, +)
        let e = pairs.map { ($0.0 - $0.1) * ($0.0 - $0.1) }.reduce(0, +)
        return 10 * log10(s / e)
    }

    @Test("quantized a: SQNR and token SQNRs equal a naive loop", arguments: [Recipe.rowwise, .tensorwise])
    func quantizationMatchesNaive(recipe: Recipe) throws {
        let c = Self.config()
        let inputs = FixtureGenerator.inputs(c)
        let result = try Comparer(recipes: [NamedRecipe(label: "r", recipe: recipe)]).compare(inputs, file: "mem")
        let a = inputs.a!
        let offsets = GroupOffsets(inputs.offsets!)
        let q = try Quantizer(recipe: recipe).quantize(a.bits, shape: a.shape, reduction: Operand.a.reduction(under: recipe.kind),
                                                       offsets: offsets)
        var all: [(Double, Double)] = []
        var rowSQNR: [Double] = []
        for r in 0..<offsets.covered {
            var row: [(Double, Double)] = []
            for j in 0..<c.k {
                let s = q.scales.count == 1 ? q.scales[0] : q.scales[r]
                row.append((Self.value(a.bits[r * c.k + j]), recipe.format.decode(q.codes[r * c.k + j]) * Double(1 / s)))
            }
            all += row
            rowSQNR.append(Self.sqnr(row))
        }
        let t = try #require(result.recipes[0].tensor("a"))
        #expect(t.total.elements == offsets.covered * c.k)
        #expect(abs(t.total.sqnrDB! - Self.sqnr(all)) < 1e-9)
        #expect(abs(t.rowSQNR!.min! - rowSQNR.min()!) < 1e-9)
        #expect(t.rowSQNR!.argmin == rowSQNR.firstIndex(of: rowSQNR.min()!))
    }

    @Test("GEMM outputs: per-group slices reproduce the full reference GEMM; ideal is the fp64 product",
          arguments: [Recipe.rowwise, .tensorwise])
    func gemmMatchesFullReference(recipe: Recipe) throws {
        let c = Self.config(.normal)
        let inputs = FixtureGenerator.inputs(c)
        let offsets = inputs.offsets!
        let result = try Comparer(recipes: [NamedRecipe(label: "r", recipe: recipe)]).compare(inputs, file: "mem")
        let reference = ReferenceQuantization(inputs: inputs)
        for kind in GEMMKind.allCases {
            let (l, r) = kind.operands
            let lr = l.reduction(under: recipe.kind), rr = r.reduction(under: recipe.kind)
            let full = try #require(try ReferenceGEMM.output(
                kind, left: (reference.quantize(l, recipe: recipe, reduction: lr), lr),
                right: (reference.quantize(r, recipe: recipe, reduction: rr), rr), offsets: offsets, mode: .exact))
            // Naive fp64 ideal, element by element.
            let a = inputs.a!.bits, b = inputs.b!.bits, go = inputs.gradOut!.bits
            var pairs: [(Double, Double)] = []
            for g in 0..<c.g {
                let rows = GroupOffsets(offsets).rows(of: g)
                switch kind {
                case .out:
                    for i in rows { for j in 0..<c.n {
                        let e = (0..<c.k).map { Self.value(a[i * c.k + $0]) * Self.value(b[(g * c.k + $0) * c.n + j]) }.reduce(0, +)
                        pairs.append((e, Self.value(full.values[i * c.n + j])))
                    } }
                case .gradA:
                    for i in rows { for kk in 0..<c.k {
                        let e = (0..<c.n).map { Self.value(go[i * c.n + $0]) * Self.value(b[(g * c.k + kk) * c.n + $0]) }.reduce(0, +)
                        pairs.append((e, Self.value(full.values[i * c.k + kk])))
                    } }
                case .gradB:
                    for kk in 0..<c.k { for j in 0..<c.n {
                        let e = rows.map { Self.value(a[$0 * c.k + kk]) * Self.value(go[$0 * c.n + j]) }.reduce(0, +)
                        pairs.append((e, Self.value(full.values[(g * c.k + kk) * c.n + j])))
                    } }
                }
            }
            let t = try #require(result.recipes[0].tensor(kind.rawValue))
            #expect(t.total.elements == pairs.count, "\(kind)")
            #expect(abs(t.total.sqnrDB! - Self.sqnr(pairs)) < 1e-6, "\(kind)")
            let maxAbs = pairs.map { abs($0.0 - $0.1) }.max()!
            #expect(abs(t.total.maxAbsError - maxAbs) <= 1e-12 * max(1, maxAbs), "\(kind)")
            #expect(t.ulp!.counts.reduce(0, +) == pairs.count)
        }
    }

    @Test func samplingMeasuresSelectedRowsOnly() throws {
        let c = Self.config(.normal)
        let inputs = FixtureGenerator.inputs(c)
        var comparer = Comparer(recipes: [NamedRecipe(label: "t", recipe: .tensorwise)])
        comparer.sampleRows = 3
        let sampled = try comparer.compare(inputs, file: "mem")
        let groupsWithRows = (0..<c.g).filter { !GroupOffsets(inputs.offsets!).rows(of: $0).isEmpty }
        let out = try #require(sampled.recipes[0].tensor("out"))
        let expectedRows = groupsWithRows.map { min(3, GroupOffsets(inputs.offsets!).rows(of: $0).count) }.reduce(0, +)
        #expect(out.total.elements == expectedRows * c.n)
        #expect(sampled.recipes[0].tensor("grad_b")!.total.elements == groupsWithRows.count * 3 * c.n)
        #expect(sampled.sampling != nil)
        // Quantized operands are never sampled.
        #expect(sampled.recipes[0].tensor("a")!.total.elements == inputs.offsets!.last! * c.k)
    }

    @Test func deterministicJSON() throws {
        let inputs = FixtureGenerator.inputs(Self.config())
        let recipes = [NamedRecipe(label: "rowwise", recipe: .rowwise), NamedRecipe(label: "tensorwise", recipe: .tensorwise)]
        let one = try Comparer(recipes: recipes).compare(inputs, file: "mem").json()
        let two = try Comparer(recipes: recipes).compare(inputs, file: "mem").json()
        #expect(one == two)
        let decoded = try Comparison.decode(one)
        #expect(try decoded.json() == one)
    }

    /// The point: tokens spanning four decades with heavy tails; both recipes show the
    /// same tensor SQNR while tensorwise loses more than 15 dB on the worst token.
    @Test func tensorSQNRHidesTheWorstToken() throws {
        let inputs = FixtureGenerator.inputs(Self.config(m: 2048, k: 128, n: 64, g: 4, routing: .balanced, tail: 0))
        let r = try Comparer(recipes: [NamedRecipe(label: "rowwise", recipe: .rowwise),
                                       NamedRecipe(label: "tensorwise", recipe: .tensorwise)]).compare(inputs, file: "mem")
        for name in ["a", "grad_out", "out", "grad_a"] {
            let (rw, tw) = (r.recipes[0].tensor(name)!, r.recipes[1].tensor(name)!)
            #expect(abs(rw.total.sqnrDB! - tw.total.sqnrDB!) < 0.1, "\(name)")
            #expect(rw.rowSQNR!.min! - tw.rowSQNR!.min! > 15, "\(name)")
        }
    }

    @Test func recipeSpecs() throws {
        let r = try NamedRecipe(parsing: "rowwise:scale_pow2=0,fp8_format=e5m2")
        #expect(r.recipe.kind == .rowwise && !r.recipe.scalePow2 && r.recipe.format == .e5m2)
        #expect(throws: RecipeSpecError.self) { try NamedRecipe(parsing: "columnwise") }
        #expect(throws: RecipeSpecError.self) { try NamedRecipe(parsing: "rowwise:bogus=1") }
        #expect(throws: RecipeSpecError.self) { try NamedRecipe(parsing: "rowwise:scale_pow2") }
    }

    @Test func heavyTokensSpanFourDecades() {
        let c = Self.config(m: 4096, k: 64, n: 8, g: 2, routing: .balanced, tail: 0)
        let x = FixtureGenerator.inputs(c)
        #expect(FixtureGenerator.inputs(c).a == x.a)  // deterministic
        let rms = (0..<c.m).map { r in
            ((0..<c.k).map { Self.value(x.a!.bits[r * c.k + $0]) }.map { $0 * $0 }.reduce(0, +) / Double(c.k)).squareRoot()
        }
        let span = log10(rms.max()! / rms.min()!)
        #expect(span > 3.5 && span < 6, "token RMS spans \(span) decades")
    }
}
