import FP8
import Parallel

/// Exact integer dot products of two fp8 matrices: `D = X @ Y` over the integer-scaled codes
/// (`IntegerCodes`), and `S = |X| @ |Y|`.
///
/// Exactness (SPEC section 4): a product of two integer-scaled codes has at most
/// `bx + by` bits (36 for e4m3fn x e4m3fn), so a sum of R of them is exact in fp64 while
/// `R * 2^(bx+by) <= 2^53`: then one `cblas_dgemm` is exact whatever its summation order.
/// Otherwise (e5m2, or R >= 2^17 for e4m3) each operand is split into a high and a low limb
/// (`x = xh * 2^s + xl`) and four exact dgemms are combined in Int128; if even the limbs are too
/// wide, a plain Int128 loop. `S` takes the single dgemm of magnitudes (exact under the same
/// bound, else within fp64 rounding: it only feeds the verify bound).
///
/// Elements whose row of X or column of Y holds a NaN or Inf code are not integers: they are
/// flagged in `special` and their value is the plain Double dot product of the decoded values
/// (NaN or +-Inf).
struct ExactDot: Sendable {
    var dots: [Int128]
    var absSums: [Double]
    /// For elements touched by NaN / Inf codes: index -> the non-finite dot product.
    var special: [Int: Double]
    /// Whether row i of X (column j of Y) holds a NaN or Inf code: element (i, j) is in
    /// `special` exactly when `rowSpecial[i] || columnSpecial[j]`.
    var rowSpecial: [Bool]
    var columnSpecial: [Bool]

    /// `magnitudes: false` leaves `absSums` empty and skips its GEMM.
    init(x: MatrixView, xCodes: IntegerCodes, y: MatrixView, yCodes: IntegerCodes, magnitudes: Bool = true) {
        let (p, r, q) = (x.rows, x.columns, y.columns)
        precondition(y.rows == r, "inner dimensions differ")
        var xi = [Double](repeating: 0, count: p * r)
        var yi = [Double](repeating: 0, count: r * q)
        var xa = [Double](repeating: 0, count: magnitudes ? p * r : 0)
        var ya = [Double](repeating: 0, count: magnitudes ? r * q : 0)
        let withMagnitudes = magnitudes
        var rowSpecial = [Bool](repeating: false, count: p)
        var columnSpecial = [Bool](repeating: false, count: q)
        // Integer codes and their magnitudes, on every core: X by rows, Y by columns (so that
        // each task owns its rowSpecial / columnSpecial entries).
        forEachChunk(count: p, chunk: max(1, 16384 / max(r, 1)), writing: &xi, &xa, &rowSpecial) { rows, values, absolute, special in
            for i in rows {
                for k in 0..<r {
                    let c = Int(x[i, k])
                    let v = xCodes.integer[c]
                    values[i * r + k] = v
                    if withMagnitudes { absolute[i * r + k] = abs(v) }
                    if xCodes.isSpecial[c] { special[i] = true }
                }
            }
        }
        forEachChunk(count: q, chunk: max(16, 16384 / max(r, 1)), writing: &yi, &ya, &columnSpecial) { columns, values, absolute, special in
            for k in 0..<r {
                for j in columns {
                    let c = Int(y[k, j])
                    let v = yCodes.integer[c]
                    values[k * q + j] = v
                    if withMagnitudes { absolute[k * q + j] = abs(v) }
                    if yCodes.isSpecial[c] { special[j] = true }
                }
            }
        }
        let productBits = xCodes.magnitudeBits + yCodes.magnitudeBits
        let exactInDouble = Self.fits(terms: r, bits: productBits)
        absSums = magnitudes ? BLAS.dgemm(xa, ya, m: p, n: q, k: r) : []
        if exactInDouble {
            dots = BLAS.dgemm(xi, yi, m: p, n: q, k: r).map(Self.integer)
        } else {
            let sx = (xCodes.magnitudeBits + 1) / 2
            let sy = (yCodes.magnitudeBits + 1) / 2
            let limbBits = max(sx, xCodes.magnitudeBits - sx) + max(sy, yCodes.magnitudeBits - sy)
            if Self.fits(terms: r, bits: limbBits) {
                let (xh, xl) = Self.split(xi, sx)
                let (yh, yl) = Self.split(yi, sy)
                let hh = BLAS.dgemm(xh, yh, m: p, n: q, k: r)
                let hl = BLAS.dgemm(xh, yl, m: p, n: q, k: r)
                let lh = BLAS.dgemm(xl, yh, m: p, n: q, k: r)
                let ll = BLAS.dgemm(xl, yl, m: p, n: q, k: r)
                dots = (0..<(p * q)).map { i in
                    (Self.integer(hh[i]) << (sx + sy)) + (Self.integer(hl[i]) << sx) + (Self.integer(lh[i]) << sy) + Self.integer(ll[i])
                }
            } else {
                var d = [Int128](repeating: 0, count: p * q)
                for i in 0..<p {
                    for j in 0..<q {
                        var sum: Int128 = 0
                        for k in 0..<r { sum += Self.integer(xi[i * r + k]) * Self.integer(yi[k * q + j]) }
                        d[i * q + j] = sum
                    }
                }
                dots = d
            }
        }
        self.rowSpecial = rowSpecial
        self.columnSpecial = columnSpecial
        special = [:]
        if rowSpecial.contains(true) || columnSpecial.contains(true) {
            for i in 0..<p {
                for j in 0..<q where rowSpecial[i] || columnSpecial[j] {
                    var sum = 0.0
                    for k in 0..<r {
                        sum += Double(xCodes.value[Int(x[i, k])]) * Double(yCodes.value[Int(y[k, j])])
                    }
                    special[i * q + j] = sum
                }
            }
        }
    }

    /// An integer-valued Double below 2^63 in magnitude (every code, limb and exact dgemm
    /// result here is below 2^53) as Int128, through Int64: the same value as `Int128(v)`,
    /// without the generic floating-point-to-integer conversion, which is slow.
    @inline(__always) static func integer(_ v: Double) -> Int128 { Int128(Int64(v)) }

    /// Whether a sum of `terms` integers of at most `bits` bits each is exact in fp64.
    static func fits(terms: Int, bits: Int) -> Bool {
        guard terms > 0 else { return true }
        let termBits = Int.bitWidth - (terms - 1).leadingZeroBitCount  // ceil(log2(terms)), >= 0
        return termBits + bits <= 53
    }

    /// `v = h * 2^s + l` with h and l carrying v's sign.
    static func split(_ v: [Double], _ s: Int) -> ([Double], [Double]) {
        let scale = Double(sign: .plus, exponent: s, significand: 1)
        let h = v.map { ($0 / scale).rounded(.towardZero) }
        let l = zip(v, h).map { $0 - $1 * scale }
        return (h, l)
    }
}
