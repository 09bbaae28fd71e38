import Foundation
import Testing
import TestSupport
@testable import HDF5

/// Issue 12 item 2, in-process (the files that crash libhdf5 are run through the binary in
/// CLITests/HostileCorpusTests): nothing unreadable is absent, links and storage outside the
/// file are refused, and a gzip chunk must inflate to exactly its size. Files: the committed
/// corpus (fixtures/malformed/hostile*/README.md says how each was made).
@Suite struct HostileReadingTests {
    static let malformed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/malformed").path

    /// The problem of the error `body` throws (nil if it throws none).
    func problem(_ body: () throws(FixtureError) -> Void) -> FixtureError.Problem? {
        do { try body(); return nil } catch { return error.problem }
    }

    @Test func danglingAndCyclicSoftLinksAreUnreadableNotAbsent() throws {
        let dangling = try HDF5File(reading: "\(Self.malformed)/hostile/silent-pass-soft-dangling-a.h5")
        guard case .unreadable(let why)? = problem({ () throws(FixtureError) in _ = try dangling.objectKind(at: "/inputs/a") }) else {
            Issue.record("a dangling soft link is not .unreadable"); return
        }
        #expect(why.contains("/no/such/object"))
        let cycle = try HDF5File(reading: "\(Self.malformed)/hostile-reading/soft-self-a.h5")
        #expect(throws: FixtureError.self) { try cycle.exists("/inputs/a") }
        // A missing name is still absent, and a soft link inside the file to a dataset is followed.
        #expect(try cycle.objectKind(at: "/inputs/no-such-input") == nil)
    }

    @Test func softLinkInsideTheFileIsFollowed() throws {
        try withTemporaryFolder { folder in
            let path = "\(folder)/soft.h5"
            _ = try runPython("""
                import h5py, numpy as np, sys
                with h5py.File(sys.argv[1], "w") as f:
                    f["stash/a"] = np.arange(6, dtype=np.uint16).reshape(2, 3)
                    f["inputs/a"] = h5py.SoftLink("/stash/a")
                    f["inputs/rel"] = h5py.SoftLink("a")
                """, [path])
            let file = try HDF5File(reading: path)
            #expect(try file.readArray("/inputs/a", as: UInt16.self).values == [0, 1, 2, 3, 4, 5])
            #expect(try file.readArray("/inputs/rel", as: UInt16.self).shape == [2, 3])
        }
    }

    @Test(arguments: [
        ("hostile/not-refused-external-link-missing.h5", "external link"),
        ("hostile-reading/external-link-self-a.h5", "external link"),
        ("hostile/outside-external-storage-passwd.h5", "external raw storage"),
        ("hostile/not-refused-virtual-dataset.h5", "a virtual dataset"),
    ])
    func outsideTheFileIsNotAllowed(file: String, feature: String) throws {
        let f = try HDF5File(reading: "\(Self.malformed)/\(file)")
        let p = problem { () throws(FixtureError) in _ = try f.readArray("/inputs/a", as: UInt16.self) }
        guard case .notAllowed(let what)? = p else { Issue.record("\(file): \(String(describing: p))"); return }
        #expect(what.contains(feature), "\(what)")
    }

    @Test(arguments: ["gzip-short-stream-a.h5", "gzip-long-stream-a.h5"])
    func gzipChunkMustInflateToExactlyItsSize(file: String) throws {
        let f = try HDF5File(reading: "\(Self.malformed)/hostile-reading/\(file)")
        let p = problem { () throws(FixtureError) in _ = try f.readArray("/inputs/a", as: UInt16.self) }
        guard case .corrupt(let what)? = p else { Issue.record("\(file): \(String(describing: p))"); return }
        #expect(what.contains("decompresses to"), "\(what)")
    }

    /// The module's own chunk reader (gzip, with and without shuffle, edge chunks, 1-3 dimensions)
    /// against h5py's values, and the library's read where it falls back (chunks never written,
    /// big-endian, fletcher32).
    @Test func compressedChunksReadAsH5pyWritesThem() throws {
        try withTemporaryFolder { folder in
            let path = "\(folder)/chunks.h5"
            _ = try runPython("""
                import h5py, numpy as np, sys
                with h5py.File(sys.argv[1], "w") as f:
                    f.create_dataset("u16", data=np.arange(5 * 7 * 9, dtype=np.uint16).reshape(5, 7, 9), chunks=(2, 3, 4), compression="gzip", shuffle=True)
                    f.create_dataset("f32", data=np.arange(33 * 5, dtype=np.float32).reshape(33, 5) / 7, chunks=(8, 5), compression="gzip")
                    f.create_dataset("u8", data=(np.arange(1000) % 251).astype(np.uint8), chunks=(64,), compression="gzip", shuffle=True)
                    f.create_dataset("be", data=np.arange(40, dtype=">u2").reshape(8, 5), chunks=(3, 5), compression="gzip")
                    f.create_dataset("sum", data=np.arange(40, dtype=np.uint16).reshape(8, 5), chunks=(3, 2), compression="gzip", fletcher32=True)
                    d = f.create_dataset("sparse", shape=(8, 5), dtype=np.uint16, chunks=(4, 5), compression="gzip", fillvalue=7)
                    d[0:4] = np.arange(20, dtype=np.uint16).reshape(4, 5)
                """, [path])
            let file = try HDF5File(reading: path)
            #expect(try file.readArray("u16", as: UInt16.self).values == (0..<(5 * 7 * 9)).map { UInt16($0) })
            #expect(try file.readArray("f32", as: Float.self).values == (0..<(33 * 5)).map { Float($0) / 7 })
            #expect(try file.readArray("u8", as: UInt8.self).values == (0..<1000).map { UInt8($0 % 251) })
            #expect(try file.readArray("be", as: UInt16.self).values == (0..<40).map { UInt16($0) })
            #expect(try file.readArray("sum", as: UInt16.self).values == (0..<40).map { UInt16($0) })
            #expect(try file.readArray("sparse", as: UInt16.self).values == (0..<20).map { UInt16($0) } + [UInt16](repeating: 7, count: 20))
        }
    }

    @Test func controlCharactersAreEscapedIntoOneLine() {
        #expect(escaped("row\nwise\t\u{1b}[31m\r") == "row\\nwise\\t\\u{1b}[31m\\r")
        let error = FixtureError(file: "a\nb.h5", path: "/results/x\ny", problem: .missingDataset)
        #expect(!error.description.contains("\n"))
        #expect(error.description == "a\\nb.h5: /results/x\\ny: no such dataset")
    }
}
