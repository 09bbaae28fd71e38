/// A known fixture attribute with a value outside its vocabulary (SPEC section 5: an error,
/// exit status 2). The caller adds the file and the HDF5 path.
public struct AttributeError: Error, Hashable, Sendable, CustomStringConvertible {
    public let attribute: String
    public let value: String
    /// The accepted spellings.
    public let known: [String]

    public init(attribute: String, value: String, known: [String]) {
        self.attribute = attribute
        self.value = value
        self.known = known
    }

    public var description: String {
        "attribute '\(attribute)' has unknown value '\(value)' (known: \(known.joined(separator: ", ")))"
    }
}
