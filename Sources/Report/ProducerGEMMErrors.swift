import FP8
import Fixtures
import GroupedGEMM
import Metrics
import Recipes
import Verify

/// bf16 ULP histograms of a producer's GEMM outputs against the exact reference E (the exact
/// value of the producer's own quantized operands when it wrote them, else of the reference
/// quantization under its declared recipe), as `fp8moe verify` judges them; rows outside every
/// group are left out. Dataset-level attribute overrides other than `reduction` and `dtype` are
/// not applied here (verify applies them all; the report takes the verdict from verify).
enum ProducerGEMMErrors {
    static func histograms(path: String, inputs: FixtureInputs, verify: VerifyReport) throws -> [String: [String: ULPHistogram]] {
        guard let offsets = inputs.offsets else { return [:] }
        let file = try HDF5File(reading: path)
        defer { file.close() }
        let reference = ReferenceQuantization(inputs: inputs)
        var result: [String: [String: ULPHistogram]] = [:]
        for (producer, p) in verify.producers.sorted(by: { $0.key < $1.key }) {
            guard let recipe = try? Recipe(attributes: p.attributes) else { continue }
            let group = "/results/\(producer)"
            for kind in GEMMKind.allCases {
                guard let d = p.datasets[kind.rawValue], d.skipped == nil else { continue }
                var sides: [(QuantizedTensor, Reduction)] = []
                for op in [kind.operands.0, kind.operands.1] {
                    let payload = "\(group)/\(op.rawValue)_fp8", scale = "\(group)/\(op.rawValue)_scale"
                    if try file.exists(payload), try file.exists(scale) {
                        let codes = try file.readArray(payload, as: UInt8.self)
                        let scales = try file.readArray(scale, as: Float.self)
                        var reduction = op.reduction(under: recipe.kind)
                        if try file.hasAttribute("reduction", at: payload),
                           let r = Reduction(rawValue: try file.stringAttribute("reduction", at: payload)) { reduction = r }
                        var format = recipe.format
                        if try file.hasAttribute("dtype", at: payload),
                           let f = FP8Format(named: String(try file.stringAttribute("dtype", at: payload).dropFirst("float8_".count))) {
                            format = f
                        }
                        sides.append((QuantizedTensor(codes: codes.values, shape: codes.shape, scales: scales.values,
                                                      scaleShape: scales.shape.isEmpty ? [1] : scales.shape, format: format), reduction))
                    } else {
                        let reduction = op.reduction(under: recipe.kind)
                        guard reference.missing(op, reduction: reduction) == nil else { break }
                        sides.append((try reference.quantize(op, recipe: recipe, reduction: reduction), reduction))
                    }
                }
                guard sides.count == 2, let (x, y) = ReferenceGEMM.operands(kind, left: sides[0], right: sides[1]),
                      ReferenceGEMM.inconsistency(kind, x, y, groups: offsets.count) == nil else { continue }
                let actual = try file.readArray("\(group)/\(kind.rawValue)", as: UInt16.self).values
                var hist = ULPHistogram()
                ReferenceGEMM.run(kind, x, y, offsets: offsets, mode: .exact) { block in
                    let rows = GroupedGEMM.rows(offsets, block.group)
                    for i in 0..<block.rows {
                        for j in 0..<block.columns {
                            let e = i * block.columns + j
                            let index = kind == .gradB ? (block.group * block.rows + i) * block.columns + j
                                                       : (rows.lowerBound + i) * block.columns + j
                            guard index < actual.count else { continue }
                            hist.add(ideal: block.value[e], actual: Double(Float(bitPattern: UInt32(actual[index]) << 16)))
                        }
                    }
                }
                result[producer, default: [:]][kind.rawValue] = hist
            }
        }
        return result
    }
}
