import Foundation
import Metrics

/// What `fp8moe compare` measures: for each recipe, the error of the quantized operands `a`,
/// `b`, `grad_out` (dequantized: code value times the fp32 reciprocal scale the GEMM receives)
/// and of the GEMM outputs `out`, `grad_a`, `grad_b` of one MoE expert step under the recipe,
/// all against the fp64 ideal: the bf16 inputs as fp64 and the GEMMs of those in fp64
/// (products exact, sums in fp64 through `cblas_dgemm`).
///
/// Only rows that belong to a group are measured (SPEC 4: the others take part in no GEMM).
public struct Comparison: Codable, Sendable {
    enum CodingKeys: String, CodingKey {
        case file, m, k, n, g, offsets, sampling, ideal, recipes
        case gemmMode = "gemm_mode"
    }

    public var file: String
    public var m: Int
    public var k: Int
    public var n: Int
    public var g: Int
    public var offsets: [Int]
    /// `exact` or `fp32` (the reference GEMM mode of the recipes' outputs).
    public var gemmMode: String
    /// How the GEMM outputs were sampled, or nil when every element was measured.
    public var sampling: String?
    /// The ideal, in words.
    public var ideal: String
    public var recipes: [RecipeErrors]

    public func json() throws -> Data {
        try JSONCoding.encoder(snakeCase: false).encode(self)
    }

    public static func decode(_ data: Data) throws -> Comparison {
        try JSONCoding.decoder(snakeCase: false).decode(Comparison.self, from: data)
    }

    /// The tensors measured, in order (a, b, grad_out, out, grad_a, grad_b, those present).
    public var tensorNames: [String] {
        var names: [String] = []
        for r in recipes { for t in r.tensors where !names.contains(t.name) { names.append(t.name) } }
        return names
    }
}

/// One recipe's errors, tensor by tensor.
public struct RecipeErrors: Codable, Sendable {
    /// As named on the command line.
    public var label: String
    /// Every step's variant.
    public var recipe: String
    public var tensors: [TensorErrors]
    /// Things not measured under this recipe, and why.
    public var notes: [String]
    /// What one planted NaN or Inf does under this recipe (`BlastRadius`); nil in results
    /// written before it existed.
    public var blastRadius: [BlastRadius]?

    enum CodingKeys: String, CodingKey {
        case label, recipe, tensors, notes
        case blastRadius = "blast_radius"
    }

    public init(label: String, recipe: String, tensors: [TensorErrors], notes: [String], blastRadius: [BlastRadius]? = nil) {
        self.label = label
        self.recipe = recipe
        self.tensors = tensors
        self.notes = notes
        self.blastRadius = blastRadius
    }

    public func tensor(_ name: String) -> TensorErrors? { tensors.first { $0.name == name } }
}
