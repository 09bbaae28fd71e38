/// A bf16 tensor as bit patterns, row-major.
public struct BF16Tensor: Hashable, Sendable {
    public var bits: [UInt16]
    public var shape: [Int]
    public init(bits: [UInt16], shape: [Int]) {
        precondition(bits.count == shape.reduce(1, *), "values do not fill the shape")
        self.bits = bits
        self.shape = shape
    }
}
