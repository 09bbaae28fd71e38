/// Everything a producer's attributes declare about one result dataset, parsed once: the
/// recipe, the reduction, and for GEMM outputs the accumulation bound (SPEC sections 4, 5, 8.1).
///
/// A dataset's own attributes override its group's. The reduction comes from, first match:
/// the dataset's `reduction`, the dataset's `recipe` naming a reduction set, the group's
/// `reduction`, the group's `recipe` naming a reduction set; else the recipe's table
/// (`Operand.reduction(under:)`).
public struct RecipeDeclaration: Sendable {
    public var recipe: Recipe
    /// The declared reduction, when the attributes name one; nil means the recipe's table.
    public var reduction: Reduction?
    /// `accum_eps` as declared.
    public var declaredAccumEps: Double?
    /// `use_fast_accum` (0 when absent).
    public var useFastAccum: Bool
    /// `block_size`: the kernel's flat block size, when the producer says (a hint for naming
    /// causes; verdicts never depend on it).
    public var blockSize: Int?

    /// Errors: `AttributeError` for a known attribute with a value outside its vocabulary.
    public init(group: [String: String], dataset: [String: String] = [:]) throws(AttributeError) {
        var merged = group
        for (k, v) in dataset { merged[k] = v }
        recipe = try Recipe(attributes: merged)
        reduction = nil
        for level in [dataset, group] {
            if let r = level[RecipeAttribute.reduction.rawValue] { reduction = try Recipe.parseReduction(r); break }
            if let r = level[RecipeAttribute.recipe.rawValue].map({ $0.trimmingCharacters(in: .whitespaces) }),
               Recipe.Kind(rawValue: r) == nil, let named = Reduction(rawValue: r) {
                reduction = named
                break
            }
        }
        declaredAccumEps = try merged[RecipeAttribute.accumEps.rawValue].map { v throws(AttributeError) in try Recipe.parseAccumEps(v) }
        useFastAccum = try merged[RecipeAttribute.useFastAccum.rawValue].map { v throws(AttributeError) in
            try Recipe.parseFlag(v, .useFastAccum)
        } ?? false
        blockSize = try merged[RecipeAttribute.blockSize.rawValue].map { v throws(AttributeError) in
            guard let n = Int(v.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw AttributeError(attribute: "block_size", value: v, known: ["a positive integer (elements)"])
            }
            return n
        }
    }

    /// The reduction `op` is quantized with.
    public func reduction(of op: Operand) -> Reduction { reduction ?? op.reduction(under: recipe.kind) }

    /// The accumulation error per unit of `S = sum |a b|` a GEMM output is judged with, for a
    /// contraction of length `k`: the declared `accum_eps`, else `k * 2^-14` with
    /// `use_fast_accum = 1` (Hopper FP8 tensor cores keep about 14 bits while accumulating:
    /// DeepSeek-V3 technical report, section 3.3.2; SPEC 8.1), else `k * 2^-24` (fp32
    /// accumulation in any order, SPEC 4).
    public func accumEps(contraction k: Int) -> Double {
        declaredAccumEps ?? Double(k) * (useFastAccum ? 0x1p-14 : 0x1p-24)
    }
}
