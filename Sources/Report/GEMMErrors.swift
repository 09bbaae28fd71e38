import FP8
import GroupedGEMM
import Metrics
import Verify

/// Measures one group's output block of a recipe (bf16) against the fp64 ideal block.
/// out and grad_a are measured per token row (each row joins the row distribution); grad_b
/// per expert. Saturation does not apply to bf16 outputs (an overflow is `non_finite`).
enum GEMMErrors {
    static func measure(_ kind: GEMMKind, block: GroupBlock, ideal: [Double], group: Int, selected: [Int],
                        into builder: inout TensorErrorsBuilder) {
        let (p, q) = (block.rows, block.columns)
        precondition(ideal.count == p * q, "ideal and block shapes differ")
        var accs = [ErrorAccumulator](repeating: ErrorAccumulator(), count: p)
        var hists = [ULPHistogram](repeating: ULPHistogram(), count: p)
        accs.withUnsafeMutableBufferPointer { ab in
            hists.withUnsafeMutableBufferPointer { hb in
                block.bits.withUnsafeBufferPointer { bb in
                    ideal.withUnsafeBufferPointer { ib in
                        let (aw, hw) = (DisjointWrites(ab), DisjointWrites(hb))
                        let (bits, exact) = (SharedReads(bb), SharedReads(ib))
                        forEachChunkConcurrently(count: p, chunk: max(1, 65536 / max(q, 1))) { range in
                            for i in range {
                                var acc = ErrorAccumulator()
                                var hist = ULPHistogram()
                                for j in 0..<q {
                                    let e = i * q + j
                                    let actual = Double(Float(bitPattern: UInt32(bits.buffer[e]) << 16))
                                    acc.add(ideal: exact.buffer[e], actual: actual)
                                    hist.add(ideal: exact.buffer[e], actual: actual)
                                }
                                aw.buffer[i] = acc
                                hw.buffer[i] = hist
                            }
                        }
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
