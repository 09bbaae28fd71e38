import ArgumentParser
import Foundation
import Report

/// `fp8moe report FIXTURE.h5... --out DIR`: index.html (inline SVG, no scripts), report.md and
/// summary.json over fixtures: verify verdicts and mismatches with causes, GEMM error
/// histograms, per-group SQNR, every recipe side by side (rowwise, tensorwise, mxfp8 in each
/// scale mode, blockwise), NaN / saturation / flush counts, the NaN / Inf blast radius.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write index.html, report.md and summary.json for fixtures (verify + compare).",
        discussion: """
            Per fixture: verify's verdict and per-dataset table with the first mismatch localised and its cause; \
            bf16 ULP histograms of each producer's GEMM outputs against the exact reference; and compare under the \
            fixture's own rowwise and tensorwise recipes and the block-scaled ones (mxfp8 in each scale mode, \
            blockwise) against the fp64 ideal (per tensor, per group, per token; what one NaN / Inf does). \
            The files depend only on the fixtures and options (no dates or timings), unless --title says otherwise. \
            Exit status 0 when every fixture agrees, 1 when one has a mismatch or is invalid.
            """)

    @Argument(help: "Fixtures (HDF5), or verify JSON summaries (*.json) of fixtures judged elsewhere.")
    var fixtures: [String]

    @Option(help: "Output directory (created).")
    var out: String

    @Option(help: "Title of the report.")
    var title: String = "fp8moe report"

    @Option(help: "Measure at most N rows per group of the compare GEMM outputs (see compare --help).")
    var sampleRows: Int?

    @Option(help: "Measure at most N rows k per expert of grad_b (default: as --sample-rows).")
    var sampleWgradRows: Int?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Flag(help: "Write into --out even if it is a folder that fp8moe report did not make (its files of the same names are replaced).")
    var overwrite = false

    /// The file that marks a folder as made by `fp8moe report` (so a later report may replace it).
    static let marker = ".fp8moe-report"

    func run() throws {
        try Supervisor.runSupervisedUnlessChild(files: fixtures)
        var status: Int32 = 0
        try exitingOnBadInput {
            guard !fixtures.isEmpty else { throw InputError("no fixtures given") }
            try checkOutputFolder()
            var builder = ReportBuilder()
            builder.sampleRows = sampleRows
            builder.sampleWgradRows = sampleWgradRows
            let start = Date()
            if !quiet {
                builder.progress = { writeStandardError(String(format: "[report %6.1fs] ", Date().timeIntervalSince(start)) + $0 + "\n") }
            }
            let reports = try fixtures.map { $0.hasSuffix(".json") ? builder.build(verifySummary: $0) : try builder.build($0) }
            let generated = "Made by: fp8moe report \(fixtures.joined(separator: " ")) --out \(out)"
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let dir = URL(fileURLWithPath: out)
                try Data("made by fp8moe report; a later report may replace this folder's files\n".utf8)
                    .write(to: dir.appendingPathComponent(Self.marker))
                try Data(HTMLReport.render(reports, title: title, generated: generated).utf8).write(to: dir.appendingPathComponent("index.html"))
                try Data(MarkdownReport.render(reports, title: title, generated: generated).utf8).write(to: dir.appendingPathComponent("report.md"))
                try (ReportSummary.json(reports) + Data("\n".utf8)).write(to: dir.appendingPathComponent("summary.json"))
            } catch {
                throw InputError("cannot write \(out): \(error.localizedDescription)")
            }
            for r in reports { print("\(r.file): \(r.verdict)") }
            print("wrote \(URL(fileURLWithPath: out).appendingPathComponent("index.html").path), report.md, summary.json")
            status = reports.allSatisfy { $0.verdict == "agree" } ? 0 : 1
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Refuses (exit 2) an --out that is a file, or a non-empty folder without the marker of a
    /// folder this verb made, unless --overwrite: a report never writes over files it did not write.
    private func checkOutputFolder() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw InputError("\(out): exists and is not a folder") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        guard !overwrite, !entries.isEmpty, !entries.contains(Self.marker) else { return }
        throw InputError("\(out): a folder that fp8moe report did not make (no \(Self.marker) in it); "
            + "choose a new folder or pass --overwrite")
    }
}
