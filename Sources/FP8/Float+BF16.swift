extension Float {
    /// The fp32 value of bf16 bits: bf16 is the high half of fp32 (1 sign, 8 exponent and the
    /// top 7 mantissa bits), so widening is the bits shifted into the high half.
    ///
    /// Postconditions: exact for every pattern (subnormals, infinities, signed zeros and NaN
    /// payloads kept; a signalling NaN stays signalling, as the bits are not computed on).
    @inlinable
    public init(bf16Bits bits: UInt16) {
        self.init(bitPattern: UInt32(bits) << 16)
    }
}
