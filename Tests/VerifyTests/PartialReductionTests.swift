import FP8
import Foundation
import Generate
import HDF5
import Schema
import Testing
import Verify

/// A rowwise quantizer written naively from the SPEC (section 3: one scale per row,
/// `fp8_max / max(amax, 1e-12)` in fp64 rounded to fp32, optionally down to a power of two, the
/// cast of x * scale rounded to nearest even, nosat), independent of verify's hypotheses, with
/// the slips of hip/mutants/ 06 and 16 planted (issue 12 item 6):
/// - `lanes`: the row read as runs of `vectorWidth` elements, run j in lane j mod `lanes`; each
///   lane scales its elements by its own amax and lane 0's scale is stored (the team reduction
///   left out, mutant 16);
/// - `reciprocal`: the scale as fp8_max * (1/amax) in fp32 (mutant 06).
/// Inputs without NaN or Inf (the NaN policy is not what these slips are about).
func naiveRowwiseKernel(_ x: [UInt16], rows m: Int, columns k: Int, pow2: Bool = true, reciprocal: Bool = false,
                        lanes: (vectorWidth: Int, count: Int)? = nil) -> (codes: [UInt8], scales: [Float]) {
    func value(_ bits: UInt16) -> Double { Double(Float(bitPattern: UInt32(bits) << 16)) }
    func scale(_ amax: Double) -> Float {
        let s = reciprocal ? Float(448) * (Float(1) / Float(max(amax, 1e-12))) : Float(448 / max(amax, 1e-12))
        guard pow2 else { return s }
        var p: Float = 1
        while p > s { p /= 2 }
        while p * 2 <= s { p *= 2 }
        return p
    }
    func lane(_ c: Int) -> Int { lanes.map { (c / $0.vectorWidth) % $0.count } ?? 0 }
    let laneCount = lanes?.count ?? 1
    var codes = [UInt8](repeating: 0, count: m * k)
    var scales = [Float](repeating: 0, count: m)
    for r in 0..<m {
        var amax = [Double](repeating: 0, count: laneCount)
        for c in 0..<k { amax[lane(c)] = max(amax[lane(c)], abs(value(x[r * k + c]))) }
        let s = amax.map(scale)
        scales[r] = s[0]
        for c in 0..<k { codes[r * k + c] = FP8Format.e4m3fn.encode(Double(Float(value(x[r * k + c])) * s[lane(c)]), policy: .nosat) }
    }
    return (codes, scales)
}

@Suite struct PartialReductionTests {
    /// 256 x 64 heavy-tailed values, no NaN or Inf.
    func fixture() throws -> (String, [UInt16]) {
        var c = GeneratorConfig(m: 256, k: 64, n: 16, g: 8, seed: 43, distribution: .heavy, routing: .balanced, injections: [])
        c.recipes = []
        let inputs = FixtureGenerator.inputs(c)
        let path = temporaryDirectory().appendingPathComponent("rows.h5").path
        let file = try HDF5File(creating: path)
        try FixtureWriter.writeInputs(inputs, to: file, description: "partial reduction test")
        try file.commit()
        let a = inputs.a!.bits
        #expect(!a.contains { $0 & 0x7F80 == 0x7F80 })
        return (path, a)
    }

