import FP8
import Parallel

extension Quantizer {
    /// The apply and cast steps for groupings whose scales span runs of `columnBlock > 1`
    /// columns (SPEC 8.3 block reductions): per element `ScaleApplication.apply` with its block's
    /// multiplier, then the cast; the same arithmetic as `apply(sanitised:...)`, with the scale
    /// looked up once per run.
    func applyByBlocks(sanitised bits: [UInt16], grouping: ScaleGrouping, scales: [Float], concurrently: Bool) -> [UInt8] {
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
                    for b in 0..<((columns + width - 1) / width) {  // the last may be partial (block_padding)
                        let scale = scales[base + b * grouping.columnStride]
                        let start = r * columns + b * width
                        for i in start..<min(start + width, (r + 1) * columns) {
                            let x = Float(bitPattern: UInt32(src[i]) << 16)
                            let y = ScaleApplication.apply(x, scale: scale, fp8Max: fp8Max, nan: nan)
                            dst[i] = converter.convert(f32Bits: y.bitPattern)
                        }
                    }
                }
            }
        }
        return codes
    }
}
