import FP8
import Groups
import Metrics
import Parallel
import Recipes
import Schema
import Verify

/// The error of a quantized operand against its bf16 source (the ideal, exactly as fp64).
///
/// The dequantized value of an element is `decode(code) * factor`, with `factor` what the GEMM
/// multiplies it by (`StoredScales.dequantization`): the fp32 reciprocal `1/scale` of an fp32
/// multiplier (SPEC 3), `2^(code - 127)` of an e8m0 scale (NaN for 0xFF; SPEC 8.3), per block
/// for the block reductions. An element is saturated when its code is +-fp8_max and
/// `|x| * scale > fp8_max` (clamped). 2-D tensors are measured per token row
/// (rows of a group only); 3-D weights per expert.
enum QuantizationErrors {
    static func measure(name: String, source: BF16Tensor, quantized q: QuantizedTensor, recipe: Recipe,
                        offsets: GroupOffsets) -> TensorErrors {
        let grouping = q.grouping!
        let factors = StoredScales(multipliers: q.scales, recipe: recipe).dequantization(convention: recipe.scaleConvention)
        let groups = offsets.groupCount
        let table = (0..<256).map { q.format.decode(UInt8($0)) }
        let fp8Max = q.format.maxFinite
        let columns = grouping.columns
        let tokenMajor = source.shape.count == 2
        // Rows to measure: a 2-D tensor's grouped rows; every (g, k) row of a weight.
        let rowCount = tokenMajor ? offsets.covered : grouping.rows
        var rowAcc = [ErrorAccumulator](repeating: ErrorAccumulator(), count: rowCount)
        forEachChunk(count: rowCount, chunk: max(1, 65536 / max(columns, 1)), writing: &rowAcc) { range, out in
            source.bits.withUnsafeBufferPointer { src in
                q.codes.withUnsafeBufferPointer { codes in
                    for r in range {
                        var acc = ErrorAccumulator()
                        for c in 0..<columns {
                            let i = r * columns + c
                            let x = Double(Float(bf16Bits: src[i]))
                            let s = grouping.scaleIndex(row: r, column: c)!
                            let scale = q.scales[s]
                            let v = table[Int(codes[i])]
                            let actual = v * Double(factors[s])
                            acc.add(ideal: x, actual: actual, saturated: abs(v) == fp8Max && abs(x) * Double(scale) > fp8Max)
                        }
                        out[r] = acc
                    }
                }
            }
        }
        var builder = TensorErrorsBuilder(name: name, groups: groups, ulp: false)
        if tokenMajor {
            for g in 0..<groups { for r in offsets.rows(of: g) { builder.addRow(r, group: g, rowAcc[r]) } }
        } else {
            let kRows = source.shape[1]
            for r in 0..<rowCount { builder.add(group: r / max(kRows, 1), rowAcc[r]) }
        }
        return builder.finish()
    }
}
