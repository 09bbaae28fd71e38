import Foundation
import Testing

/// Issue 12: every hostile fixture (the fuzz campaign's minimised corpus in
/// fixtures/malformed/hostile/ and fixtures/malformed/hostile-reading/) gives exit status 2 and
/// ONE line on stderr naming the real problem, nothing on stdout, through the built binary
/// (the crashes and the hang are inside libhdf5 1.10.8: the supervised child turns them into
/// the line). Expected fragments: the README of each folder.
@Suite struct HostileCorpusTests {
    typealias Run = CLITests.Run

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        try CLITests.run(arguments, environment: extra)
    }

    /// File (relative to fixtures/malformed/) -> a fragment of its one-line message.
    static let expected: [String: String] = [
        "hostile/crash-segv-vlen-attribute.h5": "the HDF5 library crashed (SIGSEGV) while reading attribute",
        "hostile/crash-abort-free-on-close.h5": "the HDF5 library crashed (SIGABRT) while closing the file",
        "hostile/hang-global-heap.h5": ": /: no progress in 2 s while reading attribute 'schema'",
        "hostile/memory-external-storage-dev-zero.h5": "/inputs/a: external raw storage (in /dev/zero): not allowed in a fixture",
        "hostile/outside-external-storage-passwd.h5": "/inputs/a: external raw storage (in /etc/passwd): not allowed in a fixture",
        "hostile/not-refused-external-link-missing.h5": "/inputs/a: external link /inputs/a (to no-such-file.h5:/a): not allowed in a fixture",
        "hostile/not-refused-virtual-dataset.h5": "/inputs/a: a virtual dataset: not allowed in a fixture",
        "hostile/silent-pass-soft-dangling-a.h5": "/inputs/a: exists but cannot be read: the soft link /inputs/a points to /no/such/object, which does not exist",
        "hostile/silent-pass-soft-cycle.h5": "/inputs/a: exists but cannot be read: soft links in a cycle (/inputs/a -> /inputs/b -> /inputs/a)",
        "hostile/silent-pass-group-for-result.h5": "/results/malformed-corpus/a_scale: expected a dataset, found a group",
        "hostile/silent-pass-unreadable-result.h5": "/results/reference-rowwise/b_fp8: exists but cannot be read: corrupt object header",
        "hostile/message-found-a-other.h5": "/inputs/offsets: expected a dataset, found an object that is neither a group nor a dataset",
        "hostile/message-newline-in-attribute.h5": "attribute 'recipe' has unknown value 'row\\nwise'",
        "hostile/message-null-attribute.h5": "attribute 'recipe' should hold one value, has shape [0]",
        "hostile/memory-object-header-attribute.h5": "/inputs/b: the HDF5 library allocated",
        "hostile-reading/soft-self-a.h5": "/inputs/a: exists but cannot be read: soft links in a cycle (/inputs/a -> /inputs/a)",
        "hostile-reading/soft-to-group-result.h5": "/results/malformed-corpus/a_scale: expected a dataset, found a group",
        "hostile-reading/external-link-self-a.h5": "/inputs/a: external link /inputs/a (to external-link-self-a.h5:/inputs/a): not allowed in a fixture",
        "hostile-reading/external-link-passwd-a.h5": "(to /etc/passwd:/a): not allowed in a fixture",
        "hostile-reading/gzip-short-stream-a.h5": "/inputs/a: damaged file: the chunk at [0, 0] decompresses to 32 bytes, the chunk holds 64",
        "hostile-reading/gzip-long-stream-a.h5": "/inputs/a: damaged file: the chunk at [0, 0] decompresses to more than the chunk's 64 bytes",
        "hostile-reading/huge-shape-unwritten-a.h5": "/inputs/a: damaged file: the dataset declares 1073741824 bytes, the file stores 0 for it",
        "hostile-reading/offsets-beyond-rows-without-inputs.h5": "/inputs/offsets: offsets[3] = 256 exceeds the row count M = 64 (the rows of /results/reference-rowwise/a_fp8",
        "hostile-reading/libver-latest-chunked.h5": "bad version number for layout message (the object uses an HDF5 format feature newer than this library, HDF5 1.10.8, reads; write the file with h5py.File(path, \"w\", libver=(\"earliest\", \"v110\")))",
    ]

    /// Every .h5 in the two folders has an expectation (a new reproducer needs its line here),
    /// and the one file HDF5 1.10.8 reads is the only one without.
    @Test func everyHostileFileHasAnExpectedLine() throws {
        var found: [String] = []
        for folder in ["hostile", "hostile-reading"] {
            let url = CLITests.repository.appendingPathComponent("fixtures/malformed/\(folder)")
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".h5") {
                found.append("\(folder)/\(name)")
            }
        }
        let unexpected = Set(found).subtracting(Self.expected.keys).subtracting(["hostile-reading/libver-latest-contiguous.h5"])
        #expect(unexpected.isEmpty, "no expected line for \(unexpected.sorted())")
        #expect(Set(Self.expected.keys).isSubset(of: found), "missing files: \(Set(Self.expected.keys).subtracting(found).sorted())")
    }

    @Test(arguments: HostileCorpusTests.expected.keys.sorted())
    func hostileFileIsExitTwoWithOneLine(file: String) throws {
        let path = "fixtures/malformed/\(file)"
        // The hang's allowance is shortened so that the test costs 2 s, not 5.
        let r = try Self.run(["verify", path, "--json", "-"], environment: ["FP8MOE_READ_TIMEOUT": "2"])
        #expect(r.status == 2, "\(file): exit \(r.status), stderr \(r.stderr)")
        #expect(r.stdout.isEmpty, "\(file): \(r.stdout)")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(file): not one line: \(r.stderr)")
        #expect(r.stderr.hasPrefix("fp8moe: \(path): "), "\(file): \(r.stderr)")
        #expect(r.stderr.contains(Self.expected[file]!), "\(file): \(r.stderr)")
    }

    /// What HDF5 2.0 writes under libver='latest' for contiguous datasets, 1.10.8 reads.
    @Test func libverLatestContiguousIsRead() throws {
        let r = try Self.run(["verify", "fixtures/malformed/hostile-reading/libver-latest-contiguous.h5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a_scale: ok 0/8"), "\(r.stdout)")
    }

    /// The supervised run passes the child's stdout, stderr and exit status through unchanged:
    /// the same bytes as the unsupervised run of the same binary (a comparison of the code with
    /// itself, on a fixture with mismatches so that exit 1 and the text and JSON are exercised).
    @Test func supervisedOutputIsByteIdenticalToUnsupervisedSelf() throws {
        let fixture = "fixtures/verify-cases/peer-mismatches.h5"
        for arguments in [["verify", fixture], ["verify", fixture, "--json", "-"]] {
            let supervised = try Self.run(arguments)
            let unsupervised = try Self.run(arguments, environment: ["FP8MOE_UNSUPERVISED": "1"])
            #expect(supervised.status == 1 && unsupervised.status == 1)
            #expect(supervised.stdout == unsupervised.stdout)
            #expect(supervised.stderr == unsupervised.stderr)
            #expect(!supervised.stdout.isEmpty)
        }
    }

    /// A memory limit reached in the child is one line naming the limit (the limit here is
    /// far below what verify needs: 1 GiB of address space does not even start the Swift runtime's threads).
    @Test func memoryLimitIsOneLine() throws {
        let r = try Self.run(["verify", "fixtures/reference/small-balanced.h5"], environment: ["FP8MOE_MEMORY_LIMIT": "200000000"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("memory") || r.stderr.contains("budget"), "\(r.stderr)")
    }

    @Test(arguments: [
        (["generate", "--m", "4611686018427387904", "--k", "4", "/tmp/fp8moe-never-written.h5"], "M = 4611686018427387904 does not fit the int32 offsets"),
        (["generate", "--g", "4294967297", "/tmp/fp8moe-never-written.h5"], "G = 4294967297 does not fit the int32 offsets"),
        (["generate", "--m", "100000000", "--k", "100000", "/tmp/fp8moe-never-written.h5"], "GB to generate, this machine has"),
        (["golden", "fixtures/malformed/valid-control.h5"], "fixtures/malformed/valid-control.h5: /: not a golden table file (attribute schema is 'fp8moe-fixture'"),
    ])
    func sizesAndWrongFilesAreExitTwo(arguments: [String], message: String) throws {
        let r = try Self.run(arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/fp8moe-never-written.h5"))
    }

    /// `report` writes only into a folder it made (marker file) or a new / empty one, unless --overwrite.
    @Test func reportRefusesAFolderItDidNotMake() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fp8moe-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keep = folder.appendingPathComponent("index.html")
        try Data("mine".utf8).write(to: keep)
        let fixture = "fixtures/malformed/valid-control.h5"
        let refused = try Self.run(["report", fixture, "--out", folder.path, "--quiet"])
        #expect(refused.status == 2 && refused.stderr.contains("a folder that fp8moe report did not make"), "\(refused.stderr)")
        #expect(try String(contentsOf: keep, encoding: .utf8) == "mine")
        let forced = try Self.run(["report", fixture, "--out", folder.path, "--quiet", "--overwrite"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let again = try Self.run(["report", fixture, "--out", folder.path, "--quiet"])
        #expect(again.status == 0, "a folder the report made may be written again: \(again.stderr)")
    }
}
