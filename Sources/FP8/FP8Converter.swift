/// The fast path: table-driven conversion for one (format, policy) pair under round to nearest
/// even, built from the generic core and tested against it and against `NearestCodeOracle`
/// (every bf16 and fp16 input, every fp32 rounding boundary, 10^7 random fp32 values, and all
/// 2^32 fp32 inputs with `fp8moe exhaustive`).
///
/// bf16 and fp16 inputs index a 65536-entry table directly. An fp32 input is split into its top
/// 16 bits `h` (a bf16 pattern) and its low 16 bits `l`. Every rounding threshold of every fp8
/// format (midpoints between neighbours, the overflow thresholds, the max finite value itself
/// for ROCm's pre-rounding test) has at most 5 significant bits, so it is a bf16 value: no
/// threshold lies strictly between `h` and the next bf16 value. The result therefore depends
/// only on `h` and on whether `l` is zero, and a 2 x 65536 table holds every answer:
/// `table[2h]` for `l == 0`, `table[2h + 1]` for `l != 0` (built from `h` with `l = 0x8000`).
/// The same holds for NaN inputs, whose result depends on the sign alone, and for ROCm's x86-64
/// far-underflow behaviour (`ConversionPolicy.FarUnderflow`): its cut-off is a power of two and
/// it rounds `x * 2^64`, whose thresholds scaled back by 2^-64 still have at most 5 significant
/// bits, so they are bf16 values too.
public struct FP8Converter: Sendable {
    public let format: FP8Format
    public let policy: ConversionPolicy
    @usableFromInline let fromBFloat16: [UInt8]
    @usableFromInline let fromFloat16: [UInt8]
    @usableFromInline let fromFloat32: [UInt8]

    public init(format: FP8Format, policy: ConversionPolicy) {
        self.format = format
        self.policy = policy
        fromBFloat16 = (0..<65536).map { format.encode(bits: UInt32($0), from: .bf16, policy: policy) }
        fromFloat16 = (0..<65536).map { format.encode(bits: UInt32($0), from: .f16, policy: policy) }
        fromFloat32 = (0..<131072).map { index in
            let high = UInt32(index >> 1) << 16
            return format.encode(bits: high | (index & 1 == 1 ? 0x8000 : 0), from: .f32, policy: policy)
        }
    }

    /// Converts one fp32 value given as bits.
    @inlinable @inline(__always)
    public func convert(f32Bits bits: UInt32) -> UInt8 {
        fromFloat32[Self.float32TableIndex(bits)]
    }

    /// The entry of `float32Table` that holds the code of fp32 `bits`: the top 16 bits, and
    /// whether the low 16 are non-zero.
    @inlinable @inline(__always)
    public static func float32TableIndex(_ bits: UInt32) -> Int {
        // (l + 0xFFFF) >> 16 is 1 exactly when the low half l is non-zero.
        Int((bits >> 15) & 0x1FFFE | ((bits & 0xFFFF) &+ 0xFFFF) >> 16)
    }

    /// The 2 x 64 Ki table of the fp32 fast path, for callers that keep their own copy in a
    /// hot loop (indexed by `float32TableIndex`).
    public var float32Table: [UInt8] { fromFloat32 }

    /// Converts one bf16 value given as bits.
    @inlinable @inline(__always)
    public func convert(bf16Bits bits: UInt16) -> UInt8 { fromBFloat16[Int(bits)] }

    /// Converts one fp16 value given as bits.
    @inlinable @inline(__always)
    public func convert(f16Bits bits: UInt16) -> UInt8 { fromFloat16[Int(bits)] }

    /// Converts one value of `source` given as bits.
    @inlinable
    public func convert(bits: UInt32, from source: BinaryFormat) -> UInt8 {
        switch source.bitWidth {
        case 32: return convert(f32Bits: bits)
        default: return source == .bf16 ? convert(bf16Bits: UInt16(truncatingIfNeeded: bits))
                                        : convert(f16Bits: UInt16(truncatingIfNeeded: bits))
        }
    }

    /// Converts fp32 bit patterns into `output` (same count), on the calling thread.
    @inlinable
    public func convert(f32Bits input: UnsafeBufferPointer<UInt32>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(input.count == output.count)
        fromFloat32.withUnsafeBufferPointer { table in
            for i in 0..<input.count {
                let bits = input[i]
                output[i] = table[Int((bits >> 15) & 0x1FFFE | ((bits & 0xFFFF) &+ 0xFFFF) >> 16)]
            }
        }
    }

    /// Converts bf16 bit patterns into `output` (same count), on the calling thread.
    @inlinable
    public func convert(bf16Bits input: UnsafeBufferPointer<UInt16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(input.count == output.count)
        fromBFloat16.withUnsafeBufferPointer { table in
            for i in 0..<input.count { output[i] = table[Int(input[i])] }
        }
    }

    /// Converts fp32 bit patterns on every core, in chunks.
    public func convertConcurrently(f32Bits input: UnsafeBufferPointer<UInt32>,
                                    into output: UnsafeMutableBufferPointer<UInt8>, chunk: Int = 1 << 20) {
        precondition(input.count == output.count)
        let source = SharedReads(input), destination = DisjointWrites(output)
        forEachChunkConcurrently(count: input.count, chunk: chunk) { range in
            convert(f32Bits: source.slice(range), into: destination.slice(range))
        }
    }
}
