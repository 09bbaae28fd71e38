import ArgumentParser
import FP8
import Verify

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table", abstract: "List all 256 codes of a format with their exact values.")

    @Argument(help: "fp8 format: e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e8m0fnu.") var format: String

    func run() throws {
        try exitingOnBadInput {
            let f = try parseFormat(format)
            print("# \(f.name): bias \(f.bias), \(f.exponentBits) exponent bits, \(f.mantissaBits) mantissa bits, max finite \(show(f.maxFinite)) (\(hex(f.maxFiniteCode, width: 2)))")
            print("code\tbits\tclass\tvalue")
            for code in f.allCodes {
                let v = f.decode(code)
                let bits = String(code, radix: 2)
                let padded = String(repeating: "0", count: 8 - bits.count) + bits
                let fields = f.isSigned
                    ? "\(padded.prefix(1)).\(padded.dropFirst().prefix(f.exponentBits)).\(padded.suffix(f.mantissaBits))"
                    : padded
                print("\(hex(code, width: 2))\t\(fields)\t\(classify(f, code))\t\(show(v))")
            }
        }
    }

    private func classify(_ f: FP8Format, _ code: UInt8) -> String {
        if f.isNaN(code) { return "nan" }
        if f.isInfinite(code) { return "inf" }
        let v = f.decode(code)
        if v == 0 { return "zero" }
        let field = Int((f.isSigned ? code & 0x7F : code) >> UInt8(f.mantissaBits))
        return field == 0 && f.hasSubnormals ? "subnormal" : "normal"
    }
}
