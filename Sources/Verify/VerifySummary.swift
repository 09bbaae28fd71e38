/// The human-readable summary `fp8moe verify` prints: one line per producer and dataset.
public enum VerifySummary {
    public static func text(_ r: VerifyReport) -> String {
        var out = "\(r.file): \(r.status)\n"
        if r.producers.isEmpty { out += "  (no results under /results)\n" }
        for (name, p) in r.producers.sorted(by: { $0.key < $1.key }) {
            out += "  \(name)\n"
            for (d, s) in p.datasets.sorted(by: { $0.key < $1.key }) {
                if let skipped = s.skipped { out += "    \(d): skipped (\(skipped))\n"; continue }
                var line = "    \(d): \(s.mismatches == 0 ? "ok" : "MISMATCH") \(s.mismatches)/\(s.elements)"
                if let u = s.maxUlp { line += " max_ulp=\(fmt(u))" }
                if let b = s.accumBits { line += " accum_bits=\(fmt(b))" }
                if let b = s.accumBitsBeyondRounding { line += " beyond_rounding=\(fmt(b))" }
                if let m = s.firstMismatch {
                    line += "; first at \(m.coordinates)"
                    if let g = m.group { line += " group \(g)" }
                    if let i = m.inputBits { line += " input \(i)" }
                    line += " expected \(m.expected) actual \(m.actual)"
                    if let c = m.cause { line += " (\(c))" }
                }
                out += line + "\n"
                // SPEC 8.2: one line per cause with its count.
                for c in s.causes ?? [] { out += "      \(c.count) \(c.cause)\n" }
                if let g = s.byGroup, s.mismatches > 0 {
                    out += "      by group: " + g.dropLast().map(String.init).joined(separator: " ")
                        + (g.last! > 0 ? " (outside every group: \(g.last!))" : "") + "\n"
                }
            }
        }
        return out
    }

    static func fmt(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(format: "%.2f", x)
    }
}

import Foundation
