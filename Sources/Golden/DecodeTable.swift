import FP8
import HDF5

/// A decode table (`fixtures/golden/decode-<producer>.h5`, schema `fp8moe-golden-decode`): every
/// code of one format converted to fp32 by a real implementation (`/decode/<format>`,
/// uint32[256] fp32 bit patterns, made by `scripts/golden_decode.py`).
///
/// The emulator's contract: every non-NaN code decodes to exactly the producer's fp32 bits
/// (values, signed zeros, infinities); every NaN code decodes to a NaN. NaN payloads are each
/// implementation's own (PyTorch 2.11 gives 0x7FF00000 for e4m3fn 0x7F, 0x7F800001 for the fnuz
/// NaN, and on CUDA 0x7FFFFFFF for e5m2 NaNs; ml_dtypes gives the quiet NaN with the code's
/// sign) and are not part of the contract.
public struct DecodeTable: Sendable, CustomStringConvertible {
    public let producer: String
    public let format: FP8Format
    public var path: String { "/decode/\(format.name)" }
    public var description: String { "\(producer) \(path)" }

    /// The outcome of checking one table: codes whose decoded bits disagree (non-NaN), and NaN
    /// codes that did not decode to NaN on either side.
    public struct Check: Sendable {
        public let table: DecodeTable
        public let mismatchedCodes: [(code: UInt8, expected: UInt32, actual: UInt32)]
    }

    public static func tables(in file: HDF5File) throws(FixtureError) -> [DecodeTable] {
        let producer = try file.stringAttribute("producer")
        return try file.members(of: "/decode").map { (name: String) throws(FixtureError) -> DecodeTable in
            guard let format = FP8Format(named: name) else {
                throw FixtureError(file: file.path, path: "/decode/" + name, problem: .invalidArgument("unknown fp8 format"))
            }
            return DecodeTable(producer: producer, format: format)
        }
    }

    public func check(in file: HDF5File) throws(FixtureError) -> Check {
        let expected = try file.readArray(path, as: UInt32.self, shape: [256]).values
        var bad: [(UInt8, UInt32, UInt32)] = []
        for code in format.allCodes {
            let want = expected[Int(code)]
            let got = format.decodeFloat(code).bitPattern
            let wantNaN = Float(bitPattern: want).isNaN, gotNaN = Float(bitPattern: got).isNaN
            if wantNaN != gotNaN || (!wantNaN && want != got) { bad.append((code, want, got)) }
        }
        return Check(table: self, mismatchedCodes: bad)
    }
}
