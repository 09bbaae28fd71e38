/// How a dataset is stored.
public enum Compression: Sendable, Equatable {
    /// Contiguous, uncompressed.
    case none
    /// Chunked and deflated (h5py's `compression="gzip", compression_opts=level`), level 0...9.
    /// Scalar and empty datasets cannot be chunked and are stored contiguously.
    case gzip(level: Int)
}
