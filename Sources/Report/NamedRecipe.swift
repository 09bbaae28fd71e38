import Recipes

/// A recipe as named on the command line: a preset (`rowwise`, `tensorwise`, `mxfp8`,
/// `blockwise`, or one of `standard`'s labels such as `mxfp8-rceil`), optionally with SPEC 5
/// attribute overrides, `NAME[:attr=value,...]` (e.g. `rowwise:scale_pow2=0`,
/// `tensorwise:fp8_format=e5m2`, `mxfp8:scale_mode=even`). The label is the text as given.
public struct NamedRecipe: Sendable {
    public let label: String
    public let recipe: Recipe

    public init(label: String, recipe: Recipe) {
        self.label = label
        self.recipe = recipe
    }

    /// Errors: a description naming the bad part.
    public init(parsing text: String) throws(RecipeSpecError) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty else { throw RecipeSpecError("empty recipe name") }
        if parts.count == 1, let known = Self.standard.first(where: { $0.label == name }) {
            self = known
            return
        }
        var attributes = ["recipe": name]
        if parts.count == 2 {
            for item in parts[1].split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, kv[0] != "recipe" else {
                    throw RecipeSpecError("recipe '\(text)': '\(item)' is not attr=value")
                }
                guard RecipeAttribute(rawValue: kv[0]) != nil else {
                    throw RecipeSpecError("recipe '\(text)': unknown attribute '\(kv[0])'")
                }
                attributes[kv[0]] = kv[1]
            }
        }
        do { recipe = try Recipe(attributes: attributes) } catch {
            throw RecipeSpecError("recipe '\(text)': \(error)" + (parts.count == 1 ? "; or one of \(Self.standard.map(\.label).joined(separator: ", "))" : ""))
        }
        label = text
    }
}

extension NamedRecipe {
    /// Every FP8 recipe torchao's MoE training ships, side by side (issue 11): `rowwise`,
    /// `tensorwise` (PR #4179), `mxfp8-floor`, `mxfp8-rceil`, `mxfp8-ceil`, `mxfp8-even` (SPEC 8.3
    /// `mxfp8` in each `scale_mode`: e8m0 scales over 1x32 blocks along each GEMM's contraction,
    /// 32x1 for the wgrad operands and the forward weight) and `blockwise` (1x128 activations,
    /// 128x128 weights, 128x1 wgrad operands, fp32 scales). The presets of `Recipe`, values only.
    public static let standard: [NamedRecipe] =
        [NamedRecipe(label: "rowwise", recipe: .rowwise), NamedRecipe(label: "tensorwise", recipe: .tensorwise)]
        + ScaleMode.allCases.map { mode in
            var r = Recipe.mxfp8
            r.scaleMode = mode
            return NamedRecipe(label: "mxfp8-\(mode.rawValue)", recipe: r)
        }
        + [NamedRecipe(label: "blockwise", recipe: .blockwise)]
}

public struct RecipeSpecError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
