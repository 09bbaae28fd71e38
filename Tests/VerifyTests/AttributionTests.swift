import FP8
import Generate
import HDF5
import Foundation
import Recipes
import Schema
import Testing
import Verify

/// PR #4179's per-group quantizer (pytorch/ao bd79c46,
/// `torchao/prototype/moe_training/kernels/fp8_tensorwise_per_group.py`), written here naively
/// from the kernel's source and independent of verify's `FlatBlockGroups`: flat blocks of
/// `blockSize` elements; a block's group is the number of offsets <= its first row, clamped to
/// G - 1; `nan_to_num(x)` in both passes; every amax pass of `amaxBlockSizes` runs into the same
/// buffer (one pass: a normal call; several: the autotuner's first call); scale
/// `fp8_max / max(amax, 1e-12)` in fp64, to fp32, then down to a power of two; the payload
/// `clamp(x * scale)` cast to e4m3fn with Triton's (satfinite) cast.
func prPerGroupKernel(_ x: [UInt16], rows m: Int, columns k: Int, offsets: [Int], amaxBlockSizes: [Int],
                      payloadBlockSize: Int) -> (codes: [UInt8], scales: [Float]) {
    let g = offsets.count
    func value(_ bits: UInt16) -> Double {
        let v = Double(Float(bf16Bits: bits))
        if v.isNaN { return 0 }
        let bf16Max: Double = (2 - 1.0 / 128) * 0x1p127
        return min(max(v, -bf16Max), bf16Max)
    }
    func group(ofBlockStartingAt start: Int) -> Int {
        let firstRow = start / k
        return min(offsets.filter { firstRow >= $0 }.count, g - 1)
    }
    var amax = [Double](repeating: 0, count: g)
    for size in amaxBlockSizes {
        for start in stride(from: 0, to: m * k, by: size) {
            let gi = group(ofBlockStartingAt: start)
            for i in start..<min(start + size, m * k) { amax[gi] = max(amax[gi], abs(value(x[i]))) }
        }
    }
    let scales: [Float] = amax.map { a in
        let s = Float(448.0 / max(a, 1e-12))
        var p: Float = 1
        while p > s { p /= 2 }
        while p * 2 <= s { p *= 2 }
        return p
    }
    var codes = [UInt8](repeating: 0, count: m * k)
    for start in stride(from: 0, to: m * k, by: payloadBlockSize) {
        let gi = group(ofBlockStartingAt: start)
        for i in start..<min(start + payloadBlockSize, m * k) {
            let y = min(max(Float(value(x[i])) * scales[gi], -448), 448)
            codes[i] = FP8Format.e4m3fn.encode(Double(y), policy: .satfinite)
        }
    }
    return (codes, scales)
}

@Suite struct AttributionTests {
    /// M = 256, K = 64, 8 balanced groups of 32 rows: BLOCK_SIZE 2048 (32 rows) never straddles
    /// a boundary, 4096 (64 rows) straddles every other one. Group g's values are scaled by
    /// 2^(2(7-g)) (or 2^(2g) with `increasing`) so that neighbouring groups have different
    /// power-of-two scales; NaN and Inf in.
    func fixture(in dir: URL, increasing: Bool = false) throws -> (String, FixtureInputs) {
        var c = GeneratorConfig(m: 256, k: 64, n: 16, g: 8, seed: 41, distribution: .heavy, routing: .balanced,
                                injections: [.nan, .inf])
        c.recipes = []
        var inputs = FixtureGenerator.inputs(c)
        #expect(inputs.offsets == [32, 64, 96, 128, 160, 192, 224, 256])
        var a = inputs.a!
        for r in 0..<256 {
            for i in r * 64..<(r + 1) * 64 where a.bits[i] & 0x7F80 != 0x7F80 && a.bits[i] & 0x7F80 != 0 {
                a.bits[i] &+= UInt16(2 * (increasing ? r / 32 : 7 - r / 32)) << 7
            }
        }
        inputs.a = a
        let path = dir.appendingPathComponent("pr.h5").path
        let file = try HDF5File(creating: path)
        try FixtureWriter.writeInputs(inputs, to: file, description: "attribution test")
        try file.commit()
        return (path, inputs)
    }

    /// The PR's declared recipe, `recipe` naming the reduction set (SPEC 8.1).
    let prAttributes = ["recipe": "per_group", "producer": "test", "cast_policy": "satfinite",
                        "amax_nan": "nan_to_num", "input_nan_to_num": "1", "scale_compute": "fp64", "scale_pow2": "1"]

