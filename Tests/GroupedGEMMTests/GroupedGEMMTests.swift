import FP8
@testable import GroupedGEMM
import Groups
import Testing

func randomCodes(_ n: Int, _ format: FP8Format, rng: inout SplitMix64) -> [UInt8] {
    (0..<n).map { _ in
        while true {
            let c = UInt8(truncatingIfNeeded: rng.next())
            if format.decode(c).isFinite { return c }
        }
    }
}

func pow2Scales(_ n: Int, rng: inout SplitMix64) -> [Float] {
    (0..<n).map { _ in Float(sign: .plus, exponent: Int(rng.next() % 20) - 4, significand: 1) }
}

/// The naive reference: Double sums of exact products (small K keeps them exact), times the
/// fp32 reciprocals (powers of two here, so exact), one rounding.
/// The naive exact dot: E (products of fp8 values are exact in Double and the few terms here sum
/// exactly), its bf16 rounding, and S = sum |x y| with the same scales (SPEC 4's bound).
struct NaiveDot {
    let value: Double, absSum: Double, k: Int
    var bits: UInt16 { UInt16(BinaryFormat.bf16.roundToNearestEven(value)) }

    /// Exact mode: the correctly rounded bits. fp32 mode: SPEC 4's bound with fp32 accumulation,
    /// `|actual - E| <= ulp_bf16(E) + k * 2^-24 * S`.
    func accepts(_ actual: UInt16, mode: GEMMMode) -> Bool {
        if actual == bits { return true }
        guard mode == .fp32 else { return false }
        let a = BinaryFormat.bf16.decode(UInt32(actual))
        let e = value == 0 ? -126 : max(Int(value.exponent), -126)
        return abs(a - value) <= Double(sign: .plus, exponent: e - 7, significand: 1) + Double(k) * 0x1p-24 * absSum
    }
}

func naive(_ x: (Int) -> Double, _ y: (Int) -> Double, k: Int, rx: Float, ry: Float) -> NaiveDot {
    var s = 0.0, abs = 0.0
    for i in 0..<k { s += x(i) * y(i); abs += Swift.abs(x(i) * y(i)) }
    let scale = Double(rx) * Double(ry)
    return NaiveDot(value: s * scale, absSum: abs * Swift.abs(scale), k: k)
}

@Suite struct GroupedGEMMTests {
    let offsets = [5, 5, 12, 20]  // group 1 empty, rows 20..<23 in no group
    let m = 23, k = 9, n = 6, g = 4

