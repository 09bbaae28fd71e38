import FP8
@testable import GroupedGEMM
import Groups
import Testing

/// The block-scaled GEMM's fast path (exact dot products per segment through BLAS, rows on
/// every core) against a naive path written element by element: for output element (i, j),
/// every term k looks up its own codes and its two factors from its stored position
/// (`BlockScales.index`), and the terms are summed one at a time, the integer product
/// `x_k * y_k` (Int128) with factor `dx_k * dy_k` into an `ExactSum`, rounded once. No
/// segments, no BLAS, no threads. If any term meets a NaN / Inf code or a non-finite factor,
/// the element is the plain Double sum of `(x * dx) * (y * dy)` over all k.
///
/// Bits and values must be identical (the exact sum rounded to odd does not depend on the
/// order of its terms; a non-finite sum depends only on its non-finite terms, met in the same
/// order). `absSum` is a Double sum whose order differs (per segment through BLAS there, per
/// term here): within 2^-40 relative when finite.
@Suite struct BlockScaledNaiveTests {
    struct Shape {
        let name: String
        let m, k, n: Int
        let offsets: [Int]
        /// Blocks of a, b, grad_out, b (as b_t), a (wgrad), grad_out (wgrad).
        let blocks: [(Int, Int)]
    }

    static let shapes = [
        // Ragged groups, an empty one, rows 40..<45 in no group; mxfp8-like 1x8 / 8x1.
        Shape(name: "1x8 ragged, empty group", m: 45, k: 32, n: 40, offsets: [7, 7, 19, 40],
              blocks: [(1, 8), (8, 1), (1, 8), (1, 8), (8, 1), (8, 1)]),
        // Blockwise-like 1x16 / 16x16 weights; groups start inside 16-row blocks; wide enough
        // in N that the rows run in several chunks.
        Shape(name: "1x16 / 16x16, several chunks", m: 70, k: 48, n: 128, offsets: [0, 21, 53, 70],
              blocks: [(1, 16), (16, 16), (1, 16), (16, 16), (16, 1), (16, 1)]),
        // One group, every row in it; per-row scales (1 x K) on the left.
        Shape(name: "per row, one group", m: 9, k: 24, n: 8, offsets: [9],
              blocks: [(1, 24), (24, 1), (1, 8), (1, 8), (3, 1), (9, 1)]),
    ]

    /// Codes with about one in `specialEvery` a NaN or Inf code (when the format has one).
    static func codes(_ count: Int, _ format: FP8Format, specialEvery: Int, rng: inout SplitMix64) -> [UInt8] {
        let specials = (0..<256).map(UInt8.init).filter { !format.decode($0).isFinite }
        return (0..<count).map { _ in
            if !specials.isEmpty && rng.next() % UInt64(specialEvery) == 0 { return specials[Int(rng.next() % UInt64(specials.count))] }
            return randomCodes(1, format, rng: &rng)[0]
        }
    }

    /// Factors of full fp32 precision over a wide range, with the odd +Inf (a zero
    /// multiplier's reciprocal) and NaN (an e8m0 0xFF) when `nonFinite`.
    static func scales(rows: Int, columns: Int, block: (Int, Int), nonFinite: Bool, rng: inout SplitMix64) -> BlockScales {
        let gridColumns = (columns + block.1 - 1) / block.1
        let count = ((rows + block.0 - 1) / block.0) * gridColumns
        let factors = (0..<count).map { _ -> Float in
            if nonFinite && rng.next() % 41 == 0 { return rng.next() % 2 == 0 ? .infinity : .nan }
            let e = Int(rng.next() % 80) - 40
            return Float(sign: .plus, exponent: e, significand: 1 + Float(rng.next() % (1 << 23)) * 0x1p-23)
        }
        return BlockScales(dequantization: factors, rowBlock: block.0, columnBlock: block.1, gridColumns: gridColumns)
    }

    struct Term { let x, y: UInt8; let dx, dy: Float }

    /// One output element, naively: (value, its bf16 bits, absSum).
    static func naive(_ terms: [Term], _ xc: IntegerCodes, _ yc: IntegerCodes) -> (value: Double, bits: UInt16, absSum: Double) {
        let shift = xc.exponentShift + yc.exponentShift
        let unit = Double(sign: .plus, exponent: -shift, significand: 1)
        var sum = ExactSum()
        var plain = 0.0, absSum = 0.0, special = false
        for t in terms {
            let f = Double(t.dx) * Double(t.dy)
            plain += (Double(xc.value[Int(t.x)]) * Double(t.dx)) * (Double(yc.value[Int(t.y)]) * Double(t.dy))
            special = special || xc.isSpecial[Int(t.x)] || yc.isSpecial[Int(t.y)] || !f.isFinite
            let dot = Int128(Int64(xc.integer[Int(t.x)])) * Int128(Int64(yc.integer[Int(t.y)]))
            if !special { sum.add(dot: dot, r: f, shift: shift) }
            absSum += Double(dot.magnitude) * unit * abs(f)
        }
        let value = special ? plain : sum.roundedToOdd()
        return (value, UInt16(BinaryFormat.bf16.roundToNearestEven(value)), absSum)
    }

