import Foundation

/// The one error type of the HDF5 module.
///
/// Every error names the file, the HDF5 path inside it (`/` for the file as a whole) and what
/// is wrong, so that a message alone is enough to find the problem:
///
///     fixtures/a.h5: /inputs/offsets: wrong element type: expected uint16, found int32
///
/// Postconditions: nothing in this module crashes on bad data; every problem with a file,
/// however damaged, surfaces as a `FixtureError`.
///
/// The layers: this is the file-level error (the name predates the module's rename). The
/// fixture schema's `InvalidFixture` (module Schema) wraps it with its wording kept, and adds
/// the schema's own problems and Recipes' `AttributeError`s with the file and path; verify,
/// compare and report see only `InvalidFixture`.
public struct FixtureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Equatable, Sendable {
        /// The file does not exist.
        case missingFile
        /// The file exists but has no HDF5 signature.
        case notHDF5
        /// The file has an HDF5 signature but ends before its last byte; `detail` is HDF5's word.
        case truncatedFile(detail: String)
        /// The file is to be created, exists already, and overwriting was not asked for.
        case fileExists
        /// No group at the path (or one of its parents is missing).
        case missingGroup
        /// No dataset at the path (or one of its parents is missing).
        case missingDataset
        /// No group or dataset at the path.
        case missingObject
        /// The object at the path has no attribute of this name.
        case missingAttribute(String)
        /// Something of the given kind ("group", "dataset", "attribute 'x'") is already there.
        case alreadyExists(String)
        /// The path names a group where a dataset was expected, or the other way round.
        case wrongObjectKind(expected: String, found: String)
        /// The stored element type is not the one asked for (`"uint16"`, `"int32"`, `"string"`...).
        case wrongType(expected: String, found: String)
        /// The stored rank (number of dimensions) is not the one asked for.
        case wrongRank(expected: Int, found: Int)
        /// The stored shape does not match the one asked for (`nil` extents match anything).
        case wrongShape(expected: [Int?], found: [Int])
        /// The dataset or attribute has a null dataspace (h5py's `Empty`): no shape, no values.
        case nullDataspace
        /// An attribute holds more or fewer than one value.
        case notAScalar(attribute: String, shape: [Int])
        /// The file's metadata is damaged or implausible (a dataset claiming far more bytes than
        /// the file stores, a name longer than any real one); `detail` says what.
        case corrupt(String)
        /// An integer value does not fit the Swift type it is read into.
        case outOfRange(String)
        /// An argument is invalid (a shape that does not match the number of values, a bad name).
        case invalidArgument(String)
        /// A write was attempted on a file opened read-only, or any use after close.
        case notWritable
        /// The file has been closed or committed.
        case closed
        /// An HDF5 call failed; `operation` is what was being done, `detail` HDF5's innermost message.
        case library(operation: String, detail: String)
        /// A feature a fixture may not use, because it reads outside the file or cannot be
        /// checked (external links, external raw storage, virtual datasets, unknown filters).
        case notAllowed(String)
        /// The object exists (its link is there) but cannot be read as it should be: a dangling
        /// or cyclic soft link, a header the library cannot decode; `detail` says why.
        case unreadable(String)
        /// A file-system operation (copy, rename, remove) failed.
        case fileSystem(operation: String, detail: String)
    }

    /// The file, as the caller named it.
    public var file: String
    /// The HDF5 path inside the file (`/` for the file itself).
    public var path: String
    /// What is wrong.
    public var problem: Problem

    public init(file: String, path: String, problem: Problem) {
        self.file = file
        self.path = path
        self.problem = problem
    }

    /// `"<file>: <path>: <what is wrong>"`, on one line: control characters in any part (a
    /// newline in an HDF5 name) are escaped.
    public var description: String {
        escaped("\(file): \(path): \(problem.text)")
    }
}

extension FixtureError: LocalizedError {
    /// The same text as `description`, for code that prints `localizedDescription`.
    public var errorDescription: String? { description }
}

extension FixtureError.Problem {
    /// A short human-readable sentence, without file or path.
    var text: String {
        switch self {
        case .missingFile: "no such file"
        case .notHDF5: "not an HDF5 file (no HDF5 signature)"
        case .truncatedFile(let detail): "truncated file (\(detail))"
        case .fileExists: "file exists already and overwriting was not asked for"
        case .missingGroup: "no such group"
        case .missingDataset: "no such dataset"
        case .missingObject: "no such group or dataset"
        case .missingAttribute(let name): "no attribute '\(name)'"
        case .alreadyExists(let what): "\(what) exists already"
        case .wrongObjectKind(let expected, let found):
            "expected a \(expected), found \(found == "other" ? "an object that is neither a group nor a dataset (a named datatype?)" : "a " + found)"
        case .wrongType(let expected, let found):
            "wrong element type: expected \(expected), found \(found)"
        case .wrongRank(let expected, let found): "wrong rank: expected \(expected), found \(found)"
        case .wrongShape(let expected, let found):
            "wrong shape: expected \(shapeText(expected)), found \(shapeText(found))"
        case .nullDataspace: "null dataspace (no shape and no values)"
        case .notAScalar(let name, let shape):
            "attribute '\(name)' should hold one value, has shape \(shapeText(shape))"
        case .corrupt(let what): "damaged file: \(what)"
        case .outOfRange(let what): "value out of range: \(what)"
        case .invalidArgument(let what): "invalid argument: \(what)"
        case .notWritable: "file is open read-only"
        case .closed: "file is closed"
        case .library(let operation, let detail): "\(operation) failed: \(detail)"
        case .notAllowed(let what): "\(what): not allowed in a fixture"
        case .unreadable(let detail): "exists but cannot be read: \(detail)"
        case .fileSystem(let operation, let detail): "\(operation) failed: \(detail)"
        }
    }
}

/// `[4, ?, 8]`: a shape or shape pattern as text, `?` for an extent that matches anything.
func shapeText(_ shape: [Int?]) -> String {
    "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
}

func shapeText(_ shape: [Int]) -> String {
    shapeText(shape.map(Optional.some))
}
