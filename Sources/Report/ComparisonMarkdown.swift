import Metrics

/// The Markdown rendering of a `Comparison`: a summary, a table per tensor (recipes side by
/// side) and a per-group table per tensor.
public enum ComparisonMarkdown {
    /// `blastRadiusImage`: a path to the blast-radius SVG to show above its table.
    public static func render(_ c: Comparison, title: String = "fp8moe compare", blastRadiusImage: String? = nil) -> String {
        var out = "# \(title)\n\n"
        out += header(c)
        out += "## Summary\n\n" + summary(c) + "\n"
        out += blastRadius(c, image: blastRadiusImage)
        out += "Token SQNR: the SQNR of each token row (rows without signal left out); min is the worst token "
            + "(its row in brackets), p1 the 1st percentile (nearest rank). A tensor SQNR is dominated by the "
            + "largest tokens; the token distribution shows what a scale shared by many tokens does to the small ones.\n\n"
        for name in c.tensorNames {
            out += "## `\(name)`\(isGEMM(name) ? " (GEMM output)" : " (quantized operand)")\n\n"
            out += tensorTable(c, name) + "\n"
            out += "Per group:\n\n" + groupTable(c, name) + "\n"
        }
        for r in c.recipes where !r.notes.isEmpty {
            out += "Notes for `\(r.label)`:\n\n" + r.notes.map { "- \($0)\n" }.joined() + "\n"
        }
        return out
    }

    /// What one planted NaN / +Inf does under each recipe (`BlastRadius`).
    static func blastRadius(_ c: Comparison, image: String?) -> String {
        let present = c.recipes.filter { !($0.blastRadius ?? []).isEmpty }
        guard !present.isEmpty else { return "" }
        var out = "## What one NaN or one Inf does\n\n"
        out += "One NaN, then one +Inf, planted in a probe activation `a` [256, 512] at [130, 200] and a probe weight `b` "
            + "[2, 256, 256] at [1, 130, 200] (every other element within a factor 1.75 of 1), quantized under each recipe and "
            + "dequantized as the GEMM sees it (code value times the scale's dequantization factor; a code 0 times the "
            + "infinite reciprocal of a zero scale is NaN). Each cell: elements lost, planted one included = how "
            + "(non-finite, zeroed); the reduction set that shares the planted element's scale in brackets.\n\n"
        if let image { out += "![blast radius](\(image))\n\n" }
        let columns = present[0].blastRadius!.map { ($0.operand, $0.planted) }
        out += "| recipe |" + columns.map { " \($0.1) in `\($0.0)` |" }.joined() + "\n"
        out += "|---|" + String(repeating: "---:|", count: columns.count) + "\n"
        for r in present {
            out += "| `\(r.label)` |"
            for (op, planted) in columns {
                guard let b = r.blastRadius!.first(where: { $0.operand == op && $0.planted == planted }) else { out += " - |"; continue }
                out += " \(cell(b)) |"
            }
            out += "\n"
        }
        return out + "\n"
    }

    static func cell(_ b: BlastRadius) -> String {
        let nonFinite = b.poisoned + (b.own == "NaN" || b.own == "Inf" ? 1 : 0)
        let zeroed = b.zeroed + (b.own == "0" ? 1 : 0)
        var parts: [String] = []
        if nonFinite > 0 { parts.append("\(nonFinite) NaN/Inf") }
        if zeroed > 0 { parts.append("\(zeroed) zeroed") }
        if b.changed > 0 { parts.append("\(b.changed) changed") }
        let set = "[\(b.reduction): \(b.scaleSet)]"
        if parts.isEmpty { return "0 (itself \(b.own)) \(set)" }
        return "**\(nonFinite + zeroed)** = \(parts.joined(separator: " + ")) \(set)"
    }

    static func isGEMM(_ name: String) -> Bool { ["out", "grad_a", "grad_b"].contains(name) }

    static func header(_ c: Comparison) -> String {
        var rowsPerGroup: [Int] = []
        var previous = 0
        for o in c.offsets { rowsPerGroup.append(o - previous); previous = o }
        var out = "- Fixture: `\(c.file)`: M=\(c.m) K=\(c.k) N=\(c.n) G=\(c.g); rows per group \(rowsPerGroup)"
        if let last = c.offsets.last, last < c.m { out += "; \(c.m - last) rows in no group (not measured)" }
        out += "\n- Ideal: \(c.ideal)\n"
        out += "- Recipe GEMMs: reference grouped GEMM, \(c.gemmMode == "exact" ? "`exact` mode (the exact result of the dequantized fp8 operands, one rounding to bf16)" : "`fp32` mode (BLAS fp32 accumulation, fp32 epilogue, one rounding to bf16): not the exact reference")\n"
        out += "- Sampling: \(c.sampling ?? "none (every element measured)")\n"
        out += "- Recipes:\n"
        for r in c.recipes { out += "  - `\(r.label)`: \(r.recipe)\n" }
        return out + "\n"
    }

