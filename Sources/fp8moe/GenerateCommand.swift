import ArgumentParser
import Generate
import HDF5
import Foundation
import Recipes
import Schema
import Verify

/// `fp8moe generate OUT.h5 ...`: a deterministic (seeded) fixture in the SPEC section 5 schema,
/// with the emulator's reference results under /results/reference-<recipe>/.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded fixture (inputs + fp8moe-reference results) in the SPEC 5 schema.")

    @Argument(help: "The fixture to write.")
    var output: String

    @Option(help: "Shape preset: small (M=64 K=32 N=16 G=4) or deepseek-v3-16b (M=98432 K=2048 N=1408 G=8, no GEMM outputs unless --gemm).")
    var shape: String = "small"

    @Option(help: "Rows M (overrides the preset).") var m: Int?
    @Option(help: "Inner dimension K.") var k: Int?
    @Option(help: "Output columns N.") var n: Int?
    @Option(help: "Groups (experts) G.") var g: Int?

    @Option(help: "Random seed.") var seed: UInt64 = 0

    @Option(help: "Distribution: \(GeneratorConfig.Distribution.allCases.map(\.rawValue).joined(separator: ", ")).")
    var distribution: String = "normal"

    @Option(help: "Routing: \(GeneratorConfig.Routing.allCases.map(\.rawValue).joined(separator: ", ")).")
    var routing: String = "balanced"

    @Option(name: .customLong("inject"), help: "Inject specials (repeatable): \(GeneratorConfig.Injection.allCases.map(\.rawValue).joined(separator: ", ")).")
    var injections: [String] = []

    @Option(help: "Rows at the end that belong to no group.") var tailRows: Int = 0

    @Option(name: .customLong("recipe"), help: "Reference recipe (repeatable): rowwise, tensorwise. Default both.")
    var recipes: [String] = []

    @Option(help: "Override the recipes' fp8 format (e4m3fn, e5m2, e4m3fnuz, e5m2fnuz).") var fp8Format: String?
    @Option(help: "Override the recipes' cast policy.") var castPolicy: String?
    @Option(help: "Override the recipes' NaN arithmetic (canonical, propagate).") var nanArith: String?
    @Option(help: "Override the recipes' input_nan_to_num (0 or 1; SPEC 8.1: tensorwise means 1).") var inputNanToNum: String?

    @Flag(inversion: .prefixedNo, help: "Write GEMM outputs (default: yes for small shapes, no for deepseek-v3-16b).")
    var gemm: Bool?

    @Flag(help: "Leave out /inputs/grad_out (and so dgrad / wgrad).") var noGradOut = false
    @Flag(help: "Replace an existing file.") var overwrite = false
    @Option(help: "The root description attribute.") var description: String?

    func run() throws {
        try exitingOnBadInput {
            var c: GeneratorConfig
            switch shape {
            case "small": c = GeneratorConfig(m: 64, k: 32, n: 16, g: 4)
            case "deepseek-v3-16b": c = .deepSeekV3_16B()
            default: throw InputError("unknown shape preset '\(shape)' (known: small, deepseek-v3-16b)")
            }
            c.m = m ?? c.m; c.k = k ?? c.k; c.n = n ?? c.n; c.g = g ?? c.g
            guard c.m >= 0, c.k > 0, c.n > 0, c.g > 0, tailRows >= 0, tailRows <= c.m else {
                throw InputError("shape must have K, N, G > 0, M >= 0 and 0 <= --tail-rows <= M")
            }
            if let problem = c.sizeProblem() { throw InputError(problem) }
            c.seed = seed
            c.tailRows = tailRows
            c.withGradOut = !noGradOut
            if let gemm { c.withGEMM = gemm }
            guard let d = GeneratorConfig.Distribution(rawValue: distribution) else {
                throw InputError("unknown distribution '\(distribution)'")
            }
            guard let r = GeneratorConfig.Routing(rawValue: routing) else { throw InputError("unknown routing '\(routing)'") }
            c.distribution = d
            c.routing = r
            c.injections = try injections.map {
                guard let i = GeneratorConfig.Injection(rawValue: $0) else { throw InputError("unknown injection '\($0)'") }
                return i
            }
            var attributes: [String: String] = [:]
            if let fp8Format { attributes["fp8_format"] = fp8Format }
            if let castPolicy { attributes["cast_policy"] = castPolicy }
            if let nanArith { attributes["nan_arith"] = nanArith }
            if let inputNanToNum { attributes["input_nan_to_num"] = inputNanToNum }
            c.recipes = try (recipes.isEmpty ? ["rowwise", "tensorwise"] : recipes).map { name in
                var a = attributes
                a["recipe"] = name
                do { return try Recipe(attributes: a) } catch { throw InputError("\(error)") }
            }
            let summary = "M=\(c.m) K=\(c.k) N=\(c.n) G=\(c.g) seed=\(c.seed) distribution=\(d.rawValue) routing=\(r.rawValue)"
                + " inject=\(c.injections.map(\.rawValue).joined(separator: ",")) tail_rows=\(c.tailRows)"
            let inputs = FixtureGenerator.inputs(c)
            do {
                let file = try HDF5File(creating: output, overwrite: overwrite)
                try FixtureWriter.writeInputs(inputs, to: file, description: description ?? "fp8moe generate: \(summary)",
                                              provenance: ["generator": "fp8moe generate", "generator_config": summary]
                                                .merging(Provenance.current(), uniquingKeysWith: { a, _ in a }))
                for recipe in c.recipes {
                    _ = try FixtureWriter.writeReference(inputs, recipe: recipe, gemm: c.withGEMM, to: file)
                }
                try file.commit()
            } catch {
                throw InputError("\(error)")
            }
            print("wrote \(output): \(summary); offsets \(inputs.offsets ?? [])")
        }
    }
}
