import Metrics
import Testing

/// Hand-checkable cases: every expected value below is worked out in the comment beside it.
@Suite struct ErrorAccumulatorTests {
    @Test func sqnrOfAHandCase() {
        // x = (3, 4), q = (3, 3): signal 9 + 16 = 25, noise 0 + 1 = 1 -> 10 log10(25) dB.
        var acc = ErrorAccumulator()
        acc.add(ideal: 3, actual: 3)
        acc.add(ideal: 4, actual: 3)
        #expect(acc.signal == 25)
        #expect(acc.noise == 1)
        #expect(abs(acc.sqnrDB! - 13.979400086720377) < 1e-12)
        #expect(acc.relativeFrobenius == 0.2)  // sqrt(1/25)
        #expect(acc.maxAbsError == 1)
        #expect(acc.elements == 2 && acc.finitePairs == 2)
    }

    @Test func exactIsInfiniteAndNoSignalIsUndefined() {
        var exact = ErrorAccumulator()
        exact.add(ideal: 2, actual: 2)
        #expect(exact.sqnrDB == .infinity)
        #expect(exact.relativeFrobenius == 0)
        var zeros = ErrorAccumulator()
        zeros.add(ideal: 0, actual: 0)
        #expect(zeros.sqnrDB == nil)
        #expect(zeros.relativeFrobenius == 0)
        var noiseOnly = ErrorAccumulator()
        noiseOnly.add(ideal: 0, actual: 1)
        #expect(noiseOnly.sqnrDB == nil)
        #expect(noiseOnly.relativeFrobenius == nil)
        #expect(ErrorAccumulator().sqnrDB == nil)
    }

    @Test func classesOfSpecialElements() {
        var acc = ErrorAccumulator()
        acc.add(ideal: 1, actual: .nan)            // nan
        acc.add(ideal: .nan, actual: .nan)         // nan (the approximation is NaN)
        acc.add(ideal: .nan, actual: 0)            // idealNaN
        acc.add(ideal: 1, actual: .infinity)       // nonFinite
        acc.add(ideal: .infinity, actual: 448)     // nonFinite
        acc.add(ideal: 1e-9, actual: 0)            // flushed, finite pair
        acc.add(ideal: 500, actual: 448, saturated: true)  // saturated, finite pair
        #expect(acc.elements == 7)
        #expect(acc.nan == 2 && acc.idealNaN == 1 && acc.nonFinite == 2)
        #expect(acc.finitePairs == 2 && acc.flushed == 1 && acc.saturated == 1)
        #expect(acc.signal == 1e-18 + 250_000)
        #expect(acc.noise == 1e-18 + 52 * 52)
        #expect(acc.maxAbsError == 52)
    }

    @Test func mergeEqualsOneAccumulator() {
        let pairs: [(Double, Double)] = [(1, 1.125), (-2, -2), (0.5, 0), (3, 2.5), (1e-3, 1e-3)]
        var one = ErrorAccumulator()
        for (x, q) in pairs { one.add(ideal: x, actual: q) }
        var left = ErrorAccumulator(), right = ErrorAccumulator()
        for (x, q) in pairs.prefix(2) { left.add(ideal: x, actual: q) }
        for (x, q) in pairs.dropFirst(2) { right.add(ideal: x, actual: q) }
        left.merge(right)
        #expect(left == one)
        #expect(one.flushed == 1)
        #expect(one.maxAbsError == 0.5)
    }
}

@Suite struct QuantilesTests {
    @Test func nearestRank() {
        // 10 values 1...10 (shuffled): p1 = v[ceil(0.1) - 1] = v[0] = 1; median = v[ceil(5) - 1] = 5.
        let values = [7.0, 3, 10, 1, 5, 2, 9, 4, 8, 6].enumerated().map { (index: $0.offset, value: $0.element) }
        let q = Quantiles(values, excluded: 2)
        #expect(q.min == 1 && q.p1 == 1 && q.median == 5 && q.max == 10)
        #expect(q.argmin == 3)
        #expect(q.count == 10 && q.excluded == 2)
        // 200 values 0..<200: p1 = v[ceil(2) - 1] = v[1] = 1; median = v[99] = 99.
        let many = Quantiles((0..<200).map { (index: $0, value: Double($0)) })
        #expect(many.p1 == 1 && many.median == 99 && many.max == 199)
    }

