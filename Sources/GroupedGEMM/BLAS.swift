import COpenBLAS

/// Row-major `C = A @ B` (or `A @ B^T`) through CBLAS: A is m x k, B is k x n (n x k when
/// transposed), C is m x n, all contiguous. The project's one BLAS wrapper.
public enum BLAS {
    public static func dgemm(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, transposeB ? Int32(k) : Int32(n), 0, &c, Int32(n))
        return c
    }

    public static func sgemm(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        return c
    }

    /// OpenBLAS's name for the core it runs on, and its thread count (for benchmark headers).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "?" }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
