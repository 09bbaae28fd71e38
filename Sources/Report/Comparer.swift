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
/// Work is group-major: each group's fp64 ideal block is computed once and every recipe's
/// output block for that group is measured against it, so memory stays at a few group blocks.
/// Per-row metrics are computed concurrently and merged in row order: the result does not
/// depend on the number of threads.
public struct Comparer {
    public var recipes: [NamedRecipe]
    public var gemmMode: GEMMMode = .exact
    /// Measure at most this many rows per group of `out` and `grad_a` (tokens, evenly spaced)
    /// and this many output rows k per expert of `grad_b`; nil measures everything.
    public var sampleRows: Int?
    /// With `sampleRows` nil: sample `automaticSampleRows` rows when M*K*N exceeds
    /// `automaticThreshold` (the DeepSeek-V3-16B shape does: 2.8e11), else measure everything.
    public var automaticSampling = false
    public static let automaticThreshold = 1 << 36
    public static let automaticSampleRows = 512
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
        var results: [RecipeErrors] = []
        var quantized: [[Operand: (QuantizedTensor, Reduction)]] = []
        for (i, named) in recipes.enumerated() {
            progress("quantizing operands under \(named.label) (\(i + 1)/\(recipes.count))")
            let quantizer = Quantizer(recipe: named.recipe)
            var ops: [Operand: (QuantizedTensor, Reduction)] = [:]
            var tensors: [TensorErrors] = []
            for op in Operand.allCases {
                guard let source = inputs.source(of: op) else { continue }
                let reduction = op.reduction(under: named.recipe.kind)
                let q = try quantizer.quantize(source.bits, shape: source.shape, reduction: reduction,
                                               transposedWeight: op.isTransposedWeight, offsets: groupOffsets)
                ops[op] = (q, reduction)
                if op == .a || op == .b || op == .gradOut {
                    tensors.append(QuantizationErrors.measure(name: op.rawValue, source: source, quantized: q,
                                                              grouping: q.grouping!, offsets: groupOffsets))
                }
            }
            quantized.append(ops)
            results.append(RecipeErrors(label: named.label, recipe: named.recipe.description, tensors: tensors, notes: []))
        }
        var sampling: String?
        var sampleRows = self.sampleRows
        var automatic = false
        if sampleRows == nil && automaticSampling && m * k * n > Self.automaticThreshold {
            sampleRows = Self.automaticSampleRows
            automatic = true
        }
        if gemm {
            for kind in GEMMKind.allCases {
                let (l, r) = kind.operands
                guard inputs.source(of: l) != nil, inputs.source(of: r) != nil else { continue }
                var builders = recipes.map { _ in TensorErrorsBuilder(name: kind.rawValue, groups: g, ulp: true) }
                var usable = [Bool](repeating: true, count: recipes.count)
                for (i, ops) in quantized.enumerated() {
                    let (lq, lr) = ops[l]!, (rq, rr) = ops[r]!
                    if ScaleLayouts.layout(l, lr, k: k, n: n) == nil || ScaleLayouts.layout(r, rr, k: k, n: n) == nil {
                        usable[i] = false
                        results[i].notes.append("\(kind.rawValue): an operand's scales vary along the contraction dimension (\(lq.shape), \(rq.shape)); not measured")
                    }
                }
                for group in 0..<g {
                    let rows = groupOffsets.rows(of: group)
                    if rows.isEmpty { continue }
                    let selected = kind == .gradB ? Self.sample(0..<k, sampleRows) : Self.sample(rows, sampleRows)
                    if selected.count < (kind == .gradB ? k : rows.count) {
                        sampling = "GEMM outputs sampled: at most \(sampleRows!) evenly spaced rows per group (tokens of out and grad_a, rows k of grad_b); quantized operands measured in full"
                            + (automatic ? " (automatic above M*K*N = 2^36; --sample-rows all measures every element)" : "")
                    }
                    progress("\(kind.rawValue): group \(group + 1)/\(g) (\(rows.count) rows\(selected.count < (kind == .gradB ? k : rows.count) ? ", \(selected.count) sampled" : "")): fp64 ideal")
                    let ideal = IdealGEMM.block(kind, inputs, group: group, rows: rows, selected: selected)
                    for (i, ops) in quantized.enumerated() where usable[i] {
                        progress("\(kind.rawValue): group \(group + 1)/\(g): \(recipes[i].label) (\(gemmMode.rawValue) GEMM)")
                        let (x, y, localOffsets) = GroupSlice.operands(kind, left: ops[l]!, right: ops[r]!, k: k, n: n,
                                                                       group: group, rows: rows, selected: selected)
                        var block: GroupBlock?
                        ReferenceGEMM.run(kind, x, y, offsets: localOffsets, mode: gemmMode) { block = $0 }
                        GEMMErrors.measure(kind, block: block!, ideal: ideal, group: group, selected: selected, into: &builders[i])
                    }
                }
                for i in recipes.indices where usable[i] { results[i].tensors.append(builders[i].finish()) }
            }
        }
        return Comparison(file: file, m: m, k: k, n: n, g: g, offsets: offsets, gemmMode: gemmMode.rawValue,
                          sampling: sampling,
                          ideal: "fp64: bf16 inputs as fp64; GEMMs of those with exact products and fp64 sums (cblas_dgemm)",
                          recipes: results)
    }

    /// At most `count` indices of `range`, evenly spaced (all of them when count is nil or
    /// not smaller): `lower + floor(i * range.count / count)`.
    static func sample(_ range: Range<Int>, _ count: Int?) -> [Int] {
        guard let count, count < range.count else { return Array(range) }
        return (0..<count).map { range.lowerBound + $0 * range.count / count }
    }
}
