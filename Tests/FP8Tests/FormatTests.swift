import FP8
import Testing

/// The SPEC section 2 table, checked from the format descriptions (max finite and its code,
/// smallest subnormal, NaN and Inf codes, -0). These constants restate the OCP FP8 spec and the
/// fnuz/e8m0 definitions; the golden tables check the same facts against the implementations.
@Suite struct FormatTests {
    @Test func specTable() {
        let rows: [(FP8Format, Int, Double, UInt8, Double, [UInt8], UInt8?)] = [
            (.e4m3fn, 7, 448, 0x7E, 0x1p-9, [0x7F, 0xFF], nil),
            (.e5m2, 15, 57344, 0x7B, 0x1p-16, [0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF], 0x7C),
            (.e4m3fnuz, 8, 240, 0x7F, 0x1p-10, [0x80], nil),
            (.e5m2fnuz, 16, 57344, 0x7F, 0x1p-17, [0x80], nil),
            (.e8m0fnu, 127, 0x1p127, 0xFE, 0x1p-127, [0xFF], nil),
        ]
        for (format, bias, maxValue, maxCode, minPositive, nans, inf) in rows {
            #expect(format.bias == bias)
            #expect(format.maxFinite == maxValue)
            #expect(format.maxFiniteCode == maxCode)
            #expect(format.minPositive == minPositive)
            #expect(format.allCodes.filter(format.isNaN) == nans, "\(format)")
            #expect(format.infinityCode == inf)
            if let inf { #expect(format.decode(inf) == .infinity && format.decode(inf | 0x80) == -.infinity) }
        }
        #expect(FP8Format.e4m3fn.decode(0x80).sign == .minus && FP8Format.e4m3fn.decode(0x80) == 0)
        #expect(FP8Format.e8m0fnu.decode(0x00) == 0x1p-127)
    }

    /// SPEC section 2's measured facts (H100, torch 2.11 / Triton 3.6).
    @Test func specMeasuredFacts() {
        #expect(FP8Format.e4m3fn.encode(500, policy: .nosat) == 0x7F)
        #expect(FP8Format.e4m3fn.encode(500, policy: .satfinite) == 0x7E)
        #expect(FP8Format.e4m3fn.encode(464, policy: .nosat) == 0x7E)
        #expect(FP8Format.e4m3fn.encode(-.infinity, policy: .nosat) == 0xFF)
        #expect(FP8Format.e4m3fn.encode(-.infinity, policy: .satfinite) == 0xFE)
        #expect(FP8Format.e5m2.encode(61440, policy: .nosat) == 0x7C)
    }

    @Test func namesRoundTrip() {
        for format in FP8Format.all {
            #expect(FP8Format(named: format.name) == format)
            #expect(FP8Format(named: format.dtypeName) == format)
        }
        for policy in ConversionPolicy.all { #expect(ConversionPolicy(named: policy.name) == policy) }
        #expect(FP8Format(named: "e3m4") == nil)
    }

    /// BinaryFormat.roundToNearestEven against the hardware conversions Double -> Float and the
    /// bf16 truncation identity: every bf16 and fp16 value round-trips, and Double -> f32
    /// agrees with Swift's own conversion on random doubles.
    @Test func binaryFormatRounding() {
        for source in [BinaryFormat.bf16, .f16] {
            for bits in UInt32(0)...0xFFFF {
                let v = source.decode(bits)
                if v.isNaN { continue }
                #expect(source.roundToNearestEven(v) == bits, "\(source) \(hex(bits, width: 4))")
            }
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200_000 {
            let d = Double(bitPattern: rng.next() & 0xBFFF_FFFF_FFFF_FFFF | 0x3000_0000_0000_0000)
            if !d.isFinite { continue }
            #expect(BinaryFormat.f32.roundToNearestEven(d) == Float(d).bitPattern, "\(d)")
        }
    }
}
