import FP8
import HDF5

/// One table of a golden file (`fixtures/golden/<producer>.h5`, schema `fp8moe-golden`): the
/// conversions of every input of one source type to one fp8 format by one real implementation,
/// and the emulator policy and rounding rule that reproduce it.
public struct GoldenTable: Sendable, CustomStringConvertible {
    public let file: String
    public let producer: String
    public let source: BinaryFormat
    /// The dataset name: a format, with `.rz` / `.rp` for CUDA's directed e8m0 conversions.
    public let name: String
    public let format: FP8Format
    public let policy: ConversionPolicy
    public let rounding: RoundingRule
    public var path: String { "/\(source.name)/\(name)" }

    public init(file: String, producer: String, source: BinaryFormat, name: String, format: FP8Format,
                policy: ConversionPolicy, rounding: RoundingRule) {
        self.file = file
        self.producer = producer
        self.source = source
        self.name = name
        self.format = format
        self.policy = policy
        self.rounding = rounding
    }
    public var description: String { "\(producer) \(path)" }

    /// Which policy reproduces which producer's table, as found by the golden tests. Where one
    /// producer uses two policies (PyTorch on CUDA casts fp16 through PTX `cvt`, which drops a
    /// NaN's sign), the rule says so. `nil`: no policy is known to reproduce the table.
    public static func pinnedPolicy(producer: String, source: BinaryFormat, table: String)
        -> (ConversionPolicy, RoundingRule)? {
        var rounding: RoundingRule = table.hasSuffix(".rz") ? .towardZero
            : table.hasSuffix(".rp") ? .upward : .toNearestOrEven
        // ROCm 7.x's e8m0 conversions truncate under hipRoundNearest and hipRoundMinInf too.
        if producer.hasPrefix("rocm") && (table.hasSuffix(".rn") || table.hasSuffix(".rm")) { rounding = .towardZero }
        switch producer {
        case "mldtypes": return (.nosatMLDtypes, rounding)
        case "torch-cpu": return (.nosat, rounding)
        case "torch-cuda":
            if source == .f16 && (table == "e4m3fn" || table == "e5m2") { return (.nosatPTX, rounding) }
            return (.nosat, rounding)
        case "triton", "cuda-satfinite", "cuda-host-satfinite": return (.satfinite, rounding)
        case "cuda-nosat", "cuda-host-nosat": return (.nosatPTX, rounding)
        // ROCm's amd_hip_fp8.h host path, compiled for x86-64 (fixtures/golden/README.md).
        case "rocm6.2-satfinite": return (.hipSWROCm62X86, rounding)
        case "rocm6.2-nosat": return (.hipSWNoSatROCm62X86, rounding)
        case "rocm6.3-satfinite": return (.hipSWROCm63X86, rounding)
        case "rocm6.3-nosat": return (.hipSWNoSatROCm63X86, rounding)
        case "rocm7-satfinite": return (.hipSWROCm7X86, rounding)
        case "rocm7-nosat": return (.hipSWNoSatROCm7X86, rounding)
        default: return nil
        }
    }

    /// Every table of a golden file, each with its pinned policy. A table with no pinned policy,
    /// an unknown source group or an unknown format is an error naming the file and the path.
    public static func tables(in file: HDF5File) throws(FixtureError) -> [GoldenTable] {
        let producer = try file.stringAttribute("producer")
        var result: [GoldenTable] = []
        for group in try file.members(of: "/") where group != "inputs" {
            guard let source = BinaryFormat(named: group) else {
                throw FixtureError(file: file.path, path: "/" + group, problem: .invalidArgument("unknown source type '\(group)'"))
            }
            for name in try file.members(of: "/" + group) {
                let path = "/\(group)/\(name)"
                guard let format = FP8Format(named: String(name.split(separator: ".")[0])) else {
                    throw FixtureError(file: file.path, path: path, problem: .invalidArgument("unknown fp8 format"))
                }
                guard let (policy, rounding) = pinnedPolicy(producer: producer, source: source, table: name) else {
                    throw FixtureError(file: file.path, path: path,
                                       problem: .invalidArgument("no policy is pinned for producer '\(producer)'"))
                }
                result.append(GoldenTable(file: file.path, producer: producer, source: source, name: name,
                                          format: format, policy: policy, rounding: rounding))
            }
        }
        return result
    }

    /// The outcome of checking one table.
    public struct Check: Sendable {
        public let table: GoldenTable
        public let rows: Int
        public let mismatches: Int
        /// The first few disagreements: (input bits, expected code, emulator code).
        public let examples: [(input: UInt32, expected: UInt8, actual: UInt8)]
    }

    /// Reproduces the table with the generic core and, for round to nearest even, the fast path;
    /// a row counts as a mismatch when either disagrees with the producer.
    public func check(in file: HDF5File, keep: Int = 10) throws(FixtureError) -> Check {
        let inputs: [UInt32] = source == .f32
            ? try file.readArray("/inputs/f32", as: UInt32.self).values
            : try file.readArray("/inputs/\(source.name)", as: UInt16.self).values.map(UInt32.init)
        let expected = try file.readArray(path, as: UInt8.self).values
        guard expected.count == inputs.count else {
            throw FixtureError(file: file.path, path: path,
                               problem: .wrongShape(expected: [inputs.count], found: [expected.count]))
        }
        let fast = rounding == .toNearestOrEven ? FP8Converter(format: format, policy: policy) : nil
        var mismatches = 0
        var examples: [(UInt32, UInt8, UInt8)] = []
        for (bits, want) in zip(inputs, expected) {
            let core = format.encode(bits: bits, from: source, policy: policy, rounding: rounding)
            let table = fast?.convert(bits: bits, from: source) ?? core
            if core != want || table != want {
                mismatches += 1
                if examples.count < keep { examples.append((bits, want, core != want ? core : table)) }
            }
        }
        return Check(table: self, rows: inputs.count, mismatches: mismatches, examples: examples)
    }
}
