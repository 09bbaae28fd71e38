import ArgumentParser
import Foundation
import GroupedGEMM
import Report
import Schema
import Verify

/// `fp8moe compare FIXTURE.h5 [--recipe R]... [--json FILE] [--markdown FILE]`: recipes side by
/// side against the fp64 ideal, per tensor, per group and per token.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Quantization and GEMM error of recipes side by side (rowwise, tensorwise, mxfp8 in each scale mode, blockwise) against the fp64 ideal.",
        discussion: """
            For each recipe: the error of the quantized a, b, grad_out (dequantized with the fp32 reciprocal \
            scale) and of out, grad_a, grad_b (forward, dgrad, wgrad of one MoE expert step under the recipe, \
            reference grouped GEMM), against the bf16 inputs in fp64 and their GEMMs in fp64 (exact products). \
            Per tensor, per group, and the distribution of token-row SQNRs (min, 1st percentile, median); and what \
            one NaN or one Inf planted in a probe tensor does to its block, row or tensor under each recipe. \
            Block-scaled recipes (mxfp8, blockwise) run their GEMMs through the exact block-scaled reference. \
            Progress goes to stderr; the results are deterministic. Exit status 2 on invalid input.
            """)

    @Argument(help: "The fixture (needs /inputs/a, /inputs/b, /inputs/offsets; grad_out for dgrad and wgrad).")
    var fixture: String

    @Option(name: .customLong("recipe"), help: "Recipe (repeatable): a preset (rowwise, tensorwise, mxfp8, blockwise, or mxfp8-floor, mxfp8-rceil, mxfp8-ceil, mxfp8-even), optionally with attribute overrides, NAME:attr=value,... (e.g. rowwise:scale_pow2=0, mxfp8:scale_mode=even). Default: all of rowwise, tensorwise, mxfp8-floor, mxfp8-rceil, mxfp8-ceil, mxfp8-even, blockwise.")
    var recipes: [String] = []

    @Option(help: "Write the JSON results here ('-' for stdout).")
    var json: String?

    @Option(help: "Write the Markdown tables here ('-' for stdout).")
    var markdown: String?

    @Option(help: "Write the blast-radius plot (SVG: what one NaN / Inf does under each recipe) here; the Markdown links it by this path.")
    var svg: String?

    @Option(help: "Reference GEMM mode for the recipes' outputs: exact, or fp32 (BLAS, faster; not the exact reference).")
    var gemmMode: String = "exact"

    @Option(help: "Measure at most N evenly spaced rows per group of the GEMM outputs (tokens of out / grad_a, rows k of grad_b), or 'all'. Default: all, except above M*K*N = 2^36 (DeepSeek-V3-16B), where 512 with per-row recipes only, 128 tokens and 32 rows k of grad_b when a block-scaled recipe (mxfp8, blockwise) is among them (said so in the output).")
    var sampleRows: String?

    @Option(help: "Measure at most N rows k per expert of grad_b (default: as --sample-rows).")
    var sampleWgradRows: Int?

    @Flag(help: "Quantization error only: no GEMMs.")
    var noGemm = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        try Supervisor.runSupervisedUnlessChild(files: [fixture])
        try exitingOnBadInput {
            let named = try recipes.isEmpty ? NamedRecipe.standard : recipes.map { text in
                do { return try NamedRecipe(parsing: text) } catch { throw InputError("\(error)") }
            }
            guard let mode = GEMMMode(rawValue: gemmMode) else { throw InputError("unknown --gemm-mode '\(gemmMode)' (known: exact, fp32)") }
            var comparer = Comparer(recipes: named)
            comparer.gemmMode = mode
            switch sampleRows {
            case nil: comparer.automaticSampling = true
            case "all": break
            case let text?:
                guard let n = Int(text), n >= 1 else { throw InputError("--sample-rows must be a positive integer or 'all'") }
                comparer.sampleRows = n
            }
            if let w = sampleWgradRows {
                guard w >= 1 else { throw InputError("--sample-wgrad-rows must be a positive integer") }
                comparer.sampleWgradRows = w
            }
            comparer.gemm = !noGemm
            let start = Date()
            if !quiet {
                comparer.progress = { line in
                    writeStandardError(String(format: "[compare %6.1fs] ", Date().timeIntervalSince(start)) + line + "\n")
                }
            }
            let result: Comparison
            do { result = try comparer.compare(path: fixture) } catch let e as InvalidFixture { throw InputError("\(e)") }
            let md = ComparisonMarkdown.render(result, blastRadiusImage: svg.map { URL(fileURLWithPath: $0).lastPathComponent })
            if let svg { try write(Data(ComparisonSVG.blastRadius(result).utf8), to: svg) }
            if markdown == "-" { print(md, terminator: "") }
            else if json != "-" { print(ComparisonMarkdown.summary(result), terminator: "") }
            if let markdown, markdown != "-" { try write(Data(md.utf8), to: markdown) }
            if let json {
                let data = try result.json() + Data("\n".utf8)
                if json == "-" { FileHandle.standardOutput.write(data) } else { try write(data, to: json) }
            }
            if !quiet { writeStandardError(String(format: "[compare %6.1fs] done\n", Date().timeIntervalSince(start))) }
        }
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw InputError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
