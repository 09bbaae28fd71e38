import FP8
import Groups
import Foundation
import GroupedGEMM
import Metrics
import Recipes
import Schema
import Verify

/// Runs the comparison of `Comparison` on a fixture's inputs.
///
/// Work is recipe-major: one recipe's quantized operands are in memory at a time; each group's
/// fp64 ideal block is computed once and kept for the other recipes when the outputs are
/// sampled (or the fixture is small). Block-scaled recipes (SPEC 8.3) run their GEMMs through
/// `BlockScaledGEMM` (`BlockGroupSlice`), the others through `GroupedGEMM` (`GroupSlice`).
/// Per-row metrics are computed concurrently and merged in row order: the result does not
/// depend on the number of threads.
public struct Comparer {
    public var recipes: [NamedRecipe]
    public var gemmMode: GEMMMode = .exact
    /// Measure at most this many rows per group of `out` and `grad_a` (tokens, evenly spaced)
    /// and this many output rows k per expert of `grad_b`; nil measures everything.
    public var sampleRows: Int?
    /// Measure at most this many output rows k per expert of `grad_b`; nil: `sampleRows`.
    public var sampleWgradRows: Int?
    /// With `sampleRows` nil: sample when M*K*N exceeds `automaticThreshold` (the
    /// DeepSeek-V3-16B shape does: 2.8e11), else measure everything. Per-row recipes only:
    /// `automaticSampleRows` tokens and rows k. With a block-scaled recipe among them:
    /// `automaticBlockSampleRows` tokens and `automaticBlockWgradRows` rows k, for every recipe
    /// (the same rows for all, so that they compare): `BlockScaledGEMM` sums one exact segment
    /// per block along the contraction (385 of them per grad_b element of a 12304-row expert
    /// under mxfp8), about 45 ns of CPU per element and segment (128 tokens and 32 rows k of two
    /// 12304-token experts, K = 2048, N = 1408, under mxfp8: 3.8 s user for the GEMMs).
    public var automaticSampling = false
    public static let automaticThreshold = 1 << 36
    public static let automaticSampleRows = 512
    public static let automaticBlockSampleRows = 128
    public static let automaticBlockWgradRows = 32
    /// Whether to run the GEMMs at all.
    public var gemm = true
    /// Called with a line of progress (a step and what it is doing).
    public var progress: (String) -> Void = { _ in }

    public init(recipes: [NamedRecipe]) { self.recipes = recipes }

    /// Errors: `InvalidFixture` for a fixture that does not follow the schema, or that lacks
    /// `a`, `b` or `offsets`.
    public func compare(path: String) throws -> Comparison {
        let inputs = try FixtureInputs.read(path: path)
        for (name, present) in [("a", inputs.a != nil), ("b", inputs.b != nil), ("offsets", inputs.offsets != nil)] where !present {
            throw InvalidFixture(file: path, path: "/inputs/\(name)", problem: "compare needs /inputs/a, /inputs/b and /inputs/offsets")
        }
        return try compare(inputs, file: path)
    }

