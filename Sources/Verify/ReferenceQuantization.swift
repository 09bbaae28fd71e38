import Recipes

/// The reference quantization of a fixture's inputs: each operand under a recipe and a
/// reduction (docs/results-schema.md), cached, since payload, scale and GEMM checks share it.
public final class ReferenceQuantization {
    public let inputs: FixtureInputs
    private var cache: [String: QuantizedTensor] = [:]

    public init(inputs: FixtureInputs) { self.inputs = inputs }

    /// Why `op` cannot be quantized from these inputs, or nil.
    public func missing(_ op: Operand, reduction: Reduction) -> String? {
        if inputs.source(of: op) == nil { return "input /inputs/\(op.source) is absent" }
        if reduction.usesOffsets && inputs.offsets == nil { return "input /inputs/offsets is absent" }
        return nil
    }

    /// The quantized operand. Preconditions: `missing(op, reduction:) == nil`.
    public func quantize(_ op: Operand, recipe: Recipe, reduction: Reduction) throws(GroupingError) -> QuantizedTensor {
        let key = "\(op.rawValue)|\(reduction.rawValue)|\(recipe)"
        if let q = cache[key] { return q }
        let source = inputs.source(of: op)!
        let q = try Quantizer(recipe: recipe).quantize(
            source.bits, shape: source.shape, reduction: reduction, transposedWeight: op.isTransposedWeight,
            offsets: inputs.offsets.map { GroupOffsets($0) })
        cache[key] = q
        return q
    }
}
