// Module Report: `fp8moe compare` and `fp8moe report`. Comparer measures recipes side by
// side against the fp64 ideal (Comparison); ReportBuilder takes Verify's results as they are
// (never re-reading the file for what verify read) and adds the comparison; MarkdownReport,
// HTMLReport and SVG render them. A new plot is a function in SVG.swift called from
// HTMLReport; a new column of the comparison is a field of Comparison and its renderings.

import Foundation
import Metrics
import Recipes
import Schema
import Verify

/// Everything the report shows about one fixture.
public struct FixtureReport: Encodable, Sendable {
    public var file: String
    /// `agree`, `mismatch` or `invalid`.
    public var verdict: String
    /// Why the fixture is invalid (verify's exit-2 message).
    public var invalid: String?
    public var verify: VerifyReport?
    /// Recipes side by side against the fp64 ideal (`fp8moe compare`), when the fixture has
    /// `a`, `b` and `offsets`.
    public var comparison: Comparison?
    public var comparisonSkipped: String?
    /// Producer -> GEMM output -> bf16 ULP histogram against the exact reference E.
    public var producerUlp: [String: [String: ULPHistogram]]

    public var name: String { URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }
}

/// Builds `FixtureReport`s: verify, the producers' GEMM error histograms, and compare under the
/// fixture's own rowwise and tensorwise recipes (format and cast policy as its producers
/// declare them; the presets otherwise).
public struct ReportBuilder {
    public var sampleRows: Int?
    /// Rows k per expert of `grad_b` to measure; nil: `sampleRows`.
    public var sampleWgradRows: Int?
    public var progress: (String) -> Void = { _ in }
    public init() {}

    /// A fixture that does not follow the schema is reported (verdict `invalid`), not thrown.
    ///
    /// Errors: none for a fixture verify accepts; an error of compare on such a fixture is a bug
    /// (verify has validated the inputs and parsed every attribute), and it propagates.
    public func build(_ path: String) throws -> FixtureReport {
        progress("\(path): verify")
        var r = FixtureReport(file: path, verdict: "invalid", producerUlp: [:])
        let verify: VerifyReport, inputs: FixtureInputs
        do { (verify, inputs) = try Verifier.verifyReturningInputs(path: path) } catch {
            r.invalid = error.description
            return r
        }
        r.verify = verify
        r.verdict = verify.status
        r.producerUlp = Self.gemmHistograms(verify)
        guard inputs.a != nil, inputs.b != nil, inputs.offsets != nil else {
            r.comparisonSkipped = "compare needs /inputs/a, /inputs/b and /inputs/offsets"
            return r
        }
        progress("\(path): compare")
        var comparer = Comparer(recipes: try Self.recipes(verify))
        comparer.sampleRows = sampleRows
        comparer.sampleWgradRows = sampleWgradRows
        r.comparison = try comparer.compare(inputs, file: path)
        return r
    }

    /// The producers' GEMM error histograms against the exact reference, as verify measured them.
    static func gemmHistograms(_ verify: VerifyReport) -> [String: [String: ULPHistogram]] {
        var out: [String: [String: ULPHistogram]] = [:]
        for (p, pr) in verify.producers {
            for (d, ds) in pr.datasets {
                if let h = ds.ulpHistogram { out[p, default: [:]][d] = h }
            }
        }
        return out
    }

    /// rowwise and tensorwise, each from the first producer (by name, `reference-*` first) that
    /// declares that recipe, else the preset; then the block-scaled recipes of
    /// `NamedRecipe.standard` (mxfp8 in each scale mode, blockwise). verify has parsed every
    /// producer's attributes already, so an error here is a bug, and it propagates.
    static func recipes(_ verify: VerifyReport) throws(AttributeError) -> [NamedRecipe] {
        let names = verify.producers.keys.sorted { ($0.hasPrefix("reference-") ? 0 : 1, $0) < ($1.hasPrefix("reference-") ? 0 : 1, $1) }
        let blocks = NamedRecipe.standard.filter { $0.recipe.kind == .mxfp8 || $0.recipe.kind == .blockwise }
        return try [Recipe.Kind.rowwise, .tensorwise].map { kind throws(AttributeError) in
            for n in names {
                let attrs = verify.producers[n]!.attributes
                guard (attrs["recipe"] ?? "rowwise") == kind.rawValue else { continue }
                let recipe = try Recipe(attributes: attrs)
                let label = recipe.format == .e4m3fn ? kind.rawValue : "\(kind.rawValue) \(recipe.format.name)"
                return NamedRecipe(label: label, recipe: recipe)
            }
            return NamedRecipe(label: kind.rawValue, recipe: .preset(kind))
        } + blocks
    }
}
