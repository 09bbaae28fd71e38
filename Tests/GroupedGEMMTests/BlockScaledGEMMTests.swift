import FP8
@testable import GroupedGEMM
import Groups
import Testing

/// The block-scaled exact GEMM against a naive exact dot product: every term
/// `x * y * dx * dy` is exact in Double here (fp8 values have at most 4 significant bits and
/// the test's factors 12), so it is summed exactly as an Int128 count of `2^-L`, and rounded
/// once to bf16 by integer round-half-even, element by element, with the scale of each
/// element looked up from its own stored position (no segments).
@Suite struct BlockScaledGEMMTests {
    let offsets = [5, 5, 12, 20]  // group 1 empty, rows 20..<23 in no group, boundaries inside 8-row blocks
    let m = 23, k = 32, n = 24, g = 4

    /// fp32 factors with 12-bit significands and exponents in [-6, 6], a few exact powers of two.
    static func factors(_ count: Int, rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in
            let e = Int(rng.next() % 13) - 6
            let frac = rng.next() % 3 == 0 ? 0 : Float(rng.next() % 2048) / 2048
            return Float(sign: .plus, exponent: e, significand: 1 + frac)
        }
    }

    static func scales(rows: Int, columns: Int, block: (Int, Int), rng: inout SplitMix64) -> BlockScales {
        let gridColumns = (columns + block.1 - 1) / block.1
        let gridRows = (rows + block.0 - 1) / block.0
        return BlockScales(dequantization: factors(gridRows * gridColumns, rng: &rng), rowBlock: block.0,
                           columnBlock: block.1, gridColumns: gridColumns)
    }

    /// The naive exact value of `sum_k x_k y_k dx_k dy_k`, rounded once to bf16.
    static func naive(_ terms: [(x: Double, y: Double, dx: Float, dy: Float)], fractionBits: Int) -> UInt16 {
        var sum: Int128 = 0
        var plain = 0.0
        for t in terms {
            let v = t.x * t.y * Double(t.dx) * Double(t.dy)  // exact: at most 4 + 4 + 12 + 12 bits
            plain += v
            if v.isFinite { sum += Int128(v * Double(sign: .plus, exponent: fractionBits, significand: 1)) }
        }
        if !plain.isFinite { return UInt16(BinaryFormat.bf16.roundToNearestEven(plain)) }
        let magnitude = sum.magnitude
        if magnitude == 0 { return 0 }
        let top = 127 - magnitude.leadingZeroBitCount
        let keep = max(top - 7, 0)  // bit index of the bf16 ulp (no bf16 subnormals at these sizes)
        var q = magnitude >> keep
        if keep > 0 {
            let rem = magnitude & ((1 << keep) - 1)
            let half: UInt128 = 1 << (keep - 1)
            if rem > half || (rem == half && q & 1 == 1) { q += 1 }
        }
        let value = Double(sign: sum < 0 ? .minus : .plus, exponent: keep - fractionBits, significand: Double(q))
        return UInt16(BinaryFormat.bf16.roundToNearestEven(value))
    }

    struct Layout {
        let name: String
        let a, b, gradOut, bT, aW, gradOutW: (Int, Int)
    }

    static let layouts = [
        // mxfp8-like: blocks along each contraction, misaligned with the 4x4 weight blocks.
        Layout(name: "1x8 / 8x1", a: (1, 8), b: (8, 1), gradOut: (1, 8), bT: (1, 8), aW: (8, 1), gradOutW: (8, 1)),
        Layout(name: "1x8 / 4x4 / 8x8", a: (1, 8), b: (4, 4), gradOut: (1, 8), bT: (8, 8), aW: (8, 1), gradOutW: (4, 1)),
        Layout(name: "per row", a: (1, 32), b: (32, 1), gradOut: (1, 24), bT: (1, 24), aW: (23, 1), gradOutW: (23, 1)),
    ]

    @Test("forward, dgrad, wgrad match the naive exact dot", arguments: [FP8Format.e4m3fn, .e5m2])
    func matchesNaive(format: FP8Format) {
        let fractionBits = format == .e4m3fn ? 52 : 66
        for (li, layout) in Self.layouts.enumerated() {
            var rng = SplitMix64(seed: 41 + UInt64(li))
            let a = randomCodes(m * k, format, rng: &rng), b = randomCodes(g * k * n, format, rng: &rng)
            let go = randomCodes(m * n, format, rng: &rng)
            let sa = Self.scales(rows: m, columns: k, block: layout.a, rng: &rng)
            let sb = Self.scales(rows: g * k, columns: n, block: layout.b, rng: &rng)
            let sgo = Self.scales(rows: m, columns: n, block: layout.gradOut, rng: &rng)
            let sbt = Self.scales(rows: g * k, columns: n, block: layout.bT, rng: &rng)
            let saw = Self.scales(rows: m, columns: k, block: layout.aW, rng: &rng)
            let sgow = Self.scales(rows: m, columns: n, block: layout.gradOutW, rng: &rng)
            let gemm = BlockScaledGEMM()
            let v = { (c: UInt8) in format.decode(c) }
            func f(_ s: BlockScales, _ r: Int, _ c: Int) -> Float {
                s.dequantization[(r / s.rowBlock) * s.gridColumns + c / s.columnBlock]
            }
            let out = GroupedGEMM.assembleRows(totalRows: m, columns: n, offsets: offsets) { body in
                gemm.forward(a: .init(codes: a, shape: [m, k], format: format, scales: sa),
                             b: .init(codes: b, shape: [g, k, n], format: format, scales: sb), offsets: offsets, body: body)
            }
            let gradA = GroupedGEMM.assembleRows(totalRows: m, columns: k, offsets: offsets) { body in
                gemm.dgrad(gradOut: .init(codes: go, shape: [m, n], format: format, scales: sgo),
                           bT: .init(codes: b, shape: [g, k, n], format: format, scales: sbt), offsets: offsets, body: body)
            }
            let gradB = GroupedGEMM.assembleGroups(groups: g, k: k, n: n) { body in
                gemm.wgrad(a: .init(codes: a, shape: [m, k], format: format, scales: saw),
                           gradOut: .init(codes: go, shape: [m, n], format: format, scales: sgow), offsets: offsets, body: body)
            }
            var bad: [String] = []
            for gi in 0..<g {
                let rows = GroupOffsets(offsets).rows(of: gi)
                for r in rows {
                    for j in 0..<n {
                        let e = Self.naive((0..<k).map { kk in (v(a[r * k + kk]), v(b[(gi * k + kk) * n + j]), f(sa, r, kk), f(sb, gi * k + kk, j)) },
                                           fractionBits: fractionBits)
                        if out[r * n + j] != e { bad.append("forward (\(r),\(j))") }
                    }
                    for kk in 0..<k {
                        let e = Self.naive((0..<n).map { j in (v(go[r * n + j]), v(b[(gi * k + kk) * n + j]), f(sgo, r, j), f(sbt, gi * k + kk, j)) },
                                           fractionBits: fractionBits)
                        if gradA[r * k + kk] != e { bad.append("dgrad (\(r),\(kk))") }
                    }
                }
                for kk in 0..<k {
                    for j in 0..<n {
                        let e = Self.naive(rows.map { r in (v(a[r * k + kk]), v(go[r * n + j]), f(saw, r, kk), f(sgow, r, j)) },
                                           fractionBits: fractionBits)
                        if gradB[(gi * k + kk) * n + j] != e { bad.append("wgrad (\(gi),\(kk),\(j))") }
                    }
                }
            }
            #expect(bad.isEmpty, "\(format) \(layout.name): \(bad.count) wrong, first \(bad.prefix(4))")
        }
    }

    /// A NaN factor (an e8m0 0xFF block) makes exactly the outputs that use it NaN.
    @Test func nanBlockScalePoisonsOnlyItsOutputs() {
        var rng = SplitMix64(seed: 5)
        let (mm, kk, nn) = (4, 16, 3)
        let a = randomCodes(mm * kk, .e4m3fn, rng: &rng), b = randomCodes(kk * nn, .e4m3fn, rng: &rng)
        var da = [Float](repeating: 1, count: mm * 2)
        da[1 * 2 + 1] = .nan  // row 1, second block of 8
        let out = GroupedGEMM.assembleRows(totalRows: mm, columns: nn, offsets: [mm]) { body in
            BlockScaledGEMM().forward(
                a: .init(codes: a, shape: [mm, kk], format: .e4m3fn,
                         scales: BlockScales(dequantization: da, rowBlock: 1, columnBlock: 8, gridColumns: 2)),
                b: .init(codes: b, shape: [1, kk, nn], format: .e4m3fn,
                         scales: BlockScales(dequantization: [1], rowBlock: kk, columnBlock: nn, gridColumns: 1)),
                offsets: [mm], body: body)
        }
        for r in 0..<mm {
            for j in 0..<nn {
                let isNaN = BinaryFormat.bf16.decode(UInt32(out[r * nn + j])).isNaN
                #expect(isNaN == (r == 1), "(\(r),\(j))")
            }
        }
    }

    /// The reciprocal of a zero multiplier is +Inf (an Inf block under torchao's blockwise
    /// kernels): a code 0 of that block dequantizes to NaN, so any output using it is NaN, even
    /// where the segment's integer dot is non-zero.
    @Test func infiniteFactorMakesCodeZeroNaN() {
        let codes: [UInt8] = [0x7E, 0x00, 0x38, 0x38]  // 448, 0 | 1, 1 (e4m3fn)
        let out = GroupedGEMM.assembleRows(totalRows: 1, columns: 1, offsets: [1]) { body in
            BlockScaledGEMM().forward(
                a: .init(codes: codes, shape: [1, 4], format: .e4m3fn,
                         scales: BlockScales(dequantization: [.infinity, 1], rowBlock: 1, columnBlock: 2, gridColumns: 2)),
                b: .init(codes: [0x38, 0x38, 0x38, 0x38], shape: [1, 4, 1], format: .e4m3fn,
                         scales: BlockScales(dequantization: [1], rowBlock: 4, columnBlock: 1, gridColumns: 1)),
                offsets: [1], body: body)
        }
        #expect(BinaryFormat.bf16.decode(UInt32(out[0])).isNaN)
        let naive = Self.naive([(448, 1, .infinity, 1), (0, 1, .infinity, 1), (1, 1, 1, 1), (1, 1, 1, 1)], fractionBits: 52)
        #expect(BinaryFormat.bf16.decode(UInt32(naive)).isNaN)
    }

    /// With one scale per row / column, the block-scaled GEMM and `GroupedGEMM` (exact mode,
    /// reciprocal scales) are the same computation: identical bits (two implementations
    /// compared with each other, not with an oracle).
    @Test func perRowScalesAgreeWithGroupedGEMMImplementationsCompared() {
        var rng = SplitMix64(seed: 9)
        let a = randomCodes(m * k, .e4m3fn, rng: &rng), b = randomCodes(g * k * n, .e4m3fn, rng: &rng)
        let sa = pow2Scales(m, rng: &rng).map { $0 * 1.375 }, sb = pow2Scales(g * n, rng: &rng).map { $0 * 3 }
        let old = GroupedGEMM.assembleRows(totalRows: m, columns: n, offsets: offsets) { body in
            GroupedGEMM(mode: .exact).forward(
                a: .init(codes: a, shape: [m, k], format: .e4m3fn, scales: .init(sa, layout: .perGlobalRow)),
                b: .init(codes: b, shape: [g, k, n], format: .e4m3fn, scales: .init(sb, layout: .perGroupAndIndex(n))),
                offsets: offsets, body: body)
        }
        let new = GroupedGEMM.assembleRows(totalRows: m, columns: n, offsets: offsets) { body in
            BlockScaledGEMM().forward(
                a: .init(codes: a, shape: [m, k], format: .e4m3fn,
                         scales: BlockScales(dequantization: sa.map { 1 / $0 }, rowBlock: 1, columnBlock: k, gridColumns: 1)),
                b: .init(codes: b, shape: [g, k, n], format: .e4m3fn,
                         scales: BlockScales(dequantization: sb.map { 1 / $0 }, rowBlock: k, columnBlock: 1, gridColumns: n)),
                offsets: offsets, body: body)
        }
        #expect(old == new)
    }

    /// ExactSum alone: terms spanning the whole fp32 x fp32 range cancel exactly.
    @Test func exactSumCancelsAcrossTheRange() {
        var s = ExactSum()
        let big = Double(Float.greatestFiniteMagnitude) * Double(Float.greatestFiniteMagnitude)
        let tiny = Double(Float.leastNonzeroMagnitude) * Double(Float.leastNonzeroMagnitude)
        s.add(dot: 3, r: big, shift: 36)
        s.add(dot: 5, r: tiny, shift: 36)
        s.add(dot: -3, r: big, shift: 36)
        #expect(s.roundedToOdd() == 5 * tiny * 0x1p-36)
        s.reset()
        s.add(dot: 1, r: 1, shift: 0)
        s.add(dot: 1, r: tiny, shift: 36)
        let v = s.roundedToOdd()
        #expect(v == 1 + 0x1p-52)  // 1 + tiny rounded to odd: the sticky bit
    }
}