    func run(_ path: String, _ inputs: FixtureInputs, _ name: String, amax: [Int], payload: Int) throws -> (DatasetReport, DatasetReport) {
        let k = prPerGroupKernel(inputs.a!.bits, rows: 256, columns: 64, offsets: inputs.offsets!,
                                 amaxBlockSizes: amax, payloadBlockSize: payload)
        try addProducer(path, name, attributes: prAttributes, codes: ["a_wgrad_fp8": (k.codes, [256, 64])],
                        scales: ["a_wgrad_scale": (k.scales, [8])])
        let r = try Verifier.verify(path: path, producers: [name])
        let d = try #require(r.producers[name]?.datasets)
        return (try #require(d["a_wgrad_fp8"]), try #require(d["a_wgrad_scale"]))
    }

    /// Counts add up to `mismatches` in `causes` and in `by_group`.
    func expectConsistent(_ d: DatasetReport) {
        #expect((d.causes ?? []).map(\.count).reduce(0, +) == d.mismatches)
        if let g = d.byGroup { #expect(g.reduce(0, +) == d.mismatches) }
        // An unexplained example carries no cause.
        for c in d.causes ?? [] {
            #expect(!c.examples.isEmpty && c.examples.count <= 5 && c.examples.allSatisfy { ($0.cause ?? "unexplained") == c.cause })
        }
    }

    @Test func prKernelAtANonStraddlingBlockSizeAgrees() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir)
        let (p, s) = try run(path, inputs, "pr-2048", amax: [2048], payload: 2048)
        #expect(p.mismatches == 0 && s.mismatches == 0, "\(String(describing: p.firstMismatch))")
        #expect(p.elements == 256 * 64)
    }