    public func compare(_ inputs: FixtureInputs, file: String) throws -> Comparison {
        let a = inputs.a!, b = inputs.b!, offsets = inputs.offsets!
        let (m, k, n, g) = (a.shape[0], a.shape[1], b.shape[2], offsets.count)
        let groupOffsets = GroupOffsets(offsets)
        var sampleRows = self.sampleRows
        var wgradRows = sampleWgradRows ?? self.sampleRows
        var automatic = false
        if sampleRows == nil && automaticSampling && m * k * n > Self.automaticThreshold {
            let blockScaled = recipes.contains { $0.recipe.kind == .mxfp8 || $0.recipe.kind == .blockwise }
            sampleRows = blockScaled ? Self.automaticBlockSampleRows : Self.automaticSampleRows
            wgradRows = sampleWgradRows ?? (blockScaled ? Self.automaticBlockWgradRows : Self.automaticSampleRows)
            automatic = true
        }
        // The fp64 ideal blocks, computed once and kept for the next recipes when they are
        // sampled or small; otherwise recomputed per recipe (memory stays at a few blocks).
        let keepIdeals = (sampleRows != nil && wgradRows != nil) || m * k * n <= Self.automaticThreshold
        var ideals: [GEMMKind: [Int: [Double]]] = [:]
        var sampling: String?
        var results: [RecipeErrors] = []
        // Recipe by recipe: one recipe's quantized operands in memory at a time.
        for (i, named) in recipes.enumerated() {
            progress("quantizing operands under \(named.label) (\(i + 1)/\(recipes.count))")
            let quantizer = Quantizer(recipe: named.recipe)
            var ops: [Operand: (QuantizedTensor, Reduction)] = [:]
            var result = RecipeErrors(label: named.label, recipe: named.recipe.description, tensors: [], notes: [])
            for op in Operand.allCases {
                guard let source = inputs.source(of: op) else { continue }
                let reduction = op.reduction(under: named.recipe.kind)
                let q: QuantizedTensor
                do {
                    q = try quantizer.quantize(source.bits, shape: source.shape, reduction: reduction,
                                               transposedWeight: op.isTransposedWeight, offsets: groupOffsets)
                } catch {
                    // A block reduction that does not divide this fixture: the recipe does not
                    // apply to it (its GEMMs are left out too).
                    result.notes.append("\(op.rawValue): \(error); not measured under this recipe")
                    continue
                }
                ops[op] = (q, reduction)
                if op == .a || op == .b || op == .gradOut {
                    result.tensors.append(QuantizationErrors.measure(name: op.rawValue, source: source, quantized: q,
                                                                     recipe: named.recipe, offsets: groupOffsets))
                }
            }
            if gemm {
                for kind in GEMMKind.allCases {
                    let (l, r) = kind.operands
                    guard let left = ops[l], let right = ops[r] else { continue }
                    let (lq, lr) = left, (rq, rr) = right
                    // Per-row scales go to the epilogue (GroupedGEMM); block scales to BlockScaledGEMM.
                    let perRow = ScaleLayouts.layout(l, lr, k: k, n: n) != nil && ScaleLayouts.layout(r, rr, k: k, n: n) != nil
                    let blocks = !perRow && lr.blockShape != nil && rr.blockShape != nil
                    guard perRow || blocks else {
                        result.notes.append("\(kind.rawValue): an operand's scales vary along the contraction dimension (\(lq.shape), \(rq.shape)); not measured")
                        continue
                    }
                    var builder = TensorErrorsBuilder(name: kind.rawValue, groups: g, ulp: true)
                    var measured = true
                    for group in 0..<g {
                        let rows = groupOffsets.rows(of: group)
                        if rows.isEmpty { continue }
                        let selected = kind == .gradB ? Self.sample(0..<k, wgradRows) : Self.sample(rows, sampleRows)
                        let sampled = selected.count < (kind == .gradB ? k : rows.count)
                        if sampled {
                            sampling = "GEMM outputs sampled: at most \(sampleRows.map(String.init) ?? "all") evenly spaced tokens per group of out and grad_a, \(wgradRows.map(String.init) ?? "all") rows k per expert of grad_b; quantized operands measured in full"
                                + (automatic ? " (automatic above M*K*N = 2^36; --sample-rows all measures every element)" : "")
                        }
                        let ideal: [Double]
                        if let kept = ideals[kind]?[group] { ideal = kept } else {
                            progress("\(kind.rawValue): group \(group + 1)/\(g) (\(rows.count) rows\(sampled ? ", \(selected.count) sampled" : "")): fp64 ideal")
                            ideal = IdealGEMM.block(kind, inputs, group: group, rows: rows, selected: selected)
                            if keepIdeals { ideals[kind, default: [:]][group] = ideal }
                        }
                        progress("\(kind.rawValue): group \(group + 1)/\(g): \(named.label) (\(blocks ? "block-scaled exact" : gemmMode.rawValue) GEMM)")
                        if blocks {
                            guard let out = BlockGroupSlice.output(
                                kind, left: lq, right: rq, recipe: named.recipe, k: k, n: n, group: group, rows: rows, selected: selected)
                            else {
                                result.notes.append("\(kind.rawValue): the block grids of \(lr.rawValue) and \(rr.rawValue) cannot be sliced per group; not measured")
                                measured = false
                                break
                            }
                            GEMMErrors.measure(kind, bits: out.bits, rows: out.rows, columns: out.columns, ideal: ideal,
                                               group: group, selected: selected, into: &builder)
                        } else {
                            var block: GroupBlock?
                            let (x, y, local) = GroupSlice.operands(kind, left: (lq, lr), right: (rq, rr), k: k, n: n,
                                                                   group: group, rows: rows, selected: selected)
                            ReferenceGEMM.run(kind, x, y, offsets: local, mode: gemmMode) { block = $0 }
                            GEMMErrors.measure(kind, bits: block!.bits, rows: block!.rows, columns: block!.columns, ideal: ideal,
                                               group: group, selected: selected, into: &builder)
                        }
                    }
                    if measured { result.tensors.append(builder.finish()) }
                }
            }
            if blocksNote(named.recipe), gemm, gemmMode != .exact {
                result.notes.append("block-scaled GEMMs always use the exact reference (BlockScaledGEMM); --gemm-mode applies to the per-row recipes")
            }
            result.blastRadius = BlastRadius.measure(named.recipe)
            results.append(result)
        }
        return Comparison(file: file, m: m, k: k, n: n, g: g, offsets: offsets, gemmMode: gemmMode.rawValue,
                          sampling: sampling,
                          ideal: "fp64: bf16 inputs as fp64; GEMMs of those with exact products and fp64 sums (cblas_dgemm)",
                          recipes: results)
    }

    private func blocksNote(_ recipe: Recipe) -> Bool { recipe.kind == .mxfp8 || recipe.kind == .blockwise }

    /// At most `count` indices of `range`, evenly spaced (all of them when count is nil or
    /// not smaller): `lower + floor(i * range.count / count)`.
    static func sample(_ range: Range<Int>, _ count: Int?) -> [Int] {
        guard let count, count < range.count else { return Array(range) }
        return (0..<count).map { range.lowerBound + $0 * range.count / count }
    }
}