    @Test("forward, dgrad and wgrad match the naive exact dot", arguments: [FP8Format.e4m3fn, .e5m2, .e4m3fnuz])
    func matchesNaive(format: FP8Format) {
        var rng = SplitMix64(seed: 11)
        let a = randomCodes(m * k, format, rng: &rng)
        let b = randomCodes(g * k * n, format, rng: &rng)
        let go = randomCodes(m * n, format, rng: &rng)
        let sa = pow2Scales(m, rng: &rng), sb = pow2Scales(g * n, rng: &rng)
        let sgo = pow2Scales(m, rng: &rng), sbt = pow2Scales(g * k, rng: &rng)
        let saw = pow2Scales(g * k, rng: &rng), sgow = pow2Scales(g * n, rng: &rng)
        let v = { (c: UInt8) in format.decode(c) }
        for mode in GEMMMode.allCases {
            let gemm = GroupedGEMM(mode: mode)
            let out = GroupedGEMM.assembleRows(totalRows: m, columns: n, offsets: offsets) { body in
                gemm.forward(a: .init(codes: a, shape: [m, k], format: format, scales: .init(sa, layout: .perGlobalRow)),
                             b: .init(codes: b, shape: [g, k, n], format: format, scales: .init(sb, layout: .perGroupAndIndex(n))),
                             offsets: offsets, body: body)
            }
            let gradA = GroupedGEMM.assembleRows(totalRows: m, columns: k, offsets: offsets) { body in
                gemm.dgrad(gradOut: .init(codes: go, shape: [m, n], format: format, scales: .init(sgo, layout: .perGlobalRow)),
                           bT: .init(codes: b, shape: [g, k, n], format: format, scales: .init(sbt, layout: .perGroupAndIndex(k))),
                           offsets: offsets, body: body)
            }
            let gradB = GroupedGEMM.assembleGroups(groups: g, k: k, n: n) { body in
                gemm.wgrad(a: .init(codes: a, shape: [m, k], format: format, scales: .init(saw, layout: .perGroupAndIndex(k))),
                           gradOut: .init(codes: go, shape: [m, n], format: format, scales: .init(sgow, layout: .perGroupAndIndex(n))),
                           offsets: offsets, body: body)
            }
            var bad = 0
            for gi in 0..<g {
                let rows = GroupOffsets(offsets).rows(of: gi)
                for r in rows {
                    for j in 0..<n {
                        let e = naive({ v(a[r * k + $0]) }, { v(b[gi * k * n + $0 * n + j]) }, k: k, rx: 1 / sa[r], ry: 1 / sb[gi * n + j])
                        if !e.accepts(out[r * n + j], mode: mode) { bad += 1 }
                    }
                    for j in 0..<k {
                        let e = naive({ v(go[r * n + $0]) }, { v(b[gi * k * n + j * n + $0]) }, k: n, rx: 1 / sgo[r], ry: 1 / sbt[gi * k + j])
                        if !e.accepts(gradA[r * k + j], mode: mode) { bad += 1 }
                    }
                }
                for i in 0..<k {
                    for j in 0..<n {
                        let rs = Array(rows)
                        let e = naive({ v(a[rs[$0] * k + i]) }, { v(go[rs[$0] * n + j]) }, k: rs.count,
                                      rx: 1 / saw[gi * k + i], ry: 1 / sgow[gi * n + j])
                        if !e.accepts(gradB[gi * k * n + i * n + j], mode: mode) { bad += 1 }
                    }
                }
            }
            // Exact mode: every output correctly rounded. fp32 mode: every output within SPEC 4's
            // bound for fp32 accumulation.
            #expect(bad == 0, "\(format) \(mode): \(bad)")
            #expect(out[(20 * n)...].allSatisfy { $0 == 0 })
            #expect(gradB[1 * k * n..<2 * k * n].allSatisfy { $0 == 0 }, "empty group gives zeros")
        }
    }

    /// Skipping S (computesMagnitudes: false) changes nothing else: same bits and values in both
    /// modes, and no absSum.
    @Test(arguments: GEMMMode.allCases)
    func outputsWithoutMagnitudesAreTheSame(mode: GEMMMode) {
        var rng = SplitMix64(seed: 12)
        let format = FP8Format.e4m3fn
        let a = GroupedGEMM.Operand(codes: randomCodes(m * k, format, rng: &rng), shape: [m, k], format: format,
                                    scales: .init(pow2Scales(m, rng: &rng), layout: .perGlobalRow))
        let b = GroupedGEMM.Operand(codes: randomCodes(g * k * n, format, rng: &rng), shape: [g, k, n], format: format,
                                    scales: .init(pow2Scales(g * n, rng: &rng), layout: .perGroupAndIndex(n)))
        var with: [GroupBlock] = [], without: [GroupBlock] = []
        GroupedGEMM(mode: mode).forward(a: a, b: b, offsets: offsets) { with.append($0) }
        GroupedGEMM(mode: mode, computesMagnitudes: false).forward(a: a, b: b, offsets: offsets) { without.append($0) }
        #expect(with.count == without.count)
        for (x, y) in zip(with, without) {
            #expect(x.bits == y.bits && x.value == y.value)
            #expect(x.absSum.count == x.rows * x.columns && y.absSum.isEmpty)
        }
    }

