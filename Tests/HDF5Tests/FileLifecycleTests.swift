import Foundation
import Testing
@testable import HDF5

/// Creating, updating, committing and discarding: nothing at the final path changes until
/// commit, and no temporary file is left behind.
@Suite("File lifecycle")
struct FileLifecycleTests {
    @Test("refusing to overwrite leaves the existing file byte-identical")
    func refuseOverwrite() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/existing.h5")
            let before = try fileBytes(path)
            expectFixtureError(.fileExists, file: path, path: "/") {
                _ = try HDF5File(creating: path)
            }
            #expect(try fileBytes(path) == before)
            #expect(try folderContents(folder) == ["existing.h5"])
        }
    }

    @Test("a file that appears while a new one is being written is not overwritten")
    func refuseOverwriteAtCommit() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/late.h5"
            let file = try HDF5File(creating: path)
            try file.write([UInt8(7)], shape: [1], to: "/x")
            try Data("someone else's".utf8).write(to: URL(fileURLWithPath: path))
            expectFixtureError(.fileExists, file: path, path: "/") { try file.commit() }
            #expect(try fileBytes(path) == Data("someone else's".utf8))
            #expect(try folderContents(folder) == ["late.h5"])
        }
    }

    @Test("overwriting when asked replaces the file on commit, not before")
    func overwrite() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/replace.h5")
            let before = try fileBytes(path)
            let file = try HDF5File(creating: path, overwrite: true)
            try file.write([Float(1.5)], shape: [1], to: "/new")
            #expect(try fileBytes(path) == before)
            try file.commit()
            let read = try HDF5File(reading: path)
            #expect(try read.members() == ["new"])
            #expect(try folderContents(folder) == ["replace.h5"])
        }
    }

    @Test("an uncommitted file is discarded by close() and by deinit")
    func discard() throws {
        try withTemporaryFolder { folder in
            let closed = try HDF5File(creating: folder + "/closed.h5")
            try closed.write([UInt8(1)], shape: [1], to: "/x")
            #expect(try folderContents(folder).count == 1)  // the temporary sibling
            closed.close()
            closed.close()
            #expect(try folderContents(folder) == [])

            func dropped() throws {
                let file = try HDF5File(creating: folder + "/dropped.h5")
                try file.write([UInt8(1)], shape: [1], to: "/x")
            }
            try dropped()
            #expect(try folderContents(folder) == [])
        }
    }

    @Test("updating adds to a copy and replaces the original on commit")
    func update() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/fixture.h5")
            let before = try fileBytes(path)
            let file = try HDF5File(updating: path)
            try file.createGroup("/results/swift")
            try file.setAttribute("producer", "swift", at: "/results/swift")
            try file.write([Float(448)], shape: [1], to: "/results/swift/a_scale")
            #expect(try file.readArray("/inputs/a", as: UInt16.self).shape == [64, 64])
            #expect(try fileBytes(path) == before)

            let discarded = try HDF5File(updating: path)
            try discarded.createGroup("/results/other")
            discarded.close()
            #expect(try fileBytes(path) == before)

            try file.commit()
            let read = try HDF5File(reading: path)
            #expect(try read.members(of: "/results") == ["swift"])
            #expect(try read.stringAttribute("producer", at: "/results/swift") == "swift")
            #expect(try read.readArray("/results/swift/a_scale", as: Float.self).values == [448])
            #expect(try read.readArray("/inputs/a", as: UInt16.self).values == [UInt16](0..<4096))
            #expect(try folderContents(folder) == ["fixture.h5"])
        }
    }

    @Test("creating in a missing folder is an error naming the file")
    func missingFolder() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/no/such/folder/new.h5"
            let error = #expect(throws: FixtureError.self) { _ = try HDF5File(creating: path) }
            #expect(error?.file == path)
            #expect(error?.description.hasPrefix(path + ": /: creating the file failed") ?? false)
        }
    }

    @Test("two readers of one file at once")
    func concurrentReaders() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/shared.h5")
            let first = try HDF5File(reading: path)
            let second = try HDF5File(reading: path)
            #expect(try first.readArray("/inputs/a", as: UInt16.self)
                    == second.readArray("/inputs/a", as: UInt16.self))
        }
    }
}
