/// A dense row-major (C order, as numpy) array read from or written to a dataset.
///
/// Invariant: `values.count == shape.reduce(1, *)`; a scalar dataset has shape `[]` and one value.
public struct HDF5Array<Element: HDF5Element>: Equatable, Sendable {
    public var values: [Element]
    public var shape: [Int]

    public init(values: [Element], shape: [Int]) {
        self.values = values
        self.shape = shape
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
}
