import ArgumentParser
import Foundation
import Verify

/// `fp8moe verify FIXTURE.h5 [--producer NAME]... [--json FILE] [--report DIR]` (SPEC section 6).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every result in a fixture and compare: payloads and scales bit for bit, GEMM outputs under the SPEC 4 bound.",
        discussion: "Exit status: 0 all agree, 1 a mismatch was found, 2 the input is invalid.")

    @Argument(help: "The fixture (HDF5, schema fp8moe-fixture version 1).")
    var fixture: String

    @Option(name: .customLong("producer"), help: "Only this producer (repeatable); default all under /results.")
    var producers: [String] = []

    @Option(help: "Write the JSON summary here ('-' for stdout).")
    var json: String?

    @Option(help: "Also write the JSON summary as DIR/<fixture name>.json.")
    var report: String?

    func run() throws {
        try Supervisor.runSupervisedUnlessChild(files: [fixture])
        var status: Int32 = 0
        try exitingOnBadInput {
            let result: VerifyReport
            do {
                result = try Verifier.verify(path: fixture, producers: producers)
            } catch {
                throw InputError("\(error)")
            }
            // With --json - the JSON owns stdout and the summary goes to stderr.
            if json == "-" { writeStandardError(VerifySummary.text(result)) }
            else { print(VerifySummary.text(result), terminator: "") }
            let data = try result.json()
            if let json {
                if json == "-" { FileHandle.standardOutput.write(data + Data("\n".utf8)) }
                else { try write(data, to: json) }
            }
            if let report {
                try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)
                let name = (URL(fileURLWithPath: fixture).deletingPathExtension().lastPathComponent) + ".json"
                try write(data, to: URL(fileURLWithPath: report).appendingPathComponent(name).path)
            }
            status = result.agrees ? 0 : 1
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw InputError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
