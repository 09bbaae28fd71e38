import ArgumentParser
import FP8
import HDF5
import Foundation
import Golden
import Verify

/// Checks the emulator against every golden table of the real implementations.
struct GoldenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden",
        abstract: "Reproduce every golden table (fixtures/golden/*.h5) with the emulator, bit for bit.",
        discussion: "Exit status: 0 every table reproduced, 1 a mismatch, 2 a file is missing or malformed.")

    @Argument(help: "Golden files or folders holding them.") var paths: [String] = ["fixtures/golden"]
    @Option(help: "Write a Markdown summary here.") var markdown: String?
    @Option(help: "Write a JSON summary here.") var json: String?

    func run() throws {
        try Supervisor.runSupervisedUnlessChild(files: paths)
        var failed = false
        try exitingOnBadInput {
            var files: [String] = []
            for path in paths {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    throw InputError("\(path): no such file or folder")
                }
                if isFolder.boolValue {
                    let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".h5") }.sorted()
                    files += names.map { (path as NSString).appendingPathComponent($0) }
                } else {
                    files.append(path)
                }
            }
            var checks: [GoldenTable.Check] = []
            var decodeChecks: [DecodeTable.Check] = []
            var provenance: [String: String] = [:]
            do {
                for path in files {
                    let file = try HDF5File(reading: path)
                    let schema = try file.hasAttribute("schema") ? try file.stringAttribute("schema") : "(none)"
                    guard schema == "fp8moe-golden" || schema == "fp8moe-golden-decode" else {
                        throw InputError("\(path): /: not a golden table file (attribute schema is '\(schema)'; "
                            + "golden tables have 'fp8moe-golden' or 'fp8moe-golden-decode')")
                    }
                    let producer = try file.stringAttribute("producer")
                    provenance[producer] = "\(try file.stringAttribute("device")); \(try file.stringAttribute("date"))"
                    switch schema {
                    case "fp8moe-golden":
                        for table in try GoldenTable.tables(in: file) { checks.append(try table.check(in: file)) }
                    case "fp8moe-golden-decode":
                        for table in try DecodeTable.tables(in: file) { decodeChecks.append(try table.check(in: file)) }
                    default:
                        throw FixtureError(file: path, path: "/", problem: .invalidArgument(
                            "attribute schema is '\(schema)', not 'fp8moe-golden' or 'fp8moe-golden-decode'"))
                    }
                }
            } catch let error as FixtureError {
                throw InputError(error.description)
            }
            var lines = ["| producer | table | policy | rounding | rows | mismatches |", "|---|---|---|---|---|---|"]
            for c in checks {
                let t = c.table
                lines.append("| \(t.producer) | \(t.path) | \(t.policy.name) | \(describe(t.rounding)) | \(c.rows) | \(c.mismatches) |")
                for e in c.examples {
                    lines.append("|  | input \(hex(e.input, width: t.source.bitWidth / 4)) | expected \(hex(e.expected, width: 2)) | emulator \(hex(e.actual, width: 2)) | | |")
                }
            }
            for c in decodeChecks {
                lines.append("| \(c.table.producer) | \(c.table.path) | decode | exact | 256 | \(c.mismatchedCodes.count) |")
                for e in c.mismatchedCodes.prefix(10) {
                    lines.append("|  | code \(hex(e.code, width: 2)) | expected \(hex(e.expected, width: 8)) | emulator \(hex(e.actual, width: 8)) | | |")
                }
            }
            let total = checks.reduce(0) { $0 + $1.mismatches } + decodeChecks.reduce(0) { $0 + $1.mismatchedCodes.count }
            let rows = checks.reduce(0) { $0 + $1.rows } + 256 * decodeChecks.count
            failed = total > 0
            let verdict = "\(checks.count + decodeChecks.count) tables from \(files.count) files, \(rows) rows, \(total) mismatches"
            print(lines.joined(separator: "\n"))
            print(verdict)
            if let markdown {
                var text = "# Emulator vs golden tables\n\nMade by `fp8moe golden`. Each table is one real implementation's conversion of every input (or decode of every code); the emulator reproduces it under the pinned policy. Decode tables compare fp32 bits exactly for every non-NaN code; NaN codes must decode to NaN (payloads are each implementation's own).\n\n"
                text += "Producers: " + provenance.keys.sorted().map { "`\($0)` (\(provenance[$0]!))" }.joined(separator: ", ") + "\n\n"
                text += lines.joined(separator: "\n") + "\n\n**\(verdict)**\n"
                try writeAtomically(text, to: markdown)
            }
            if let json {
                let entries = checks.map { c in
                    "{\"producer\": \"\(c.table.producer)\", \"table\": \"\(c.table.path)\", \"policy\": \"\(c.table.policy.name)\", \"rounding\": \"\(describe(c.table.rounding))\", \"rows\": \(c.rows), \"mismatches\": \(c.mismatches)}"
                }
                try writeAtomically("{\"tables\": [\n  " + entries.joined(separator: ",\n  ") + "\n], \"mismatches\": \(total)}\n", to: json)
            }
        }
        if failed { throw ExitCode(1) }
    }
}

func describe(_ rule: RoundingRule) -> String {
    switch rule {
    case .toNearestOrEven: return "rne"
    case .towardZero: return "rz"
    case .upward: return "ru"
    case .stochastic(let bits): return "sr:" + hex(bits, width: 8)
    }
}

/// Writes text through a temporary file and a rename, so a failed write never leaves a half file
/// in place of a good one.
func writeAtomically(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    do {
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw InputError("\(path): cannot write: \(error.localizedDescription)")
    }
}
