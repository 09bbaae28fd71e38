// Module Schema: the fixture schema (SPEC 5, docs/results-schema.md) over the HDF5 module.
// Names (FixtureSchema), inputs (FixtureInputs, BF16Tensor: read, validated), result datasets
// (ResultDataset, GEMMKind), how an operand's scales reach the GEMM (ScaleLayouts), the
// reference quantization and GEMM of a fixture's inputs (ReferenceQuantization,
// ReferenceGEMM), writing fixtures (FixtureWriter), and InvalidFixture, the one error for "this
// file does not follow the schema" (file, HDF5 path, problem; exit status 2): HDF5's
// FixtureError, Recipes' AttributeError and GroupingError are wrapped into it with the file and
// path. A new fixture dataset is a case of ResultDataset (and its reading in Verify's plan).

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
