import FP8
import GroupedGEMM
import Recipes
import Schema
import Verify

/// The fp64 ideal of one group's GEMM output block: the bf16 inputs as fp64, multiplied with
/// `cblas_dgemm` (each product of two bf16 values is exact in fp64; the sums are fp64).
enum IdealGEMM {
    /// `selected`: the global token rows of the block (out, grad_a) or the output rows k
    /// (grad_b). Returns the block row-major, `selected.count` x columns.
    static func block(_ kind: GEMMKind, _ inputs: FixtureInputs, group g: Int, rows: Range<Int>, selected: [Int]) -> [Double] {
        let a = inputs.a!, b = inputs.b!
        let (k, n) = (b.shape[1], b.shape[2])
        let p = selected.count
        switch kind {
        case .out:
            let x = gather(a.bits, rows: selected, width: k)
            let y = convert(b.bits[(g * k * n)..<((g + 1) * k * n)])
            return BLAS.dgemm(x, y, m: p, n: n, k: k, transposeB: false)
        case .gradA:
            let go = inputs.gradOut!
            let x = gather(go.bits, rows: selected, width: n)
            let y = convert(b.bits[(g * k * n)..<((g + 1) * k * n)])  // [K,N], used as its transpose
            return BLAS.dgemm(x, y, m: p, n: k, k: n, transposeB: true)
        case .gradB:
            let go = inputs.gradOut!
            // x[i, r] = A[rows.lower + r, selected[i]]: A_g^T restricted to the selected k.
            var x = [Double](repeating: 0, count: p * rows.count)
            for (r, row) in rows.enumerated() {
                for (i, kk) in selected.enumerated() { x[i * rows.count + r] = value(a.bits[row * k + kk]) }
            }
            let y = convert(go.bits[(rows.lowerBound * n)..<(rows.upperBound * n)])
            return BLAS.dgemm(x, y, m: p, n: n, k: rows.count, transposeB: false)
        }
    }

    @inline(__always) static func value(_ bits: UInt16) -> Double { Double(Float(bf16Bits: bits)) }

    static func convert(_ bits: ArraySlice<UInt16>) -> [Double] { bits.map(value) }

    static func gather(_ bits: [UInt16], rows: [Int], width: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * width)
        for (i, r) in rows.enumerated() { for j in 0..<width { out[i * width + j] = value(bits[r * width + j]) } }
        return out
    }
}
