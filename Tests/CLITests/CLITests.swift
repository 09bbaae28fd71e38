import Foundation
import TestSupport
import Testing

/// End-to-end checks of the `fp8moe` executable: output format, exit statuses, and that bad
/// input is refused with a message and status 2 (SPEC section 6), nothing half-printed.
@Suite struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The fp8moe binary built beside this test bundle (`swift build --build-tests` builds both).
    static let binary: URL = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("fp8moe")

    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let r = try runProcess(binary, arguments, directory: repository, environment: environment,
                               stdin: stdin.map { Data($0.utf8) })
        return Run(status: r.status, stdout: r.stdoutText, stderr: r.stderrText)
    }

    /// `--` ends the options (issue 8): what follows is a value even when it starts with `-`.
    @Test func convertAcceptsTheEndOfOptionsMarker() throws {
        let r = try Self.run(["convert", "--format", "e4m3fn", "--policy", "nosat", "--", "-1.5", "448"])
        #expect(r.status == 0, "\(r.stderr)")
        let codes = r.stdout.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) }
        #expect(codes == ["0xbc", "0x7e"], "\(r.stdout)")
    }

    /// verify's text names every cause with its count (SPEC 8.2) on the committed planted-defect fixture.
    @Test func verifyPrintsOneLinePerCause() throws {
        let r = try Self.run(["verify", "fixtures/verify-cases/peer-mismatches.h5"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("      142 pow2 rounding\n"), "\(r.stdout)")
        #expect(r.stdout.contains("by group: "), "\(r.stdout)")
    }

    /// A GEMM output mismatching where E is NaN has a NaN bound: the JSON summary is still
    /// written (the number as the string "nan"), and the exit status is the verdict's, 1.
    /// Found by the fuzz campaign (reports/fuzz-2026-12-05.md: EncodingError, no JSON).
    @Test func verifyWritesJSONWhenABoundIsNaN() throws {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("fp8moe-nan-bound-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = dir.appendingPathComponent("nan-input.h5").path
        let json = dir.appendingPathComponent("summary.json").path
        // A producer scale of 0 makes the dequantized operand infinite: E of the first row of
        // `out` is not finite, so the stored finite outputs mismatch with a NaN bound.
        let script = """
            import h5py, shutil, sys
            shutil.copy("fixtures/reference/small-balanced.h5", sys.argv[1])
            with h5py.File(sys.argv[1], "r+") as f:
                f["results/reference-rowwise/a_scale"][0] = 0.0
            """
        try runPython(script, [fixture], directory: Self.repository)
        let r = try Self.run(["verify", fixture, "--json", json])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(!r.stderr.contains("EncodingError"), "\(r.stderr)")
        let text = try String(contentsOfFile: json, encoding: .utf8)
        #expect(text.contains("\"bound\" : \"nan\""), "\(text.prefix(400))")
    }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "\(Self.binary.path)")
    }

    /// The last field of each line is the code (SPEC section 2's measured facts).
    @Test func convertPrintsCodes() throws {
        let r = try Self.run(["convert", "--format", "e4m3fn", "--policy", "nosat", "500", "464", "-inf", "0x1.cp8", "-1.5"])
        #expect(r.status == 0)
        let codes = r.stdout.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) ?? "" }
        #expect(codes == ["0x7f", "0x7e", "0xff", "0x7e", "0xbc"])
        let sat = try Self.run(["convert", "--format", "e4m3fn", "--policy", "satfinite", "--from", "bf16", "0x43fa", "-inf"])
        #expect(sat.stdout.split(separator: "\n").map { $0.split(separator: "\t").last! } == ["0x7e", "0xfe"])
    }

    @Test func convertReadsStdin() throws {
        let r = try Self.run(["convert", "--format", "e5m2", "--policy", "nosat"], stdin: "61440\n\n1\n")
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").map { $0.split(separator: "\t").last! } == ["0x7c", "0x3c"])
    }

    @Test(arguments: [
        (["convert", "--format", "e4m3fn", "--policy", "nosat", "1", "abc"], "'abc': not a number"),
        (["convert", "--format", "e4m3fn", "--policy", "nosat", "--from", "bf16", "0x12345"], "does not fit in bf16"),
        (["convert", "--format", "e3m4", "--policy", "nosat", "1"], "unknown format 'e3m4'"),
        (["convert", "--format", "e4m3fn", "--policy", "bogus", "1"], "unknown policy 'bogus'"),
        (["golden", "no/such/file.h5"], "no/such/file.h5: no such file"),
        (["table", "e9m9"], "unknown format"),
    ])
    func badInputExitsTwo(arguments: [String], message: String) throws {
        let r = try Self.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing is printed for a bad batch: \(r.stdout)")
    }

    @Test func goldenRejectsNonHDF5() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fp8moe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("junk.h5").path
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        let r = try Self.run(["golden", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(path) && r.stderr.contains("not an HDF5 file"), "\(r.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not hdf5")
    }

    @Test func tableListsEveryCode() throws {
        let r = try Self.run(["table", "e4m3fn"])
        #expect(r.status == 0)
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("0x") }
        #expect(rows.count == 256)
        #expect(rows[0x7E].hasSuffix("\t448") && rows[0x7F].hasSuffix("\tnan") && rows[1].hasSuffix("\t0.001953125"))
    }

    @Test func exhaustivePrefixRuns() throws {
        let r = try Self.run(["exhaustive", "--format", "e5m2", "--policy", "satfinite", "--limit", "200000"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("e5m2\tsatfinite\tinputs 200000\tmismatches 0"))
        #expect(r.stderr.contains("100%"))
    }
}
