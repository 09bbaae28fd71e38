import Recipes

/// A recipe as named on the command line: a preset (`rowwise`, `tensorwise`), optionally with
/// SPEC 5 attribute overrides, `NAME[:attr=value,...]` (e.g. `rowwise:scale_pow2=0`,
/// `tensorwise:fp8_format=e5m2`). The label is the text as given.
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
            throw RecipeSpecError("recipe '\(text)': \(error)")
        }
        label = text
    }
}

public struct RecipeSpecError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
