import FP8

/// `Quantizer.code(bf16Bits:scale:)` for one recipe and one vector of scales, held in buffers
/// of its own, so that a hot loop on several threads reads it through `view` without touching
/// a Swift array (copying a `Quantizer` retains its tables: atomic reference counts on cache
/// lines every thread shares, which costs more than the arithmetic).
///
/// Postconditions: `view.code(x, scaleIndex: s) == Quantizer(recipe:).code(bf16Bits: x, scale: scales[s])`
/// for every x and s (tested exhaustively over bf16 in RecipesTests).
public final class ScaledCodeTable: @unchecked Sendable {
    private let table: UnsafeMutableBufferPointer<UInt8>
    private let scales: UnsafeMutableBufferPointer<Float>
    public let view: View

    /// Plain pointers and values; valid while the table that made it is alive.
    public struct View: @unchecked Sendable {
        let table: UnsafePointer<UInt8>
        let scales: UnsafePointer<Float>
        let fp8Max: Float
        let nan: NaNArithmetic
        let sanitise: Bool

        @inline(__always)
        public func code(_ bits: UInt16, scaleIndex s: Int) -> UInt8 {
            let x = Float(bf16Bits: sanitise ? NaNToNum.bf16(bits) : bits)
            let y = ScaleApplication.apply(x, scale: scales[s], fp8Max: fp8Max, nan: nan)
            return table[FP8Converter.float32TableIndex(y.bitPattern)]
        }
    }

    public init(recipe: Recipe, scales: [Float]) {
        let converter = Quantizer(recipe: recipe).converter
        table = .allocate(capacity: 131072)
        _ = table.initialize(from: converter.float32Table)
        self.scales = .allocate(capacity: max(scales.count, 1))
        self.scales.initialize(repeating: 0)
        _ = self.scales.initialize(from: scales)
        view = View(table: UnsafePointer(table.baseAddress!), scales: UnsafePointer(self.scales.baseAddress!),
                    fp8Max: Float(recipe.fp8Max), nan: recipe.nanArithmetic, sanitise: recipe.inputNaNToNum)
    }

    deinit {
        table.deallocate()
        scales.deallocate()
    }
}