    @Test func emptyAndInfinite() {
        let empty = Quantiles([], excluded: 3)
        #expect(empty.min == nil && empty.median == nil && empty.excluded == 3)
        let inf = Quantiles([(0, .infinity), (1, 20)])
        #expect(inf.min == 20 && inf.max == .infinity && inf.median == 20)
    }
}

@Suite struct ULPHistogramTests {
    @Test func ulpOfBF16() {
        #expect(ULPHistogram.bf16ULP(1) == 0x1p-7)       // 8 significand bits: 1 + 2^-7 is next
        #expect(ULPHistogram.bf16ULP(1.99) == 0x1p-7)
        #expect(ULPHistogram.bf16ULP(-256) == 0x1p1)
        #expect(ULPHistogram.bf16ULP(0) == 0x1p-133)     // subnormal spacing
        #expect(ULPHistogram.bf16ULP(0x1p-140) == 0x1p-133)
    }

    @Test func buckets() {
        var h = ULPHistogram()
        h.add(ideal: 1, actual: 1)                   // 0 ulp -> [0, 0.5]
        h.add(ideal: 1, actual: 1 + 0x1p-8)          // 0.5 -> [0, 0.5]
        h.add(ideal: 1, actual: 1 + 0x1p-7)          // 1 -> (0.5, 1]
        h.add(ideal: 1, actual: 1 + 3 * 0x1p-7)      // 3 -> (2, 4]
        h.add(ideal: 1, actual: 1 + 0x1p10)          // 2^17 ulps -> > 2^15
        h.add(ideal: 1, actual: .nan)
        #expect(h.counts[0] == 2)
        #expect(h.counts[1] == 1)
        #expect(h.counts[3] == 1)
        #expect(h.counts.last == 1)
        #expect(h.counts.reduce(0, +) == 5 && h.nonFinite == 1)
        #expect(h.maxULP == 0x1p17)
        #expect(ULPHistogram.labels.first == "<=0.5" && ULPHistogram.labels.last == ">32768")
        #expect(h.fractionWithin(1) == 0.6)
    }
}

@Suite struct TensorErrorsTests {
    @Test func groupsRowsAndTotal() {
        // Group 0: rows 0 and 1; group 1: row 2; group 2 empty.
        var b = TensorErrorsBuilder(name: "a", groups: 3, ulp: false)
        var r0 = ErrorAccumulator(); r0.add(ideal: 1, actual: 1); r0.add(ideal: 1, actual: 1)          // exact: +inf dB
        var r1 = ErrorAccumulator(); r1.add(ideal: 10, actual: 9)                                        // 10 log10(100) = 20 dB
        var r2 = ErrorAccumulator(); r2.add(ideal: 0, actual: 0)                                         // no signal
        b.addRow(0, group: 0, r0)
        b.addRow(1, group: 0, r1)
        b.addRow(2, group: 1, r2)
        let t = b.finish()
        #expect(t.groups.count == 3)
        #expect(t.groups[0].elements == 3)
        #expect(abs(t.groups[0].sqnrDB! - 10 * log10(102.0)) < 1e-12)  // signal 1 + 1 + 100, noise 1
        #expect(t.groups[1].sqnrDB == nil)
        #expect(t.groups[2].elements == 0)
        #expect(t.total.elements == 4)
        #expect(t.rowSQNR?.count == 2 && t.rowSQNR?.excluded == 1)
        #expect(t.rowSQNR?.min == 20 && t.rowSQNR?.argmin == 1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
