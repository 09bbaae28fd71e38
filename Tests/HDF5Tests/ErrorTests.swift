import Foundation
import Testing
@testable import HDF5

/// Every error names the file and the HDF5 path, and none of them crashes.
@Suite("Errors name the file and the path")
struct ErrorTests {
    @Test("missing file")
    func missingFile() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/absent.h5"
            expectFixtureError(.missingFile, file: path, path: "/") { _ = try HDF5File(reading: path) }
            expectFixtureError(.missingFile, file: path, path: "/") { _ = try HDF5File(updating: path) }
        }
    }

    @Test("not an HDF5 file: text, empty, and a folder")
    func notHDF5() throws {
        try withTemporaryFolder { folder in
            let text = folder + "/notes.h5"
            try Data("schema = fp8moe-fixture\n".utf8).write(to: URL(fileURLWithPath: text))
            expectFixtureError(.notHDF5, file: text, path: "/") { _ = try HDF5File(reading: text) }
            let empty = folder + "/empty.h5"
            try Data().write(to: URL(fileURLWithPath: empty))
            expectFixtureError(.notHDF5, file: empty, path: "/") { _ = try HDF5File(reading: empty) }
            expectFixtureError(.invalidArgument("is a folder"), file: folder, path: "/") {
                _ = try HDF5File(reading: folder)
            }
        }
    }

    @Test("truncated file")
    func truncated() throws {
        try withTemporaryFolder { folder in
            let whole = try fileBytes(writeSmallFile(folder + "/whole.h5"))
            let cut = folder + "/cut.h5"
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
            let error = #expect(throws: FixtureError.self) { _ = try HDF5File(reading: cut) }
            guard let error else { return }
            guard case .truncatedFile(let detail) = error.problem else {
                Issue.record("expected truncatedFile, got \(error)")
                return
            }
            #expect(detail.contains("eof"))
            #expect(error.description.hasPrefix("\(cut): /: truncated file"))
        }
    }

    @Test("truncated at every length: an error naming the file, never a crash")
    func truncatedEverywhere() throws {
        try withTemporaryFolder { folder in
            let whole = try fileBytes(writeSmallFile(folder + "/whole.h5"))
            let cut = folder + "/cut.h5"
            for length in stride(from: 0, to: whole.count, by: 61) {
                try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
                let error = #expect(throws: FixtureError.self, "length \(length)") {
                    let file = try HDF5File(reading: cut)
                    _ = try file.readArray("/inputs/a", as: UInt16.self)
                    _ = try file.stringAttribute("schema")
                }
                #expect(error?.description.hasPrefix(cut + ": ") ?? false)
            }
        }
    }

    @Test("missing dataset, group, attribute, object")
    func missingThings() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/small.h5")
            let file = try HDF5File(reading: path)
            expectFixtureError(.missingDataset, file: path, path: "/inputs/b") {
                _ = try file.readArray("inputs/b", as: UInt16.self)
            }
            expectFixtureError(.missingDataset, file: path, path: "/results/torch/out") {
                _ = try file.readArray("/results/torch/out", as: Float.self)
            }
            expectFixtureError(.missingGroup, file: path, path: "/results") {
                _ = try file.members(of: "/results")
            }
            expectFixtureError(.missingAttribute("dtype"), file: path, path: "/inputs/a") {
                _ = try file.stringAttribute("dtype", at: "/inputs/a")
            }
            expectFixtureError(.missingAttribute("schema_version"), file: path, path: "/") {
                _ = try file.integerAttribute("schema_version")
            }
            expectFixtureError(.missingObject, file: path, path: "/results/torch") {
                _ = try file.floatAttribute("accum_eps", at: "/results/torch")
            }
            // (Bound first: a closure written inside #expect is expanded wrongly by the macro.)
            let text = message { _ = try file.stringAttribute("dtype", at: "/inputs/a") }
            #expect(text == "\(path): /inputs/a: no attribute 'dtype'")
        }
    }

    @Test("a group read as a dataset and the other way round")
    func wrongObjectKind() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/small.h5")
            let file = try HDF5File(reading: path)
            expectFixtureError(.wrongObjectKind(expected: "dataset", found: "group"),
                               file: path, path: "/inputs") {
                _ = try file.readArray("/inputs", as: UInt16.self)
            }
            expectFixtureError(.wrongObjectKind(expected: "group", found: "dataset"),
                               file: path, path: "/inputs/a") {
                _ = try file.members(of: "/inputs/a")
            }
        }
    }

    @Test("wrong element type is an error, not a conversion", arguments: HDF5ElementKind.allCases)
    func wrongType(asked: HDF5ElementKind) throws {
        try withTemporaryFolder { folder in
            let path = folder + "/typed.h5"
            let writer = try HDF5File(creating: path)
            try writer.write([Int32(1), 2, 3], shape: [3], to: "/inputs/offsets")
            try writer.commit()
            let file = try HDF5File(reading: path)
            try withType(of: asked) { type in
                func read<T: Sampled>(_ type: T.Type) throws { _ = try file.readArray("/inputs/offsets", as: T.self) }
                if asked == .int32 {
                    try read(type)
                } else {
                    expectFixtureError(.wrongType(expected: asked.rawValue, found: "int32"),
                                       file: path, path: "/inputs/offsets") { try read(type) }
                }
            }
        }
    }

    @Test("wrong attribute type")
    func wrongAttributeType() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/attrs.h5"
            let writer = try HDF5File(creating: path)
            try writer.setAttribute("schema", "fp8moe-fixture")
            try writer.setAttribute("schema_version", 1)
            try writer.setAttribute("eps", 0.5)
            try writer.commit()
            let file = try HDF5File(reading: path)
            expectFixtureError(.wrongType(expected: "string (attribute 'schema_version')", found: "int64"),
                               file: path, path: "/") { _ = try file.stringAttribute("schema_version") }
            expectFixtureError(.wrongType(expected: "integer (attribute 'schema')", found: "string"),
                               file: path, path: "/") { _ = try file.integerAttribute("schema") }
            expectFixtureError(.wrongType(expected: "integer (attribute 'eps')", found: "float64"),
                               file: path, path: "/") { _ = try file.integerAttribute("eps") }
            expectFixtureError(.wrongType(expected: "float (attribute 'schema')", found: "string"),
                               file: path, path: "/") { _ = try file.floatAttribute("schema") }
        }
    }

    @Test("wrong rank and wrong shape")
    func wrongShape() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/small.h5")
            let file = try HDF5File(reading: path)
            expectFixtureError(.wrongRank(expected: 3, found: 2), file: path, path: "/inputs/a") {
                _ = try file.readArray("/inputs/a", as: UInt16.self, shape: [nil, nil, nil])
            }
            expectFixtureError(.wrongShape(expected: [nil, 32], found: [64, 64]),
                               file: path, path: "/inputs/a") {
                _ = try file.readArray("/inputs/a", as: UInt16.self, shape: [nil, 32])
            }
            let text = message { _ = try file.readArray("/inputs/a", as: UInt16.self, shape: [nil, 32]) }
            #expect(text == "\(path): /inputs/a: wrong shape: expected [?, 32], found [64, 64]")
        }
    }

    @Test("writes that cannot be done")
    func badWrites() throws {
        try withTemporaryFolder { folder in
            let path = try writeSmallFile(folder + "/small.h5")
            let reader = try HDF5File(reading: path)
            expectFixtureError(.notWritable, file: path, path: "/results") {
                try reader.createGroup("/results")
            }
            expectFixtureError(.notWritable, file: path, path: "/") {
                try reader.setAttribute("x", 1)
            }
            let writer = try HDF5File(updating: path)
            expectFixtureError(.alreadyExists("dataset"), file: path, path: "/inputs/a") {
                try writer.write([UInt16(1)], shape: [1], to: "/inputs/a")
            }
            expectFixtureError(.alreadyExists("dataset"), file: path, path: "/inputs/a") {
                try writer.createGroup("/inputs/a")
            }
            expectFixtureError(.wrongObjectKind(expected: "group", found: "dataset"),
                               file: path, path: "/inputs/a") {
                try writer.write([UInt16(1)], shape: [1], to: "/inputs/a/below")
            }
            expectFixtureError(.invalidArgument("3 values do not fill shape [2, 2]"),
                               file: path, path: "/x") {
                try writer.write([UInt8(1), 2, 3], shape: [2, 2], to: "/x")
            }
            expectFixtureError(.invalidArgument("gzip level 10 is not in 0...9"), file: path, path: "/x") {
                try writer.write([UInt8(1)], shape: [1], to: "/x", compression: .gzip(level: 10))
            }
            expectFixtureError(.missingObject, file: path, path: "/results") {
                try writer.setAttribute("recipe", "tensorwise", at: "/results")
            }
            writer.close()
            expectFixtureError(.closed, file: path, path: "/inputs/a") {
                _ = try writer.readArray("/inputs/a", as: UInt16.self)
            }
            reader.close()
            expectFixtureError(.closed, file: path, path: "/") { try reader.commit() }
        }
    }
}

