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

    /// The oracle's own special codes (found by decoding every code) against SPEC section 2's
    /// table, restated here as literals: NaN codes, infinities, -0, max finite code; plus the
    /// NaN results of the policy table (0x7F|s, e5m2 0x7E|s under ml_dtypes) and ROCm 6.2's
    /// "signed_inf" codes (exponent all ones: fixtures/golden/rocm6.2-nosat.h5).
    @Test func specialCodeScanMatchesSpecTable() {
        typealias Row = (FP8Format, pos: [UInt8], neg: [UInt8], inf: UInt8?, negInf: UInt8?, zero: UInt8?,
                         negZero: UInt8?, max: UInt8, negMax: UInt8?, quiet: UInt8, allOnesExp: UInt8)
        let rows: [Row] = [
            (.e4m3fn, [0x7F], [0xFF], nil, nil, 0x00, 0x80, 0x7E, 0xFE, 0x7F, 0x78),
            (.e5m2, [0x7D, 0x7E, 0x7F], [0xFD, 0xFE, 0xFF], 0x7C, 0xFC, 0x00, 0x80, 0x7B, 0xFB, 0x7E, 0x7C),
            (.e4m3fnuz, [], [0x80], nil, nil, 0x00, nil, 0x7F, 0xFF, 0x80, 0x78),
            (.e5m2fnuz, [], [0x80], nil, nil, 0x00, nil, 0x7F, 0xFF, 0x80, 0x7C),
            (.e8m0fnu, [0xFF], [], nil, nil, nil, nil, 0xFE, nil, 0xFF, 0xFF),
        ]
        for r in rows {
            let scan = SpecialCodeScan(r.0)
            #expect(scan.positiveNaNs == r.pos && scan.negativeNaNs == r.neg, "\(r.0)")
            #expect(scan.positiveInfinity == r.inf && scan.negativeInfinity == r.negInf, "\(r.0)")
            #expect(scan.positiveZero == r.zero && scan.negativeZero == r.negZero, "\(r.0)")
            #expect(scan.maxFinite == r.max && scan.negativeMaxFinite == r.negMax, "\(r.0)")
            #expect(scan.nan(negative: false, significand: .quietBit) == r.quiet, "\(r.0)")
            #expect(scan.exponentAllOnes == r.allOnesExp, "\(r.0)")
            #expect(scan.isSigned == (r.0 != .e8m0fnu) && scan.isFNUZ == (r.0 == .e4m3fnuz || r.0 == .e5m2fnuz))
        }
        let e5m2 = SpecialCodeScan(.e5m2)
        #expect(e5m2.nan(negative: true, significand: .allOnes) == 0xFF)
        #expect(e5m2.nan(negative: true, significand: .quietBit) == 0xFE)
        #expect(SpecialCodeScan(.e4m3fn).nan(negative: true, significand: .allOnes) == 0xFF)
        #expect(SpecialCodeScan(.e4m3fnuz).nan(negative: false, significand: .allOnes) == 0x80)
        #expect(e5m2.negated(0x00) == 0x80 && e5m2.negated(0x7C) == 0xFC && e5m2.negated(0x7E) == 0x7E)
        #expect(SpecialCodeScan(.e4m3fnuz).negated(0x00) == 0x00)
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

    /// BinaryFormat.roundToNearestEven against the hardware conversions Double -> Float and
    /// Double -> Float16, and against neighbour picking by decoded value: every bf16 and fp16
    /// value round-trips; its midpoint to the next value goes to the even pattern, the fp64
    /// values either side of the midpoint to the nearer one (the midpoint above the largest
    /// finite value overflows to Inf); Double -> f32 and -> f16 agree with Swift's own
    /// conversions on random doubles.
    @Test func binaryFormatRounding() {
        for source in [BinaryFormat.bf16, .f16] {
            let infinity = source == .bf16 ? UInt32(0x7F80) : 0x7C00
            for bits in UInt32(0)..<infinity {
                let v = source.decode(bits)
                #expect(source.roundToNearestEven(v) == bits, "\(source) \(hex(bits, width: 4))")
                #expect(source.roundToNearestEven(-v) == bits | (1 << UInt32(source.bitWidth - 1)))
                // The next value up; above the largest finite value, where the next binade would start.
                let next = bits + 1 == infinity ? 2 * v - source.decode(bits - 1) : source.decode(bits + 1)
                let mid = (v + next) / 2
                let even = bits & 1 == 0 ? bits : bits + 1
                #expect(source.roundToNearestEven(mid) == even, "\(source) midpoint above \(hex(bits, width: 4))")
                #expect(source.roundToNearestEven(mid.nextDown) == bits, "\(source) below midpoint above \(hex(bits, width: 4))")
                #expect(source.roundToNearestEven(mid.nextUp) == bits + 1, "\(source) above midpoint above \(hex(bits, width: 4))")
            }
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200_000 {
            let d = Double(bitPattern: rng.next() & 0xBFFF_FFFF_FFFF_FFFF | 0x3000_0000_0000_0000)
            if !d.isFinite { continue }
            #expect(BinaryFormat.f32.roundToNearestEven(d) == Float(d).bitPattern, "\(d)")
            // fp16's range, subnormals and overflow included: 2^-30 to 2^16.
            let h = Double(sign: d.sign, exponent: Int(rng.next() % 47) - 30, significand: d.significand)
            #expect(BinaryFormat.f16.roundToNearestEven(h) == UInt32(Float16(h).bitPattern), "\(h)")
        }
    }
}
