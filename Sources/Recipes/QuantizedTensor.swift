import FP8

/// fp8 codes and their fp32 scales (the multipliers `fp8_max / amax`; the GEMM receives
/// `1/scale`), in the layout of the source tensor.
public struct QuantizedTensor: Hashable, Sendable {
    public var codes: [UInt8]
    /// The shape of `codes` (the source tensor's shape).
    public var shape: [Int]
    public var scales: [Float]
    public var scaleShape: [Int]
    public var format: FP8Format
    /// Which scale each element used, when the tensor was quantized here (nil for a
    /// producer's tensor read from a fixture).
    public var grouping: ScaleGrouping?

    public init(codes: [UInt8], shape: [Int], scales: [Float], scaleShape: [Int], format: FP8Format,
                grouping: ScaleGrouping? = nil) {
        self.grouping = grouping
        self.codes = codes
        self.shape = shape
        self.scales = scales
        self.scaleShape = scaleShape
        self.format = format
    }
}
