import FP8
import Generate
import Groups
import HDF5
import Foundation
import GroupedGEMM
import Recipes
import Schema
import TestSupport
import Testing
import Verify

@Suite struct VerifyTests {
    let specials = GeneratorConfig(m: 48, k: 16, n: 8, g: 4, seed: 3, distribution: .heavy, routing: .empty,
                                   injections: [.nan, .inf, .subnormal, .zeroGroup], tailRows: 3)

    /// Plumbing, not evidence: the reference judged against itself (generate -> write -> read ->
    /// verify), over every routing, specials in. Evidence is in the GPU and peer fixture tests.
    @Test func plumbingReferenceResultsRoundTripThroughVerify() throws {
        let dir = temporaryDirectory()
        for (i, routing) in GeneratorConfig.Routing.allCases.enumerated() {
            var c = specials
            c.routing = routing
            c.seed = UInt64(i)
            let (path, _) = try makeFixture(c, in: dir, name: "\(routing).h5")
            let report = try Verifier.verify(path: path)
            #expect(report.agrees, "\(routing): \(VerifySummary.text(report))")
            #expect(report.producers.count == 2)
            #expect(report.producers["reference-rowwise"]?.datasets.count == 15)
            #expect(report.producers["reference-rowwise"]?.datasets.values.allSatisfy { $0.skipped == nil && $0.elements > 0 } == true)
        }
    }

    @Test func payloadCausesAreRecognised() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try makeFixture(specials, in: dir)
        let ref = try reference(path, "rowwise", "a_fp8", as: UInt8.self)
        let nanAt = try #require(ref.values.firstIndex(of: 0x7F))
        var signFlip = ref.values
        signFlip[nanAt] = 0xFF
        var saturated = ref.values
        saturated[nanAt] = 0x7E
        try addProducer(path, "sign", attributes: rowwiseAttributes, codes: ["a_fp8": (signFlip, ref.shape)])
        try addProducer(path, "sat", attributes: rowwiseAttributes, codes: ["a_fp8": (saturated, ref.shape)])

        // The first row of a group quantized with the previous group's scales.
        let offsets = inputs.offsets!
        let g = try #require((1..<offsets.count).first { !GroupOffsets(offsets).rows(of: $0).isEmpty && !GroupOffsets(offsets).rows(of: $0 - 1).isEmpty })
        let row = GroupOffsets(offsets).rows(of: g).lowerBound
        let wg = try reference(path, "rowwise", "a_wgrad_fp8", as: UInt8.self)
        let wgScales = try reference(path, "rowwise", "a_wgrad_scale", as: Float.self)
        var straddle = wg.values
        let q = Quantizer(recipe: .rowwise)
        let k = inputs.a!.shape[1]
        var changed = false
        for c in 0..<k {
            let code = q.code(bf16Bits: inputs.a!.bits[row * k + c], scale: wgScales.values[(g - 1) * k + c])
            if code != straddle[row * k + c] { changed = true }
            straddle[row * k + c] = code
        }
        #expect(changed)
        try addProducer(path, "straddle", attributes: rowwiseAttributes, codes: ["a_wgrad_fp8": (straddle, wg.shape)])

