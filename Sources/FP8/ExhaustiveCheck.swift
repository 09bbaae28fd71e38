import Synchronization

/// Runs the fast path against the naive oracle over a range of fp32 bit patterns (all 2^32 of
/// them for `fp8moe exhaustive`), on every core, for several policies at once.
public struct ExhaustiveCheck: Sendable {
    public struct Mismatch: Sendable, Hashable {
        public let policy: String
        public let input: UInt32
        public let expected: UInt8
        public let actual: UInt8
    }
    public struct Result: Sendable {
        public var checked: UInt64 = 0
        /// Mismatch counts by policy name.
        public var mismatches: [String: UInt64] = [:]
        /// The first mismatches by input, at most `keep` per policy.
        public var examples: [Mismatch] = []
    }

    public let format: FP8Format
    public let policies: [ConversionPolicy]
    public var keep = 8

    public init(format: FP8Format, policies: [ConversionPolicy]) {
        self.format = format
        self.policies = policies
    }

    /// Checks `range` of fp32 bit patterns in chunks of `chunk`, calling `progress` with the
    /// number of inputs done so far after each chunk (from worker threads).
    public func run(range: ClosedRange<UInt64> = 0...0xFFFF_FFFF, chunk: UInt64 = 1 << 22,
                    progress: @Sendable (UInt64) -> Void = { _ in }) -> Result {
        let oracle = NearestCodeOracle(format)
        let converters = policies.map { FP8Converter(format: format, policy: $0) }
        let total = range.upperBound - range.lowerBound + 1
        let chunks = Int((total + chunk - 1) / chunk)
        let merged = Mutex(Result())
        let done = Mutex<UInt64>(0)
        let keep = self.keep
        forEachChunkConcurrently(count: chunks, chunk: 1) { chunkRange in
            let start = range.lowerBound + UInt64(chunkRange.lowerBound) * chunk
            let end = min(range.upperBound, start + chunk - 1)
            var local = Result()
            // One pass per policy, so the converter is bound once per chunk rather than copied
            // (retained and released) once per element.
            for (converter, policy) in zip(converters, policies) {
                for wide in start...end {
                    let bits = UInt32(wide)
                    let expected = oracle.convert(BinaryFormat.f32.decode(bits), policy: policy)
                    let actual = converter.convert(f32Bits: bits)
                    if expected != actual {
                        local.mismatches[policy.name, default: 0] += 1
                        if local.examples.count < keep * policies.count {
                            local.examples.append(Mismatch(policy: policy.name, input: bits, expected: expected, actual: actual))
                        }
                    }
                }
            }
            local.checked = end - start + 1
            merged.withLock { result in
                result.checked += local.checked
                for (k, v) in local.mismatches { result.mismatches[k, default: 0] += v }
                result.examples += local.examples
            }
            progress(done.withLock { $0 += local.checked; return $0 })
        }
        var result = merged.withLock { $0 }
        result.examples.sort { ($0.policy, $0.input) < ($1.policy, $1.input) }
        var perPolicy: [String: Int] = [:]
        result.examples = result.examples.filter { m in
            perPolicy[m.policy, default: 0] += 1
            return perPolicy[m.policy]! <= keep
        }
        return result
    }
}
