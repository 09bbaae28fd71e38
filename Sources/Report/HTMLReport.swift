import Foundation
import Metrics
import Verify

/// The self-contained `index.html`: inline CSS and SVG, no scripts, no network.
public enum HTMLReport {
    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a202c;margin:0;background:#f7fafc}
        main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
        h1{font-size:24px;margin:8px 0}h2{font-size:19px;margin:28px 0 6px;padding-top:10px;border-top:2px solid #cbd5e0}
        h3{font-size:15px;margin:16px 0 6px;color:#2d3748}
        table{border-collapse:collapse;margin:6px 0 10px;font-size:12.5px;background:white}
        th,td{border:1px solid #e2e8f0;padding:3px 7px;text-align:right;vertical-align:top}
        th{background:#edf2f7;font-weight:600}td.l,th.l{text-align:left}
        code{font:12px ui-monospace,Menlo,Consolas,monospace}
        .badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:600;color:white}
        .agree{background:#2f855a}.mismatch{background:#c53030}.invalid{background:#744210}.skipped{background:#a0aec0}
        .ok{color:#2f855a}.bad{color:#c53030;font-weight:600}.muted{color:#718096}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:6px 16px}
        .card{background:white;border:1px solid #e2e8f0;border-radius:6px;padding:6px 10px}
        .card h4{margin:2px 0 4px;font-size:13px}
        .small{font-size:11.5px}
        """

    public static func render(_ reports: [FixtureReport], title: String = "fp8moe report", generated: String) -> String {
        var h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>\(SVG.esc(title))</title><style>\(style)</style></head><body><main>"
        h += "<h1>\(SVG.esc(title))</h1><p class=\"muted\">\(SVG.esc(generated))</p>"
        h += overview(reports)
        for r in reports { h += section(r) }
        h += "</main></body></html>\n"
        return h
    }

    static func badge(_ verdict: String) -> String { "<span class=\"badge \(verdict)\">\(verdict)</span>" }

    static func anchor(_ r: FixtureReport) -> String {
        r.file.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    }

    static func overview(_ reports: [FixtureReport]) -> String {
        let counts = Dictionary(grouping: reports, by: \.verdict).mapValues(\.count)
        var h = "<p>\(reports.count) fixtures: " + ["agree", "mismatch", "invalid"].compactMap { v in counts[v].map { "\($0) \(badge(v))" } }.joined(separator: " ") + "</p>"
        h += "<table><tr><th class=\"l\">fixture</th><th>verdict</th><th class=\"l\">producers</th><th class=\"l\">mismatching datasets (first causes)</th>"
        h += "<th>worst token SQNR of <code>a</code>, rowwise / tensorwise (dB)</th></tr>"
        for r in reports {
            let producers = r.verify?.producers.keys.sorted().joined(separator: ", ") ?? ""
            let bad = MismatchDigest.lines(r.verify).map { line in
                "<b>\(SVG.esc(line.producer))</b>: " + line.datasets.map { "<code>\(SVG.esc($0))</code>" }.joined(separator: ", ")
                    + "<br><span class=\"muted\">\(SVG.esc(line.causes.joined(separator: "; ")))</span>"
            }
            var worst = ""
            if let c = r.comparison {
                worst = c.recipes.map { Fmt.db($0.tensor("a")?.rowSQNR?.min) }.joined(separator: " / ")
            }
            h += "<tr><td class=\"l\"><a href=\"#\(anchor(r))\">\(SVG.esc(r.name))</a></td><td>\(badge(r.verdict))</td>"
            h += "<td class=\"l small\">\(SVG.esc(producers))</td><td class=\"l\">\(bad.isEmpty ? (r.invalid.map { SVG.esc($0) } ?? "<span class=\"ok\">none</span>") : bad.joined(separator: "<br>"))</td><td>\(worst)</td></tr>"
        }
        return h + "</table>"
    }

    static func section(_ r: FixtureReport) -> String {
        var h = "<h2 id=\"\(anchor(r))\">\(SVG.esc(r.name)) \(badge(r.verdict))</h2><p class=\"muted\"><code>\(SVG.esc(r.file))</code>"
        if let c = r.comparison { h += " &middot; M=\(c.m) K=\(c.k) N=\(c.n) G=\(c.g), offsets \(c.offsets)" }
        h += "</p>"
        if let why = r.invalid { return h + "<p class=\"bad\">invalid fixture: \(SVG.esc(why))</p>" }
        if let v = r.verify { h += verifyTables(v) + causeTables(v) }
        if !r.producerUlp.isEmpty { h += producerHistograms(r.producerUlp) }
        if let c = r.comparison { h += comparison(c) } else if let why = r.comparisonSkipped {
            h += "<p class=\"muted\">compare skipped: \(SVG.esc(why))</p>"
        }
        return h
    }

    static func verifyTables(_ v: VerifyReport) -> String {
        var h = "<h3>Verify: every result recomputed (payloads and scales bit for bit, GEMM outputs under the SPEC 4 bound)</h3>"
        h += "<table><tr><th class=\"l\">producer</th><th class=\"l\">dataset</th><th>status</th><th>mismatches / elements</th><th>max ulp</th><th>accum bits</th>"
        h += "<th class=\"l\">first mismatch: where</th><th class=\"l\">expected &rarr; actual</th><th class=\"l\">cause</th></tr>"
        for (p, pr) in v.producers.sorted(by: { $0.key < $1.key }) {
            // Every GEMM output, and every dataset that mismatches or was skipped, gets a row;
            // the bit-exact payloads and scales share one.
            let all = pr.datasets.sorted(by: { $0.key < $1.key })
            let shown = all.filter { $0.value.kind == "gemm" || $0.value.mismatches > 0 || $0.value.skipped != nil }
            let exact = all.filter { !($0.value.kind == "gemm" || $0.value.mismatches > 0 || $0.value.skipped != nil) }
            let rowCount = shown.count + (exact.isEmpty ? 0 : 1)
            let head = "<td class=\"l\" rowspan=\"\(max(rowCount, 1))\"><b>\(SVG.esc(p))</b><br><span class=\"muted\">\(SVG.esc(pr.attributes["device"] ?? ""))</span></td>"
            if rowCount == 0 {
                let why = pr.attributes["skipped"].map { "skipped by the producer: \($0)" } ?? "no result datasets"
                h += "<tr>\(head)<td class=\"l muted\" colspan=\"8\">\(SVG.esc(why))</td></tr>"
            }
            if !exact.isEmpty {
                let elements = exact.map(\.value.elements).reduce(0, +)
                h += "<tr>\(head)<td class=\"l\" colspan=\"2\"><span class=\"ok\">\(exact.count) \(exact.count == 1 ? "dataset" : "datasets") bit-exact</span></td>"
                h += "<td>0 / \(elements)</td><td class=\"l muted\" colspan=\"5\">\(exact.map { "<code>\(SVG.esc($0.key))</code>" }.joined(separator: " "))</td></tr>"
            }
            for (i, (d, s)) in shown.enumerated() {
                h += "<tr>" + (i == 0 && exact.isEmpty ? head : "")
                h += "<td class=\"l\"><code>\(SVG.esc(d))</code></td>"
                if let skipped = s.skipped {
                    h += "<td>\(badge("skipped"))</td><td class=\"l\" colspan=\"6\">\(SVG.esc(skipped))</td></tr>"
                    continue
                }
                h += "<td>\(s.mismatches == 0 ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">MISMATCH</span>")</td>"
                h += "<td>\(s.mismatches) / \(s.elements)</td><td>\(s.maxUlp.map { Fmt.ulps($0) } ?? "")</td>"
                h += "<td>\(s.accumBits.map { String(format: "%.1f", $0) } ?? "")\(s.accumBitsBeyondRounding.map { String(format: " (%.1f beyond rounding)", $0) } ?? "")</td>"
                if let m = s.firstMismatch {
                    var at = "\(m.coordinates)"
                    if let g = m.group { at += " group \(g)" }
                    if let row = m.row { at += " row \(row)" }
                    if let i = m.inputBits { at += ", input \(i)" }
                    let vals = "\(m.expected) &rarr; \(m.actual)" + (m.expectedValue.map { " <span class=\"muted\">(\(SVG.esc($0)) &rarr; \(SVG.esc(m.actualValue ?? "")))</span>" } ?? "")
                    h += "<td class=\"l\">\(at)</td><td class=\"l\"><code>\(vals)</code></td><td class=\"l\">\(SVG.esc(m.cause ?? "no cause recognised"))</td>"
                } else { h += "<td></td><td></td><td></td>" }
                h += "</tr>"
            }
        }
        return h + "</table>"
    }

    /// Per mismatching dataset: every cause with its count and first example, and a strip of
    /// where the mismatches fall along the rows, group boundaries marked (SPEC 8.2).
    static func causeTables(_ v: VerifyReport) -> String {
        let bad = v.producers.sorted(by: { $0.key < $1.key }).flatMap { p, pr in
            pr.datasets.sorted(by: { $0.key < $1.key }).filter { $0.value.mismatches > 0 }.map { (p, $0.key, $0.value) }
        }
        guard !bad.isEmpty else { return "" }
        var h = "<h3>Every mismatch attributed: causes, and where the mismatches fall</h3>"
        h += "<table><tr><th class=\"l\">producer</th><th class=\"l\">dataset</th><th>count</th><th class=\"l\">cause</th><th class=\"l\">first example</th></tr>"
        for (p, d, s) in bad {
            let causes = s.causes ?? []
            for (i, c) in causes.enumerated() {
                h += "<tr>" + (i == 0 ? "<td class=\"l\" rowspan=\"\(causes.count)\"><b>\(SVG.esc(p))</b></td><td class=\"l\" rowspan=\"\(causes.count)\"><code>\(SVG.esc(d))</code>\(s.byGroup.map { "<br><span class=\"muted\">by group: \($0.map(String.init).joined(separator: " "))</span>" } ?? "")</td>" : "")
                let cls = c.cause == "unexplained" ? "bad" : ""
                var ex = ""
                if let m = c.examples.first {
                    ex = "\(m.coordinates)" + (m.group.map { " group \($0)" } ?? "") + (m.inputBits.map { ", input \($0)" } ?? "")
                        + ": <code>\(SVG.esc(m.expected)) &rarr; \(SVG.esc(m.actual))</code>"
                }
                h += "<td>\(c.count)</td><td class=\"l \(cls)\">\(SVG.esc(c.cause))</td><td class=\"l\">\(ex)</td></tr>"
            }
        }
        h += "</table><div>"
        for (p, d, s) in bad {
            if let density = s.mismatchRows { h += "<div>" + SVG.strip(density, label: "\(p) / \(d)") + "</div>" }
        }
        return h + "</div>"
    }

    static func producerHistograms(_ u: [String: [String: ULPHistogram]]) -> String {
        var h = "<h3>GEMM outputs against the exact reference E, in bf16 ULPs of E</h3><div class=\"grid\">"
        for kind in ["out", "grad_a", "grad_b"] {
            let series = u.keys.sorted().compactMap { p in u[p]![kind].map { (label: p, counts: $0.counts) } }
            if series.isEmpty { continue }
            let maxes = u.keys.sorted().compactMap { p in u[p]![kind].map { "\(p) \(Fmt.ulps($0.maxULP))" } }
            h += "<div class=\"card\"><h4><code>\(kind)</code>: |actual &minus; E| / ulp(E) <span class=\"muted\">(max: \(SVG.esc(maxes.joined(separator: ", "))))</span></h4>"
            h += SVG.histogram(labels: ULPHistogram.labels, series: series, xLabel: "bf16 ulps (bucket upper edge)") + "</div>"
        }
        return h + "</div>"
    }

    static func comparison(_ c: Comparison) -> String {
        var h = "<h3>Recipes side by side against the fp64 ideal (<code>fp8moe compare</code>)</h3>"
        h += "<p class=\"muted\">\(c.recipes.map { "<code>\(SVG.esc($0.label))</code>: \(SVG.esc($0.recipe))" }.joined(separator: "<br>"))<br>GEMMs: \(c.gemmMode) reference; \(SVG.esc(c.sampling ?? "every element measured"))</p>"
        let labels = c.recipes.map(\.label)
        h += "<table><tr><th class=\"l\">tensor</th>" + labels.map { "<th>SQNR <code>\(SVG.esc($0))</code></th>" }.joined()
            + labels.map { "<th>worst token <code>\(SVG.esc($0))</code> [row]</th>" }.joined()
            + labels.map { "<th>token p1 / median <code>\(SVG.esc($0))</code></th>" }.joined()
            + labels.map { "<th>rel. Frobenius <code>\(SVG.esc($0))</code></th>" }.joined()
            + labels.map { "<th>NaN / non-finite / saturated / flushed <code>\(SVG.esc($0))</code></th>" }.joined() + "</tr>"
        for name in c.tensorNames {
            let ts = c.recipes.map { $0.tensor(name) }
            h += "<tr><td class=\"l\"><code>\(name)</code></td>" + ts.map { "<td>\(Fmt.db($0?.total.sqnrDB))</td>" }.joined()
            h += ts.map { "<td>\(ComparisonMarkdown.worst($0))</td>" }.joined()
            h += ts.map { t in "<td>\(t?.rowSQNR.map { "\(Fmt.db($0.p1)) / \(Fmt.db($0.median))" } ?? "-")</td>" }.joined()
            h += ts.map { "<td>\(Fmt.sci($0?.total.relativeFrobenius))</td>" }.joined()
            h += ts.map { t in "<td>\(t.map { "\($0.total.nan + $0.total.idealNaN) / \($0.total.nonFinite) / \($0.total.saturated) / \($0.total.flushed)" } ?? "")</td>" }.joined() + "</tr>"
        }
        h += "</table><div class=\"grid\">"
        let radii = c.recipes.compactMap { r in r.blastRadius.map { (label: r.label, radii: $0) } }
        if !radii.isEmpty {
            h += "<div class=\"card\"><h4>What one NaN or one +Inf does to its block, row or tensor (as the GEMM sees the dequantized operand)</h4>"
                + SVG.blastRadius(radii) + "</div>"
        }
        var rows: [(label: String, series: Int, min: Double, p1: Double, median: Double)] = []
        for name in c.tensorNames {
            for (i, r) in c.recipes.enumerated() {
                guard let q = r.tensor(name)?.rowSQNR, let mn = q.min, let p1 = q.p1, let md = q.median else { continue }
                rows.append(("\(name) \(r.label)", i, mn, p1, md))
            }
        }
        if !rows.isEmpty {
            h += "<div class=\"card\"><h4>Token SQNR distribution: what one scale shared by many tokens does to the small ones</h4>" + SVG.ranges(rows) + "</div>"
        }
        for name in c.tensorNames {
            let series = c.recipes.compactMap { r in r.tensor(name).map { (label: r.label, values: $0.groups.map(\.sqnrDB)) } }
            h += "<div class=\"card\"><h4>Per-group SQNR of <code>\(name)</code> (dB)</h4>"
            h += SVG.groupedBars(categories: (0..<c.g).map { "g\($0)" }, series: series, yLabel: "SQNR dB") + "</div>"
        }
        for name in c.tensorNames {
            let series = c.recipes.compactMap { r in r.tensor(name)?.ulp.map { (label: r.label, counts: $0.counts) } }
            if series.isEmpty { continue }
            h += "<div class=\"card\"><h4><code>\(name)</code> under each recipe against the fp64 ideal, bf16 ULPs of the ideal</h4>"
            h += SVG.histogram(labels: ULPHistogram.labels, series: series, xLabel: "bf16 ulps (bucket upper edge)") + "</div>"
        }
        return h + "</div>"
    }
}