        let report = try Verifier.verify(path: path, producers: ["sign", "sat", "straddle"])
        #expect(!report.agrees)
        #expect(report.producers.count == 3)
        let sign = try #require(report.producers["sign"]?.datasets["a_fp8"])
        #expect(sign.mismatches == 1 && sign.firstMismatch?.cause == MismatchCause.nanByteSign)
        #expect(sign.firstMismatch?.index == nanAt)
        let sat = try #require(report.producers["sat"]?.datasets["a_fp8"])
        #expect(sat.firstMismatch?.cause?.hasPrefix(MismatchCause.saturationVsNaN) == true)
        let st = try #require(report.producers["straddle"]?.datasets["a_wgrad_fp8"])
        #expect(st.firstMismatch?.cause?.hasPrefix(MismatchCause.groupBoundaryUnsized) == true, "\(String(describing: st.firstMismatch))")
        #expect(st.firstMismatch?.group == g && st.firstMismatch?.row == row)
    }

    @Test func scaleCausesAreRecognised() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try makeFixture(GeneratorConfig(m: 32, k: 16, n: 8, g: 2, seed: 9), in: dir)
        var noPow2 = Recipe.rowwise
        noPow2.scalePow2 = false
        let q = try Quantizer(recipe: noPow2).quantize(inputs.a!.bits, shape: inputs.a!.shape, reduction: .rowwise)
        try addProducer(path, "nopow2", attributes: rowwiseAttributes, scales: ["a_scale": (q.scales, [32])])
        let report = try Verifier.verify(path: path, producers: ["nopow2"])
        let s = try #require(report.producers["nopow2"]?.datasets["a_scale"])
        #expect(s.mismatches > 0 && s.firstMismatch?.cause == MismatchCause.pow2Rounding)
        // Declared honestly, the same scales agree.
        var honest = rowwiseAttributes
        honest["scale_pow2"] = "0"
        try addProducer(path, "honest", attributes: honest, scales: ["a_scale": (q.scales, [32, 1])])
        #expect(try Verifier.verify(path: path, producers: ["honest"]).agrees)
    }

    @Test func gemmJudgedUnderTheBound() throws {
        let dir = temporaryDirectory()
        let (path, inputs) = try makeFixture(GeneratorConfig(m: 40, k: 64, n: 8, g: 3, seed: 4, routing: .skewed), in: dir)
        let out = try reference(path, "rowwise", "out", as: UInt16.self)
        // The other bf16 neighbour of E (less than 1 ulp of E away) passes even with accum_eps 0.
        let a = try Quantizer(recipe: .rowwise).quantize(inputs.a!.bits, shape: inputs.a!.shape, reduction: .rowwise)
        let b = try Quantizer(recipe: .rowwise).quantize(inputs.b!.bits, shape: inputs.b!.shape, reduction: .rowwise)
        let (x, y) = try #require(ReferenceGEMM.operands(.out, left: (a, .rowwise), right: (b, .rowwise)))
        var nudged = out.values
        let offsets = inputs.offsets!
        ReferenceGEMM.run(.out, x, y, offsets: offsets, mode: .exact) { block in
            for i in 0..<block.rows {
                for j in 0..<block.columns {
                    let index = (GroupOffsets(offsets).rows(of: block.group).lowerBound + i) * block.columns + j
                    let e = block.value[i * block.columns + j]
                    let r = BinaryFormat.bf16.decode(UInt32(block.bits[i * block.columns + j]))
                    guard e.isFinite, e != r, r != 0 else { continue }
                    // Away from zero is +1 on the bit pattern, towards zero -1.
                    nudged[index] = abs(e) > abs(r) ? nudged[index] + 1 : nudged[index] - 1
                }
            }
        }
        #expect(nudged != out.values)
        try addProducer(path, "ulp", attributes: rowwiseAttributes, bf16: ["out": (nudged, out.shape)],
                        datasetAttributes: ["out": ["accum_eps": "0"]])
        var far = out.values
        far[5] = far[5] ^ 0x0040
        try addProducer(path, "far", attributes: rowwiseAttributes, bf16: ["out": (far, out.shape)])
        let report = try Verifier.verify(path: path, producers: ["ulp", "far"])
        #expect(report.producers["ulp"]?.datasets["out"]?.mismatches == 0)
        let f = try #require(report.producers["far"]?.datasets["out"])
        #expect(f.mismatches == 1 && f.firstMismatch?.index == 5)
        #expect(f.accumBits != nil)
    }

    @Test func gemmRowsOfTheWrongExpertAreNamed() throws {
        let dir = temporaryDirectory()
        let c = GeneratorConfig(m: 40, k: 32, n: 8, g: 2, seed: 12)
        let (path, inputs) = try makeFixture(c, in: dir)
        // A kernel whose boundary is one row late: row offsets[0] is multiplied by expert 0.
        let a = try Quantizer(recipe: .rowwise).quantize(inputs.a!.bits, shape: inputs.a!.shape, reduction: .rowwise)
        let b = try Quantizer(recipe: .rowwise).quantize(inputs.b!.bits, shape: inputs.b!.shape, reduction: .rowwise)
        var late = inputs.offsets!
        late[0] += 1
        let wrong = try #require(try ReferenceGEMM.output(.out, left: (a, .rowwise), right: (b, .rowwise), offsets: late, mode: .exact))
        try addProducer(path, "late", attributes: rowwiseAttributes, bf16: ["out": (wrong.values, wrong.shape)])
        let report = try Verifier.verify(path: path, producers: ["late"])
        let o = try #require(report.producers["late"]?.datasets["out"])
        #expect(o.mismatches > 0 && o.firstMismatch?.row == inputs.offsets![0])
        #expect(o.firstMismatch?.cause == MismatchCause.groupBoundaryUnsized)
    }

    @Test func rowsOutsideEveryGroupAreNeverCompared() throws {
        let dir = temporaryDirectory()
        let (path, _) = try makeFixture(GeneratorConfig(m: 20, k: 8, n: 8, g: 2, seed: 1, tailRows: 6), in: dir)
        let wg = try reference(path, "rowwise", "a_wgrad_fp8", as: UInt8.self)
        let out = try reference(path, "rowwise", "out", as: UInt16.self)
        var junkCodes = wg.values, junkOut = out.values
        for i in (14 * 8)..<(20 * 8) { junkCodes[i] = 0x55; junkOut[i] = 0x7FC0 }
        try addProducer(path, "junk", attributes: rowwiseAttributes,
                        codes: ["a_wgrad_fp8": (junkCodes, wg.shape)], bf16: ["out": (junkOut, out.shape)])
        let report = try Verifier.verify(path: path, producers: ["junk"])
        #expect(report.agrees, "\(VerifySummary.text(report))")
        #expect(report.producers["junk"]?.datasets["a_wgrad_fp8"]?.elements == 14 * 8)
    }

    @Test func invalidFixturesNameFileAndPath() throws {
        let dir = temporaryDirectory()
        // Decreasing offsets.
        var inputs = FixtureGenerator.inputs(GeneratorConfig(m: 8, k: 4, n: 4, g: 2))
        inputs.offsets = [6, 3]
        let p1 = dir.appendingPathComponent("offsets.h5").path
        var file = try HDF5File(creating: p1)
        try FixtureWriter.writeInputs(inputs, to: file, description: "bad offsets")
        try file.commit()
        #expect { try Verifier.verify(path: p1) } throws: { e in
            let e = e as! InvalidFixture
            return e.path == "/inputs/offsets" && e.file == p1 && e.problem.contains("non-decreasing")
        }
        // Offsets beyond M.
        inputs.offsets = [3, 9]
        let p2 = dir.appendingPathComponent("beyond.h5").path
        file = try HDF5File(creating: p2)
        try FixtureWriter.writeInputs(inputs, to: file, description: "offsets beyond M")
        try file.commit()
        #expect { try Verifier.verify(path: p2) } throws: { e in (e as! InvalidFixture).problem.contains("exceeds") }
        // An unknown attribute value on a result dataset.
        let (p3, _) = try makeFixture(GeneratorConfig(m: 8, k: 4, n: 4, g: 2), in: dir, name: "attr.h5")
        try addProducer(p3, "odd", attributes: ["cast_policy": "round-to-zero"], scales: ["a_scale": ([1], [1])])
        #expect { try Verifier.verify(path: p3) } throws: { e in
            let e = e as! InvalidFixture
            return e.path == "/results/odd" && e.problem.contains("cast_policy")
        }
        // An unknown value on a dataset names the dataset.
        try addProducer(p3, "oddset", attributes: [:], scales: ["a_scale": ([1], [1])],
                        datasetAttributes: ["a_scale": ["scale_compute": "fp16"]])
        #expect { try Verifier.verify(path: p3, producers: ["oddset"]) } throws: { e in
            (e as! InvalidFixture).path == "/results/oddset/a_scale"
        }
        // An unknown value on the group itself names the group.
        try addProducer(p3, "badgroup", attributes: ["amax_nan": "clip"])
        #expect { try Verifier.verify(path: p3, producers: ["badgroup"]) } throws: { e in
            (e as! InvalidFixture).path == "/results/badgroup"
        }
        // Unknown producer, missing schema.
        #expect(throws: InvalidFixture.self) { try Verifier.verify(path: p3, producers: ["nobody"]) }
        let p4 = dir.appendingPathComponent("noschema.h5").path
        file = try HDF5File(creating: p4)
        try file.commit()
        #expect { try Verifier.verify(path: p4) } throws: { e in (e as! InvalidFixture).path == "/" }
        // A wrong element type names the dataset.
        try addProducer(p3, "typed", attributes: [:], bf16: ["a_fp8": ([0], [1])])
        #expect { try Verifier.verify(path: p3, producers: ["typed"]) } throws: { e in
            (e as! InvalidFixture).path == "/results/typed/a_fp8"
        }
    }

    /// An attribute verify cannot read as text is an error naming the file, the object and the
    /// attribute (it was once the text "<unreadable attribute>" in the report).
    @Test("an unreadable attribute is an error, not a placeholder", arguments: [
        ("shape", "np.array([1, 2], dtype=np.int32)", "should hold one value"),
        ("pair", "np.array((1, 2.0), dtype=[('a', 'i4'), ('b', 'f8')])", "expected a string or a number"),
    ])
    func unreadableAttributeIsAnError(name: String, value: String, problem: String) throws {
        let (path, _) = try makeFixture(GeneratorConfig(m: 8, k: 4, n: 4, g: 2, withGEMM: false), in: temporaryDirectory())
        try runPython("import sys, h5py, numpy as np\nwith h5py.File(sys.argv[1], 'a') as f:\n"
                      + "    f['/results/reference-rowwise'].attrs['\(name)'] = \(value)", [path])
        #expect { try Verifier.verify(path: path) } throws: { e in
            let e = e as! InvalidFixture
            return e.file == path && e.path == "/results/reference-rowwise" && e.description.contains(name)
                && e.description.contains(problem)
        }
    }
}
