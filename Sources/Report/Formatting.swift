import Foundation

/// Fixed-precision number spellings shared by the Markdown and HTML renderings (the same
/// values always print the same way).
enum Fmt {
    /// SQNR in dB with 2 decimals; `exact` for +inf; `n/a` when undefined.
    static func db(_ x: Double?) -> String {
        guard let x else { return "n/a" }
        if x == .infinity { return "exact" }
        if x == -.infinity { return "-inf" }
        return String(format: "%.2f", x)
    }

    /// A signed difference in dB, `+1.23`.
    static func delta(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, a.isFinite, b.isFinite else { return "" }
        let d = a - b
        return abs(d) < 0.005 ? "0.00" : String(format: "%+.2f", d)
    }

    static func sci(_ x: Double?) -> String {
        guard let x else { return "n/a" }
        if x == 0 { return "0" }
        return String(format: "%.3e", x)
    }

    static func percent(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }

    static func ulps(_ x: Double) -> String { x < 10 ? String(format: "%.2f", x) : String(format: "%.0f", x) }

    static func count(_ x: Int) -> String { String(x) }
}
