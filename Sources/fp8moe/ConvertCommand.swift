import ArgumentParser
import FP8
import Verify

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert values to an fp8 format under a policy; the last field of each line is the code.",
        discussion: """
            VALUE is a decimal (448, -1.5e-3), a hex float (0x1.cp8), inf, nan, or the source's raw \
            bits (0x43e0 for --from bf16). With no VALUE, values are read one per line from stdin.
            Output: input, source bits, source value (exact), fp8 value (exact), code.
            """)

    @Option(help: "fp8 format: e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e8m0fnu.") var format: String
    @Option(help: "Conversion policy: \(ConversionPolicy.all.map(\.name).joined(separator: ", ")).") var policy: String
    @Option(help: "Source type of the values: f32, bf16, f16.") var from: String = "f32"
    @Option(help: "Rounding: rne, rz, ru, sr:BITS (stochastic with the given 32 random bits).") var rounding: String = "rne"
    @Argument(parsing: .allUnrecognized, help: "Values to convert (negative values need no quoting: -1.5).") var values: [String] = []

    func run() throws {
        try exitingOnBadInput {
            let format = try parseFormat(format)
            let policy = try parsePolicy(policy)
            let source = try parseSource(from)
            let rule = try parseRounding(rounding)
            // `--` ends the options (POSIX); everything after it is a value, `-1.5` included.
            var inputs = values
            if let end = inputs.firstIndex(of: "--") { inputs.remove(at: end) }
            if inputs.isEmpty {
                while let line = readLine() {
                    if !line.trimmingCharacters(in: .whitespaces).isEmpty { inputs.append(line) }
                }
            }
            // Validate everything before printing anything, so a bad value leaves no half output.
            let bits = try inputs.map { text in
                do { return try source.parse(text) } catch let e as BinaryFormat.ParseError {
                    throw InputError("convert: \(e)")
                }
            }
            let width = source.bitWidth / 4
            for (text, b) in zip(inputs, bits) {
                let code = format.encode(bits: b, from: source, policy: policy, rounding: rule)
                let sourceValue = source.decode(b)
                let fp8Value = format.decode(code)
                print("\(text.trimmingCharacters(in: .whitespaces))\t\(source.name) \(hex(b, width: width))\t\(show(sourceValue))\t->\t\(show(fp8Value))\t\(hex(code, width: 2))")
            }
        }
    }
}

/// A value as a person reads it: exact decimal where finite, else inf / nan.
func show(_ v: Double) -> String {
    if v.isNaN { return v.sign == .minus ? "-nan" : "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    return ExactDecimal.string(v)
}

import Foundation
