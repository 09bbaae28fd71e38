import Foundation
import Testing
@testable import HDF5

/// A fresh folder under the system temporary folder, removed after `body`.
func withTemporaryFolder<R>(_ body: (String) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("fixtures-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// The names in `folder`, sorted (to check that no temporary file is left behind).
func folderContents(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
}

func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

/// Writes a small valid file with one dataset and one attribute; returns its path.
@discardableResult
func writeSmallFile(_ path: String, overwrite: Bool = false) throws -> String {
    let file = try HDF5File(creating: path, overwrite: overwrite)
    try file.write([UInt16](0..<4096), shape: [64, 64], to: "/inputs/a")
    try file.setAttribute("schema", "fp8moe-fixture")
    try file.commit()
    return path
}

/// Expects `body` to throw a `FixtureError` with `problem` whose description names `file` and
/// `path`.
func expectFixtureError(
    _ problem: FixtureError.Problem, file: String, path: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: FixtureError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    #expect(error.problem == problem, sourceLocation: sourceLocation)
    #expect(error.file == file, sourceLocation: sourceLocation)
    #expect(error.path == path, sourceLocation: sourceLocation)
    #expect(error.description.contains(file), sourceLocation: sourceLocation)
    #expect(error.description.contains(path), sourceLocation: sourceLocation)
}

/// The description of the `FixtureError` that `body` throws, or nil.
func message(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as FixtureError {
        return error.description
    } catch {
        return nil
    }
}
