import HDF5

/// A fixture that does not follow the schema (SPEC section 5): exit status 2, with a message
/// naming the file, the HDF5 path and what is wrong.
///
/// The one error above the HDF5 module for "this file is not a valid fixture": HDF5's
/// `FixtureError` (`init(_:)`, `wrap`), Recipes' `AttributeError` and `GroupingError` (their
/// description as `problem`) and the schema's own checks all become one of these.
public struct InvalidFixture: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let path: String
    public let problem: String

    public init(file: String, path: String, problem: String) {
        self.file = file
        self.path = path
        self.problem = problem
    }

    /// The same error, in the schema's type (the HDF5 layer's message kept as it is).
    public init(_ error: FixtureError) {
        self.init(file: error.file, path: error.path, problem: "\(error.problem)")
        // FixtureError.description already has the three parts; keep its wording.
        descriptionOverride = error.description
    }

    private var descriptionOverride: String?

    /// `"<file>: <path>: <problem>"`.
    public var description: String { descriptionOverride ?? "\(file): \(path): \(problem)" }

    /// Runs an HDF5 call, turning its `FixtureError` into an `InvalidFixture` (wording kept).
    public static func wrap<T>(_ body: () throws(FixtureError) -> T) throws(InvalidFixture) -> T {
        do { return try body() } catch { throw InvalidFixture(error) }
    }
}