    @Test("forward, dgrad, wgrad: fast path and naive path agree bit for bit",
          arguments: [(FP8Format.e4m3fn, false), (.e5m2, false), (.e4m3fn, true), (.e5m2, true)])
    func fastPathMatchesNaivePath(format: FP8Format, specials: Bool) {
        let xc = IntegerCodes(format: format)
        for (si, shape) in Self.shapes.enumerated() {
            let (m, k, n, offsets) = (shape.m, shape.k, shape.n, shape.offsets)
            let g = offsets.count
            var rng = SplitMix64(seed: 1000 + UInt64(si) * 7 + (specials ? 1 : 0))
            let every = specials ? 97 : Int.max
            let a = Self.codes(m * k, format, specialEvery: every, rng: &rng)
            let b = Self.codes(g * k * n, format, specialEvery: every, rng: &rng)
            let go = Self.codes(m * n, format, specialEvery: every, rng: &rng)
            let dims = [(m, k), (g * k, n), (m, n), (g * k, n), (m, k), (m, n)]
            let s = zip(dims, shape.blocks).map { d, blk in
                Self.scales(rows: d.0, columns: d.1, block: blk, nonFinite: specials, rng: &rng)
            }
            func op(_ codes: [UInt8], _ shape: [Int], _ scales: BlockScales) -> BlockScaledGEMM.Operand {
                .init(codes: codes, shape: shape, format: format, scales: scales)
            }
            func factor(_ s: BlockScales, _ r: Int, _ c: Int) -> Float { s.dequantization[s.index(row: r, column: c)] }
            var bad: [String] = []
            var blocks = 0
            /// Every element of `block` against the naive path; `terms(rows, g, i, j)` lists
            /// element (i, j)'s terms, `rows` being group g's rows.
            func check(_ what: String, _ block: GroupBlock, _ terms: (Range<Int>, Int, Int, Int) -> [Term]) {
                let rows = GroupOffsets(offsets).rows(of: block.group)
                blocks += 1
                for i in 0..<block.rows {
                    for j in 0..<block.columns {
                        let e = i * block.columns + j
                        let want = Self.naive(terms(rows, block.group, i, j), xc, xc)
                        // A non-finite factor makes S non-finite (NaN or Inf, depending on the order).
                        let absOK = want.absSum.isFinite
                            ? abs(block.absSum[e] - want.absSum) <= 0x1p-40 * want.absSum : !block.absSum[e].isFinite
                        if block.bits[e] != want.bits || block.value[e].bitPattern != want.value.bitPattern || !absOK {
                            bad.append("\(what) group \(block.group) (\(i),\(j)): \(hex(block.bits[e])) vs naive \(hex(want.bits))")
                        }
                    }
                }
            }
            let gemm = BlockScaledGEMM()
            gemm.forward(a: op(a, [m, k], s[0]), b: op(b, [g, k, n], s[1]), offsets: offsets) { block in
                check("forward", block) { rows, gi, i, j in (0..<k).map { kk in
                    Term(x: a[(rows.lowerBound + i) * k + kk], y: b[(gi * k + kk) * n + j],
                         dx: factor(s[0], rows.lowerBound + i, kk), dy: factor(s[1], gi * k + kk, j)) } }
            }
            gemm.dgrad(gradOut: op(go, [m, n], s[2]), bT: op(b, [g, k, n], s[3]), offsets: offsets) { block in
                check("dgrad", block) { rows, gi, i, kk in (0..<n).map { j in
                    Term(x: go[(rows.lowerBound + i) * n + j], y: b[(gi * k + kk) * n + j],
                         dx: factor(s[2], rows.lowerBound + i, j), dy: factor(s[3], gi * k + kk, j)) } }
            }
            gemm.wgrad(a: op(a, [m, k], s[4]), gradOut: op(go, [m, n], s[5]), offsets: offsets) { block in
                #expect(block.rows == k && block.columns == n)
                check("wgrad", block) { rows, _, kk, j in rows.map { r in
                    Term(x: a[r * k + kk], y: go[r * n + j], dx: factor(s[4], r, kk), dy: factor(s[5], r, j)) } }
            }
            #expect(blocks == 3 * g)
            let differing = bad.count
            #expect(differing == 0, "\(format) specials=\(specials) \(shape.name): first \(bad.prefix(4))")
        }
    }

    private func hex(_ v: UInt16) -> String { "0x" + String(v, radix: 16, uppercase: true) }
}
