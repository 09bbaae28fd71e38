/// The names SPEC section 5 and docs/results-schema.md fix.
public enum FixtureSchema {
    public static let schema = "fp8moe-fixture"
    public static let version = 1
    public static let bf16DType = "bfloat16"

    public static let inputs = "/inputs"
    public static let a = "/inputs/a"
    public static let b = "/inputs/b"
    public static let offsets = "/inputs/offsets"
    public static let gradOut = "/inputs/grad_out"
    public static let results = "/results"

    /// The producer name of results written by this emulator (`fp8moe generate`).
    public static let referenceProducer = "fp8moe-reference"

    /// The group the reference results of a recipe live in: `/results/reference-<recipe>`.
    public static func referenceGroup(_ recipe: String) -> String { "\(results)/reference-\(recipe)" }
}
