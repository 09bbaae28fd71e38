import Groups
import Recipes

/// The reference quantization of a fixture's inputs: each operand under a recipe and a
/// reduction (docs/results-schema.md), cached, since payload, scale and GEMM checks share it;
/// one `ScaleGrouping` per operand and reduction, shared by the plan's shape checks and the
/// quantizer.
public final class ReferenceQuantization {
    public let inputs: FixtureInputs
    private var cache: [String: QuantizedTensor] = [:]
    private var groupings: [String: ScaleGrouping] = [:]

    public init(inputs: FixtureInputs) { self.inputs = inputs }

    /// Why `op` cannot be quantized from these inputs, or nil.
    public func missing(_ op: Operand, reduction: Reduction) -> String? {
        if inputs.source(of: op) == nil { return "input /inputs/\(op.source) is absent" }
        if reduction.usesOffsets && inputs.offsets == nil { return "input /inputs/offsets is absent" }
        return nil
    }

    /// The scale grouping of `op` under `reduction`, built once per operand and reduction.
    /// Preconditions: `missing(op, reduction:) == nil`.
    /// `padding`: SPEC 8.3 `block_padding` (block reductions only).
    public func grouping(_ op: Operand, reduction: Reduction, padding: BlockPadding = .none) throws(GroupingError) -> ScaleGrouping {
        let key = "\(op.rawValue)|\(reduction.rawValue)|\(padding.rawValue)"
        if let g = groupings[key] { return g }
        let source = inputs.source(of: op)!
        let g = try ScaleGrouping(reduction: reduction, shape: source.shape, transposedWeight: op.isTransposedWeight,
                                  offsets: inputs.offsets.map { GroupOffsets($0) }, padding: padding)
        groupings[key] = g
        return g
    }

    /// The quantized operand. Preconditions: `missing(op, reduction:) == nil`.
    public func quantize(_ op: Operand, recipe: Recipe, reduction: Reduction) throws(GroupingError) -> QuantizedTensor {
        let key = "\(op.rawValue)|\(reduction.rawValue)|\(recipe)"
        if let q = cache[key] { return q }
        let source = inputs.source(of: op)!
        let q = Quantizer(recipe: recipe).quantize(source.bits, shape: source.shape,
                                                   grouping: try grouping(op, reduction: reduction, padding: recipe.blockPadding))
        cache[key] = q
        return q
    }
}
