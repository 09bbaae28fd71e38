import FP8
import GroupedGEMM
import Metrics
import Parallel
import Schema
import Verify

/// Measures one group's output block of a recipe (bf16) against the fp64 ideal block.
/// out and grad_a are measured per token row (each row joins the row distribution); grad_b
/// per expert. Saturation does not apply to bf16 outputs (an overflow is `non_finite`).
enum GEMMErrors {
    /// `bits`: the block's bf16 outputs, `rows x columns`, row-major.
    static func measure(_ kind: GEMMKind, bits: [UInt16], rows p: Int, columns q: Int, ideal: [Double], group: Int,
                        selected: [Int], into builder: inout TensorErrorsBuilder) {
        precondition(ideal.count == p * q && bits.count == p * q, "ideal and block shapes differ")
        var accs = [ErrorAccumulator](repeating: ErrorAccumulator(), count: p)
        var hists = [ULPHistogram](repeating: ULPHistogram(), count: p)
        forEachChunk(count: p, chunk: max(1, 65536 / max(q, 1)), writing: &accs, &hists) { range, accOut, histOut in
            bits.withUnsafeBufferPointer { bits in
                ideal.withUnsafeBufferPointer { exact in
                    for i in range {
                        var acc = ErrorAccumulator()
                        var hist = ULPHistogram()
                        for j in 0..<q {
                            let e = i * q + j
                            let actual = Double(Float(bf16Bits: bits[e]))
                            acc.add(ideal: exact[e], actual: actual)
                            hist.add(ideal: exact[e], actual: actual)
                        }
                        accOut[i] = acc
                        histOut[i] = hist
                    }
                }
            }
        }
        for i in 0..<p {
            if kind == .gradB { builder.add(group: group, accs[i], ulp: hists[i]) }
            else { builder.addRow(selected[i], group: group, accs[i], ulp: hists[i]) }
        }
    }
}
