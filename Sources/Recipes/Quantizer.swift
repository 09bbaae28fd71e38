import FP8
import Groups
import Parallel
#if canImport(Glibc)
import Glibc
#endif

/// Quantizes bf16 tensors under a recipe: amax -> scale -> multiply -> clamp -> cast
/// (SPEC section 3). This is the reference the fixtures' quantized payloads are judged by.
///
/// Postconditions: `codes` has the source's shape; elements in rows outside every group
/// (per-group reductions) are code 0; `scales[i]` is the multiplier of scale set i.
public struct Quantizer: Sendable {
    public let recipe: Recipe
    public let converter: FP8Converter

    public init(recipe: Recipe) {
        self.recipe = recipe
        self.converter = ConverterCache.shared.converter(format: recipe.format, policy: recipe.castPolicy)
    }

    /// The scales of every set of `grouping` (amax then scale arithmetic), from the source as
    /// given (`input_nan_to_num` is applied here when the recipe asks for it).
    public func scales(_ bits: [UInt16], grouping: ScaleGrouping, concurrently: Bool = true) -> [Float] {
        scales(sanitised: recipe.inputNaNToNum ? NaNToNum.apply(bits, concurrently: concurrently) : bits,
               grouping: grouping, concurrently: concurrently)
    }

    /// `scales` of a source `input_nan_to_num` has already been applied to (when the recipe asks).
    func scales(sanitised bits: [UInt16], grouping: ScaleGrouping, concurrently: Bool) -> [Float] {
        Amax.compute(bits, grouping: grouping, policy: recipe.amaxNaN, concurrently: concurrently)
            .map { ScaleArithmetic.scale(amax: $0, recipe: recipe) }
    }

    /// Quantizes `bits` (bf16, row-major, `shape`) with the given reduction.
    /// `concurrently: false` keeps all the work on the calling thread (the result is the same).
    public func quantize(_ bits: [UInt16], shape: [Int], reduction: Reduction,
                         transposedWeight: Bool = false, offsets: GroupOffsets? = nil, concurrently: Bool = true)
        throws(GroupingError) -> QuantizedTensor
    {
        let grouping = try ScaleGrouping(reduction: reduction, shape: shape, transposedWeight: transposedWeight,
                                         offsets: offsets, padding: recipe.blockPadding)
        return quantize(bits, shape: shape, grouping: grouping, concurrently: concurrently)
    }

    /// `quantize` with the scale grouping already built (one per operand and reduction).
    public func quantize(_ bits: [UInt16], shape: [Int], grouping: ScaleGrouping, concurrently: Bool = true)
        -> QuantizedTensor
    {
        let x = recipe.inputNaNToNum ? NaNToNum.apply(bits, concurrently: concurrently) : bits
        let scales = self.scales(sanitised: x, grouping: grouping, concurrently: concurrently)
        let codes = apply(sanitised: x, grouping: grouping, scales: scales, concurrently: concurrently)
        return QuantizedTensor(codes: codes, shape: shape, scales: scales,
                               scaleShape: grouping.scaleShape, format: recipe.format, grouping: grouping)
    }

    /// The apply and cast steps with given scales (`input_nan_to_num` first, when the recipe
    /// asks for it).
    ///
    /// When every row has one scale (`columnStride == 0`) and each scale covers at least 4 x 64 Ki
    /// elements on average, the codes come from one 64 Ki table per scale, filled by
    /// `code(bf16Bits:scale:)` for every bf16 pattern: one lookup per element, the same codes.
    public func apply(_ bits: [UInt16], grouping: ScaleGrouping, scales: [Float], concurrently: Bool = true) -> [UInt8] {
        if recipe.inputNaNToNum && grouping.columnStride == 0 && bits.count >= scales.count << 18 {
            // The table of `code(bf16Bits:scale:)` sanitises each pattern itself.
            return applyByTable(bits, grouping: grouping, scales: scales, concurrently: concurrently)
        }
        return apply(sanitised: recipe.inputNaNToNum ? NaNToNum.apply(bits, concurrently: concurrently) : bits,
                     grouping: grouping, scales: scales, concurrently: concurrently)
    }

