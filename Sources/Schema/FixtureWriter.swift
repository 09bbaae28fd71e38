import FP8
import HDF5
import GroupedGEMM
import Recipes

/// Writes fixtures in the SPEC section 5 schema: root attributes, `/inputs`, and the
/// emulator's own results under `/results/reference-<recipe>/` (producer "fp8moe-reference").
public enum FixtureWriter {
    /// Writes the root attributes and the inputs.
    public static func writeInputs(_ inputs: FixtureInputs, to file: HDF5File, description: String,
                                   provenance: [String: String] = [:]) throws(FixtureError) {
        try file.setAttribute("schema", FixtureSchema.schema)
        try file.setAttribute("schema_version", FixtureSchema.version)
        try file.setAttribute("description", description)
        for (name, value) in provenance.sorted(by: { $0.key < $1.key }) { try file.setAttribute(name, value) }
        func bf16(_ t: BF16Tensor?, _ path: String) throws(FixtureError) {
            guard let t else { return }
            try file.write(t.bits, shape: t.shape, to: path, compression: compression(t.bits.count))
            try file.setAttribute("dtype", FixtureSchema.bf16DType, at: path)
        }
        try bf16(inputs.a, FixtureSchema.a)
        try bf16(inputs.b, FixtureSchema.b)
        try bf16(inputs.gradOut, FixtureSchema.gradOut)
        if let o = inputs.offsets {
            try file.write(o.map { Int32($0) }, shape: [o.count], to: FixtureSchema.offsets)
        }
    }

    /// Computes and writes the reference results of `recipe`: every quantized operand whose
    /// inputs are present, and (if `gemm`) every GEMM output, exact mode.
    public static func writeReference(_ inputs: FixtureInputs, recipe: Recipe, gemm: Bool,
                                      to file: HDF5File) throws -> [String] {
        let group = FixtureSchema.referenceGroup(recipe.kind.rawValue)
        try file.createGroup(group)
        try file.setAttribute("producer", FixtureSchema.referenceProducer, at: group)
        try file.setAttribute("device", "cpu", at: group)
        try file.setAttribute("software", "fp8moe reference (Swift bit-exact emulator; exact grouped GEMM, one rounding)", at: group)
        for (name, value) in recipe.attributes.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .string(let s): try file.setAttribute(name, s, at: group)
            case .integer(let i): try file.setAttribute(name, i, at: group)
            }
        }
        let reference = ReferenceQuantization(inputs: inputs)
        var written: [String] = []
        var quantized: [Operand: (QuantizedTensor, Reduction)] = [:]
        for op in Operand.allCases {
            let reduction = op.reduction(under: recipe.kind)
            if reference.missing(op, reduction: reduction) != nil { continue }
            let q = try reference.quantize(op, recipe: recipe, reduction: reduction)
            quantized[op] = (q, reduction)
            let payload = "\(group)/\(op.rawValue)_fp8", scale = "\(group)/\(op.rawValue)_scale"
            try file.write(q.codes, shape: q.shape, to: payload, compression: compression(q.codes.count))
            try file.setAttribute("dtype", recipe.format.dtypeName, at: payload)
            try file.setAttribute("reduction", reduction.rawValue, at: payload)
            try file.write(q.scales, shape: q.scaleShape, to: scale)
            try file.setAttribute("reduction", reduction.rawValue, at: scale)
            written += [payload, scale]
        }
        guard gemm, let offsets = inputs.offsets else { return written }
        for kind in GEMMKind.allCases {
            let (l, r) = kind.operands
            guard let (lq, lr) = quantized[l], let (rq, rr) = quantized[r] else { continue }
            guard let bits = try ReferenceGEMM.output(kind, left: (lq, lr), right: (rq, rr), offsets: offsets, mode: .exact) else { continue }
            let path = "\(group)/\(kind.rawValue)"
            try file.write(bits.values, shape: bits.shape, to: path, compression: compression(bits.values.count))
            try file.setAttribute("dtype", FixtureSchema.bf16DType, at: path)
            try file.setAttribute("accum_eps", 0.0, at: path)
            try file.setAttribute("gemm_mode", GEMMMode.exact.rawValue, at: path)
            written.append(path)
        }
        return written
    }

    static func compression(_ count: Int) -> Compression { count >= 4096 ? .gzip(level: 4) : .none }
}
