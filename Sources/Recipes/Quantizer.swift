import FP8

/// Quantizes bf16 tensors under a recipe: amax -> scale -> multiply -> clamp -> cast
/// (SPEC section 3). This is the reference the fixtures' quantized payloads are judged by.
///
/// Postconditions: `codes` has the source's shape; elements in rows outside every group
/// (per-group reductions) are code 0; `scales[i]` is the multiplier of scale set i.
public struct Quantizer: Sendable {
    public let recipe: Recipe
    let converter: FP8Converter

    public init(recipe: Recipe) {
        self.recipe = recipe
        self.converter = ConverterCache.shared.converter(format: recipe.format, policy: recipe.castPolicy)
    }

    /// The scales of every set of `grouping` (amax then scale arithmetic).
    public func scales(_ bits: [UInt16], grouping: ScaleGrouping) -> [Float] {
        Amax.compute(bits, grouping: grouping, policy: recipe.amaxNaN)
            .map { ScaleArithmetic.scale(amax: $0, recipe: recipe) }
    }

    /// Quantizes `bits` (bf16, row-major, `shape`) with the given reduction.
    public func quantize(_ bits: [UInt16], shape: [Int], reduction: Reduction,
                         transposedWeight: Bool = false, offsets: GroupOffsets? = nil)
        throws(GroupingError) -> QuantizedTensor
    {
        let grouping = try ScaleGrouping(reduction: reduction, shape: shape,
                                         transposedWeight: transposedWeight, offsets: offsets)
        let scales = self.scales(bits, grouping: grouping)
        let codes = apply(bits, grouping: grouping, scales: scales)
        return QuantizedTensor(codes: codes, shape: shape, scales: scales,
                               scaleShape: grouping.scaleShape, format: recipe.format)
    }

    /// The apply and cast steps with given scales.
    public func apply(_ bits: [UInt16], grouping: ScaleGrouping, scales: [Float]) -> [UInt8] {
        var codes = [UInt8](repeating: 0, count: bits.count)
        let fp8Max = Float(recipe.fp8Max)
        let nan = recipe.nanArithmetic
        let columns = grouping.columns
        codes.withUnsafeMutableBufferPointer { out in
            let writes = DisjointWrites(out)
            bits.withUnsafeBufferPointer { x in
                let reads = SharedReads(x)
                let rows = max(1, 4096 / max(columns, 1))
                forEachChunkConcurrently(count: grouping.rows, chunk: rows) { range in
                    let src = reads.buffer
                    let dst = writes.buffer
                    for r in range {
                        let base = grouping.rowBase[r]
                        if base < 0 { continue }
                        for c in 0..<columns {
                            let i = r * columns + c
                            let x = Float(bitPattern: UInt32(src[i]) << 16)
                            let y = ScaleApplication.apply(x, scale: scales[base + c * grouping.columnStride],
                                                           fp8Max: fp8Max, nan: nan)
                            dst[i] = converter.convert(f32Bits: y.bitPattern)
                        }
                    }
                }
            }
        }
        return codes
    }

    /// Quantizes one element with a given scale (the reference of a single code).
    public func code(bf16Bits: UInt16, scale: Float) -> UInt8 {
        let x = Float(bitPattern: UInt32(bf16Bits) << 16)
        let y = ScaleApplication.apply(x, scale: scale, fp8Max: Float(recipe.fp8Max), nan: recipe.nanArithmetic)
        return converter.convert(f32Bits: y.bitPattern)
    }
}
