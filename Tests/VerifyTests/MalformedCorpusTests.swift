import Foundation
import Schema
import TestSupport
import Testing
import Verify

/// The corpus under fixtures/malformed/ (scripts/make_malformed.py; cases and messages in its
/// README): every file breaks the schema in one way, and `Verifier.verify` and the `fp8moe
/// verify` binary must both refuse it as invalid input (exit status 2) with a message naming the
/// file, the HDF5 path and the problem, leaving the file byte-identical.
@Suite struct MalformedCorpusTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("fixtures/malformed")

    /// The fp8moe binary built beside the test bundle (`swift build --build-tests` builds both).
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("fp8moe")

    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let path: String
        let problem: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "wrong-schema.h5", path: "/", problem: "attribute schema is \"fp8moe-fixtures\", expected \"fp8moe-fixture\""),
        Case(file: "wrong-schema-version.h5", path: "/", problem: "schema_version 2 is not supported"),
        Case(file: "missing-inputs.h5", path: "/inputs", problem: "missing group"),
        Case(file: "a-missing-dtype.h5", path: "/inputs/a", problem: "missing attribute dtype = \"bfloat16\""),
        Case(file: "a-int32.h5", path: "/inputs/a", problem: "wrong element type: expected uint16, found int32"),
        Case(file: "a-float32.h5", path: "/inputs/a", problem: "wrong element type: expected uint16, found float32"),
        Case(file: "k-mismatch.h5", path: "/inputs/b", problem: "K = 5 disagrees with /inputs/a's K = 4"),
        Case(file: "b-not-3d.h5", path: "/inputs/b", problem: "wrong rank: expected 3, found 2"),
        Case(file: "offsets-wrong-length.h5", path: "/inputs/offsets", problem: "G = 3 disagrees with /inputs/b's G = 2"),
        Case(file: "offsets-decreasing.h5", path: "/inputs/offsets", problem: "offsets[1] = 4 is less than offsets[0] = 6"),
        Case(file: "offsets-negative.h5", path: "/inputs/offsets", problem: "offsets[0] = -1 is negative"),
        Case(file: "offsets-beyond-m.h5", path: "/inputs/offsets", problem: "offsets[1] = 9 exceeds the row count M = 8"),
        Case(file: "unknown-recipe.h5", path: "/results/malformed-corpus", problem: "attribute 'recipe' has unknown value 'nvfp4'"),
        Case(file: "unknown-cast-policy.h5", path: "/results/malformed-corpus",
             problem: "attribute 'cast_policy' has unknown value 'round-to-odd'"),
        Case(file: "unknown-fp8-format.h5", path: "/results/malformed-corpus", problem: "attribute 'fp8_format' has unknown value 'e3m4'"),
        Case(file: "a-scale-wrong-shape.h5", path: "/results/malformed-corpus/a_scale",
             problem: "scale shape [7] does not fit reduction rowwise, which gives [8]"),
        Case(file: "truncated.h5", path: "/", problem: "truncated file"),
        Case(file: "not-hdf5.h5", path: "/", problem: "not an HDF5 file"),
        Case(file: "empty.h5", path: "/", problem: "not an HDF5 file"),
    ]

    static func location(_ c: Case) -> String { directory.appendingPathComponent(c.file).path }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Every file in the folder has a case (or is the control), and every case has its file.
    @Test func corpusIsComplete() throws {
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".h5") })
        #expect(present == Set(Self.cases.map(\.file) + ["valid-control.h5"]))
    }

    /// The control (the fixture every case was made from) is valid and agrees: each refusal below
    /// is its case's defect alone.
    @Test func controlVerifies() throws {
        let report = try Verifier.verify(path: Self.directory.appendingPathComponent("valid-control.h5").path)
        #expect(report.agrees)
        #expect(report.producers["malformed-corpus"]?.datasets["a_scale"]?.elements == 8)
    }

    @Test("Verifier.verify refuses it, naming file, path and problem", arguments: cases)
    func library(_ c: Case) throws {
        let path = Self.location(c)
        let before = try Self.bytes(path)
        #expect {
            _ = try Verifier.verify(path: path)
        } throws: { error in
            guard let e = error as? InvalidFixture else { return false }
            return e.file == path && e.path == c.path && e.description.contains(c.problem)
                && e.description.hasPrefix("\(path): \(c.path): ")
        }
        #expect(try Self.bytes(path) == before, "the file was changed")
    }

    @Test("fp8moe verify exits 2 with the message on stderr and nothing on stdout", arguments: cases)
    func binary(_ c: Case) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the fp8moe product first")
        let relative = "fixtures/malformed/\(c.file)"
        let before = try Self.bytes(Self.location(c))
        let r = try runProcess(Self.binary, ["verify", relative, "--json", "-"], directory: Self.repository)
        let o = r.stdout, e = r.stderrText
        #expect(r.status == 2, "\(e)")
        #expect(e.contains("\(relative): \(c.path): ") && e.contains(c.problem), "\(e)")
        #expect(o.isEmpty, "\(String(decoding: o, as: UTF8.self))")
        #expect(try Self.bytes(Self.location(c)) == before, "the file was changed")
    }
}
