import FP8
import Foundation
import Generate
import GroupedGEMM
import Recipes
import Schema
import Testing
import Verify

/// verify on the block recipes (SPEC 8.3): bad input, the stored forms of scales, block-scaled
/// GEMM outputs, and torchao's eager `to_mx` run on the CPU (fixtures/peers/torchao-cpu-*.h5).
@Suite struct BlockRecipeVerifyTests {
    static let mxAttributes = ["recipe": "mxfp8", "producer": "test"]

    @Test func e8m0ScalesMustBeUint8WithTheirDtype() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try makeFixture(GeneratorConfig(m: 64, k: 64, n: 32, g: 2, seed: 1, recipes: [], withGEMM: false), in: dir)
        let q = try Quantizer(recipe: .mxfp8).quantize(inputs.a!.bits, shape: [64, 64], reduction: .block1x32)
        try addProducer(path, "as-float", attributes: Self.mxAttributes, scales: ["a_scale": (q.scales, [64, 2])])
        #expect { try Verifier.verify(path: path, producers: ["as-float"]) } throws: { e in
            let e = e as! InvalidFixture
            return e.path == "/results/as-float/a_scale" && e.problem.contains("float8_e8m0fnu") && e.problem.contains("float32")
        }
        let codes = q.scales.map(E8M0Scale.code(multiplier:))
        try addProducer(path, "no-dtype", attributes: Self.mxAttributes, codes: ["a_scale": (codes, [64, 2])])
        #expect { try Verifier.verify(path: path, producers: ["no-dtype"]) } throws: { e in
            (e as! InvalidFixture).problem.contains("without a dtype attribute")
        }
        try addProducer(path, "good", attributes: Self.mxAttributes, codes: ["a_scale": (codes, [64, 2]), "a_fp8": (q.codes, [64, 64])],
                        datasetAttributes: ["a_scale": ["dtype": "float8_e8m0fnu"], "a_fp8": ["dtype": "float8_e4m3fn"]])
        // The reference against its own output: this tests the plumbing (reading codes, shapes), not the numerics.
        let r = try Verifier.verify(path: path, producers: ["good"])
        #expect(r.producers["good"]?.datasets["a_scale"]?.mismatches == 0)
        #expect(r.producers["good"]?.datasets["a_scale"]?.elements == 128)
        #expect(r.producers["good"]?.datasets["a_fp8"]?.mismatches == 0)
    }

    @Test func aBlockThatDoesNotDivideIsExit2NamingTheDataset() throws {
        let dir = temporaryDirectory()
        let (path, _) = try makeFixture(GeneratorConfig(m: 64, k: 48, n: 32, g: 2, seed: 2, recipes: [], withGEMM: false), in: dir)
        try addProducer(path, "mx", attributes: Self.mxAttributes, codes: ["a_fp8": ([UInt8](repeating: 0, count: 64 * 48), [64, 48])])
        #expect { try Verifier.verify(path: path) } throws: { e in
            let e = e as! InvalidFixture
            return e.path == "/results/mx/a_fp8" && e.problem.contains("block_1x32 needs the column count 48 to be a multiple of 32 (or declare block_padding = zero)")
        }
    }

    /// A blockwise producer (reciprocal scales, 1x128 activations, 128x128 weights) and its
    /// forward output computed here by `BlockScaledGEMM` from the same operands: verify agrees
    /// (plumbing: the reference against itself), then names planted faults: an output far off,
    /// the multiplier stored where the reciprocal is declared, a scale mode swapped.
    @Test func blockwiseProducerPlumbingAndPlantedFaults() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try makeFixture(GeneratorConfig(m: 48, k: 128, n: 128, g: 2, seed: 3, recipes: [], withGEMM: false), in: dir)
        var recipe = Recipe.blockwise
        recipe.scaleConvention = .reciprocal
        let qa = try Quantizer(recipe: recipe).quantize(inputs.a!.bits, shape: [48, 128], reduction: .block1x128)
        let qb = try Quantizer(recipe: recipe).quantize(inputs.b!.bits, shape: [2, 128, 128], reduction: .block128x128)
        let recipA = qa.scales.map { 1 / $0 }, recipB = qb.scales.map { 1 / $0 }
        var out = GroupedGEMM.assembleRows(totalRows: 48, columns: 128, offsets: inputs.offsets!) { body in
            BlockScaledGEMM().forward(
                a: .init(codes: qa.codes, shape: [48, 128], format: .e4m3fn,
                         scales: BlockScales(dequantization: recipA, rowBlock: 1, columnBlock: 128, gridColumns: 1)),
                b: .init(codes: qb.codes, shape: [2, 128, 128], format: .e4m3fn,
                         scales: BlockScales(dequantization: recipB, rowBlock: 128, columnBlock: 128, gridColumns: 1)),
                offsets: inputs.offsets!, body: body)
        }
        let attributes = ["recipe": "blockwise", "scale_convention": "reciprocal", "producer": "test"]
        try addProducer(path, "bw", attributes: attributes,
                        codes: ["a_fp8": (qa.codes, [48, 128]), "b_fp8": (qb.codes, [2, 128, 128])],
                        scales: ["a_scale": (recipA, [48, 1]), "b_scale": (recipB, [2, 1, 1])], bf16: ["out": (out, [48, 128])])
        let r = try Verifier.verify(path: path, producers: ["bw"])
        for (name, d) in r.producers["bw"]!.datasets {
            #expect(d.skipped == nil && d.mismatches == 0 && d.elements > 0, "\(name): \(d.mismatches) of \(d.elements), \(d.skipped ?? "")")
        }
        out[5 * 128 + 7] ^= 0x0040  // a large error in one output
        var multipliers = recipA
        multipliers[3] = qa.scales[3]
        try addProducer(path, "bw-out", attributes: attributes,
                        codes: ["a_fp8": (qa.codes, [48, 128]), "b_fp8": (qb.codes, [2, 128, 128])],
                        scales: ["a_scale": (recipA, [48, 1]), "b_scale": (recipB, [2, 1, 1])], bf16: ["out": (out, [48, 128])])
        let o = try Verifier.verify(path: path, producers: ["bw-out"]).producers["bw-out"]!.datasets
        #expect(o["out"]?.mismatches == 1)
        #expect(o["out"]?.firstMismatch?.index == 5 * 128 + 7)
        try addProducer(path, "bw-convention", attributes: attributes,
                        codes: ["a_fp8": (qa.codes, [48, 128])], scales: ["a_scale": (multipliers, [48, 1])])
        let c = try Verifier.verify(path: path, producers: ["bw-convention"]).producers["bw-convention"]!.datasets
        #expect(c["a_scale"]?.mismatches == 1)
        #expect(c["a_scale"]?.firstMismatch?.cause == "scale convention: the multiplier is stored (reciprocal declared)")
        #expect(c["a_fp8"]?.mismatches == 0)
    }

    /// torchao's eager `to_mx` (pytorch/ao 36027d82) in all four modes, run on the CPU with
    /// torch 2.13 by scripts/gpu/torchao_blockscaled.py (fixtures/peers/torchao-cpu-*.h5,
    /// provenance in each file): verify agrees bit for bit, payloads and e8m0 scales, blocks with
    /// NaN, +-Inf, -NaN, zeros, subnormals, bf16 max and the EVEN/RCEIL/CEIL boundary amaxes
    /// included.
    @Test("eager to_mx on the CPU agrees in every mode",
          arguments: ["specials", "small-balanced", "skewed-outliers-e4m3fnuz", "single-expert-e5m2"])
    func eagerToMXOnCPUAgrees(_ name: String) throws {
        let path = GPUProducerFixtureTests.root.appendingPathComponent("peers/torchao-cpu-\(name).h5").path
        let r = try Verifier.verify(path: path)
        #expect(r.producers.keys.sorted() == ScaleMode.allCases.map { "torchao-to_mx-\($0.rawValue)" }.sorted())
        for (p, pr) in r.producers {
            #expect(Set(["a_fp8", "a_scale"]).isSubset(of: Set(pr.datasets.keys)), "\(p): \(pr.datasets.keys.sorted())")
            for (d, s) in pr.datasets {
                #expect(s.skipped == nil && s.elements > 0 && s.mismatches == 0, "\(p)/\(d): \(s.causes?.map(\.cause) ?? [])")
            }
        }
    }
}