    @Test func everyStraddleMismatchIsAttributedWithItsBlockSize() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir)
        let (p, s) = try run(path, inputs, "pr-4096", amax: [4096], payload: 4096)
        #expect(p.mismatches > 100)
        expectConsistent(p)
        expectConsistent(s)
        let straddle = MismatchCause.groupBoundary(blockSize: 4096)
        #expect(s.mismatches > 0 && s.causes?.allSatisfy { $0.cause == straddle } == true, "\(s.causes?.map(\.cause) ?? [])")
        #expect(p.causes?.allSatisfy { $0.cause.hasPrefix(straddle) } == true, "\(p.causes?.map { "\($0.count) \($0.cause)" } ?? [])")
        // Rows a 64-row block drags across a boundary into the previous group, and the groups
        // whose scale the dragged rows contaminate; nothing outside every group.
        #expect(p.byGroup?.filter { $0 > 0 }.count ?? 0 >= 2 && p.byGroup?[8] == 0, "\(p.byGroup ?? [])")
        // The NaN elements are not the first cause: PR's nan_to_num is the declared recipe.
        #expect(p.causes?.contains { $0.cause == MismatchTally_unexplained } == false)
    }

    /// Group g+1 larger than g: the straddling block's contaminated scale of g is g+1's own, so
    /// the payload of g+1 comes out right and the straddle shows in g's scale (and the payload
    /// that follows it) only; the single block size still reproduces every scale.
    @Test func aStraddleSeenOnlyInTheScalesIsStillNamed() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir, increasing: true)
        let (p, s) = try run(path, inputs, "pr-4096", amax: [4096], payload: 4096)
        expectConsistent(p)
        expectConsistent(s)
        expectScalesNamed(MismatchCause.groupBoundary(blockSize: 4096), payloadFollowing: p, s)
    }

    /// Every scale mismatch has `cause`, and every payload mismatch follows those scales.
    func expectScalesNamed(_ cause: String, payloadFollowing p: DatasetReport, _ s: DatasetReport) {
        #expect(s.mismatches > 0 && s.causes?.allSatisfy { $0.cause == cause } == true, "\(s.causes?.map(\.cause) ?? [])")
        #expect(p.mismatches > 0 && p.causes?.allSatisfy { $0.cause == cause + "; the payload follows that scale" } == true,
                "\(p.causes?.map { "\($0.count) \($0.cause)" } ?? [])")
    }

    @Test func autotunersFirstCallIsAttributedToTheContaminatedAmax() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir)
        let (p, s) = try run(path, inputs, "pr-first-call", amax: [8192, 4096, 2048], payload: 2048)
        expectConsistent(p)
        expectConsistent(s)
        expectScalesNamed(MismatchCause.neighbouringAmax(blockSizes: FlatBlockGroupsSets.nvidia), payloadFollowing: p, s)
    }

    @Test func nanSanitisedInThePayloadIsNamedWhenNotDeclared() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir)
        let k = prPerGroupKernel(inputs.a!.bits, rows: 256, columns: 64, offsets: inputs.offsets!,
                                 amaxBlockSizes: [2048], payloadBlockSize: 2048)
        // Declared as the amax-only nan_to_num of schema 1.0.
        var attributes = prAttributes
        attributes["input_nan_to_num"] = "0"
        try addProducer(path, "amax-only", attributes: attributes, codes: ["a_wgrad_fp8": (k.codes, [256, 64])],
                        scales: ["a_wgrad_scale": (k.scales, [8])])
        let d = try #require(try Verifier.verify(path: path, producers: ["amax-only"]).producers["amax-only"]?.datasets["a_wgrad_fp8"])
        let nans = inputs.a!.bits.filter { $0 & 0x7FFF > 0x7F80 }.count, infs = inputs.a!.bits.filter { $0 & 0x7FFF == 0x7F80 }.count
        #expect(nans > 0 && infs > 0)
        expectConsistent(d)
        let counts = Dictionary(uniqueKeysWithValues: (d.causes ?? []).map { ($0.cause, $0.count) })
        #expect(counts[MismatchCause.inputNaNToNum(sanitised: true, nan: true)] == nans, "\(counts)")
        #expect(d.mismatches <= nans + infs)
    }

    /// SPEC 8.1: `reduction = tensorwise` on the 3-D weight is one scale for all experts (the PR
    /// branch's single-scalar revision, 3322d2f). The naive kernel above with one group over all
    /// G*K rows and one block is that quantizer.
    @Test func tensorwiseOverTheWeightIsOneScaleForAllExperts() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try fixture(in: dir)
        let b = inputs.b!
        let (g, k, n) = (b.shape[0], b.shape[1], b.shape[2])
        let single = prPerGroupKernel(b.bits, rows: g * k, columns: n, offsets: [g * k], amaxBlockSizes: [g * k * n],
                                      payloadBlockSize: g * k * n)
        var attributes = prAttributes
        attributes["recipe"] = "tensorwise"
        attributes["reduction"] = "tensorwise"
        try addProducer(path, "single-scalar", attributes: attributes, codes: ["b_fp8": (single.codes, b.shape)],
                        scales: ["b_scale": (single.scales, [1])])
        let d = try #require(try Verifier.verify(path: path, producers: ["single-scalar"]).producers["single-scalar"]?.datasets)
        #expect(d["b_fp8"]?.mismatches == 0 && d["b_fp8"]?.elements == g * k * n)
        #expect(d["b_scale"]?.mismatches == 0 && d["b_scale"]?.elements == 1)
        // Judged per expert instead, the same bytes mismatch wherever the experts' scales differ.
        attributes["reduction"] = "per_expert"
        let perExpert = prPerGroupKernel(b.bits, rows: g * k, columns: n, offsets: (1...g).map { $0 * k },
                                         amaxBlockSizes: [k * n], payloadBlockSize: k * n)
        #expect(perExpert.scales.count == g && Set(perExpert.scales).count > 1)
    }

    @Test func declarationsParseOnce() throws {
        let d = try RecipeDeclaration(group: ["recipe": "per_group"], dataset: [:])
        #expect(d.reduction == .perGroup && d.recipe.kind == .tensorwise && d.recipe.inputNaNToNum)
        #expect(try RecipeDeclaration(group: ["recipe": "per_group"], dataset: ["reduction": "tensorwise"]).reduction == .tensorwise)
        #expect(try RecipeDeclaration(group: ["recipe": "per_group_column"]).recipe.kind == .rowwise)
        #expect(try RecipeDeclaration(group: ["recipe": "tensorwise"]).reduction == nil)
        #expect(try RecipeDeclaration(group: ["recipe": "rowwise"]).recipe.inputNaNToNum == false)
        #expect(try RecipeDeclaration(group: ["recipe": "tensorwise", "input_nan_to_num": "0"]).recipe.inputNaNToNum == false)
        #expect(try RecipeDeclaration(group: ["use_fast_accum": "1"]).accumEps(contraction: 2048) == 2048 * 0x1p-14)
        #expect(try RecipeDeclaration(group: [:]).accumEps(contraction: 2048) == 2048 * 0x1p-24)
        #expect(try RecipeDeclaration(group: ["use_fast_accum": "1", "accum_eps": "0.5"]).accumEps(contraction: 2048) == 0.5)
        #expect(throws: AttributeError.self) { try RecipeDeclaration(group: ["recipe": "per_token"]) }
        do {
            _ = try RecipeDeclaration(group: ["recipe": "per_token"])
        } catch {
            for known in ["rowwise", "tensorwise", "per_expert", "per_group", "per_group_column"] {
                #expect(error.description.contains(known), "\(error.description)")
            }
        }
        #expect(throws: AttributeError.self) { try RecipeDeclaration(group: ["input_nan_to_num": "yes"]) }
    }
}

/// The PR's NVIDIA autotune configs (bd79c46: BLOCK_SIZE 8192, 4096, 2048).
enum FlatBlockGroupsSets { static let nvidia = [8192, 4096, 2048] }
let MismatchTally_unexplained = "unexplained"