    @Test func epilogueRoundsOnceAcrossADoubleRoundingTrap() {
        // E = D * (1 + 2^-23) = 2^60 + 2^52 + 2^-9 + 2^-17: just above the bf16 midpoint between
        // 2^60 and 2^60 + 2^53, and rounding to Double first lands exactly on the midpoint.
        let d: Int128 = (1 << 60) + (1 << 52) - (1 << 37) - (1 << 29) + (1 << 14) + (1 << 6)
        let rx = Float(1).nextUp
        #expect(Double(d) * Double(rx) == 0x1p60 + 0x1p52)
        #expect(ExactEpilogue.bf16(dot: d, rx: rx, ry: 1, shift: 0) == 0x5D81)
        #expect(ExactEpilogue.bf16(dot: -d, rx: rx, ry: 1, shift: 0) == 0xDD81)
        #expect(ExactEpilogue.bf16(dot: (1 << 60) + (1 << 52), rx: 1, ry: 1, shift: 0) == 0x5D80)  // a true tie: even
        #expect(ExactEpilogue.value(dot: 3, rx: 0.5, ry: 0.25, shift: 18) == 3 * 0x1p-21)
        #expect(ExactEpilogue.value(dot: 0, rx: .infinity, ry: 1, shift: 0).isNaN)
    }

    @Test func epilogueAgreesWithDoubleAwayFromMidpoints() {
        var rng = SplitMix64(seed: 3)
        var ties = 0
        for _ in 0..<100_000 {
            let d = Int128(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60))
            let rx = Float(bitPattern: 0x3000_0000 + UInt32(rng.next() % 0x1800_0000))
            let ry = Float(bitPattern: 0x3000_0000 + UInt32(rng.next() % 0x1800_0000))
            let approx = Double(d) * Double(rx) * Double(ry) * 0x1p-18
            let exact = ExactEpilogue.bf16(dot: d, rx: rx, ry: ry, shift: 18)
            let plain = UInt16(BinaryFormat.bf16.roundToNearestEven(approx))
            if exact != plain {
                // Only a Double that landed on a bf16 midpoint may round differently.
                let lo = BinaryFormat.bf16.decode(UInt32(min(exact, plain))), hi = BinaryFormat.bf16.decode(UInt32(max(exact, plain)))
                #expect(approx == (lo + hi) / 2 || abs(approx - (lo + hi) / 2) <= abs(approx) * 0x1p-50)
                ties += 1
            }
        }
        #expect(ties < 100)
    }

    @Test func wideProductsTakeTheLimbPath() {
        // e5m2 integers reach 2^32: 64-bit products, summed over 2^12 terms, are not exact in
        // fp64; compare against an Int128 sum.
        var rng = SplitMix64(seed: 5)
        let r = 4096
        let codes = IntegerCodes(format: .e5m2)
        #expect(codes.magnitudeBits == 32 && codes.exponentShift == 16)
        let big: [UInt8] = (0..<r).map { _ in UInt8(0x78 + rng.next() % 4) | (rng.next() % 2 == 0 ? 0 : 0x80) }
        let small = randomCodes(r, .e5m2, rng: &rng)
        let x = MatrixView(codes: big, rows: 1, columns: r, rowStride: r)
        let y = MatrixView(codes: small + big, rows: r, columns: 2, rowStride: 1, columnStride: r)
        let dot = ExactDot(x: x, xCodes: codes, y: y, yCodes: codes)
        for j in 0..<2 {
            var sum: Int128 = 0
            for i in 0..<r { sum += Int128(codes.integer[Int(x[0, i])]) * Int128(codes.integer[Int(y[i, j])]) }
            #expect(dot.dots[j] == sum)
        }
    }

    @Test func nanCodesGiveNaNRowsOnly() {
        let format = FP8Format.e4m3fn
        let a: [UInt8] = [0x38, 0x7F, 0x38, 0x38]  // 1, NaN / 1, 1
        let b: [UInt8] = [0x38, 0x40, 0x38, 0x40]  // [[1,2],[1,2]]
        let out = GroupedGEMM.assembleRows(totalRows: 2, columns: 2, offsets: [2]) { body in
            GroupedGEMM(mode: .exact).forward(
                a: .init(codes: a, shape: [2, 2], format: format, scales: .init([1], layout: .single)),
                b: .init(codes: b, shape: [1, 2, 2], format: format, scales: .init([1], layout: .perGroup)),
                offsets: [2], body: body)
        }
        #expect(BinaryFormat.bf16.decode(UInt32(out[0])).isNaN && BinaryFormat.bf16.decode(UInt32(out[1])).isNaN)
        #expect(out[2] == 0x4000 && out[3] == 0x4080)  // 2, 4
    }
}