    func verify(_ path: String, _ name: String, _ k: (codes: [UInt8], scales: [Float]), pow2: Bool) throws -> (DatasetReport, DatasetReport) {
        var attributes = rowwiseAttributes
        attributes["scale_pow2"] = pow2 ? "1" : "0"
        try addProducer(path, name, attributes: attributes, codes: ["a_fp8": (k.codes, [256, 64])], scales: ["a_scale": (k.scales, [256])])
        let d = try #require(try Verifier.verify(path: path, producers: [name]).producers[name]?.datasets)
        let (p, s) = (try #require(d["a_fp8"]), try #require(d["a_scale"]))
        for r in [p, s] { #expect((r.causes ?? []).map(\.count).reduce(0, +) == r.mismatches) }
        return (p, s)
    }

    func causes(_ d: DatasetReport) -> String { (d.causes ?? []).map { "\($0.count) \($0.cause)" }.joined(separator: "; ") }

    @Test func theNaiveRowwiseKernelWithoutASlipAgrees() throws {
        let (path, a) = try fixture()
        for pow2 in [true, false] {
            let (p, s) = try verify(path, "plain-\(pow2)", naiveRowwiseKernel(a, rows: 256, columns: 64, pow2: pow2), pow2: pow2)
            #expect(p.mismatches == 0 && s.mismatches == 0, "\(causes(p)) | \(causes(s))")
        }
    }

    /// Runs of 8 elements, 8 per row (a team of 32 lanes, wider than the row: hip/kernels'
    /// layout for rows of 64 elements), and runs of 1 element over 32 lanes (two runs per lane).
    @Test func aRowwiseReductionLeftPartialIsNamedWithItsLayout() throws {
        let (path, a) = try fixture()
        for (width, lanes) in [(8, 8), (1, 32)] {
            let k = naiveRowwiseKernel(a, rows: 256, columns: 64, lanes: (width, lanes))
            let (p, s) = try verify(path, "partial-\(width)-\(lanes)", k, pow2: true)
            let cause = MismatchCause.partialRowAmax(vectorWidth: width, lanes: lanes, vectorsPerRow: 64 / width)
            #expect(s.mismatches > 20 && s.causes?.allSatisfy { $0.cause == cause } == true, "\(causes(s))")
            #expect(p.mismatches > 200 && p.causes?.allSatisfy { $0.cause == cause || $0.cause == cause + "; the payload follows that scale" } == true,
                    "\(causes(p))")
        }
        #expect(MismatchCause.partialRowAmax(vectorWidth: 8, lanes: 8, vectorsPerRow: 8).contains("each run of 8 elements"))
        #expect(MismatchCause.partialRowAmax(vectorWidth: 1, lanes: 32, vectorsPerRow: 64).contains("each of 32 lanes"))
    }

    /// One row's scale is that of a smaller value of the row (its payload follows): no lane
    /// layout fits a single row, so the generic smaller-amax cause names it.
    @Test func oneScaleFromASmallerValueOfTheSetIsNamed() throws {
        let (path, a) = try fixture()
        var k = naiveRowwiseKernel(a, rows: 256, columns: 64)
        let r = 5
        let row = Array(a[r * 64..<(r + 1) * 64])
        // The largest magnitude of the row whose pow2 scale differs from the row's.
        let one = naiveRowwiseKernel(row, rows: 64, columns: 1)
        let j = try #require(one.scales.indices.filter { one.scales[$0] != k.scales[r] && row[$0] & 0x7FFF != 0 }
            .max { abs(Float(bitPattern: UInt32(row[$0]) << 16)) < abs(Float(bitPattern: UInt32(row[$1]) << 16)) })
        k.scales[r] = one.scales[j]
        for c in 0..<64 {
            k.codes[r * 64 + c] = FP8Format.e4m3fn.encode(Double(Float(bitPattern: UInt32(row[c]) << 16) * one.scales[j]), policy: .nosat)
        }
        let (p, s) = try verify(path, "smaller", k, pow2: true)
        #expect(s.mismatches == 1 && s.causes?.first?.cause == MismatchCause.smallerAmax, "\(causes(s))")
        // Products beyond 448 are NaN under nosat; this test's encoder keeps the NaN's sign,
        // which verify's canonical NaN arithmetic does not: those few are left out.
        let overflowing = row.filter { abs(Float(bitPattern: UInt32($0) << 16) * one.scales[j]) > 464 }.count
        let follows = p.causes?.first { $0.cause == MismatchCause.smallerAmax + "; the payload follows that scale" }?.count ?? 0
        #expect(follows > 10 && follows >= p.mismatches - overflowing, "\(causes(p)); \(overflowing) beyond 448")
    }

    /// Without power-of-two rounding the reciprocal form differs from the fp64 quotient for about
    /// a quarter of bf16 amaxes; where it equals 1/(amax/fp8_max) the older cause, tried first,
    /// names it (both are fp32 roundings of the scale; the mutant's expect: accepts both).
    @Test func aReciprocalScaleInFP32IsNamed() throws {
        let (path, a) = try fixture()
        let (p, s) = try verify(path, "reciprocal", naiveRowwiseKernel(a, rows: 256, columns: 64, pow2: false, reciprocal: true), pow2: false)
        let named = [MismatchCause.reciprocalTimesMax, MismatchCause.reciprocalScale]
        #expect(s.mismatches > 20 && s.causes?.allSatisfy { named.contains($0.cause) } == true, "\(causes(s))")
        #expect((s.causes?.first { $0.cause == MismatchCause.reciprocalTimesMax }?.count ?? 0) * 2 > s.mismatches, "\(causes(s))")
        #expect(p.causes?.allSatisfy { c in named.contains { c.cause == $0 + "; the payload follows that scale" } } == true, "\(causes(p))")
        #expect(MismatchCause.reciprocalTimesMax.hasPrefix(MismatchCause.scaleRounding))
    }
}