    public static func summary(_ c: Comparison) -> String {
        let labels = c.recipes.map(\.label)
        if labels.count > 2 { return wideSummary(c) }
        var head = "| tensor |" + labels.map { " SQNR `\($0)` |" }.joined() + labels.map { " worst token `\($0)` |" }.joined()
        var rule = "|---|" + String(repeating: "---:|", count: 2 * labels.count)
        if labels.count == 2 {
            head += " tensor SQNR difference | worst-token difference |"
            rule += "---:|---:|"
        }
        var out = head + "\n" + rule + "\n"
        for name in c.tensorNames {
            let ts = c.recipes.map { $0.tensor(name) }
            out += "| `\(name)` |" + ts.map { " \(Fmt.db($0?.total.sqnrDB)) |" }.joined()
            out += ts.map { " \(worst($0)) |" }.joined()
            if ts.count == 2 {
                out += " \(Fmt.delta(ts[0]?.total.sqnrDB, ts[1]?.total.sqnrDB)) | \(Fmt.delta(ts[0]?.rowSQNR?.min, ts[1]?.rowSQNR?.min)) |"
            }
            out += "\n"
        }
        return out + (labels.count == 2 ? "\nDifferences in dB, `\(labels[0])` minus `\(labels[1])`.\n" : "")
    }

    /// More than two recipes: tensor SQNR, worst token, and NaN / saturated / flushed counts,
    /// each a table with the recipes as columns.
    static func wideSummary(_ c: Comparison) -> String {
        let labels = c.recipes.map(\.label)
        let head = "| tensor |" + labels.map { " `\($0)` |" }.joined() + "\n|---|" + String(repeating: "---:|", count: labels.count) + "\n"
        func table(_ cell: (TensorErrors?) -> String) -> String {
            head + c.tensorNames.map { name in
                "| `\(name)` |" + c.recipes.map { " \(cell($0.tensor(name))) |" }.joined() + "\n"
            }.joined()
        }
        var out = "Tensor SQNR (dB; - where the recipe does not apply, see the notes):\n\n" + table { $0.map { Fmt.db($0.total.sqnrDB) } ?? "-" }
        out += "\nWorst token SQNR (dB) [its row], then the 1st-percentile token:\n\n" + table { t in
            guard let t, t.rowSQNR != nil else { return "-" }
            return "\(worst(t)); p1 \(Fmt.db(t.rowSQNR?.p1))"
        }
        out += "\nNaN / saturated / flushed elements:\n\n" + table { t in
            guard let s = t?.total else { return "-" }
            return "\(s.nan + s.idealNaN) / \(s.saturated) / \(s.flushed)"
        }
        return out
    }

    static func worst(_ t: TensorErrors?) -> String {
        guard let q = t?.rowSQNR else { return "-" }
        guard let m = q.min else { return "n/a" }
        return "\(Fmt.db(m)) [\(q.argmin!)]"
    }

    static func tensorTable(_ c: Comparison, _ name: String) -> String {
        let gemm = isGEMM(name)
        var out = "| recipe | elements | SQNR dB | rel. Frobenius | max abs error | token SQNR min [row] | p1 | median |"
            + " NaN | non-finite | saturated | flushed |" + (gemm ? " <=0.5 ulp | <=1 ulp | max ulp |" : "") + "\n"
        out += "|---|" + String(repeating: "---:|", count: gemm ? 14 : 11) + "\n"
        for r in c.recipes {
            guard let t = r.tensor(name) else { continue }
            let s = t.total
            out += "| `\(r.label)` | \(s.elements) | \(Fmt.db(s.sqnrDB)) | \(Fmt.sci(s.relativeFrobenius)) | \(Fmt.sci(s.maxAbsError)) |"
            out += " \(worst(t)) | \(Fmt.db(t.rowSQNR?.p1)) | \(Fmt.db(t.rowSQNR?.median)) |"
            out += " \(s.nan + s.idealNaN) | \(s.nonFinite) | \(s.saturated) | \(s.flushed) |"
            if let u = t.ulp {
                out += " \(Fmt.percent(u.fractionWithin(0.5))) | \(Fmt.percent(u.fractionWithin(1))) | \(Fmt.ulps(u.maxULP)) |"
            }
            out += "\n"
        }
        return out
    }

    static func groupTable(_ c: Comparison, _ name: String) -> String {
        let present = c.recipes.filter { $0.tensor(name) != nil }
        var out = "| group | elements |" + present.map { " SQNR `\($0.label)` |" }.joined()
            + present.map { " flushed `\($0.label)` |" }.joined() + "\n"
        out += "|---:|---:|" + String(repeating: "---:|", count: 2 * present.count) + "\n"
        for g in 0..<c.g {
            let gs = present.map { $0.tensor(name)!.groups[g] }
            out += "| \(g) | \(gs.first?.elements ?? 0) |" + gs.map { " \(Fmt.db($0.sqnrDB)) |" }.joined()
                + gs.map { " \($0.flushed) |" }.joined() + "\n"
        }
        return out
    }
}