    /// The one per-element loop: each row in runs of `columnBlock` columns sharing a scale (one
    /// column per run except under the block reductions of SPEC 8.3; the last run may be
    /// partial, `block_padding`), the scale looked up once per run, then per element
    /// `ScaleApplication.apply` and the cast. Rows outside every group stay code 0.
    func apply(sanitised bits: [UInt16], grouping: ScaleGrouping, scales: [Float], concurrently: Bool) -> [UInt8] {
        if grouping.columnStride == 0 && grouping.columnBlock == 1 && bits.count >= scales.count << 18 {
            return applyByTable(bits, grouping: grouping, scales: scales, concurrently: concurrently)
        }
        var codes = [UInt8](repeating: 0, count: bits.count)
        let fp8Max = Float(recipe.fp8Max)
        let nan = recipe.nanArithmetic
        let (columns, width) = (grouping.columns, grouping.columnBlock)
        forEachChunk(count: grouping.rows, chunk: max(1, 4096 / max(columns, 1)), concurrently: concurrently,
                     writing: &codes) { range, dst in
            bits.withUnsafeBufferPointer { src in
                for r in range {
                    let base = grouping.rowBase[r]
                    if base < 0 { continue }
                    for b in 0..<((columns + width - 1) / width) {
                        let scale = scales[base + b * grouping.columnStride]
                        let start = r * columns + b * width
                        for i in start..<min(start + width, (r + 1) * columns) {
                            let x = Float(bf16Bits: src[i])
                            let y = ScaleApplication.apply(x, scale: scale, fp8Max: fp8Max, nan: nan)
                            dst[i] = converter.convert(f32Bits: y.bitPattern)
                        }
                    }
                }
            }
        }
        return codes
    }

    /// `apply` through one table per scale (one scale per row).
    func applyByTable(_ bits: [UInt16], grouping: ScaleGrouping, scales: [Float], concurrently: Bool) -> [UInt8] {
        var tables = [UInt8](repeating: 0, count: scales.count << 16)
        forEachChunk(count: tables.count, chunk: 1 << 14, concurrently: concurrently, writing: &tables) { range, dst in
            for i in range { dst[i] = code(bf16Bits: UInt16(truncatingIfNeeded: i), scale: scales[i >> 16]) }
        }
        let columns = grouping.columns
        // Every element is written below (0 in rows outside every group), so the array is not
        // zeroed first, and its pages are first touched by the thread that fills them.
        return [UInt8](unsafeUninitializedCapacity: bits.count) { out, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(out))
            let tables = tables
            forEachChunk(count: grouping.rows, chunk: max(1, 65536 / max(columns, 1)), concurrently: concurrently,
                         writing: out) { range, dst in
                bits.withUnsafeBufferPointer { src in
                    tables.withUnsafeBufferPointer { lookups in
                        for r in range {
                            let base = grouping.rowBase[r]
                            if base < 0 {
                                for i in r * columns..<(r + 1) * columns { dst[i] = 0 }
                                continue
                            }
                            let table = UnsafeBufferPointer(rebasing: lookups[base << 16..<(base + 1) << 16])
                            for i in r * columns..<(r + 1) * columns { dst[i] = table[Int(src[i])] }
                        }
                    }
                }
            }
            initialized = bits.count
        }
    }

    /// Quantizes one element with a given scale (the reference of a single code), applying
    /// `input_nan_to_num` when the recipe asks for it.
    @inline(__always)
    public func code(bf16Bits: UInt16, scale: Float) -> UInt8 {
        let x = Float(bf16Bits: recipe.inputNaNToNum ? NaNToNum.bf16(bf16Bits) : bf16Bits)
        let y = ScaleApplication.apply(x, scale: scale, fp8Max: Float(recipe.fp8Max), nan: recipe.nanArithmetic)
        return converter.convert(f32Bits: y.bitPattern)
    }
}

/// Asks Linux to back the 2 MiB-aligned interior of a large, not yet touched buffer with huge
/// pages (transparent huge pages in `madvise` mode): a fresh 32 MiB output then costs 16 page
/// faults instead of 8192. Only a hint: contents and results are unaffected; elsewhere nothing.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux) && canImport(Glibc)
    let huge = 1 << 21
    guard buffer.count >= 4 * huge, let base = buffer.baseAddress else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) {
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    }
    #endif
}
